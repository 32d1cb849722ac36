# The two front-door commands (README): `make run` and `make test`. Both install dependencies first.
BUILD_DIR ?= build
FUZZ_DIR  ?= build-fuzz
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build run test test-unit fuzz-build fuzz-replay bench clean

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/bulkhead demo

# Fuzz targets (clang-19, ASan+UBSan) replay their saved corpora, then the whole suite runs through ctest.
test: build fuzz-build
	ctest --test-dir $(FUZZ_DIR) --output-on-failure -j $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

test-unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L unit

fuzz-build: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DBULKHEAD_FUZZ=ON -DBULKHEAD_TESTS=OFF -DBULKHEAD_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)

bench: build
	bash bench/run.sh

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
