#include "http/static_files.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "../support/temp_directory.hpp"

using namespace tillroll;

namespace {

void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream{file} << text;
}

} // namespace

TEST_CASE("the pages serve their own files only, with ETags") {
  test::temp_directory pages;
  test::temp_directory outside;
  write(pages.path() / "index.html", "<!doctype html>store");
  write(pages.path() / "console" / "index.html", "<!doctype html>console");
  write(pages.path() / "assets" / "store.js", "export {}");
  write(pages.path() / "Makefile", "all:");
  write(pages.path() / "cmake_install.cmake", "# paths");
  write(pages.path() / "CMakeCache.txt", "paths");
  write(pages.path() / "CMakeFiles" / "x" / "foo.json", "{}");
  write(pages.path() / ".env", "SECRET=1");
  write(pages.path() / ".git" / "index.html", "hidden");
  write(outside.path() / "secret.html", "outside");
  std::filesystem::create_symlink(outside.path() / "secret.html",
                                  pages.path() / "linked.html");
  std::filesystem::create_directory_symlink(outside.path(),
                                            pages.path() / "linked");
  auto loaded = static_files::load(pages.path());
  REQUIRE(loaded);
  CHECK(loaded->size() == 3);
  auto home = loaded->answer("/", "");
  REQUIRE(home);
  CHECK(home->body == "<!doctype html>store");
  CHECK(home->content_type == "text/html; charset=utf-8");
  CHECK(loaded->answer("/console", "")->body == "<!doctype html>console");
  CHECK(loaded->answer("/console/", "")->body == "<!doctype html>console");
  CHECK(loaded->answer("/assets/store.js", "")
            ->content_type.starts_with("text/javascript"));
  for (auto* path : {"/Makefile", "/cmake_install.cmake", "/CMakeCache.txt",
                     "/CMakeFiles/x/foo.json", "/.env", "/.git/index.html",
                     "/linked.html", "/linked/secret.html", "/assets/",
                     "/../index.html", "/assets/../index.html"})
    CHECK_MESSAGE(!loaded->answer(path, ""), path);
  std::string etag;
  for (auto& [name, value] : home->headers)
    if (name == "ETag")
      etag = value;
  REQUIRE(etag.size() == 34);
  CHECK(loaded->answer("/", etag)->status == 304);
  CHECK(loaded->answer("/", "W/" + etag)->status == 304);
  CHECK(loaded->answer("/", "\"other\", " + etag)->status == 304);
  CHECK(loaded->answer("/", "*")->status == 304);
  CHECK(loaded->answer("/", "\"other\"")->status == 200);
  CHECK(loaded->answer("/", etag.substr(1, 32))->status == 200);
}

TEST_CASE("a folder past the pages' limits, or missing, is refused") {
  test::temp_directory pages;
  for (size_t index = 0; index <= static_files_max; ++index)
    write(pages.path() / ("page" + std::to_string(index) + ".html"), "x");
  CHECK_FALSE(static_files::load(pages.path()));
  CHECK_FALSE(static_files::load(pages.path() / "missing"));
}
