// Tails the global log once for every projection of a node: each batch of
// fsync'd events is read a single time and handed to each runner, which
// applies what lies past its own offset. One thread instead of one per
// read model: seven readers of every event and seven wake-ups per commit
// cost a checkout-bound node a quarter of its CPU.
#pragma once

#include "projections/projection_runner.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tillroll {

class event_log;
class journal;

class projection_tail {
public:
  projection_tail(event_log& log, journal& tail,
                  std::vector<projection_runner*> runners,
                  projection_runner_options options = {});
  ~projection_tail();

  void start();
  void stop();

private:
  /// How a read model fares: a failing one is retried alone.
  struct health {
    uint32_t failures = 0;
    std::chrono::steady_clock::time_point retry_at{};
  };
  /// Longest pause between retries of a failing read model.
  static constexpr std::chrono::milliseconds failing_retry_max{5000};

  void run();
  void retry_failing();
  void report(size_t index, const failure& why);

  event_log& log_;
  journal& tail_;
  std::vector<projection_runner*> runners_;
  projection_runner_options options_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  /// Per runner, touched only by the tail's thread.
  std::vector<health> health_;
};

} // namespace tillroll
