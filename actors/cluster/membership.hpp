// The members of a cluster and which one owns a stream. The list is static
// (`serve --members`), recorded in the log at the first start, and the
// same on every member; each stream belongs to the member with the highest
// rendezvous hash of (member id, stream name) over that list, live or not,
// so an entity is never live on two members and adding a member would move
// only the streams it wins.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

/// Most members a cluster lists.
inline constexpr size_t cluster_members_max = 64;
/// Longest member id: [A-Za-z0-9_-]{1,32}.
inline constexpr size_t member_id_size_max = 32;

struct cluster_member {
  std::string id;
  std::string host;
  uint16_t port = 0;

  bool operator==(const cluster_member&) const = default;
};

struct membership {
  /// This member's id; empty: a single node, which owns every stream.
  std::string self;
  /// Sorted by id, ids unique; empty for a single node.
  std::vector<cluster_member> members;

  bool clustered() const { return !members.empty(); }
  /// The id of the member that owns `stream_id`; `self` when unclustered.
  const std::string& owner_of(std::string_view stream_id) const;
  bool owns(std::string_view stream_id) const {
    return !clustered() || owner_of(stream_id) == self;
  }
  /// The member of `id`, or null.
  const cluster_member* member(std::string_view id) const;
  /// The list as `serve --members` takes it, sorted: what the log records.
  std::string to_text() const;
};

struct host_port {
  std::string host;
  uint16_t port = 0;
};
/// `HOST:PORT` (the port after the last colon, 0 to 65535).
std::optional<host_port> parse_host_port(std::string_view text);

/// Parses `ID=HOST:PORT,ID=HOST:PORT,...` for member `self`, which must be
/// listed; ids unique, at most `cluster_members_max`.
expected<membership> parse_membership(std::string_view self,
                                      std::string_view members);

/// The rendezvous score of `member_id` for `stream_id`: the first 8 bytes
/// of BLAKE2b-256(member_id || 0x00 || stream_id), big-endian. The highest
/// score owns the stream; a documented function, so any tool can place.
uint64_t rendezvous_score(std::string_view member_id,
                          std::string_view stream_id);

} // namespace tillroll
