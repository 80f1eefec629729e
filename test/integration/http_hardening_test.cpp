// HTTP hardening against the real binary: user ids that reveal nothing,
// sign-in that costs the same for the admin and runs on its own lane, an
// accept loop that survives running out of descriptors, limits on
// connections and on the time to send headers, and the edges of input
// (raw bytes, SKU ids, media types, encodings, integers).
#include "actors/user/user_actor.hpp"
#include "http/auth.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sodium.h>

#include "../support/node_fixture.hpp"
#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// The id the first releases derived from an email: an unkeyed BLAKE2b of
/// the normalized address, which anyone can compute from a guess.
std::string unkeyed_user_id(std::string email) {
  REQUIRE(sodium_init() >= 0);
  for (auto& c : email)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(email.data()),
                     email.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return "u" + std::string{hex};
}

/// The real binary on a fresh (or given) data directory with extra `serve`
/// flags, optionally under a lower limit of open files.
struct store_process {
  test::temp_directory directory;
  std::optional<test::server_process> server;
  std::optional<test::api_client> client;

  explicit store_process(std::vector<std::string> flags = {},
                         int descriptor_limit = 0,
                         std::filesystem::path data = {}) {
    if (data.empty())
      data = directory.path();
    std::vector<std::string> arguments;
    if (descriptor_limit > 0)
      // The shell lowers the limit and becomes the server (same pid).
      arguments = {"/bin/sh", "-c",
                   "ulimit -n " + std::to_string(descriptor_limit) +
                       " && exec \"$0\" \"$@\"",
                   binary};
    else
      arguments = {binary};
    for (auto& argument :
         {std::string{"serve"}, std::string{"--data-dir"}, data.string(),
          std::string{"--listen"}, std::string{"127.0.0.1:0"},
          std::string{"--admin-email"}, admin_email,
          std::string{"--admin-password"}, admin_password})
      arguments.push_back(argument);
    for (auto& flag : flags)
      arguments.push_back(flag);
    server.emplace(arguments);
    auto line = server->first_line(20s);
    REQUIRE_MESSAGE(line, "the server did not start");
    auto colon = line->rfind(':', line->find(" (data"));
    client.emplace(static_cast<uint16_t>(std::stoi(line->substr(colon + 1))));
  }
  ~store_process() { CHECK(server->stop(20s) == 0); }

  test::api_client& api() { return *client; }
  uint16_t port() const { return client->port(); }
};

/// A connected loopback socket, or -1. Close-on-exec: a server started
/// later must not inherit it (it would count against its file limit).
int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  return fd;
}

/// Client sockets closed however the test ends.
struct sockets {
  std::vector<int> fds;
  ~sockets() {
    for (int fd : fds)
      if (fd >= 0)
        close(fd);
  }
  void close_all() {
    for (int& fd : fds)
      if (fd >= 0) {
        close(fd);
        fd = -1;
      }
  }
};

