// The HTTP layer's checks one by one: UTF-8 in error bodies, media types
// and content codings, SKU ids, integer fields, and keyed user ids.
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/request_input.hpp"
#include "http/schema.hpp"
#include "http/server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

using namespace tillroll;
namespace json = boost::json;

TEST_CASE("invalid UTF-8 is replaced by U+FFFD, valid UTF-8 is kept") {
  CHECK(replace_invalid_utf8("plain") == "plain");
  CHECK(replace_invalid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(replace_invalid_utf8("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(replace_invalid_utf8("a\xff"
                             "b") == "a\xef\xbf\xbd"
                                     "b");
  // Truncated, overlong, surrogate, past U+10FFFF.
  CHECK(replace_invalid_utf8("\xc3") == "\xef\xbf\xbd");
  CHECK(replace_invalid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(!is_valid_utf8("\xed\xa0\x80"));
  CHECK(!is_valid_utf8("\xf4\x90\x80\x80"));
  CHECK(is_valid_utf8(replace_invalid_utf8("\xed\xa0\x80\xf4\x90\x80\x80")));
}

TEST_CASE("an error body is valid UTF-8 JSON whatever its message and "
          "details hold") {
  auto response = failure_response(
      failure{errc::not_found, "unknown sku \xff\xfe\"\n", false},
      "{\"skus\":[\"\xc3(\"]}");
  CHECK(is_valid_utf8(response.body));
  json::error_code error;
  auto parsed = json::parse(response.body, error);
  REQUIRE_MESSAGE(!error, response.body);
  CHECK(parsed.at("error").at("code").as_string() == "not_found");
  CHECK(parsed.at("error").at("details").at("skus").as_array().size() == 1);
}

TEST_CASE("JSON media types compare case-insensitively: a charset must be "
          "UTF-8") {
  for (auto type :
       {"application/json", "APPLICATION/JSON",
        "application/json; charset=utf-8", "application/json;charset=\"UTF-8\"",
        " application/json ; foo=bar"})
    CHECK_MESSAGE(check_json_media_type(type), type);
  for (auto type :
       {"", "text/json", "application/jsonx", "application/json-seq",
        "application/json; charset=latin1", "application/json; charset="})
    CHECK_MESSAGE(check_json_media_type(type).error().code ==
                      errc::unsupported_media_type,
                  type);
}

TEST_CASE("only the identity content coding is taken") {
  CHECK(check_identity_encoding(""));
  CHECK(check_identity_encoding("identity"));
  CHECK(check_identity_encoding("Identity"));
  for (auto coding : {"gzip", "x-gzip", "deflate", "br", "identity, gzip"})
    CHECK(check_identity_encoding(coding).error().code ==
          errc::unsupported_media_type);
}

TEST_CASE("a SKU id is 1 to 128 of A-Z a-z 0-9 . _ -") {
  CHECK(check_sku_id("TSHIRT-RED-M"));
  CHECK(check_sku_id("a.b_c-9"));
  CHECK(check_sku_id(std::string(128, 'X')));
  for (auto bad : {std::string{}, std::string(129, 'X'), std::string{"A/B"},
                   std::string{"A B"}, std::string{"A\x01"}, std::string{"A:B"},
                   std::string{"A%20B"}, std::string{"caf\xc3\xa9"}}) {
    auto checked = check_sku_id(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == errc::invalid_argument);
    CHECK(checked.error().message.find("sku") != std::string::npos);
  }
}

TEST_CASE("an integer field takes JSON integers only, naming the field") {
  auto shape = schema::object({required("quantity", schema::integer(0, 100))});
  auto field = [&](std::string_view text) {
    return shape.check(json::parse(text));
  };
  for (auto good :
       {R"({"quantity":7})", R"({"quantity":0})", R"({"quantity":-0})"})
    CHECK_MESSAGE(field(good), good);
  for (auto bad :
       {R"({"quantity":1.0})", R"({"quantity":1e1})", R"({"quantity":-0.0})",
        R"({"quantity":"7"})", R"({"quantity":101})",
        R"({"quantity":18446744073709551615})", R"({"quantity":true})",
        R"({})"}) {
    auto checked = field(bad);
    REQUIRE_FALSE_MESSAGE(checked, bad);
    CHECK(checked.error().code == errc::invalid_argument);
    CHECK(checked.error().message.find("quantity") != std::string::npos);
  }
}

TEST_CASE("a schema refuses unknown, missing, null and mistyped fields by "
          "their path, and takes null for an optional nullable one") {
  auto shape = schema::object(
      {required("title", schema::text(5)),
       optional("note", schema::text(10).nullable()),
       required("lines", schema::list(schema::object({required(
                                          "sku", schema::text(8, 1))}),
                                      2, 1))});
  auto check = [&](std::string_view text) {
    return shape.check(json::parse(text));
  };
  CHECK(check(R"({"title":"ab","lines":[{"sku":"A"}]})"));
  CHECK(check(R"({"title":"ab","note":null,"lines":[{"sku":"A"}]})"));
  for (auto [bad, named] :
       {std::pair{R"({"title":"ab","lines":[{"sku":"A"}],"id":"x"})", "id"},
        std::pair{R"({"lines":[{"sku":"A"}]})", "title"},
        std::pair{R"({"title":null,"lines":[{"sku":"A"}]})", "title"},
        std::pair{R"({"title":"toolong","lines":[{"sku":"A"}]})", "title"},
        std::pair{R"({"title":"ab","lines":[]})", "lines"},
        std::pair{R"({"title":"ab","lines":[{"sku":""}]})", "lines[0].sku"},
        std::pair{R"({"title":"ab","lines":[{"sku":"A","x":1}]})",
                  "lines[0].x"},
        std::pair{
            R"({"title":"ab","lines":[{"sku":"A"},{"sku":"B"},{"sku":"C"}]})",
            "lines"},
        std::pair{R"({"title":7,"lines":[{"sku":"A"}]})", "title"}}) {
    auto checked = check(bad);
    REQUIRE_FALSE_MESSAGE(checked, bad);
    CHECK(checked.error().code == errc::invalid_argument);
    CHECK_MESSAGE(checked.error().message.find(named) != std::string::npos,
                  checked.error().message);
  }
}

TEST_CASE("a schema's document is the JSON Schema of what it checks") {
  json::object components;
  auto shape = schema::named(
      "Line", schema::object({required("sku", schema::text(8, 1)),
                              optional("quantity", schema::integer(1, 5))}));
  auto document = shape.document(components);
  CHECK(json::serialize(document) == R"({"$ref":"#/components/schemas/Line"})");
  CHECK(
      json::serialize(components.at("Line")) ==
      R"({"type":"object","properties":{"sku":{"type":"string","minLength":1,"maxLength":8},)"
      R"("quantity":{"type":"integer","minimum":1,"maximum":5}},"required":["sku"],)"
      R"("additionalProperties":false})");
}

TEST_CASE("a query parameter given twice is refused, not read once") {
  auto query = query_parameters("/v1/products?min_price=1&min_price=9000");
  REQUIRE_FALSE(query);
  CHECK(query.error().code == errc::invalid_argument);
  CHECK(query_parameters("/v1/products?min_price=1&max_price=9000"));
}

TEST_CASE("user ids are keyed: stable for a key, different across keys, "
          "not the unkeyed hash") {
  initialize_crypto();
  auto key = random_user_id_key();
  auto other = random_user_id_key();
  auto id = user_id_for_email(key, "Ann@Example.com ");
  CHECK(id == user_id_for_email(key, "ann@example.com"));
  CHECK(id != user_id_for_email(other, "ann@example.com"));
  CHECK(id != legacy_user_id_for_email("ann@example.com"));
  CHECK(id.size() == 33);
  CHECK(id.front() == 'u');
  // The old derivation, kept for accounts made with it.
  CHECK(legacy_user_id_for_email("Ann@Example.com") ==
        legacy_user_id_for_email("ann@example.com"));
}
