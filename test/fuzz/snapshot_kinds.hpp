// The entity kinds a snapshot input is for, shared by the snapshot harness
// and its corpus writer.
#pragma once

#include <cstdint>

namespace tillroll::fuzz {

enum class entity_kind : uint8_t { sku, product, payment, order, cart, user };

inline constexpr uint8_t entity_kinds = 6;

/// The kind an input's first byte names: every byte names one.
inline entity_kind entity_kind_of(uint8_t byte) {
  return static_cast<entity_kind>(byte % entity_kinds);
}

} // namespace tillroll::fuzz
