// The pages (web/): the built storefront and console, read once at start
// and served from memory with ETags, so a page costs no disk read and a
// revalidation is a 304 without a body.
#pragma once

#include "events/expected.hpp"
#include "http/server.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tillroll {

/// Most files the pages' directory may hold, and most bytes in all: a
/// wrong --web-dir (a home folder, say) is refused rather than read.
inline constexpr size_t static_files_max = 256;
inline constexpr size_t static_bytes_max = size_t{32} << 20;

class static_files {
public:
  /// Reads the page files under `directory` (HTML, scripts, styles,
  /// images, fonts; neither symlinks nor hidden files); a storage failure
  /// when it cannot, or they pass the limits above.
  [[nodiscard]] static expected<static_files>
  load(const std::filesystem::path& directory);

  /// The answer to GET (or HEAD) of `path` with that If-None-Match, or
  /// none when no page has that path. "/" is the storefront's index.html,
  /// "/console" and "/console/" the console's.
  std::optional<http_response> answer(std::string_view path,
                                      std::string_view if_none_match) const;

  size_t size() const { return files_.size(); }

private:
  struct file {
    std::string content_type;
    std::string etag;
    std::string body;
  };
  std::map<std::string, file, std::less<>> files_;
};

} // namespace tillroll
