// Asking a running gateway to reload (SIGHUP), shared by `policy reload` and `token rotate-key`.
#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "json/json.h"

namespace bulkhead::cli {

int signal_reload(std::string_view command, const std::string& pid_file, std::string_view what_happens) {
  if (pid_file.empty()) {
    std::cerr << command << ": --pid-file FILE is required (the gateway's --ready-file, or a file holding its pid)\n";
    return 2;
  }
  std::ifstream in(pid_file, std::ios::binary);
  if (!in) {
    std::cerr << command << ": cannot read " << pid_file << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::int64_t pid = 0;
  if (auto json = json::parse(text.str()); json && json->is_object() && json->find("pid") != nullptr &&
                                           json->find("pid")->is_integer()) {
    pid = json->find("pid")->as_int();
  } else if (json && json->is_integer()) {
    pid = json->as_int();
  }
  if (pid <= 1) {
    std::cerr << command << ": no pid in " << pid_file << "\n";
    return 2;
  }
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    std::cerr << command << ": cannot signal pid " << pid << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "sent SIGHUP to " << pid << "; " << what_happens << "\n";
  return 0;
}

}  // namespace bulkhead::cli
