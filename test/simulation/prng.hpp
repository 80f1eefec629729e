// The simulator's one source of randomness: xoshiro256** seeded through
// splitmix64, written out here so that a seed means the same run on every
// standard library (std::mt19937 is portable, its distributions are not).
#pragma once

#include <cassert>
#include <cstdint>

namespace tillroll::simulation {

class prng {
public:
  explicit prng(uint64_t seed) {
    for (auto& word : state_)
      word = splitmix64(seed);
  }

  uint64_t next() noexcept {
    auto result = rotate(state_[1] * 5, 7) * 9;
    auto shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotate(state_[3], 45);
    return result;
  }

  /// Uniform in [0, bound); the modulo bias is below 2^-40 for the small
  /// bounds used here, and a seed replays exactly either way.
  uint64_t below(uint64_t bound) noexcept {
    assert(bound > 0);
    return next() % bound;
  }

  /// Uniform in [low, high].
  int64_t between(int64_t low, int64_t high) noexcept {
    assert(low <= high);
    return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low) + 1));
  }

  /// True `percent` times in a hundred.
  bool chance(uint64_t percent) noexcept { return below(100) < percent; }

private:
  static uint64_t splitmix64(uint64_t& x) noexcept {
    auto z = (x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  static uint64_t rotate(uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }

  uint64_t state_[4];
};

} // namespace tillroll::simulation
