#include "http/checkout_gate.hpp"

#include <algorithm>
#include <cmath>

namespace tillroll {

checkout_gate::verdict checkout_gate::admit() {
  std::lock_guard lock{mutex_};
  // Nothing jumps the queue: a free slot goes to a queued order first.
  if (in_flight_ < in_flight_max_ && queue_.empty() && placing_ == 0) {
    ++in_flight_;
    return verdict::run;
  }
  if (queue_.size() + placing_ < queue_max_) {
    ++placing_;
    return verdict::queue;
  }
  ++refused_;
  return verdict::refuse;
}

std::optional<std::string> checkout_gate::enqueue(std::string order_id) {
  std::lock_guard lock{mutex_};
  --placing_;
  queue_.push_back(std::move(order_id));
  if (in_flight_ >= in_flight_max_)
    return std::nullopt;
  ++in_flight_;
  auto next = std::move(queue_.front());
  queue_.pop_front();
  return next;
}

void checkout_gate::cancel_place() {
  std::lock_guard lock{mutex_};
  --placing_;
}

std::optional<std::string> checkout_gate::finish(timestamp now) {
  std::lock_guard lock{mutex_};
  finished_at_us_.push_back(now.time_since_epoch().count());
  if (finished_at_us_.size() > drain_window)
    finished_at_us_.pop_front();
  if (queue_.empty()) {
    --in_flight_;
    return std::nullopt;
  }
  auto next = std::move(queue_.front());
  queue_.pop_front();
  return next;
}

int64_t checkout_gate::retry_after_s(timestamp now) const {
  std::lock_guard lock{mutex_};
  auto depth = static_cast<double>(queue_.size() + placing_ + 1);
  double per_second = 1;
  if (finished_at_us_.size() >= 2) {
    auto span_us = static_cast<double>(now.time_since_epoch().count() -
                                       finished_at_us_.front());
    if (span_us > 0)
      per_second = static_cast<double>(finished_at_us_.size()) * 1e6 / span_us;
  }
  return std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(depth / per_second)), 1, 60);
}

size_t checkout_gate::in_flight() const {
  std::lock_guard lock{mutex_};
  return in_flight_;
}

size_t checkout_gate::depth() const {
  std::lock_guard lock{mutex_};
  return queue_.size();
}

uint64_t checkout_gate::refused() const {
  std::lock_guard lock{mutex_};
  return refused_;
}

} // namespace tillroll
