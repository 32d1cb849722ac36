# Shared build settings and helpers.
set(BULKHEAD_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Boost/simdjson headers trip some clang-only warnings; keep -Werror for our code.
  list(APPEND BULKHEAD_WARNINGS -Wno-unused-command-line-argument -Wno-deprecated-declarations)
endif()
if(BULKHEAD_SANITIZE)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 + ASan misreads Asio's coroutine-frame allocator as a new/delete mismatch.
    list(APPEND BULKHEAD_WARNINGS -Wno-mismatched-new-delete)
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# Beast/Asio: no deprecated interfaces, standalone coroutines.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

# bulkhead_module(NAME DEPS <targets...>): src/NAME/*.cc -> library bulkhead_NAME (alias bulkhead::NAME).
function(bulkhead_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc ${CMAKE_CURRENT_SOURCE_DIR}/detail/*.cc)
  add_library(bulkhead_${name} STATIC ${srcs})
  add_library(bulkhead::${name} ALIAS bulkhead_${name})
  target_include_directories(bulkhead_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(bulkhead_${name} PRIVATE ${BULKHEAD_WARNINGS})
  target_link_libraries(bulkhead_${name} PUBLIC ${ARG_DEPS})
endfunction()

# bulkhead_test(NAME SOURCES <files> DEPS <targets> [LABELS <labels>]): a GoogleTest executable registered with CTest.
function(bulkhead_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${BULKHEAD_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "unit;${ARG_LABELS}")
endfunction()
