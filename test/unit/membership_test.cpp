#include "actors/cluster/membership.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace tillroll;

TEST_CASE("a member list parses sorted, with this member in it, and a bad "
          "one is refused with a reason") {
  auto parsed =
      parse_membership("b", "c=127.0.0.1:9003,a=127.0.0.1:9001,b=[::1]:9002");
  REQUIRE(parsed);
  REQUIRE(parsed->members.size() == 3);
  CHECK(parsed->members[0] == cluster_member{"a", "127.0.0.1", 9001});
  CHECK(parsed->members[1] == cluster_member{"b", "[::1]", 9002});
  CHECK(parsed->to_text() == "a=127.0.0.1:9001,b=[::1]:9002,c=127.0.0.1:9003");
  for (auto* bad : {"", "a=127.0.0.1:9001", "b=127.0.0.1", "b=127.0.0.1:0",
                    "b=127.0.0.1:70000", "b=h:1,b=h:2", "b h:1", "b=h:1,",
                    "b=h:1,a b=h:2", "=h:1,b=h:2"}) {
    CAPTURE(bad);
    auto refused = parse_membership("b", bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::invalid_argument);
    CHECK_FALSE(refused.error().message.empty());
  }
  CHECK_FALSE(parse_membership("", "=h:1"));
  CHECK_FALSE(
      parse_membership(std::string(33, 'x'), std::string(33, 'x') + "=h:1"));
  std::string many;
  for (int index = 0; index < 65; ++index)
    many += (index == 0 ? "" : ",") + std::string{"m"} + std::to_string(index) +
            "=h:1";
  CHECK_FALSE(parse_membership("m0", many));
}

TEST_CASE("placement is the documented rendezvous hash, the same on every "
          "member, and spreads streams over the members") {
  // Expected values from Python's hashlib.blake2b(digest_size=32), not
  // from this code.
  CHECK(rendezvous_score("a", "sku-TSHIRT-RED-M") == 0xdd6ffafd91083f74ULL);
  CHECK(rendezvous_score("a", "payment-x") == 0x04104765dd4c39ddULL);
  std::map<std::string, std::string> owners{
      {"sku-TSHIRT-RED-M", "a"},
      {"order-u1-k1", "a"},
      {"user-u0567c97c630d6ea0d7ed26e46abe8e1d", "b"},
      {"product-p1", "c"},
      {"payment-x", "c"}};
  const char* members = "a=h:1,b=h:2,c=h:3";
  for (auto* self : {"a", "b", "c"}) {
    auto cluster = parse_membership(self, members);
    REQUIRE(cluster);
    for (auto& [stream, owner] : owners) {
      CHECK(cluster->owner_of(stream) == owner);
      CHECK(cluster->owns(stream) == (owner == self));
    }
  }
  auto cluster = parse_membership("a", members);
  std::map<std::string, int> counts;
  for (int index = 0; index < 3000; ++index)
    ++counts[cluster->owner_of("sku-" + std::to_string(index))];
  for (auto& [member, count] : counts)
    CHECK(count > 850);
  // A single node owns everything.
  membership alone;
  CHECK(alone.owns("sku-anything"));
}

TEST_CASE("a host and port parse from the last colon") {
  auto parsed = parse_host_port("127.0.0.1:8080");
  REQUIRE(parsed);
  CHECK(parsed->host == "127.0.0.1");
  CHECK(parsed->port == 8080);
  CHECK_FALSE(parse_host_port("8080"));
  CHECK_FALSE(parse_host_port(":8080"));
  CHECK_FALSE(parse_host_port("h:"));
  CHECK_FALSE(parse_host_port("h:x1"));
  CHECK_FALSE(parse_host_port("h:65536"));
}
