#include "actors/cluster/membership.hpp"

#include <algorithm>
#include <charconv>
#include <sodium.h>

namespace tillroll {

namespace {

bool valid_member_id(std::string_view id) {
  return !id.empty() && id.size() <= member_id_size_max &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

} // namespace

std::optional<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::nullopt;
  auto digits = text.substr(colon + 1);
  uint16_t port = 0;
  auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || error != std::errc{} ||
      end != digits.data() + digits.size())
    return std::nullopt;
  return host_port{std::string{text.substr(0, colon)}, port};
}

uint64_t rendezvous_score(std::string_view member_id,
                          std::string_view stream_id) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  crypto_generichash_update(
      &state, reinterpret_cast<const unsigned char*>(member_id.data()),
      member_id.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(
      &state, reinterpret_cast<const unsigned char*>(stream_id.data()),
      stream_id.size());
  unsigned char digest[32];
  crypto_generichash_final(&state, digest, sizeof digest);
  uint64_t score = 0;
  for (size_t at = 0; at < 8; ++at)
    score = (score << 8) | digest[at];
  return score;
}

const std::string& membership::owner_of(std::string_view stream_id) const {
  if (!clustered())
    return self;
  const cluster_member* best = nullptr;
  uint64_t best_score = 0;
  for (auto& candidate : members) {
    auto score = rendezvous_score(candidate.id, stream_id);
    // Ties (never seen with 64 bits) go to the smaller id: still one owner.
    if (best == nullptr || score > best_score) {
      best = &candidate;
      best_score = score;
    }
  }
  return best->id;
}

const cluster_member* membership::member(std::string_view id) const {
  for (auto& candidate : members)
    if (candidate.id == id)
      return &candidate;
  return nullptr;
}

std::string membership::to_text() const {
  std::string text;
  for (auto& each : members) {
    if (!text.empty())
      text += ',';
    text += each.id + "=" + each.host + ":" + std::to_string(each.port);
  }
  return text;
}

expected<membership> parse_membership(std::string_view self,
                                      std::string_view members) {
  auto refuse = [](std::string message) {
    return make_failure(errc::invalid_argument, std::move(message));
  };
  if (!valid_member_id(self))
    return refuse("a member id is 1 to 32 of [A-Za-z0-9_-]");
  membership parsed;
  parsed.self = std::string{self};
  // Every piece between commas is an entry: a stray comma is an error.
  for (bool last = members.empty(); !last;) {
    auto comma = members.find(',');
    auto entry = members.substr(0, comma);
    last = comma == std::string_view::npos;
    members = last ? std::string_view{} : members.substr(comma + 1);
    auto equals = entry.find('=');
    auto id = entry.substr(0, equals);
    auto address = equals == std::string_view::npos
                       ? std::nullopt
                       : parse_host_port(entry.substr(equals + 1));
    if (!valid_member_id(id) || !address || address->port == 0)
      return refuse("--members takes ID=HOST:PORT,... with ids of "
                    "[A-Za-z0-9_-]{1,32} and ports 1 to 65535; not '" +
                    std::string{entry} + "'");
    if (parsed.member(id) != nullptr)
      return refuse("member " + std::string{id} + " is listed twice");
    if (parsed.members.size() == cluster_members_max)
      return refuse("a cluster has at most 64 members");
    parsed.members.push_back({std::string{id}, address->host, address->port});
  }
  if (parsed.member(self) == nullptr)
    return refuse("--members must list this member, " + parsed.self);
  std::sort(parsed.members.begin(), parsed.members.end(),
            [](auto& left, auto& right) { return left.id < right.id; });
  return parsed;
}

} // namespace tillroll
