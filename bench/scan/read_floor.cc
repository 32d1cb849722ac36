// The fixed cost under every scan of a tree: walk it as `bulkhead scan` does (std::filesystem, *.json/*.toml) and
// read each file with open, fstat and read into one reused buffer, touching nothing else. bench/scan/run.sh
// (FLOOR=1) compiles and times it next to the scan. Prints files, bytes and a checksum (so the reads happen).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: read_floor DIR\n");
    return 2;
  }
  namespace fs = std::filesystem;
  std::vector<char> buffer;
  std::size_t files = 0;
  std::size_t bytes = 0;
  unsigned checksum = 0;
  for (const auto& entry : fs::recursive_directory_iterator(argv[1])) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".json" && ext != ".toml")) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat info {};
    if (::fstat(fd, &info) == 0) {
      const auto size = static_cast<std::size_t>(info.st_size);
      if (buffer.size() < size) buffer.resize(size);
      std::size_t done = 0;
      while (done < size) {
        const ssize_t n = ::read(fd, buffer.data() + done, size - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      if (done > 0) checksum += static_cast<unsigned char>(buffer[done / 2]);
      bytes += done;
      ++files;
    }
    ::close(fd);
  }
  std::printf("%zu files, %zu bytes, checksum %u\n", files, bytes, checksum);
  return 0;
}
