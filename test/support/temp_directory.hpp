// A fresh directory under /tmp for one test, removed afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tillroll::test {

class temp_directory {
public:
  temp_directory() {
    std::string pattern = "/tmp/tillroll-test-XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~temp_directory() {
    // Kept for a post-mortem of a failed run when asked.
    if (std::getenv("TILLROLL_KEEP_TEST_DATA") != nullptr)
      return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace tillroll::test