bool send_all(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

/// Whether `received` holds one whole response (by its Content-Length).
bool complete_response(const std::string& received) {
  auto split = received.find("\r\n\r\n");
  if (split == std::string::npos)
    return false;
  auto head = received.substr(0, split);
  for (auto& c : head)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = head.find("\r\ncontent-length:");
  if (at == std::string::npos)
    return true;
  auto length = std::stoul(head.substr(at + 17));
  return received.size() >= split + 4 + length;
}

/// Reads one response from `fd` within `cap`: whole, or what came before
/// the peer closed; nullopt on silence or a reset.
std::optional<http_reply> read_reply(int fd, std::chrono::milliseconds cap) {
  std::string received;
  auto deadline = clock_type::now() + cap;
  while (!complete_response(received)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char buffer[8192];
    auto got = recv(fd, buffer, sizeof buffer, 0);
    if (got < 0)
      return std::nullopt;
    if (got == 0)
      break;
    received.append(buffer, static_cast<size_t>(got));
  }
  return parse_reply(received);
}

/// Well-formed UTF-8: no stray or missing continuation bytes, no overlong
/// forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view text) {
  static constexpr uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  for (size_t at = 0; at < text.size();) {
    auto lead = static_cast<unsigned char>(text[at]);
    size_t length = 0;
    uint32_t code = 0;
    if (lead < 0x80) {
      ++at;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (at + length > text.size())
      return false;
    for (size_t next = 1; next < length; ++next) {
      auto follow = static_cast<unsigned char>(text[at + next]);
      if ((follow & 0xc0) != 0x80)
        return false;
      code = (code << 6) | (follow & 0x3f);
    }
    if (code < smallest[length] || code > 0x10ffff ||
        (code >= 0xd800 && code <= 0xdfff))
      return false;
    at += length;
  }
  return true;
}

/// An error answer as API.md wants it: JSON, valid UTF-8, with a code.
void check_json_error(const http_reply& reply, int status,
                      std::string_view code = {}) {
  CHECK_MESSAGE(reply.status == status, reply.head << "\n" << reply.body);
  CHECK(valid_utf8(reply.body));
  boost::json::error_code error;
  auto parsed = boost::json::parse(reply.body, error);
  REQUIRE_MESSAGE(!error, "not JSON: " << reply.body);
  auto* problem =
      parsed.is_object() ? parsed.as_object().if_contains("error") : nullptr;
  REQUIRE_MESSAGE(problem != nullptr, reply.body);
  CHECK(problem->as_object().contains("message"));
  if (!code.empty())
    CHECK(problem->as_object().at("code").as_string() == code);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace

// ---- 3: user ids ---------------------------------------------------------

TEST_CASE("a new user's id is not the unkeyed hash of their email, and two "
          "nodes give the same email different ids") {
  store_process first;
  store_process second;
  auto email = std::string{"ann.seller@test.local"};
  auto [token_1, id_1] = first.api().account(email, "seller");
  auto [token_2, id_2] = second.api().account(email, "seller");
  CHECK(id_1 != unkeyed_user_id(email));
  CHECK(id_2 != unkeyed_user_id(email));
  CHECK(id_1 != id_2);
  // The id is still the account's for good, and the email still unique.
  CHECK(first.api().sign_in(email, "password-seller").second == id_1);
  CHECK(
      first.api().sign_in("ANN.Seller@test.local", "password-seller").second ==
      id_1);
  auto again =
      first.api().post("/v1/users", {{"email", "Ann.Seller@Test.Local"},
                                     {"password", "password-2x"},
                                     {"role", "buyer"}});
  check_json_error({again.status, again.head, again.body}, 409, "conflict");
}

TEST_CASE("a user registered under the old id derivation still signs in and "
          "keeps their id") {
  test::temp_directory directory;
  auto email = std::string{"old.seller@test.local"};
  auto old_id = unkeyed_user_id(email);
  {
    // What the old code wrote: the account's stream under the unkeyed id.
    test::node_fixture node{directory.path()};
    initialize_crypto();
    auto hash = hash_password("old-password-1");
    REQUIRE(hash);
    REQUIRE(
        node.ask<user_entity>(old_id, register_user{email, *hash, "seller"}));
  }
  store_process store{{}, 0, directory.path()};
  auto& api = store.api();
  auto [token, id] = api.sign_in("Old.Seller@test.local", "old-password-1");
  CHECK(id == old_id);
  auto wrong = api.post("/v1/sessions",
                        {{"email", email}, {"password", "old-password-2"}});
  check_json_error({wrong.status, wrong.head, wrong.body}, 401);
  // The address stays taken: no second account under the new derivation.
  auto again = api.post(
      "/v1/users",
      {{"email", email}, {"password", "new-password-1"}, {"role", "buyer"}});
  check_json_error({again.status, again.head, again.body}, 409, "conflict");
  // What they list is theirs under the old id.
  json::object product{
      {"title", "Old Lamp"},
      {"category", "Tools"},
      {"variants",
       json::array{json::object{
           {"sku", "OLD-LAMP-1"}, {"price_cents", 900}, {"currency", "USD"}}}}};
  auto made = api.post("/v1/products", product, token);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  CHECK(made.json().at("seller_id").as_string() == old_id);
}

// ---- 4: password hashing for everyone, on its own lane --------------------

TEST_CASE("a wrong admin password takes about as long as a wrong user "
          "password") {
  running_store store;
  auto& api = store.api();
  api.account("timing@test.local", "buyer");
  auto median_seconds = [&](const std::string& email) {
    std::vector<double> took;
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto started = clock_type::now();
      auto reply =
          api.post("/v1/sessions",
                   {{"email", email},
                    {"password", "wrong-password-" + std::to_string(attempt)}});
      took.push_back(
          std::chrono::duration<double>(clock_type::now() - started).count());
      CHECK(reply.status == 401);
    }
    return median(took);
  };
  auto user = median_seconds("timing@test.local");
  auto admin = median_seconds(admin_email);
  auto nobody = median_seconds("nobody@test.local");
  MESSAGE("median wrong sign-in: user " << user << " s, admin " << admin
                                        << " s, unknown " << nobody << " s");
  CHECK(admin >= 0.3 * user);
  CHECK(nobody >= 0.3 * user);
  // The right admin password still signs in.
  CHECK_FALSE(store.admin().empty());
}

TEST_CASE("a public search answers within 2 s while 300 bad sign-ins are in "
          "flight") {
  // The lane is under test here, not the sign-in limits (rate_limit_test).
  running_store store{
      {"--limit-sign-in-per-email", "0", "--limit-sign-in-per-address", "0"}};
  auto& api = store.api();
  auto [seller, seller_id] = api.account("flood-seller@test.local", "seller");
  store.list_product(seller, "Oak Table", "FLOOD-TABLE-1", 3);
  REQUIRE(wait_until([&] {
    auto found = api.get("/v1/search?q=oak");
    return found.status == 200 && found.json().at("total").as_int64() == 1;
  }));

  constexpr size_t flood_size = 300;
  sockets flood;
  for (size_t index = 0; index < flood_size; ++index) {
    int fd = connect_to(api.port());
    REQUIRE(fd >= 0);
    auto body = json::serialize(json::object{
        {"email", index % 2 == 0
                      ? "flood-seller@test.local"
                      : "nobody-" + std::to_string(index) + "@test.local"},
        {"password", "wrong-password-" + std::to_string(index)}});
    REQUIRE(send_all(fd, request_bytes("POST", "/v1/sessions", body)));
    flood.fds.push_back(fd);
  }
  auto started = clock_type::now();
  auto found = api.get("/v1/search?q=oak");
  auto took = clock_type::now() - started;
  size_t answered_meanwhile = 0;
  for (int fd : flood.fds) {
    pollfd ready{fd, POLLIN, 0};
    answered_meanwhile += poll(&ready, 1, 0) > 0 ? 1 : 0;
  }
  MESSAGE("search took " << std::chrono::duration<double>(took).count()
                         << " s with " << flood_size - answered_meanwhile
                         << " sign-ins unanswered");
  CHECK(found.status == 200);
  CHECK(took < 2s);
  CHECK(answered_meanwhile < flood_size);

  // Every sign-in gets its answer: 401, or 503 with Retry-After when the
  // hashing lane is full. None is dropped.
  size_t refused = 0, overloaded = 0;
  for (int fd : flood.fds) {
    auto reply = read_reply(fd, 60s);
    REQUIRE_MESSAGE(reply, "a sign-in got no answer");
    if (reply->status == 401) {
      check_json_error(*reply, 401, "unauthorized");
      ++refused;
    } else {
      check_json_error(*reply, 503, "overloaded");
      CHECK(!api_reply{reply->status, reply->head, reply->body}
                 .header("Retry-After")
                 .empty());
      ++overloaded;
    }
  }
  MESSAGE(refused << " refused, " << overloaded << " overloaded");
  CHECK(refused > 0);
  CHECK(api.get("/healthz").status == 200);
}

// ---- 15: accepting after running out of descriptors ------------------------

TEST_CASE("with a low limit of open files, more connections than the limit "
          "leave a server that answers again once they close") {
  constexpr int descriptor_limit = 256;
  constexpr size_t connection_count = 300;
  store_process store{{}, descriptor_limit};
  sockets connections;
  auto& open = connections.fds;
  for (size_t index = 0; index < connection_count; ++index) {
    int fd = connect_to(store.port());
    REQUIRE(fd >= 0);
    // Kept alive: each connection stays open after its answer.
    REQUIRE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    open.push_back(fd);
  }
  // Each is answered: 200 while there are descriptors for it, else 503 and
  // closed (a client closes such a connection at once, as this one does).
  size_t served = 0, refused = 0;
  std::vector<std::string> received(open.size());
  std::vector<bool> done(open.size(), false);
  auto all_answered = wait_until(
      [&] {
        for (size_t index = 0; index < open.size(); ++index) {
          if (done[index])
            continue;
          pollfd ready{open[index], POLLIN, 0};
          if (poll(&ready, 1, 0) <= 0)
            continue;
          char buffer[4096];
          auto got = recv(open[index], buffer, sizeof buffer, MSG_DONTWAIT);
          if (got > 0)
            received[index].append(buffer, static_cast<size_t>(got));
          if (got <= 0 || complete_response(received[index])) {
            done[index] = true;
            auto reply = parse_reply(received[index]);
            if (reply && reply->status == 200)
              ++served;
            else if (reply) {
              check_json_error(*reply, 503, "overloaded");
              ++refused;
              close(open[index]);
              open[index] = -1;
            }
          }
        }
        return std::all_of(done.begin(), done.end(), [](bool b) { return b; });
      },
      20s);
  MESSAGE(served << " served, " << refused << " refused at the limit");
  CHECK(all_answered);
  CHECK(served + refused == connection_count);
  connections.close_all();
  // With the connections gone the server answers again.
  CHECK(wait_until(
      [&] {
        auto reply = http_get(store.port(), "/healthz");
        return reply && reply->status == 200;
      },
      10s));
}

// ---- 16: idle connections and connection limits ----------------------------

TEST_CASE("a connection that sends no complete headers gets 408 within the "
          "header deadline") {
  store_process store{{"--header-timeout-ms", "500"}};
  for (std::string partial :
       {std::string{"GET /healthz HTTP/1.1\r\nHost: x\r\n"}, std::string{}}) {
    sockets connection{{connect_to(store.port())}};
    int fd = connection.fds[0];
    REQUIRE(fd >= 0);
    if (!partial.empty())
      REQUIRE(send_all(fd, partial));
    auto started = clock_type::now();
    auto reply = read_reply(fd, 5s);
    auto took = clock_type::now() - started;
    REQUIRE_MESSAGE(reply, "no answer to a connection without headers");
    check_json_error(*reply, 408, "request_timeout");
    CHECK(api_reply{reply->status, reply->head, reply->body}.header(
              "Connection") == "close");
    CHECK(took >= 400ms);
    CHECK(took < 3s);
  }
  CHECK(store.api().get("/healthz").status == 200);
}

TEST_CASE("past the per-address connection limit a new connection gets 503 "
          "JSON, and service resumes when the idle ones close") {
  store_process store{
      {"--connections-per-address-max", "4", "--header-timeout-ms", "1500"}};
  sockets idle;
  for (int index = 0; index < 4; ++index) {
    idle.fds.push_back(connect_to(store.port()));
    REQUIRE(idle.fds.back() >= 0);
  }
  auto refused = http_get(store.port(), "/healthz");
  REQUIRE_MESSAGE(refused, "no answer past the limit");
  check_json_error(*refused, 503, "overloaded");
  CHECK(!api_reply{refused->status, refused->head, refused->body}
             .header("Retry-After")
             .empty());
  idle.close_all();
  CHECK(wait_until(
      [&] {
        auto reply = http_get(store.port(), "/healthz");
        return reply && reply->status == 200;
      },
      5s));

  // Idle connections that never close hold nothing past the header
  // deadline: they get 408 and the server is free again.
  // The closes above reach the server's io threads in their own time, so
  // a slot may still be held when the next four connect: those are
  // refused at once, and the four are tried again until none is.
  sockets held;
  bool all_held = false;
  for (int attempt = 0; attempt < 20 && !all_held; ++attempt) {
    held.close_all();
    held.fds.clear();
    for (int index = 0; index < 4; ++index)
      held.fds.push_back(connect_to(store.port()));
    all_held = std::none_of(held.fds.begin(), held.fds.end(), [](int fd) {
      return read_reply(fd, 100ms).has_value();
    });
  }
  REQUIRE_MESSAGE(all_held, "four connections were never held at once");
  CHECK(wait_until(
      [&] {
        auto reply = http_get(store.port(), "/healthz");
        return reply && reply->status == 200;
      },
      10s));
  for (int fd : held.fds) {
    auto reply = read_reply(fd, 5s);
    REQUIRE(reply);
    check_json_error(*reply, 408, "request_timeout");
  }
}

TEST_CASE("past the server's connection limit a new connection gets 503 JSON "
          "and the server keeps accepting") {
  store_process store{{"--connections-max", "3"}};
  sockets held;
  for (int index = 0; index < 3; ++index) {
    held.fds.push_back(connect_to(store.port()));
    REQUIRE(held.fds.back() >= 0);
  }
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto refused = http_get(store.port(), "/healthz");
    REQUIRE_MESSAGE(refused, "no answer past the limit");
    check_json_error(*refused, 503, "overloaded");
  }
  close(held.fds.back());
  held.fds.pop_back();
  CHECK(wait_until(
      [&] {
        auto reply = http_get(store.port(), "/healthz");
        return reply && reply->status == 200;
      },
      5s));
}

