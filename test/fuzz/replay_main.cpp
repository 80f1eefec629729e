// Replays a corpus through a harness without libFuzzer, so `make test`
// runs every seed and every past finding with the normal compiler. Each
// argument is a file or a directory of files.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void replay(const std::filesystem::path& file) {
  // Printed first: a crash then names its input.
  std::printf("%s\n", file.c_str());
  std::fflush(stdout);
  std::ifstream in{file, std::ios::binary};
  std::string bytes{std::istreambuf_iterator<char>{in}, {}};
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
}

} // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int index = 1; index < argc; ++index) {
    std::filesystem::path given{argv[index]};
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(given)) {
      for (auto& entry : std::filesystem::directory_iterator{given})
        if (entry.is_regular_file())
          files.push_back(entry.path());
    } else {
      files.push_back(given);
    }
    for (auto& file : files) {
      replay(file);
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  // An empty corpus proves nothing: a moved directory must not pass.
  return replayed > 0 ? 0 : 1;
}
