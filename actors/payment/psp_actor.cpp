#include "actors/payment/psp_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <unordered_map>

namespace tillroll {

namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;

struct psp_state {
  std::shared_ptr<psp_adapter> adapter;
  psp_settings settings;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::pair<caf::response_promise, psp_answer>>
      delayed;
  static inline const char* name = "tillroll.psp";
};

using psp_actor = caf::stateful_actor<psp_state>;

void answer(psp_actor* self, psp_answer result) {
  auto& st = self->state;
  auto promise = self->make_response_promise();
  if (st.settings.latency.count() == 0) {
    promise.deliver(std::move(result));
    return;
  }
  auto id = st.next_id++;
  st.delayed.emplace(id, std::make_pair(std::move(promise), std::move(result)));
  self->delayed_send(self, st.settings.latency, release_atom::value, id);
}

caf::behavior psp(psp_actor* self, std::shared_ptr<psp_adapter> adapter,
                  psp_settings settings) {
  self->state.adapter = std::move(adapter);
  self->state.settings = settings;
  return {
      [=](psp_charge& charge) {
        answer(self, self->state.adapter->charge(charge));
      },
      [=](psp_status_atom, const std::string& key) {
        answer(self, self->state.adapter->status(key));
      },
      [=](psp_refund_atom, const std::string& key, const std::string& refund_id,
          int64_t amount_cents) {
        answer(self, self->state.adapter->refund(key, refund_id, amount_cents));
      },
      [=](psp_report_atom) { return self->state.adapter->settlement_report(); },
      [=](release_atom, uint64_t id) {
        auto found = self->state.delayed.find(id);
        if (found == self->state.delayed.end())
          return;
        found->second.first.deliver(std::move(found->second.second));
        self->state.delayed.erase(found);
      },
  };
}

} // namespace

caf::actor spawn_psp(caf::actor_system& system,
                     std::shared_ptr<psp_adapter> adapter,
                     psp_settings settings) {
  return system.spawn(psp, std::move(adapter), settings);
}

} // namespace tillroll