TEST_CASE("with four io threads every connection is served, kept alive, "
          "and a connection stuck mid-headers holds up none of them") {
  store_process store{{"--http-threads", "4"}};
  sockets held;
  // Accepted round-robin: the first four are one on each thread, and each
  // thread gets a stuck one besides.
  for (int index = 0; index < 12; ++index) {
    held.fds.push_back(connect_to(store.port()));
    REQUIRE(held.fds.back() >= 0);
  }
  for (size_t index = 0; index < held.fds.size(); index += 3)
    REQUIRE(send_all(held.fds[index], "GET /healthz HTTP/1.1\r\nHost: x"));
  for (int round = 0; round < 3; ++round)
    for (size_t index = 0; index < held.fds.size(); ++index) {
      if (index % 3 == 0)
        continue;
      CAPTURE(index);
      REQUIRE(send_all(held.fds[index],
                       "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
      auto reply = read_reply(held.fds[index], 2000ms);
      REQUIRE_MESSAGE(reply, "a connection was not served");
      CHECK(reply->status == 200);
    }
}

// ---- 18: input edges -------------------------------------------------------

TEST_CASE("error bodies are valid UTF-8 JSON whatever bytes the request "
          "carried") {
  running_store store;
  auto& api = store.api();
  auto [buyer, buyer_id] = api.account("bytes@test.local", "buyer");
  std::vector<std::string> requests{
      request_bytes("PUT", "/v1/cart/items/\xff\xfe", R"({"quantity":1})",
                    buyer),
      request_bytes("GET", "/v1/skus/caf\xc3", {}, {}),
      request_bytes("GET", "/v1/products/\xc0\xaf", {}, {}),
      request_bytes("GET", "/v1/search?q=%FF%FE", {}, {}),
      request_bytes("GET", "/v1/nothing/\xed\xa0\x80", {}, {}),
  };
  for (auto& bytes : requests) {
    auto reply = send_raw(api.port(), bytes);
    REQUIRE_MESSAGE(reply, bytes);
    CHECK_MESSAGE(reply->status >= 400, bytes);
    CHECK_MESSAGE(reply->status < 500, bytes);
    check_json_error(*reply, reply->status);
  }
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().empty());
}

TEST_CASE("a SKU id outside [A-Za-z0-9._-]{1,128} is refused wherever a SKU "
          "id enters") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("skus@test.local", "seller");
  auto [buyer, buyer_id] = api.account("sku-buyer@test.local", "buyer");
  auto product_with = [](const std::string& sku) {
    return json::object{
        {"title", "Odd"},
        {"category", "Tools"},
        {"variants",
         json::array{json::object{
             {"sku", sku}, {"price_cents", 100}, {"currency", "USD"}}}}};
  };
  for (std::string sku :
       {std::string{"A/B"}, std::string{"A B"},
        std::string{"A\x01"
                    "B"},
        std::string{""}, std::string{"caf\xc3\xa9"}, std::string{"A:B"},
        std::string{"A%2FB"}, std::string(129, 'A')}) {
    auto made = api.post("/v1/products", product_with(sku), seller);
    check_json_error({made.status, made.head, made.body}, 400,
                     "invalid_argument");
    CHECK_MESSAGE(made.body.find("sku") != std::string::npos, made.body);
  }
  // The whole alphabet, at the longest, is fine everywhere.
  auto good = "Az09._-" + std::string(121, 'x');
  auto product = store.list_product(seller, "Even", good, 5);
  CHECK(api.send("PUT", "/v1/cart/items/" + good, R"({"quantity":1})", buyer)
            .status == 200);

  auto patched = api.send(
      "PATCH", "/v1/products/" + product,
      R"({"variants":[{"sku":"A/B","price_cents":5,"currency":"USD"}]})",
      seller);
  check_json_error({patched.status, patched.head, patched.body}, 400,
                   "invalid_argument");
  for (std::string path : {std::string{"/v1/cart/items/A:B"},
                           std::string{"/v1/cart/items/A%20B"}}) {
    auto reply = api.send("PUT", path, R"({"quantity":1})", buyer);
    check_json_error({reply.status, reply.head, reply.body}, 400,
                     "invalid_argument");
    auto removed = api.send("DELETE", path, {}, buyer);
    check_json_error({removed.status, removed.head, removed.body}, 400,
                     "invalid_argument");
  }
  auto read = api.get("/v1/skus/A:B");
  check_json_error({read.status, read.head, read.body}, 400,
                   "invalid_argument");
  auto stock = api.post("/v1/skus/A:B/stock", {{"delta", 1}}, seller);
  check_json_error({stock.status, stock.head, stock.body}, 400,
                   "invalid_argument");
  auto body = checkout_body();
  body["items"] = json::array{json::object{{"sku", "A/B"}, {"quantity", 1}}};
  auto checkout =
      api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "sku-1"}});
  check_json_error({checkout.status, checkout.head, checkout.body}, 400,
                   "invalid_argument");
  auto cart = api.get("/v1/cart", buyer).json().at("items").as_array();
  CHECK(cart.size() == 1);
}

