#include "http/rate_limit.hpp"

#include <algorithm>

namespace tillroll {

namespace {

constexpr int64_t micros_per_minute = 60'000'000;

} // namespace

std::optional<int64_t> rate_limit::refuse(const std::string& key,
                                          timestamp now) {
  if (per_minute_ <= 0)
    return std::nullopt;
  auto now_us = now.time_since_epoch().count();
  auto interval = micros_per_minute / per_minute_;
  // A burst of per_minute requests fits before the limit bites.
  auto tolerance = interval * (per_minute_ - 1);
  std::lock_guard lock{mutex_};
  auto found = next_.find(key);
  auto arrival =
      found == next_.end() ? now_us : std::max(found->second, now_us);
  if (arrival - now_us > tolerance) {
    auto wait_us = arrival - tolerance - now_us;
    return std::max<int64_t>(1, (wait_us + 999'999) / 1'000'000);
  }
  if (found == next_.end()) {
    if (next_.size() >= rate_limit_keys_max)
      make_room(now_us);
    next_.emplace(key, arrival + interval);
  } else {
    found->second = arrival + interval;
  }
  return std::nullopt;
}

void rate_limit::make_room(int64_t now_us) {
  std::erase_if(next_, [&](auto& entry) { return entry.second <= now_us; });
  if (next_.size() < rate_limit_keys_max)
    return;
  // Every key is limited: forget the one nearest its allowance, which
  // gives that client at most one request early.
  auto nearest =
      std::min_element(next_.begin(), next_.end(),
                       [](auto& a, auto& b) { return a.second < b.second; });
  next_.erase(nearest);
}

} // namespace tillroll
