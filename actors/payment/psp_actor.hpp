// The PSP as an actor: calls a psp_adapter and answers after the
// configured latency, without blocking the caller.
#pragma once

#include "actors/payment/psp.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

namespace tillroll {

/// (psp_status_atom, key) -> psp_answer
using psp_status_atom = caf::atom_constant<caf::atom("pspstatus")>;
/// (psp_refund_atom, key, refund_id, amount_cents) -> psp_answer
using psp_refund_atom = caf::atom_constant<caf::atom("psprefund")>;
/// (psp_report_atom) -> std::vector<settlement_line>
using psp_report_atom = caf::atom_constant<caf::atom("pspreport")>;

struct psp_settings {
  /// Added to every answer, to simulate a real PSP's round trip.
  std::chrono::milliseconds latency{0};
};

/// Handles (psp_charge) -> psp_answer and the atoms above.
caf::actor spawn_psp(caf::actor_system& system,
                     std::shared_ptr<psp_adapter> adapter,
                     psp_settings settings);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::psp_charge)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::psp_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tillroll::settlement_line>)
