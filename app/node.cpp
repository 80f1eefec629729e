#include "app/node.hpp"

#include "actors/caf_error.hpp"
#include "actors/cart/cart_actor.hpp"
#include "actors/entity_registry.hpp"
#include "actors/messages.hpp"
#include "actors/order/checkout.hpp"
#include "actors/order/order_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/payment/psp_actor.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "actors/system_config.hpp"
#include "actors/user/user_actor.hpp"
#include "app/audit.hpp"
#include "app/replay.hpp"
#include "events/event_log.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/ledger/ledger_balances.hpp"
#include "projections/notifications/order_notifier.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/projection_runner.hpp"
#include "projections/projection_tail.hpp"
#include "projections/recommendations/recommendations.hpp"
#include "projections/search/search_index.hpp"
#include "projections/stream_counts/stream_counts.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <thread>

namespace tillroll {

namespace {

/// A secret made once and kept in the log's metadata under `name`, so
/// what it signs or derives outlives a restart: the key that signs session
/// tokens, and the one that derives user ids from emails.
expected<std::string> stored_secret(event_log& log, std::string_view name,
                                    std::string (*make)()) {
  auto stored = log.get(column_family::metadata, name);
  if (!stored)
    return std::move(stored).error();
  if (*stored)
    return std::move(**stored);
  initialize_crypto();
  auto key = make();
  rocksdb::WriteBatch batch;
  batch.Put(log.family(column_family::metadata),
            rocksdb::Slice{name.data(), name.size()}, key);
  if (auto written = log.write(batch, true); !written)
    return std::move(written).error();
  return key;
}

} // namespace

std::vector<std::string_view> read_model_names() {
  return {"stream_counts", "ledger", "catalog",
          "search",        "orders", "recommendations"};
}

std::unique_ptr<projection>
make_read_model(std::string_view name,
                const std::filesystem::path& data_directory) {
  if (name == "stream_counts")
    return std::make_unique<stream_counts>();
  if (name == "ledger")
    return std::make_unique<ledger_balances>();
  if (name == "catalog")
    return std::make_unique<catalog>();
  if (name == "search") {
    auto opened = search_index::open(data_directory / "search");
    if (!opened)
      return nullptr;
    return std::move(*opened);
  }
  if (name == "orders")
    return std::make_unique<order_history>();
  if (name == "recommendations")
    return std::make_unique<recommendations>();
  return nullptr;
}

expected<std::unique_ptr<node>> node::open(node_options options) {
  std::unique_ptr<node> result{new node};
  result->options_ = options;
  event_log_options log_options;
  log_options.directory = options.data_directory;
  log_options.env = options.storage_env;
  auto log = event_log::open(log_options);
  if (!log)
    return std::move(log).error();
  result->log_ = std::move(*log);
  auto journal_settings = options.journal;
  journal_settings.on_failure = options.on_storage_failure;
  result->journal_ =
      std::make_unique<class journal>(*result->log_, journal_settings);
  if (auto started = result->journal_->start(); !started)
    return std::move(started).error();
  result->snapshots_ = std::make_unique<snapshot_store>(*result->log_);

  std::vector<std::unique_ptr<projection>> models;
  for (auto name : read_model_names()) {
    models.push_back(make_read_model(name, options.data_directory));
    if (!models.back())
      return make_failure(errc::storage_failure,
                          "cannot open the " + std::string{name} +
                              " read model (is another node using it?)");
  }
  result->stream_counts_ = static_cast<stream_counts*>(models[0].get());
  result->ledger_ = static_cast<ledger_balances*>(models[1].get());
  result->catalog_ = static_cast<class catalog*>(models[2].get());
  result->search_ = static_cast<search_index*>(models[3].get());
  result->orders_ = static_cast<order_history*>(models[4].get());
  result->recommendations_ =
      static_cast<class recommendations*>(models[5].get());
  models.push_back(
      std::make_unique<order_notifier>(std::make_shared<file_notification_sink>(
          options.data_directory / "notifications.jsonl")));
  for (auto& model : models) {
    auto runner = std::make_unique<projection_runner>(
        *result->log_, result->journal_.get(), std::move(model));
    if (auto loaded = runner->load(); !loaded)
      return std::move(loaded).error();
    result->runners_.push_back(std::move(runner));
  }
  std::vector<projection_runner*> tailed;
  for (auto& runner : result->runners_)
    tailed.push_back(runner.get());
  result->projections_ = std::make_unique<projection_tail>(
      *result->log_, *result->journal_, std::move(tailed));
  result->projections_->start();

  result->config_ = std::make_unique<caf::actor_system_config>();
  configure_actor_system(*result->config_, options.scheduler_threads);
  result->system_ = std::make_unique<caf::actor_system>(*result->config_);

  auto& context = result->context_;
  context.log = result->log_.get();
  context.journal = result->journal_.get();
  context.snapshots = result->snapshots_.get();
  context.settings = options.entities;
  context.saga = options.saga;
  context.psp = spawn_psp(*result->system_,
                          std::make_shared<simulated_psp>(*result->log_),
                          psp_settings{options.psp_latency});
  auto kinds = std::make_shared<entity_kinds>();
  add_sku_kind(*kinds);
  add_payment_kind(*kinds);
  add_order_kind(*kinds);
  add_cart_kind(*kinds);
  add_product_kind(*kinds);
  add_user_kind(*kinds);
  spawn_entity_registry(*result->system_, &context, std::move(kinds));
  result->checkout_ = spawn_checkout(*result->system_, &context);
  auto user_id_key =
      stored_secret(*result->log_, "auth/user_id_key", random_user_id_key);
  if (!user_id_key)
    return std::move(user_id_key).error();
  result->user_id_key_ = std::move(*user_id_key);

  if (options.serve_http) {
    auto key = stored_secret(*result->log_, "auth/token_key", random_token_key);
    if (!key)
      return std::move(key).error();
    auto* self = result.get();
    api_dependencies dependencies;
    dependencies.system = result->system_.get();
    dependencies.registry = context.registry;
    dependencies.checkout = result->checkout_;
    dependencies.products = result->catalog_;
    dependencies.search = result->search_;
    dependencies.orders = result->orders_;
    dependencies.recommend = result->recommendations_;
    dependencies.ledger = result->ledger_;
    dependencies.unready_reason = [self] { return self->unready_reason(); };
    dependencies.dead_reason = [self] {
      auto failed = self->journal_->failed();
      return failed ? failed->message : std::string{};
    };
    dependencies.metrics = [self] {
      return self->render_metrics() + self->api_->render_metrics();
    };
    dependencies.stream_events = [self](std::string_view stream, uint64_t from,
                                        uint64_t to, size_t limit) {
      return stream_events_json(*self->log_, stream, from, to, limit);
    };
    dependencies.stream_state = [self](std::string_view stream,
                                       std::optional<uint64_t> at_sequence,
                                       std::optional<timestamp> at_time) {
      return stream_state_json(
          *self->log_, stream,
          replay_bounds{at_sequence.value_or(UINT64_MAX), at_time});
    };
    dependencies.audit = [self]() -> expected<std::string> {
      auto report = self->audit();
      if (!report)
        return std::move(report).error();
      return report->to_json();
    };
    dependencies.reconcile = [self] { return self->reconcile(); };
    dependencies.psp_charges = [self] { return self->psp_charges(); };
    api_settings settings;
    settings.admin_email = options.admin_email;
    settings.admin_password = options.admin_password;
    settings.token_key = std::move(*key);
    settings.user_id_key = result->user_id_key_;
    settings.checkout_wait = options.checkout_wait;
    result->api_ = std::make_unique<class api>(std::move(dependencies),
                                               std::move(settings));
    http_server_options http_options;
    http_options.host = options.listen_host;
    http_options.port = options.listen_port;
    http_options.connections_max = options.connections_max;
    http_options.connections_per_address_max =
        options.connections_per_address_max;
    http_options.header_timeout = options.header_timeout;
    auto* routes = result->api_.get();
    result->http_ = std::make_unique<http_server>(
        http_options, [routes](http_request request, http_responder respond) {
          routes->handle(std::move(request), std::move(respond));
        });
    auto port = result->http_->start();
    if (!port)
      return std::move(port).error();
    result->http_port_ = *port;
  }
  return result;
}

std::string node::user_id_for_email(std::string_view email) const {
  return tillroll::user_id_for_email(user_id_key_, email);
}

projection_runner* node::runner(std::string_view name) {
  for (auto& runner : runners_)
    if (runner->name() == name)
      return runner.get();
  return nullptr;
}

bool node::ready() const {
  return unready_reason().empty();
}

std::string node::unready_reason() const {
  if (auto failed = journal_->failed())
    return failed->message;
  std::string behind;
  for (auto& runner : runners_)
    if (runner->lag_events() > 0)
      behind += (behind.empty() ? "" : ", ") + std::string{runner->name()};
  if (!behind.empty())
    return "read models catching up or failing: " + behind;
  return {};
}

std::string node::render_metrics() const {
  std::string out;
  auto stats = journal_->stats();
  out += "# TYPE tillroll_journal_appends_total counter\n";
  out += fmt::format("tillroll_journal_appends_total {}\n", stats.appends);
  out += "# TYPE tillroll_journal_events_total counter\n";
  out += fmt::format("tillroll_journal_events_total {}\n", stats.events);
  out += "# TYPE tillroll_journal_batches_total counter\n";
  out += fmt::format("tillroll_journal_batches_total {}\n", stats.batches);
  out += "# TYPE tillroll_journal_syncs_total counter\n";
  out += fmt::format("tillroll_journal_syncs_total {}\n", stats.syncs);
  out += "# TYPE tillroll_journal_conflicts_total counter\n";
  out += fmt::format("tillroll_journal_conflicts_total {}\n", stats.conflicts);
  out += "# TYPE tillroll_journal_batch_events histogram\n";
  journal_->batch_events().render_prometheus(out,
                                             "tillroll_journal_batch_events");
  out += "# TYPE tillroll_journal_fsync_seconds histogram\n";
  journal_->write_latency().render_prometheus(out,
                                              "tillroll_journal_fsync_seconds");
  out += "# TYPE tillroll_projection_lag_events gauge\n";
  for (auto& runner : runners_)
    out +=
        fmt::format("tillroll_projection_lag_events{{projection=\"{}\"}} {}\n",
                    runner->name(), runner->lag_events());
  out += "# TYPE tillroll_projection_lag_seconds gauge\n";
  for (auto& runner : runners_)
    out += fmt::format(
        "tillroll_projection_lag_seconds{{projection=\"{}\"}} {:.3f}\n",
        runner->name(), static_cast<double>(runner->lag().count()) / 1000.0);
  out += "# TYPE tillroll_live_entities gauge\n";
  out +=
      fmt::format("tillroll_live_entities {}\n", context_.live_entities.load());
  out += "# TYPE tillroll_streams gauge\n";
  for (auto& [kind, counts] : stream_counts_->counts())
    out += fmt::format("tillroll_streams{{kind=\"{}\"}} {}\n", kind,
                       counts.streams);
  out += "# TYPE tillroll_stream_events gauge\n";
  for (auto& [kind, counts] : stream_counts_->counts())
    out += fmt::format("tillroll_stream_events{{kind=\"{}\"}} {}\n", kind,
                       counts.events);
  return out;
}

expected<audit_report> node::audit() const {
  return tillroll::audit(*log_);
}

expected<std::vector<settlement_line>> node::psp_charges() {
  std::optional<failure> failed;
  std::vector<settlement_line> report;
  caf::scoped_actor self{*system_};
  self->request(context_.psp, std::chrono::seconds{30}, psp_report_atom::value)
      .receive([&](std::vector<settlement_line>& lines) { report = lines; },
               [&](caf::error& error) { failed = from_caf_error(error); });
  if (failed)
    return std::move(*failed);
  return report;
}

expected<std::vector<reconciliation_difference>> node::reconcile() {
  auto report = psp_charges();
  if (!report)
    return std::move(report).error();
  return tillroll::reconcile(ledger_->payments(), *report);
}

void node::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  if (http_)
    http_->stop();
  // Its pool may still be finishing work that asks actors.
  api_.reset();
  if (system_) {
    caf::scoped_actor self{*system_};
    self->request(context_.registry, std::chrono::seconds{60},
                  shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
    context_.registry = nullptr;
    self->send_exit(checkout_, caf::exit_reason::user_shutdown);
    self->send_exit(context_.psp, caf::exit_reason::user_shutdown);
    checkout_ = nullptr;
    context_.psp = nullptr;
  }
  if (projections_)
    projections_->stop();
  if (journal_)
    journal_->stop();
}

node::~node() {
  stop();
  // The actor system waits for every actor; all are retired by now.
  system_.reset();
  config_.reset();
  projections_.reset();
  runners_.clear();
  journal_.reset();
  snapshots_.reset();
  log_.reset();
}

} // namespace tillroll
