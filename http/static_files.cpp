#include "http/static_files.hpp"

#include "http/request_input.hpp"

#include <array>
#include <fstream>
#include <iterator>
#include <sodium.h>

namespace tillroll {

namespace {

/// The type of a page file by its extension; empty for a file that is
/// not one (it is not served): no data or text files, which a folder of
/// build output holds (compile_commands.json, CMakeCache.txt).
std::string_view content_type_of(const std::filesystem::path& file) {
  static const std::map<std::string, std::string_view, std::less<>> types{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
  };
  auto found = types.find(file.extension().string());
  return found == types.end() ? std::string_view{} : found->second;
}

/// A strong validator: the first 16 bytes of the body's BLAKE2b, quoted.
std::string etag_of(std::string_view body) {
  std::array<unsigned char, 16> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  std::array<char, 33> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return "\"" + std::string{hex.data()} + "\"";
}

/// What every page answer carries: pages are revalidated each time (the
/// ETag makes that a 304), may run only this origin's scripts, reach only
/// this origin's API, and are never framed.
void page_headers(http_response& response, const std::string& etag) {
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "same-origin");
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data: https:; style-src 'self' "
      "'unsafe-inline'; script-src 'self'; connect-src 'self'; "
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

} // namespace

expected<static_files>
static_files::load(const std::filesystem::path& directory) {
  static_files pages;
  std::error_code error;
  std::filesystem::recursive_directory_iterator walk{directory, error};
  if (error)
    return make_failure(errc::storage_failure, "cannot read the pages in " +
                                                   directory.string() + ": " +
                                                   error.message());
  size_t bytes = 0;
  for (auto end = std::filesystem::recursive_directory_iterator{}; walk != end;
       walk.increment(error)) {
    if (error)
      return make_failure(errc::storage_failure,
                          "cannot read the pages: " + error.message());
    // Only the pages' own files: no link out of the folder, no hidden
    // file, nothing of a type a page does not use.
    auto name = walk->path().filename().string();
    if (walk->is_symlink() || name.starts_with('.')) {
      if (walk->is_directory() || walk->is_symlink())
        walk.disable_recursion_pending();
      continue;
    }
    auto type = content_type_of(walk->path());
    if (!walk->is_regular_file() || type.empty())
      continue;
    bytes += walk->file_size();
    if (pages.files_.size() >= static_files_max || bytes > static_bytes_max)
      return make_failure(errc::storage_failure,
                          directory.string() +
                              " holds more than the pages' limits: "
                              "is it the pages' build folder?");
    std::ifstream in{walk->path(), std::ios::binary};
    std::string body{std::istreambuf_iterator<char>{in}, {}};
    if (!in && !in.eof())
      return make_failure(errc::storage_failure,
                          "cannot read " + walk->path().string());
    auto relative = walk->path().lexically_relative(directory).generic_string();
    auto tag = etag_of(body);
    pages.files_.emplace("/" + relative, file{std::string{type}, std::move(tag),
                                              std::move(body)});
  }
  return pages;
}

std::optional<http_response>
static_files::answer(std::string_view path,
                     std::string_view if_none_match) const {
  std::string wanted{path};
  if (wanted == "/console")
    wanted = "/console/";
  if (wanted.ends_with('/'))
    wanted += "index.html";
  auto found = files_.find(wanted);
  if (found == files_.end())
    return std::nullopt;
  auto& page = found->second;
  http_response response;
  response.content_type = page.content_type;
  page_headers(response, page.etag);
  if (!if_none_match.empty() &&
      if_none_match_covers(if_none_match, page.etag)) {
    response.status = 304;
    return response;
  }
  response.body = page.body;
  return response;
}

} // namespace tillroll
