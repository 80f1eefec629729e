// The cluster's first steps against the real binary: the member list
// recorded and enforced, keys shared through the secret, and another
// member's entities out of reach (503 node_unavailable) until forwarding.
#include <doctest/doctest.h>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

const std::string secret = "0f3c9a7e51b2d84c6e0a9f1b3d5c7e92";

std::vector<std::string> member_flags(const std::string& id,
                                      const std::string& members) {
  return {"--node-id", id, "--members", members, "--cluster-secret", secret};
}

const std::string two = "a=127.0.0.1:17301,b=127.0.0.1:17302";

} // namespace

TEST_CASE("a cluster member needs its id, the list with itself in it and a "
          "secret; a bad one exits 2 with the reason") {
  auto serve = binary + " serve --data-dir /nonexistent/x";
  auto no_secret = run_command(serve + " --node-id a --members " + two);
  CHECK(no_secret.exit_code == 2);
  CHECK(no_secret.output.find("--cluster-secret") != std::string::npos);
  for (auto* weak : {"short", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                     "abababababababababababababababab"}) {
    CAPTURE(weak);
    auto refused = run_command(serve + " --node-id a --members " + two +
                               " --cluster-secret " + weak);
    CHECK(refused.exit_code == 2);
    CHECK(refused.output.find("random --cluster-secret") != std::string::npos);
  }
  auto secret_alone = run_command(serve + " --cluster-secret " + secret);
  CHECK(secret_alone.exit_code == 2);
  CHECK(secret_alone.output.find("give --node-id and --members") !=
        std::string::npos);
  auto not_listed = run_command(serve + " --node-id c --members " + two +
                                " --cluster-secret " + secret);
  CHECK(not_listed.exit_code == 2);
  CHECK(not_listed.output.find("must list this member") != std::string::npos);
  auto no_list = run_command(serve + " --node-id a --cluster-secret " + secret);
  CHECK(no_list.exit_code == 2);
  CHECK(run_command(serve +
                    " --node-id a --members a=h:1,a=h:2 "
                    "--cluster-secret " +
                    secret)
            .exit_code == 2);
}

TEST_CASE("a data directory keeps the member id and list of its first start: "
          "another id, list, or a single node is refused") {
  temp_directory data;
  { running_store first{data.path(), member_flags("a", two)}; }
  auto serve = [&](const std::string& flags) {
    return run_command(binary + " serve --data-dir " + data.path().string() +
                       " --listen 127.0.0.1:0 " + flags);
  };
  auto other_list =
      serve("--node-id a --members a=127.0.0.1:17301,c=127.0.0.1:17303 "
            "--cluster-secret " +
            secret);
  CHECK(other_list.exit_code == 2);
  CHECK(other_list.output.find("belongs to member a of a b, secret ") !=
        std::string::npos);
  // Under another secret every user id would change.
  auto other_secret = serve("--node-id a --members " + two +
                            " --cluster-secret 9" + secret.substr(1));
  CHECK(other_secret.exit_code == 2);
  auto other_id =
      serve("--node-id b --members " + two + " --cluster-secret " + secret);
  CHECK(other_id.exit_code == 2);
  auto alone = serve("");
  CHECK(alone.exit_code == 2);
  CHECK(alone.output.find("not to a single node") != std::string::npos);
  // The same ids start again, also at other addresses.
  running_store again{data.path(),
                      member_flags("a", "a=127.0.0.1:17311,b=127.0.0.1:17312")};
  CHECK(again.api().get("/healthz").status == 200);
}

TEST_CASE("a single node's data directory cannot become a cluster member's") {
  temp_directory data;
  {
    running_store single{data.path(), {}};
    single.api().account("early@test.local", "buyer");
  }
  auto joined =
      run_command(binary + " serve --data-dir " + data.path().string() +
                  " --listen 127.0.0.1:0 --node-id a --members " + two +
                  " --cluster-secret " + secret);
  CHECK(joined.exit_code == 2);
  CHECK(joined.output.find("belongs to a single node") != std::string::npos);
}

TEST_CASE("two members: each entity is served by its owner alone, another "
          "member answers 503 node_unavailable, and a token of one is good "
          "on the other") {
  running_store a{member_flags("a", two)};
  running_store b{member_flags("b", two)};
  int signed_up = 0;
  // A sign-up reads the email's stream under the old id derivation too;
  // only an email whose two streams share a member can sign up before
  // members forward.
  for (int index = 0; index < 60 && signed_up < 4; ++index) {
    auto email = "buyer" + std::to_string(index) + "@test.local";
    json::object body{
        {"email", email}, {"password", "password-buyer"}, {"role", "buyer"}};
    auto on_a = a.api().post("/v1/users", body);
    auto on_b = b.api().post("/v1/users", body);
    CAPTURE(on_a.body);
    CAPTURE(on_b.body);
    REQUIRE_FALSE((on_a.status == 201 && on_b.status == 201));
    for (auto* refused : {&on_a, &on_b})
      if (refused->status != 201) {
        CHECK(refused->status == 503);
        CHECK(refused->error_code() == "node_unavailable");
        CHECK(refused->head.find("Retry-After") != std::string::npos);
      }
    if (on_a.status != 201 && on_b.status != 201)
      continue;
    ++signed_up;
    auto& owner = on_a.status == 201 ? a : b;
    auto& other = on_a.status == 201 ? b : a;
    auto [token, user] = owner.api().sign_in(email, "password-buyer");
    // Signed with the key both derived from the secret.
    CHECK(other.api().get("/v1/orders", token).status == 200);
  }
  CHECK(signed_up == 4);
  running_store stranger{{}};
  auto [token, user] = a.api().sign_in(admin_email, admin_password);
  CHECK(stranger.api().get("/v1/orders", token).status == 401);
}
