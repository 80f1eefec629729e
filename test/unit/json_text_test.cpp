#include "events/json_text.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace tillroll;
namespace json = boost::json;

TEST_CASE("JSON text writes numbers in plain decimal that reads back the "
          "same, and the rest as Boost.JSON does") {
  CHECK(json_text(json::value(4.5)) == "4.5");
  CHECK(json_text(json::value(0.0)) == "0.0");
  CHECK(json_text(json::value(3.0)) == "3.0");
  CHECK(json_text(json::value(-0.25)) == "-0.25");
  CHECK(json_text(json::value(7.0017)) == "7.0017");
  CHECK(json_text(json::value(1e300)) == "1e+300");
  CHECK(json_text(json::value(std::numeric_limits<double>::infinity())) ==
        "null");
  CHECK(json_text(json::value(std::nan(""))) == "null");
  json::object nested{{"rating", 4.25},
                      {"score", 0.0},
                      {"count", 3},
                      {"big", std::numeric_limits<uint64_t>::max()},
                      {"title", "a \"quoted\"\n line"},
                      {"none", nullptr},
                      {"flags", json::array{true, false, 1.5, "x"}}};
  auto text = json_text(nested);
  CHECK(text == R"({"rating":4.25,"score":0.0,"count":3,)"
                R"("big":18446744073709551615,"title":"a \"quoted\"\n line",)"
                R"("none":null,"flags":[true,false,1.5,"x"]})");
  CHECK(json::parse(text) == json::value(nested));
  CHECK(json_text(json::array{}) == "[]");
  CHECK(json_text(json::object{}) == "{}");
  double third = 1.0 / 3.0;
  CHECK(json::parse(json_text(json::value(third))).as_double() == third);
}

TEST_CASE("two JSON texts are the same when their values are, whatever form "
          "their numbers were written in") {
  CHECK(same_json_text(R"({"lat":5.252E1,"floor":2E0})",
                       R"({"lat":52.52,"floor":2.0})"));
  CHECK(same_json_text("{}", "{}"));
  CHECK_FALSE(same_json_text(R"({"lat":52.52})", R"({"lat":52.53})"));
  CHECK_FALSE(same_json_text(R"({"lat":52.52})", "not json"));
  CHECK_FALSE(same_json_text("not json", "not json either"));
}
