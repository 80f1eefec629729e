// The real binary serving a fresh store on a loopback port, with an
// admin configured, and helpers the API tests share.
#pragma once

#include <optional>
#include <string>

#include "api_client.hpp"
#include "temp_directory.hpp"

namespace tillroll::test {

namespace json = boost::json;

inline const std::string binary = TILLROLL_BINARY;
inline const std::string admin_email = "admin@test.local";
inline const std::string admin_password = "admin-password-1";

inline std::vector<std::string>
serve_arguments(const std::filesystem::path& directory,
                std::vector<std::string> extra) {
  std::vector<std::string> arguments{binary,
                                     "serve",
                                     "--data-dir",
                                     directory.string(),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--admin-email",
                                     admin_email,
                                     "--admin-password",
                                     admin_password};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

struct running_store {
  test::temp_directory directory;
  test::server_process server;
  std::optional<test::api_client> client;

  /// `extra`: more `serve` flags, e.g. {"--psp-latency-ms", "500"}.
  explicit running_store(std::vector<std::string> extra = {})
      : running_store(std::nullopt, std::move(extra)) {}

  /// Serves `data` (a store kept across restarts) instead of a fresh one.
  running_store(std::optional<std::filesystem::path> data,
                std::vector<std::string> extra)
      : server{serve_arguments(data ? *data : directory.path(),
                               std::move(extra))} {
    auto line = server.first_line(std::chrono::seconds{20});
    REQUIRE(line);
    auto colon = line->rfind(':', line->find(" (data"));
    client.emplace(static_cast<uint16_t>(std::stoi(line->substr(colon + 1))));
  }
  ~running_store() {
    if (!server.exited())
      CHECK(server.stop(std::chrono::seconds{20}) == 0);
  }

  test::api_client& api() { return *client; }
  std::string admin() {
    return api().sign_in(admin_email, admin_password).first;
  }

  /// Lists a product as `seller`; its id once the catalog shows it.
  std::string list_product(const std::string& seller, const std::string& title,
                           const std::string& sku, int64_t stock,
                           int64_t price_cents = 2500) {
    json::object product{
        {"title", title},
        {"description", "A test product"},
        {"brand", "Acme"},
        {"category", "Tools"},
        {"attributes", {{"material", "steel"}}},
        {"images", json::array{"https://img.example/1.jpg"}},
        {"variants", json::array{json::object{{"sku", sku},
                                              {"price_cents", price_cents},
                                              {"currency", "USD"},
                                              {"attributes", {{"size", "M"}}},
                                              {"stock", stock}}}}};
    auto made = api().post("/v1/products", product, seller);
    REQUIRE_MESSAGE(made.status == 201, made.body);
    auto id = std::string{made.json().at("id").as_string()};
    CHECK(made.header("Location") == "/v1/products/" + id);
    // The page settles once the catalog has the SKU's stock too.
    REQUIRE(test::wait_until([&] {
      auto page = api().get("/v1/products/" + id);
      return page.status == 200 &&
             page.json().at("in_stock").as_bool() == (stock > 0);
    }));
    // The SKU is registered by the product's saga right after.
    REQUIRE(test::wait_until(
        [&] { return api().get("/v1/skus/" + sku).status == 200; }));
    return id;
  }
};

inline json::object checkout_body(const std::string& token = "tok_visa") {
  return {{"payment_token", token},
          {"shipping_address", {{"name", "Ann"}, {"city", "Berlin"}}}};
}

inline std::string text(const json::value& value, std::string_view key) {
  return std::string{value.at(key).as_string()};
}

} // namespace tillroll::test
