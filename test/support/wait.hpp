// Waiting for a real node's threads (projections tail the log on their
// own): a bounded poll, never an open-ended sleep.
#pragma once

#include <chrono>
#include <thread>

namespace tillroll::test {

template <class Condition>
bool wait_until(Condition condition,
                std::chrono::milliseconds cap = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + cap;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

} // namespace tillroll::test
