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
  void run();

  event_log& log_;
  journal& tail_;
  std::vector<projection_runner*> runners_;
  projection_runner_options options_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace tillroll