TEST_CASE("media types compare case-insensitively and may carry a UTF-8 "
          "charset") {
  running_store store;
  auto& api = store.api();
  int account = 0;
  auto sign_up = [&](const std::string& content_type) {
    auto body = json::serialize(json::object{
        {"email", "media-" + std::to_string(account++) + "@test.local"},
        {"password", "password-1"},
        {"role", "buyer"}});
    return api.send("POST", "/v1/users", body, {}, {}, content_type);
  };
  for (std::string accepted :
       {"APPLICATION/JSON", "Application/Json",
        "application/json; charset=utf-8", "application/json;charset=UTF-8",
        "application/json ; Charset=\"utf-8\""})
    CHECK_MESSAGE(sign_up(accepted).status == 201, accepted);
  for (std::string refused :
       {"application/jsonx", "text/json", "application/json; charset=latin1",
        "application/x-www-form-urlencoded"}) {
    auto reply = sign_up(refused);
    check_json_error({reply.status, reply.head, reply.body}, 415,
                     "unsupported_media_type");
  }
}

TEST_CASE("a body with a content encoding other than identity is refused with "
          "415 and changes nothing") {
  running_store store;
  auto& api = store.api();
  auto body = json::serialize(json::object{{"email", "gzip@test.local"},
                                           {"password", "password-1"},
                                           {"role", "buyer"}});
  for (std::string encoding : {"gzip", "deflate", "br", "identity, gzip"}) {
    auto reply = api.send("POST", "/v1/users", body, {},
                          {{"Content-Encoding", encoding}});
    check_json_error({reply.status, reply.head, reply.body}, 415,
                     "unsupported_media_type");
  }
  // Nothing was created: the address is still free.
  auto plain = api.send("POST", "/v1/users", body, {},
                        {{"Content-Encoding", "identity"}});
  CHECK_MESSAGE(plain.status == 201, plain.body);
}

