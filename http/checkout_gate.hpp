// Checkout admission: at most `in_flight_max` checkouts run at once; past
// that a checkout is placed queued (202, its saga not started) while the
// queue has room, and refused 429 past it, with a Retry-After from the
// queue's depth and the rate it drains at. A queued order starts when a
// running checkout finishes; it is durable from its 202 on, and starts by
// its own timer if the node restarts (actors/order/order_state.hpp).
#pragma once

#include "events/envelope.hpp"

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace tillroll {

/// How long a queued order waits for its turn before it starts anyway
/// (after a restart, the queue that would start it is gone).
inline constexpr std::chrono::seconds checkout_queue_wait_max{10};
/// Finished checkouts the drain rate is measured over.
inline constexpr size_t drain_window = 64;

class checkout_gate {
public:
  checkout_gate(size_t in_flight_max, size_t queue_max)
      : in_flight_max_(in_flight_max), queue_max_(queue_max) {}

  enum class verdict { run, queue, refuse };
  /// Takes a running slot, or a place in the queue, or neither.
  verdict admit();
  /// A queued checkout's order is placed: it waits in line, or, if a
  /// slot freed meanwhile, the oldest queued order is to run in it now.
  std::optional<std::string> enqueue(std::string order_id);
  /// A queued checkout could not be placed: its place is free.
  void cancel_place();
  /// A running checkout finished: the order to run in its slot, if any
  /// waits (the slot passes to it), else the slot is free.
  std::optional<std::string> finish(timestamp now);
  /// Seconds until a refused checkout may find room: the queue's depth
  /// over its drain rate, 1 to 60.
  int64_t retry_after_s(timestamp now) const;

  size_t in_flight() const;
  size_t depth() const;
  uint64_t refused() const;

private:
  const size_t in_flight_max_;
  const size_t queue_max_;
  mutable std::mutex mutex_;
  size_t in_flight_ = 0;
  /// Places taken by checkouts being placed queued.
  size_t placing_ = 0;
  std::deque<std::string> queue_;
  uint64_t refused_ = 0;
  /// When the last finished checkouts finished, oldest first.
  std::deque<int64_t> finished_at_us_;
};

} // namespace tillroll
