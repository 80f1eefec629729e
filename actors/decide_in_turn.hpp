// Two commands decided as one decision, for an entity whose saga learns
// two things at once (a charge and its outcome, a capture and the sale it
// buys): the second is decided on the state the first's events make, and
// the events of both are one append, or neither is taken.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

namespace tillroll {

/// `Decider{state, now}(command)` is an entity's decision; `apply_event`
/// its applier.
template <class Decider, class State, class First, class Second>
auto decide_in_turn(const State& state, timestamp now, const First& first,
                    const Second& second) {
  auto decided = Decider{state, now}(first);
  if (!decided)
    return decided;
  auto after = state;
  for (auto& event : *decided)
    apply_event(after, event);
  auto more = Decider{after, now}(second);
  if (!more)
    return more;
  decided->insert(decided->end(), more->begin(), more->end());
  return decided;
}

} // namespace tillroll
