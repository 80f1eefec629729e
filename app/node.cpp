#include "app/node.hpp"

#include "actors/caf_error.hpp"
#include "actors/messages.hpp"
#include "actors/payment/psp_actor.hpp"
#include "app/audit.hpp"
#include "events/event_log.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "projections/ledger/ledger_balances.hpp"
#include "projections/projection_runner.hpp"
#include "projections/projection_tail.hpp"
#include "projections/stream_counts/stream_counts.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>

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
  for (auto& [kind, counts] : read_models_.streams->counts())
    out += fmt::format("tillroll_streams{{kind=\"{}\"}} {}\n", kind,
                       counts.streams);
  out += "# TYPE tillroll_stream_events gauge\n";
  for (auto& [kind, counts] : read_models_.streams->counts())
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
  return tillroll::reconcile(read_models_.ledger->payments(), *report);
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
