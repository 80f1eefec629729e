#include "app/node.hpp"

#include "actors/caf_error.hpp"
#include "actors/cluster/forwarding.hpp"
#include "actors/messages.hpp"
#include "actors/payment/psp_actor.hpp"
#include "app/audit.hpp"
#include "app/node_metrics.hpp"
#include "app/replication.hpp"
#include "events/event_log.hpp"
#include "events/json_text.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "projections/ledger/ledger_balances.hpp"
#include "projections/projection_runner.hpp"
#include "projections/projection_tail.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tillroll {

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
  std::vector<std::pair<std::string, uint64_t>> lags;
  for (auto& copy : replicators_)
    lags.emplace_back(copy->member(), copy->lag_events());
  return tillroll::render_metrics(
      *metrics_, {*journal_, runners_, *read_models_.streams,
                  context_.live_entities.load(), std::move(lags)});
}

std::string node::read_models_json() const {
  namespace json = boost::json;
  json::array items;
  for (auto& runner : runners_) {
    auto lag = runner->lag_events();
    items.push_back(
        json::object{{"name", runner->name()},
                     {"offset", runner->offset()},
                     {"lag_events", lag},
                     {"lag_ms", runner->lag().count()},
                     {"status", lag == 0 ? "caught_up" : "catching_up"}});
  }
  return json_text(json::object{{"items", std::move(items)}});
}

expected<std::string> node::cluster_json() const {
  namespace json = boost::json;
  json::object answer{{"node_id", options_.cluster.self},
                      {"members", json::array{}}};
  if (!cluster_link_)
    return json_text(answer);
  auto members = cluster_members(*system_, cluster_link_);
  if (!members)
    return std::move(members).error();
  auto& listed = answer["members"].as_array();
  for (auto& member : *members) {
    json::object entry{{"id", member.id},
                       {"address", member.address},
                       {"status", member.up ? "up" : "down"},
                       {"last_seen_ms", nullptr},
                       {"replication_lag_events", nullptr}};
    if (member.last_seen_ms)
      entry["last_seen_ms"] = *member.last_seen_ms;
    // Its own events: how far its read models are behind its log.
    if (member.id == options_.cluster.self) {
      uint64_t lag = 0;
      for (auto& runner : runners_)
        lag = std::max(lag, runner->lag_events());
      entry["replication_lag_events"] = lag;
    }
    for (auto& copy : replicators_)
      if (copy->member() == member.id)
        entry["replication_lag_events"] = copy->lag_events();
    listed.push_back(std::move(entry));
  }
  return json_text(answer);
}

expected<audit_report> node::audit() const {
  if (replicators_.empty())
    return tillroll::audit(*log_);
  // The cluster as it was a moment ago by the members' clocks: every event
  // recorded by then is fsync'd by the time the heads are asked, and its
  // causes were recorded before it, so the cut holds no effect without
  // its cause.
  audit_scope scope;
  scope.until = context_.settings.clock() - audit_settle_time;
  for (auto& copy : replicators_) {
    auto head = copy->ask_head();
    if (!head)
      return std::move(head).error();
    if (!copy->wait_for_copy(*head, audit_copy_wait)) {
      failure why{errc::timeout,
                  "the copy of member " + copy->member() +
                      "'s log did not catch up in time for the audit",
                  true};
      why.node = copy->member();
      return why;
    }
    scope.replica_members.push_back(copy->member());
  }
  return tillroll::audit(*log_, scope);
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
  return tillroll::reconcile(read_models_.ledger->payments(), *report);
}

void node::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  if (http_)
    http_->stop();
  // Before the link they pull through.
  for (auto& copy : replicators_)
    copy->stop();
  if (system_) {
    caf::scoped_actor self{*system_};
    self->request(context_.registry, std::chrono::seconds{60},
                  shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
    context_.registry = nullptr;
    // After the entities: a saga retiring may still ask another member.
    stop_cluster_link(*system_, cluster_link_);
    context_.cluster_link = nullptr;
    self->send_exit(checkout_, caf::exit_reason::user_shutdown);
    self->send_exit(context_.psp, caf::exit_reason::user_shutdown);
    checkout_ = nullptr;
    context_.psp = nullptr;
  }
  // After the entities: the routes' callbacks of requests still open run
  // as the entities answer or retire, and use the routes' state; its pool
  // may still be finishing work, which now hears the actors are gone.
  api_.reset();
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
  replicators_.clear();
  runners_.clear();
  journal_.reset();
  snapshots_.reset();
  log_.reset();
}

} // namespace tillroll
