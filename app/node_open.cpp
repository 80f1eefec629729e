// node::open, step by step: the log and the journal, the projections, the
// actors, the node's secrets, the HTTP server. A failed step returns its
// failure; the node's destructor stops what the earlier steps started.
#include "actors/cluster/forwarding.hpp"
#include "actors/entity_kinds.hpp"
#include "actors/order/checkout.hpp"
#include "actors/payment/psp_actor.hpp"
#include "actors/system_config.hpp"
#include "app/audit.hpp"
#include "app/node.hpp"
#include "app/replay.hpp"
#include "app/replication.hpp"
#include "events/event_log.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "projections/ledger/ledger_balances.hpp"
#include "projections/notifications/order_notifier.hpp"
#include "projections/projection_runner.hpp"
#include "projections/projection_tail.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <prometheus/registry.h>

namespace tillroll {

namespace {

/// The key `name` of this node (the one that signs session tokens, or the
/// one that derives user ids from emails): for a cluster member, derived from
/// the cluster's secret, so every member has the same; for a single node, drawn
/// at the first start and kept in the log's metadata.
expected<std::string> node_key(event_log& log, const node_options& options,
                               std::string_view name, std::string (*make)()) {
  if (options.cluster.clustered())
    return derived_key(options.cluster_secret, name, make().size());
  auto stored = log.get(column_family::metadata, name);
  if (!stored)
    return std::move(stored).error();
  if (*stored)
    return std::move(**stored);
  initialize_crypto();
  auto key = make();
  if (auto written = log.put(column_family::metadata, name, key, true);
      !written)
    return std::move(written).error();
  return key;
}

/// Where the log records which member of which cluster it belongs to.
constexpr std::string_view membership_key = "cluster/membership";

} // namespace

expected<std::unique_ptr<node>> node::open(node_options options) {
  std::unique_ptr<node> result{new node};
  result->options_ = std::move(options);
  result->metrics_ = std::make_shared<prometheus::Registry>();
  // Each step needs the ones before it.
  for (auto step :
       {&node::open_storage, &node::check_membership, &node::start_projections,
        &node::start_actors, &node::join_cluster, &node::load_user_id_key,
        &node::start_http})
    if (auto done = (result.get()->*step)(); !done)
      return std::move(done).error();
  return result;
}

expected<void> node::open_storage() {
  event_log_options log_options;
  log_options.directory = options_.data_directory;
  log_options.env = options_.storage_env;
  auto log = event_log::open(log_options);
  if (!log)
    return std::move(log).error();
  log_ = std::move(*log);
  auto journal_settings = options_.journal;
  journal_settings.on_failure = options_.on_storage_failure;
  if (options_.cluster.clustered())
    journal_settings.owns_stream =
        [cluster = options_.cluster](std::string_view stream_id) {
          return cluster.owns(stream_id);
        };
  journal_ = std::make_unique<class journal>(*log_, journal_settings);
  if (auto started = journal_->start(); !started)
    return started;
  snapshots_ = std::make_unique<snapshot_store>(*log_);
  return {};
}

/// A data directory belongs to one member of one member list, or to a
/// single node, for good: opened under another, its streams would be owned
/// by a member that does not hold them, or live on two.
expected<void> node::check_membership() {
  auto recorded = log_->get(column_family::metadata, membership_key);
  if (!recorded)
    return std::move(recorded).error();
  auto& cluster = options_.cluster;
  // The ids alone: placement follows from them, and a member may move to
  // another address. A fingerprint of the secret: under another one the
  // user ids change, and every email would sign up anew.
  std::string wanted;
  if (cluster.clustered()) {
    wanted = cluster.self + " of";
    for (auto& member : cluster.members)
      wanted += " " + member.id;
    wanted += ", secret " +
              to_hex(derived_key(options_.cluster_secret, "cluster/check", 16));
  }
  if (*recorded) {
    if (**recorded == wanted)
      return {};
    auto describe = [](const std::string& what) {
      return what.empty() ? std::string{"a single node"} : "member " + what;
    };
    return make_failure(errc::invalid_argument,
                        "this data directory belongs to " +
                            describe(**recorded) + ", not to " +
                            describe(wanted) +
                            ": a member's id and the member list cannot "
                            "change (docs/design.md, Cluster)");
  }
  auto last = log_->last_position();
  if (!last)
    return std::move(last).error();
  // A single node's log with events in it predates the record: it stays
  // a single node's.
  if (*last > 0 && !cluster.clustered())
    return {};
  if (*last > 0)
    return make_failure(errc::invalid_argument,
                        "this data directory holds a single node's events; "
                        "a cluster member starts on an empty one");
  return log_->put(column_family::metadata, membership_key, wanted, true);
}

expected<void> node::start_projections() {
  auto models = open_read_models(options_.data_directory, read_models_);
  if (!models)
    return std::move(models).error();
  models->push_back(
      std::make_unique<order_notifier>(std::make_shared<file_notification_sink>(
          options_.data_directory / "notifications.jsonl")));
  projection_runner_options options;
  for (auto& member : options_.cluster.members)
    if (member.id != options_.cluster.self)
      options.replica_members.push_back(member.id);
  std::vector<projection_runner*> tailed;
  for (auto& model : *models) {
    auto runner = std::make_unique<projection_runner>(
        *log_, journal_.get(), std::move(model), options);
    if (auto loaded = runner->load(); !loaded)
      return loaded;
    tailed.push_back(runner.get());
    runners_.push_back(std::move(runner));
  }
  projections_ =
      std::make_unique<projection_tail>(*log_, *journal_, std::move(tailed));
  projections_->start();
  return {};
}

expected<void> node::start_actors() {
  config_ = std::make_unique<caf::actor_system_config>();
  configure_actor_system(*config_, options_.scheduler_threads);
  if (options_.cluster.clustered())
    configure_cluster(*config_);
  system_ = std::make_unique<caf::actor_system>(*config_);
  context_.log = log_.get();
  context_.journal = journal_.get();
  context_.snapshots = snapshots_.get();
  context_.settings = options_.entities;
  context_.saga = options_.saga;
  context_.cluster = &options_.cluster;
  context_.psp = spawn_psp(*system_, std::make_shared<simulated_psp>(*log_),
                           psp_settings{options_.psp_latency});
  auto kinds = std::make_shared<entity_kinds>();
  for_each_entity_kind([&](const auto& kind) { kind.add_spawner(*kinds); });
  spawn_entity_registry(*system_, &context_, std::move(kinds));
  checkout_ = spawn_checkout(*system_, &context_);
  return {};
}

/// Listens for the other members and connects to them; a command for
/// their entities goes through the link from now on.
expected<void> node::join_cluster() {
  auto& cluster = options_.cluster;
  if (!cluster.clustered())
    return {};
  cluster_link_ =
      spawn_cluster_link(*system_, &context_,
                         derived_key(options_.cluster_secret,
                                     "cluster/forward_key", forward_key_size));
  auto listen = options_.cluster_listen;
  if (listen.host.empty()) {
    const auto* self = cluster.member(cluster.self);
    listen = host_port{self->host, self->port};
  }
  auto published =
      publish_cluster_link(*system_, cluster_link_, listen.host, listen.port);
  if (!published)
    return std::move(published).error();
  return start_replication();
}

/// A replicator per other member, feeding the read models that answer for
/// the whole cluster.
expected<void> node::start_replication() {
  std::vector<projection_runner*> replicated;
  for (auto& runner : runners_)
    if (runner->model().replicated())
      replicated.push_back(runner.get());
  for (auto& member : options_.cluster.members) {
    if (member.id == options_.cluster.self)
      continue;
    auto copy = std::make_unique<replicator>(*system_, cluster_link_, *log_,
                                             member.id, replicated);
    if (auto loaded = copy->load(); !loaded)
      return loaded;
    copy->start();
    replicators_.push_back(std::move(copy));
  }
  return {};
}

expected<void> node::load_user_id_key() {
  auto key = node_key(*log_, options_, "auth/user_id_key", random_user_id_key);
  if (!key)
    return std::move(key).error();
  user_id_key_ = std::move(*key);
  return {};
}

api_dependencies node::api_calls() {
  api_dependencies calls;
  calls.system = system_.get();
  calls.registry = context_.registry;
  calls.checkout = checkout_;
  calls.products = read_models_.catalog;
  calls.search = read_models_.search;
  calls.orders = read_models_.orders;
  calls.recommend = read_models_.recommendations;
  calls.ledger = read_models_.ledger;
  calls.pages = pages_.get();
  calls.metrics_registry = metrics_;
  calls.unready_reason = [this] { return unready_reason(); };
  calls.dead_reason = [this] {
    auto failed = journal_->failed();
    return failed ? failed->message : std::string{};
  };
  calls.metrics = [this] { return render_metrics(); };
  calls.event_schema = replayed_event_schema();
  calls.state_schema = replayed_state_schema();
  calls.stream_events = [this](std::string_view stream, uint64_t from,
                               uint64_t to, size_t limit, bool with_state) {
    return stream_events_json(*log_, stream, from, to, limit, with_state);
  };
  calls.stream_diff = [this](std::string_view stream, const stream_point& from,
                             const stream_point& to) {
    auto bounds = [](const stream_point& point) {
      return replay_bounds{point.sequence.value_or(UINT64_MAX), point.at};
    };
    return stream_diff_json(*log_, stream, bounds(from), bounds(to));
  };
  calls.global_events = [this](uint64_t after, size_t limit,
                               std::string_view kind,
                               std::string_view correlation) {
    return global_events_json(
        *log_, after, limit,
        global_filter{std::string{kind}, std::string{correlation}});
  };
  calls.read_models = [this] { return read_models_json(); };
  calls.product_reviews = [this](std::string_view product_id, uint64_t before,
                                 size_t limit) {
    return product_reviews_json(*log_, product_id, before, limit);
  };
  calls.stream_state = [this](std::string_view stream,
                              std::optional<uint64_t> at_sequence,
                              std::optional<timestamp> at_time) {
    return stream_state_json(
        *log_, stream,
        replay_bounds{at_sequence.value_or(UINT64_MAX), at_time});
  };
  calls.audit = [this]() -> expected<std::string> {
    auto report = audit();
    if (!report)
      return std::move(report).error();
    return report->to_json();
  };
  calls.reconcile = [this] { return reconcile(); };
  calls.psp_charges = [this] { return psp_charges(); };
  calls.cluster = [this] { return cluster_json(); };
  return calls;
}

expected<void> node::start_http() {
  if (!options_.serve_http)
    return {};
  auto key = node_key(*log_, options_, "auth/token_key", random_token_key);
  if (!key)
    return std::move(key).error();
  if (!options_.web_directory.empty()) {
    auto pages = static_files::load(options_.web_directory);
    if (!pages)
      return std::move(pages).error();
    pages_ = std::make_unique<static_files>(std::move(*pages));
  }
  api_settings settings;
  settings.admin_email = options_.admin_email;
  settings.admin_password = options_.admin_password;
  settings.password_hashing = options_.password_hashing;
  settings.token_key = std::move(*key);
  settings.user_id_key = user_id_key_;
  settings.checkout_wait = options_.checkout_wait;
  settings.limits = options_.limits;
  settings.checkout_in_flight_max = options_.checkout_in_flight_max;
  settings.checkout_queue_max = options_.checkout_queue_max;
  api_ = std::make_unique<class api>(api_calls(), std::move(settings));
  http_server_options http_options;
  http_options.host = options_.listen_host;
  http_options.port = options_.listen_port;
  http_options.connections_max = options_.connections_max;
  http_options.connections_per_address_max =
      options_.connections_per_address_max;
  http_options.header_timeout = options_.header_timeout;
  http_options.io_threads = options_.http_threads;
  auto* routes = api_.get();
  http_ = std::make_unique<http_server>(
      http_options, [routes](http_request request, http_responder respond) {
        routes->handle(std::move(request), std::move(respond));
      });
  auto port = http_->start();
  if (!port)
    return std::move(port).error();
  http_port_ = *port;
  return {};
}

} // namespace tillroll