TEST_CASE("a non-integer JSON number for an integer field is refused with 400 "
          "naming the field") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("numbers@test.local", "seller");
  auto [buyer, buyer_id] = api.account("numbers-buyer@test.local", "buyer");
  store.list_product(seller, "Brass Bell", "BELL-1", 5);
  struct attempt {
    std::string method, path, body, token, field;
  };
  std::vector<attempt> attempts{
      {"PUT", "/v1/cart/items/BELL-1", R"({"quantity":1.0})", buyer,
       "quantity"},
      {"PUT", "/v1/cart/items/BELL-1", R"({"quantity":1e0})", buyer,
       "quantity"},
      {"PUT", "/v1/cart/items/BELL-1", R"({"quantity":-0.0})", buyer,
       "quantity"},
      {"POST", "/v1/skus/BELL-1/stock", R"({"delta":1e1})", seller, "delta"},
      {"POST", "/v1/products",
       R"({"title":"T","category":"C","variants":[{"sku":"N-1","price_cents":1E3,"currency":"USD"}]})",
       seller, "price_cents"},
  };
  for (auto& bad : attempts) {
    auto reply = api.send(bad.method, bad.path, bad.body, bad.token);
    check_json_error({reply.status, reply.head, reply.body}, 400,
                     "invalid_argument");
    CHECK_MESSAGE(reply.body.find(bad.field) != std::string::npos, reply.body);
  }
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().empty());
  CHECK(api.get("/v1/skus/BELL-1").json().at("available").as_int64() == 5);
  CHECK(api.send("PUT", "/v1/cart/items/BELL-1", R"({"quantity":2})", buyer)
            .status == 200);
}
