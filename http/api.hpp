// tillroll's HTTP API (shared/API.md): routes, authentication and
// authorization, in front of the entity actors and the read models.
// Requests reach actors asynchronously; slow work runs on bounded lanes,
// never on the io thread: password hashing on its own, so a flood of
// sign-ins cannot delay search, audit or replay on theirs.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "http/auth.hpp"
#include "http/rate_limit.hpp"
#include "http/schema.hpp"
#include "http/server.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Registry;
} // namespace prometheus

namespace tillroll {

class catalog;
class search_index;
class order_history;
class recommendations;
class ledger_balances;
class static_files;
struct reconciliation_difference;
struct settlement_line;

struct api_settings {
  /// The configured admin; empty email: no admin can sign in. The
  /// password is hashed once at start and verified like any account's.
  std::string admin_email;
  std::string admin_password;
  /// The cost of new accounts' password hashes (http/auth.hpp).
  password_cost password_hashing = password_cost::interactive;
  /// Signs session tokens; random_token_key() bytes.
  std::string token_key;
  /// Keys user ids (user_id_for_email); random_user_id_key() bytes.
  std::string user_id_key;
  std::chrono::seconds token_ttl{std::chrono::hours{24}};
  /// A checkout not settled in this time answers 202 queued.
  std::chrono::milliseconds checkout_wait{std::chrono::seconds{10}};
  rate_limit_settings limits;
  /// Checkouts run at once; past it they queue (202), and past
  /// `checkout_queue_max` queued they are refused 429 (http/checkout_gate.hpp).
  size_t checkout_in_flight_max = 256;
  size_t checkout_queue_max = 10'000;
  /// Threads for slow reads (search, audit, replay).
  size_t worker_threads = 2;
  /// Threads for password hashing: each argon2id hash takes one core for
  /// about 40 ms and 64 MiB.
  size_t password_hash_threads = 1;
};

/// A point of a stream: after a sequence, or at a time (either or both;
/// neither: its end).
struct stream_point {
  std::optional<uint64_t> sequence;
  std::optional<timestamp> at;
};

/// What the API reads and calls; the node fills it in.
struct api_dependencies {
  caf::actor_system* system = nullptr;
  caf::actor registry;
  caf::actor checkout;
  const catalog* products = nullptr;
  const search_index* search = nullptr;
  const order_history* orders = nullptr;
  const recommendations* recommend = nullptr;
  const ledger_balances* ledger = nullptr;
  /// The storefront and console pages; null: none are served.
  const static_files* pages = nullptr;
  /// Why the node is not ready (recovering, a read model behind or
  /// failing, the log failed); empty when it is.
  std::function<std::string()> unready_reason;
  /// Why the node is not alive (the log failed and it is stopping); empty
  /// when it is.
  std::function<std::string()> dead_reason;
  /// Where the API records its requests and their latency (required).
  std::shared_ptr<prometheus::Registry> metrics_registry;
  /// Every metric of the node, Prometheus text, for GET /metrics.
  std::function<std::string()> metrics;
  std::function<expected<std::string>(
      std::string_view stream, uint64_t from_sequence, uint64_t to_sequence,
      size_t limit, bool with_state)>
      stream_events;
  std::function<expected<std::string>(std::string_view stream,
                                      std::optional<uint64_t> at_sequence,
                                      std::optional<timestamp> at_time)>
      stream_state;
  /// A stream's state at two points and their diff.
  std::function<expected<std::string>(std::string_view stream,
                                      const stream_point& from,
                                      const stream_point& to)>
      stream_diff;
  /// A page of this member's global log after a position, of one stream
  /// kind and one correlation id when they are not empty.
  std::function<expected<std::string>(uint64_t after_position, size_t limit,
                                      std::string_view kind,
                                      std::string_view correlation_id)>
      global_events;
  /// Every read model with its offset, lag and status.
  std::function<std::string()> read_models;
  /// A product's reviews, newest first, before a sequence of its stream.
  std::function<expected<std::string>(std::string_view product_id,
                                      uint64_t before_sequence, size_t limit)>
      product_reviews;
  /// An event and a state as stream_events and stream_state render
  /// them, for /openapi.json; left unset, any object.
  std::optional<schema> event_schema;
  std::optional<schema> state_schema;
  std::function<expected<std::string>()> audit;
  std::function<expected<std::vector<reconciliation_difference>>()> reconcile;
  /// The PSP's own books: every captured key with its order reference,
  /// charge attempts and captures.
  std::function<expected<std::vector<settlement_line>>()> psp_charges;
  /// The cluster as this member sees it, as GET /v1/admin/cluster answers.
  std::function<expected<std::string>()> cluster;
};

class api {
public:
  api(api_dependencies dependencies, api_settings settings);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  void handle(http_request request, http_responder respond);

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace tillroll
