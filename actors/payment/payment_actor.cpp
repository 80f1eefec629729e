#include "actors/payment/payment_actor.hpp"

#include "actors/entity.hpp"
#include "actors/payment/psp_actor.hpp"
#include "actors/saga.hpp"

#include <caf/actor_system.hpp>
#include <caf/message_handler.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <utility>

namespace tillroll {

namespace {

using payment_self = entity_actor_type<payment_entity>;

/// Sends the payment a command of its own: decided, persisted and applied
/// like any other, `done` once it is durable. Its events carry the order
/// step's trace.
void record(payment_self* self, payment_command command, trace_ids trace,
            std::function<void(expected<payment_view>)> done) {
  self->request(caf::actor_cast<caf::actor>(self), saga_call_timeout,
                std::move(command), std::move(trace))
      .then([done](payment_view& view) { done(view); },
            [done](caf::error& error) { done(from_caf_error(error)); });
}

/// Answers the order that asked for a PSP step; then the next step runs.
using step_answer = std::function<void(expected<psp_answer>)>;

/// Records what the PSP said, then answers the order with it.
void record_then_answer(payment_self* self, payment_command command,
                        trace_ids trace, step_answer answer,
                        psp_answer answered) {
  record(self, std::move(command), std::move(trace),
         [answer, answered](expected<payment_view> recorded) {
           if (!recorded)
             return answer(recorded.error());
           answer(answered);
         });
}

/// Records the charge with what the PSP said of it, then answers the order.
void settle(payment_self* self, const request_payment& charge,
            const trace_ids& trace, step_answer answer, psp_answer answered) {
  record_then_answer(
      self,
      record_charge{charge,
                    record_psp_outcome{answered.status, answered.reference,
                                       answered.reason}},
      trace, std::move(answer), answered);
}

void charge_then_settle(payment_self* self, const request_payment& asked,
                        const trace_ids& trace, step_answer answer) {
  psp_charge charge{self->state.id, asked.amount_cents, asked.currency,
                    asked.payment_token, asked.order_id};
  self->request(self->state.context->psp, saga_call_timeout, std::move(charge))
      .then(
          [=](psp_answer& answered) {
            settle(self, asked, trace, answer, answered);
          },
          [=](caf::error&) {
            // No answer is an answer to ask about later.
            settle(self, asked, trace, answer,
                   psp_answer{payment_outcome::pending, "", ""});
          });
}

/// Status first: after a crash the charge may have gone through.
void ask_status(payment_self* self, const request_payment& asked,
                const trace_ids& trace, step_answer answer, bool holds_live) {
  self->request(self->state.context->psp, saga_call_timeout,
                psp_status_atom::value, self->state.id)
      .then(
          [=](psp_answer& known) {
            if (charge_after_status(known.status, holds_live))
              return charge_then_settle(self, asked, trace, answer);
            if (holds_live || settles_without_hold(known.status))
              return settle(self, asked, trace, answer, known);
            // Nothing was charged: the order cancels unpaid.
            answer(known);
          },
          [=](caf::error& error) { answer(from_caf_error(error)); });
}

void take_charge(payment_self* self, const charge_request& asked,
                 step_answer answer) {
  // A charge this payment would refuse to record is never sent.
  auto checked = decide(self->state.state, payment_command{asked.payment},
                        self->state.context->settings.clock());
  if (!checked)
    return answer(checked.error());
  ask_status(self, asked.payment,
             trace_ids{asked.correlation_id, asked.causation_id}, answer,
             asked.holds_live);
}

void take_refund(payment_self* self, const refund_request& asked,
                 step_answer answer) {
  self->request(self->state.context->psp, saga_call_timeout,
                psp_refund_atom::value, self->state.id, asked.refund_id,
                asked.amount_cents)
      .then(
          [=](psp_answer& answered) {
            if (answered.status != payment_outcome::captured)
              return answer(answered);
            record_then_answer(
                self,
                record_refund{asked.refund_id, asked.amount_cents,
                              answered.reference},
                trace_ids{asked.correlation_id, asked.causation_id}, answer,
                answered);
          },
          [=](caf::error&) {
            answer(psp_answer{payment_outcome::failed, "",
                              "the PSP did not answer"});
          });
}

/// The PSP steps asked of one payment, taken one at a time: a step whose
/// order stopped waiting may still charge, and the order's next step must
/// find what it did when it asks the PSP.
struct psp_steps {
  using step = std::function<void(std::function<void()> release)>;
  bool busy = false;
  std::deque<step> waiting;
  /// A retire that came while a step was out, taken once none is.
  bool retire_deferred = false;
};

/// While a step is out the payment neither passivates nor retires: the
/// order waits for the answer, which an actor that quit would never send.
void run_step(payment_self* self, const std::shared_ptr<psp_steps>& steps,
              psp_steps::step work) {
  if (steps->busy) {
    steps->waiting.push_back(std::move(work));
    return;
  }
  steps->busy = true;
  self->state.step_in_flight = true;
  work([self, steps] {
    steps->busy = false;
    if (!steps->waiting.empty()) {
      auto next = std::move(steps->waiting.front());
      steps->waiting.pop_front();
      return run_step(self, steps, std::move(next));
    }
    self->state.step_in_flight = false;
    if (std::exchange(steps->retire_deferred, false))
      self->send(self, retire_atom::value);
  });
}

/// Queues `take(self, request, answer)`; the order gets the answer.
template <class Request, class Take>
void queue_step(payment_self* self, const std::shared_ptr<psp_steps>& steps,
                Request request, Take take) {
  auto promise = self->make_response_promise();
  if (steps->waiting.size() >= payment_steps_waiting_max)
    return promise.deliver(to_caf_error(make_failure(
        errc::overloaded, "too many PSP steps wait on this payment", true)));
  run_step(self, steps,
           [self, promise, request = std::move(request),
            take](std::function<void()> release) mutable {
             take(self, request,
                  [promise, release](expected<psp_answer> answered) mutable {
                    if (answered)
                      promise.deliver(*answered);
                    else
                      promise.deliver(to_caf_error(answered.error()));
                    release();
                  });
           });
}

caf::behavior payment_actor(payment_self* self, entity_context* context,
                            std::string id) {
  auto entity = entity_actor<payment_entity>(self, context, std::move(id));
  auto steps = std::make_shared<psp_steps>();
  return caf::message_handler{
      [=](charge_request& asked) {
        queue_step(self, steps, std::move(asked), take_charge);
      },
      [=](refund_request& asked) {
        queue_step(self, steps, std::move(asked), take_refund);
      },
      [=](retire_atom) {
        if (steps->busy) {
          steps->retire_deferred = true;
          return;
        }
        self->state.retiring = true;
        detail::maybe_retire<payment_entity>(self);
      },
  }
      .or_else(entity);
}

} // namespace

void add_payment_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{payment_entity::kind},
                [](caf::actor_system& system, entity_context* context,
                   const std::string& id) {
                  return system.spawn(payment_actor, context, id);
                });
}

} // namespace tillroll
