// A tillroll node: the composition root. It opens the log, starts the
// journal, the actor system with its entity registry, the projections and
// the HTTP server, and stops them in reverse order.
#pragma once

#include "actors/cluster/membership.hpp"
#include "actors/entity_context.hpp"
#include "app/read_models.hpp"
#include "events/expected.hpp"
#include "events/journal.hpp"
#include "http/auth.hpp"
#include "http/rate_limit.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rocksdb {
class Env;
} // namespace rocksdb

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace prometheus {
class Registry;
} // namespace prometheus

namespace tillroll {

class event_log;
class http_server;
class static_files;
class api;
struct api_dependencies;
struct audit_report;
class projection_runner;
class replicator;
class projection_tail;
class snapshot_store;
struct reconciliation_difference;
struct settlement_line;

struct node_options {
  std::filesystem::path data_directory;
  journal_options journal;
  entity_settings entities;
  /// Hold TTL and idempotency-key retention of the checkout saga.
  saga_settings saga;
  /// Serve HTTP on listen_host:listen_port (0: any free port).
  bool serve_http = true;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  /// CAF scheduler threads.
  size_t scheduler_threads = 2;
  /// The simulated PSP's answer time.
  std::chrono::milliseconds psp_latency{0};
  /// The admin account; empty: nobody can sign in as admin.
  std::string admin_email;
  std::string admin_password;
  /// As api_settings says.
  password_cost password_hashing = password_cost::interactive;
  /// A checkout not settled in this time answers 202 queued.
  std::chrono::milliseconds checkout_wait{std::chrono::seconds{10}};
  rate_limit_settings limits;
  /// As api_settings says.
  size_t checkout_in_flight_max = 256;
  size_t checkout_queue_max = 10'000;
  /// HTTP connection limits and the header deadline, as
  /// http_server_options documents them.
  size_t connections_max = 10'000;
  size_t connections_per_address_max = 512;
  std::chrono::milliseconds header_timeout{std::chrono::seconds{10}};
  size_t http_threads = 2;
  /// The built pages (web/) served at / and /console/; empty: none.
  std::filesystem::path web_directory;
  /// The file system under the log; none: the default. Tests and `serve
  /// --inject-fault` pass a fault-injecting one (events/storage_faults).
  std::shared_ptr<rocksdb::Env> storage_env;
  /// Called once, from a journal thread, when a write or fsync of the log
  /// fails: the node refuses every command from then on and must stop.
  std::function<void(const failure&)> on_storage_failure;
  /// This node as a member of a cluster (actors/cluster/membership.hpp);
  /// empty: a single node. Recorded in the log at the first start; a later
  /// start with another list or id is refused.
  membership cluster;
  /// Shared by every member: the session tokens' and user ids' keys are
  /// derived from it, so a token one member issued is good on all.
  std::string cluster_secret;
  /// Where this member listens for the others; no host: its own address
  /// in the member list.
  host_port cluster_listen;
};

class node {
public:
  [[nodiscard]] static expected<std::unique_ptr<node>>
  open(node_options options);
  ~node();

  caf::actor_system& system() { return *system_; }
  const caf::actor& registry() const { return context_.registry; }
  event_log& log() { return *log_; }
  class journal& journal() {
    return *journal_;
  }
  const ledger_balances& ledger() const { return *read_models_.ledger; }
  const class catalog& catalog() const { return *read_models_.catalog; }
  const search_index& search() const { return *read_models_.search; }
  const order_history& orders() const { return *read_models_.orders; }
  const class recommendations& recommendations() const {
    return *read_models_.recommendations;
  }
  /// The runner of the named read model, or null.
  projection_runner* runner(std::string_view name);
  /// Compares the ledger with the PSP's settlement report.
  [[nodiscard]] expected<std::vector<reconciliation_difference>> reconcile();
  /// The PSP's own books (its settlement report).
  [[nodiscard]] expected<std::vector<settlement_line>> psp_charges();
  uint16_t http_port() const { return http_port_; }
  /// Handles (checkout_request) -> order_view.
  const caf::actor& checkout() const { return checkout_; }
  /// The id an account of this email gets on this node (keyed with the
  /// node's secret, see http/auth.hpp).
  std::string user_id_for_email(std::string_view email) const;

  /// GET /v1/admin/cluster's answer: the members and their state.
  [[nodiscard]] expected<std::string> cluster_json() const;
  /// Every read model: {"items": [{name, offset, lag_events, lag_ms,
  /// status}]}, as GET /v1/admin/read-models answers.
  std::string read_models_json() const;

  /// The invariant report over the whole log; on a cluster member, over
  /// every member's (the copies caught up to what each has committed).
  [[nodiscard]] expected<audit_report> audit() const;

  /// How far back a cluster's audit cuts: longer than an fsync takes.
  static constexpr std::chrono::seconds audit_settle_time{1};
  /// Longest wait for a copy to reach a member's committed position.
  static constexpr std::chrono::seconds audit_copy_wait{10};

  /// Recovered and every projection caught up.
  bool ready() const;
  /// Why not ready; empty when ready.
  std::string unready_reason() const;
  /// Prometheus text of the node's metrics.
  std::string render_metrics() const;

  /// Retires every entity (each snapshots) and stops the node's parts.
  void stop();

private:
  node() = default;

  // The steps of `open`, in order (app/node_open.cpp).
  [[nodiscard]] expected<void> open_storage();
  [[nodiscard]] expected<void> check_membership();
  [[nodiscard]] expected<void> start_projections();
  [[nodiscard]] expected<void> start_actors();
  [[nodiscard]] expected<void> join_cluster();
  [[nodiscard]] expected<void> start_replication();
  [[nodiscard]] expected<void> load_user_id_key();
  [[nodiscard]] expected<void> start_http();
  /// What the API reads and calls, all of it this node's.
  api_dependencies api_calls();

  node_options options_;
  std::unique_ptr<event_log> log_;
  std::unique_ptr<class journal> journal_;
  std::unique_ptr<snapshot_store> snapshots_;
  std::unique_ptr<caf::actor_system_config> config_;
  std::unique_ptr<caf::actor_system> system_;
  // What entity actors share; it outlives the registry.
  entity_context context_;
  struct read_models read_models_;
  /// Every projection: the read models and the notifier.
  std::vector<std::unique_ptr<projection_runner>> runners_;
  /// Feeds every runner from one read of the global log.
  std::unique_ptr<projection_tail> projections_;
  /// Where metrics are recorded as they happen (the HTTP routes').
  std::shared_ptr<prometheus::Registry> metrics_;
  std::unique_ptr<static_files> pages_;
  std::unique_ptr<class api> api_;
  std::unique_ptr<http_server> http_;
  caf::actor checkout_;
  /// Carries commands to the other members' entities (cluster only).
  caf::actor cluster_link_;
  /// Copy the other members' logs into the read models (cluster only).
  std::vector<std::unique_ptr<replicator>> replicators_;
  uint16_t http_port_ = 0;
  std::string user_id_key_;
  bool stopped_ = false;
};

} // namespace tillroll
