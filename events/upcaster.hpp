// Upcasters turn the stored payload of version N of an event type into
// version N+1, so a released event keeps its meaning and old logs still
// load. Every reader goes through the registry: replay, projections and
// recovery alike.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace tillroll {

class upcaster_registry {
public:
  using upcaster = std::function<expected<std::string>(std::string_view)>;

  /// Registers the step from `from_version` to `from_version + 1`.
  void add(uint32_t type_id, uint16_t from_version, upcaster step);

  /// Registers a typed step; `convert(Old) -> New` where New::version is
  /// Old::version + 1. Defined in events/codec.hpp.
  template <class Old, class New, class Convert> void add_step(Convert convert);

  /// The payload brought from `from_version` to `to_version`, one step at a
  /// time; a missing step is a `corrupt_record` failure.
  [[nodiscard]] expected<std::string> upcast(uint32_t type_id,
                                             uint16_t from_version,
                                             uint16_t to_version,
                                             std::string payload) const;

private:
  std::map<std::pair<uint32_t, uint16_t>, upcaster> steps_;
};

/// Every upcaster of tillroll's event types, built on first use.
const upcaster_registry& upcasters();

} // namespace tillroll
