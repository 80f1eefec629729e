#include "actors/cluster/forwarding.hpp"

#include "actors/caf_error.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/entity.hpp"
#include "actors/entity_context.hpp"
#include "actors/entity_kinds.hpp"
#include "actors/messages.hpp"
#include "actors/payment/psp_actor.hpp"
#include "events/byte_order.hpp"
#include "events/codec.hpp"
#include "events/described.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "events/keys.hpp"
#include "events/replica_log.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <boost/pfr/core.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/variant.hpp>

#include <map>
#include <sodium.h>
#include <tuple>
#include <type_traits>
#include <utility>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tillroll::member_status>)

namespace tillroll {

/// The wire form of commands, replies and their parts: each field in
/// declaration order. Only members of one build talk (BASP has no version
/// negotiation), so the order is the same at both ends; nothing encoded
/// here is stored.
template <class T, class Archive>
concept wire_aggregate =
    std::is_class_v<T> && std::is_aggregate_v<T> && !described_struct<T> &&
    !serializes_itself<T, Archive>;

template <class Archive, class T>
requires wire_aggregate<T, Archive>
void serialize(Archive& archive, T& value) {
  boost::pfr::for_each_field(value, [&](auto& field) { archive(field); });
}

namespace {

/// Another member's link asks this one to run a command here.
using remote_forward_atom = caf::atom_constant<caf::atom("fwdremote")>;
/// Does the link answer? (its member id)
using ping_atom = caf::atom_constant<caf::atom("cping")>;
/// Connect the lost members, ping the others.
using probe_atom = caf::atom_constant<caf::atom("cprobe")>;
/// Another member's link asks for this member's committed events.
using remote_replicate_atom = caf::atom_constant<caf::atom("replremote")>;
/// The link asks its reader for committed events.
using read_log_atom = caf::atom_constant<caf::atom("readlog")>;

/// Messages an entity takes besides its commands and `await`, with what
/// each is answered: the payment's PSP steps.
template <class Entity> struct extra_requests { using type = std::tuple<>; };
template <> struct extra_requests<payment_entity> {
  using type = std::tuple<std::pair<charge_request, psp_answer>,
                          std::pair<refund_request, psp_answer>>;
};

template <class Command> struct traced {
  Command command;
  trace_ids trace;
};

/// The shapes of a forwarded request: what the message held.
enum shape : uint8_t { command_only = 0, command_traced = 1, awaiting = 2 };
constexpr uint8_t first_extra = 3;

struct encoded_request {
  uint8_t shape = 0;
  std::string bytes;
};

template <class T> struct type_tag { using type = T; };

/// Calls `visit(type_tag<Reply>)` with what a request of `shape` is
/// answered with; false for a shape the kind does not have.
template <class Entity, class Visit>
bool with_reply_of(uint8_t shape, Visit&& visit) {
  using extras = typename extra_requests<Entity>::type;
  if (shape < first_extra) {
    visit(type_tag<typename Entity::reply_type>{});
    return true;
  }
  bool found = false;
  [&]<size_t... index>(std::index_sequence<index...>) {
    ((shape == first_extra + index
          ? (visit(type_tag<typename std::tuple_element_t<
                       index, extras>::second_type>{}),
             found = true)
          : false),
     ...);
  }
  (std::make_index_sequence<std::tuple_size_v<extras>>{});
  return found;
}

template <class Entity>
expected<encoded_request> encode_request(const caf::message& content) {
  using command = typename Entity::command_type;
  using extras = typename extra_requests<Entity>::type;
  if (content.match_elements<command>())
    return encoded_request{command_only,
                           encode_payload(content.get_as<command>(0))};
  if (content.match_elements<command, trace_ids>())
    return encoded_request{command_traced, encode_payload(traced<command>{
                                               content.get_as<command>(0),
                                               content.get_as<trace_ids>(1)})};
  if (content.match_elements<await_atom>())
    return encoded_request{awaiting, {}};
  std::optional<encoded_request> extra;
  [&]<size_t... index>(std::index_sequence<index...>) {
    (
        [&] {
          using request =
              typename std::tuple_element_t<index, extras>::first_type;
          if (!extra && content.match_elements<request>())
            extra = encoded_request{static_cast<uint8_t>(first_extra + index),
                                    encode_payload(content.get_as<request>(0))};
        }(),
        ...);
  }
  (std::make_index_sequence<std::tuple_size_v<extras>>{});
  if (extra)
    return std::move(*extra);
  return make_failure(errc::invalid_argument,
                      "this message cannot go to another member");
}

template <class Entity>
expected<caf::message> decode_request(uint8_t shape, std::string_view bytes) {
  using command = typename Entity::command_type;
  using extras = typename extra_requests<Entity>::type;
  if (shape == command_only) {
    auto decoded = decode_payload<command>(bytes);
    if (!decoded)
      return std::move(decoded).error();
    return caf::make_message(std::move(*decoded));
  }
  if (shape == command_traced) {
    auto decoded = decode_payload<traced<command>>(bytes);
    if (!decoded)
      return std::move(decoded).error();
    return caf::make_message(std::move(decoded->command),
                             std::move(decoded->trace));
  }
  if (shape == awaiting)
    return caf::make_message(await_atom::value);
  std::optional<expected<caf::message>> extra;
  [&]<size_t... index>(std::index_sequence<index...>) {
    (
        [&] {
          using request =
              typename std::tuple_element_t<index, extras>::first_type;
          if (shape != first_extra + index)
            return;
          auto decoded = decode_payload<request>(bytes);
          if (!decoded)
            extra.emplace(std::move(decoded).error());
          else
            extra.emplace(caf::make_message(std::move(*decoded)));
        }(),
        ...);
  }
  (std::make_index_sequence<std::tuple_size_v<extras>>{});
  if (extra)
    return std::move(*extra);
  return make_failure(errc::invalid_argument, "no such request shape");
}

struct peer {
  cluster_member member;
  /// Its link's proxy while connected.
  caf::actor link;
  bool connecting = false;
  bool pinging = false;
  std::optional<int64_t> last_seen_ms;
  /// Requests sent to it and not answered yet, by call number: a lost
  /// connection answers them at once rather than at their timeout (BASP
  /// drops what it had not delivered, and nothing else would tell).
  std::map<uint64_t, caf::response_promise> waiting;
};

struct link_state {
  entity_context* context = nullptr;
  /// Reads this member's log for the others, on a thread of its own: the
  /// reads block.
  caf::actor reader;
  std::string mac_key;
  forwarding_settings settings;
  /// Every other member, in the list's order.
  std::vector<peer> peers;
  size_t in_flight = 0;
  uint64_t next_call = 0;

  static inline const char* name = "tillroll.cluster_link";
};

using link_actor = caf::stateful_actor<link_state>;

/// What a kind's forwarded messages need, made from the kinds' table.
struct kind_wire {
  expected<encoded_request> (*encode)(const caf::message&);
  expected<caf::message> (*decode)(uint8_t, std::string_view);
  /// Runs a decoded request here and answers `promise` with the encoded
  /// reply; false for a shape the kind does not have.
  bool (*serve)(link_actor*, caf::response_promise&, const std::string&,
                const std::string&, uint8_t, caf::message);
  /// Decodes a reply and answers `promise` with it.
  bool (*answer)(caf::response_promise&, uint8_t, std::string_view);
};

/// How long this member's own registry may take for a forwarded request:
/// less than the asking member waits, so it hears why, not a timeout.
constexpr std::chrono::seconds local_timeout{30};

template <class Entity>
bool serve_here(link_actor* self, caf::response_promise& promise,
                const std::string& kind, const std::string& id, uint8_t shape,
                caf::message content) {
  return with_reply_of<Entity>(shape, [&]<class Reply>(type_tag<Reply>) {
    self->request(self->state.context->registry, local_timeout,
                  route_atom::value, kind, id, std::move(content))
        .then(
            [promise](Reply& reply) mutable {
              promise.deliver(encode_payload(reply));
            },
            [promise](caf::error& error) mutable { promise.deliver(error); });
  });
}

template <class Entity>
bool answer_with(caf::response_promise& promise, uint8_t shape,
                 std::string_view bytes) {
  return with_reply_of<Entity>(shape, [&]<class Reply>(type_tag<Reply>) {
    auto reply = decode_payload<Reply>(bytes);
    if (reply)
      promise.deliver(std::move(*reply));
    else
      promise.deliver(to_caf_error(reply.error()));
  });
}

const std::map<std::string, kind_wire, std::less<>>& kind_wires() {
  static const auto wires = [] {
    std::map<std::string, kind_wire, std::less<>> made;
    for_each_entity_kind([&](const auto& kind) {
      using entity = typename std::decay_t<decltype(kind)>::entity_type;
      made.emplace(std::string{entity::kind},
                   kind_wire{&encode_request<entity>, &decode_request<entity>,
                             &serve_here<entity>, &answer_with<entity>});
    });
    return made;
  }();
  return wires;
}

const kind_wire* wire_of(std::string_view kind) {
  auto found = kind_wires().find(kind);
  return found == kind_wires().end() ? nullptr : &found->second;
}

/// The MAC of a forwarded request, over everything the receiver acts on.
std::string mac_of(const std::string& key, const std::string& kind,
                   const std::string& id, uint8_t shape,
                   const std::string& bytes) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  auto add = [&](std::string_view part) {
    uint64_t size = part.size();
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char*>(&size), sizeof size);
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char*>(part.data()),
        part.size());
  };
  add(kind);
  add(id);
  add(std::string_view{reinterpret_cast<const char*>(&shape), 1});
  add(bytes);
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state,
                               reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

int64_t now_ms(link_actor* self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             self->state.context->settings.clock().time_since_epoch())
      .count();
}

peer* peer_of(link_actor* self, std::string_view member_id) {
  for (auto& candidate : self->state.peers)
    if (candidate.member.id == member_id)
      return &candidate;
  return nullptr;
}

failure unreachable(const std::string& member_id) {
  failure why{errc::node_unavailable,
              "cluster member " + member_id + " cannot be reached", true};
  why.node = member_id;
  return why;
}

/// Why a forwarded request failed, as its asker should hear it: the
/// owner's own answer as it is; a lost or silent connection as `timeout`,
/// since the command may have been applied (a saga retries it, and its
/// steps are idempotent).
caf::error remote_failure(const caf::error& error,
                          const std::string& member_id) {
  if (error.category() == error_category)
    return error;
  failure why{errc::timeout,
              "cluster member " + member_id +
                  " did not answer; the command may have been applied",
              true};
  why.node = member_id;
  return to_caf_error(why);
}

/// Keeps `promise` with its peer until the answer or the loss comes.
uint64_t park(link_actor* self, peer& target, caf::response_promise promise) {
  auto call = ++self->state.next_call;
  target.waiting.emplace(call, std::move(promise));
  ++self->state.in_flight;
  return call;
}

/// The parked promise of `call`, unless the peer's loss answered it.
std::optional<caf::response_promise>
unpark(link_actor* self, const std::string& member_id, uint64_t call) {
  auto* target = peer_of(self, member_id);
  if (target == nullptr)
    return std::nullopt;
  auto found = target->waiting.find(call);
  if (found == target->waiting.end())
    return std::nullopt;
  --self->state.in_flight;
  return target->waiting.extract(found).mapped();
}

/// The connection to `target` is gone: whatever it had not answered
/// may or may not have been applied.
void answer_lost(link_actor* self, peer& target) {
  for (auto& [call, promise] : target.waiting)
    promise.deliver(remote_failure(
        caf::make_error(caf::sec::request_receiver_down), target.member.id));
  self->state.in_flight -= target.waiting.size();
  target.waiting.clear();
}

void forward_out(link_actor* self, const std::string& kind,
                 const std::string& id, const caf::message& content) {
  auto promise = self->make_response_promise();
  auto& st = self->state;
  const auto* wire = wire_of(kind);
  if (wire == nullptr)
    return promise.deliver(to_caf_error(
        make_failure(errc::not_found, "unknown entity kind " + kind)));
  const auto& owner = st.context->cluster->owner_of(make_stream_id(kind, id));
  auto* target = peer_of(self, owner);
  if (target == nullptr || !target->link)
    return promise.deliver(to_caf_error(unreachable(owner)));
  if (st.in_flight >= st.settings.in_flight_max)
    return promise.deliver(to_caf_error(
        make_failure(errc::overloaded,
                     "too many requests waiting for other members", true)));
  auto encoded = wire->encode(content);
  if (!encoded)
    return promise.deliver(to_caf_error(encoded.error()));
  auto mac = mac_of(st.mac_key, kind, id, encoded->shape, encoded->bytes);
  auto call = park(self, *target, std::move(promise));
  self->request(target->link, st.settings.forward_timeout,
                remote_forward_atom::value, kind, id, encoded->shape,
                std::move(encoded->bytes), std::move(mac))
      .then(
          [self, call, wire, owner,
           shape = encoded->shape](std::string& reply) {
            auto promise = unpark(self, owner, call);
            if (!promise)
              return;
            if (auto* seen = peer_of(self, owner))
              seen->last_seen_ms = now_ms(self);
            if (!wire->answer(*promise, shape, reply))
              promise->deliver(to_caf_error(
                  make_failure(errc::invalid_argument, "no such reply")));
          },
          [self, call, owner](caf::error& error) {
            if (auto promise = unpark(self, owner, call))
              promise->deliver(remote_failure(error, owner));
          });
}

void serve_remote(link_actor* self, const std::string& kind,
                  const std::string& id, uint8_t shape,
                  const std::string& bytes, const std::string& mac) {
  auto promise = self->make_response_promise();
  auto& st = self->state;
  auto expected_mac = mac_of(st.mac_key, kind, id, shape, bytes);
  if (mac.size() != expected_mac.size() ||
      sodium_memcmp(mac.data(), expected_mac.data(), mac.size()) != 0)
    return promise.deliver(to_caf_error(make_failure(
        errc::forbidden, "a forwarded request not signed by a member")));
  const auto* wire = wire_of(kind);
  if (wire == nullptr)
    return promise.deliver(to_caf_error(
        make_failure(errc::not_found, "unknown entity kind " + kind)));
  // One list on every member, so this cannot happen but by a member
  // started with another: refuse rather than forward again (a loop).
  if (!st.context->cluster->owns(make_stream_id(kind, id)))
    return promise.deliver(to_caf_error(make_failure(
        errc::not_owner, "this member does not own that entity", true)));
  auto content = wire->decode(shape, bytes);
  if (!content)
    return promise.deliver(to_caf_error(content.error()));
  if (!wire->serve(self, promise, kind, id, shape, std::move(*content)))
    promise.deliver(to_caf_error(
        make_failure(errc::invalid_argument, "no such request shape")));
}

/// What a pull signs: the member asked and the range, so an answer to one
/// member's pull cannot be asked of another.
std::string pull_bytes(uint64_t from, uint32_t limit) {
  std::string bytes;
  append_big_endian(bytes, from);
  append_big_endian(bytes, limit);
  return bytes;
}

constexpr std::string_view pull_kind = "replicate";

void replicate_out(link_actor* self, const std::string& member, uint64_t from,
                   uint32_t limit) {
  auto promise = self->make_response_promise();
  auto& st = self->state;
  auto* target = peer_of(self, member);
  if (target == nullptr || !target->link)
    return promise.deliver(to_caf_error(unreachable(member)));
  auto mac = mac_of(st.mac_key, std::string{pull_kind}, member, 0,
                    pull_bytes(from, limit));
  auto call = park(self, *target, std::move(promise));
  self->request(target->link, st.settings.replicate_timeout,
                remote_replicate_atom::value, from, limit, std::move(mac))
      .then(
          [self, call, member](std::string& framed, uint64_t committed) {
            auto promise = unpark(self, member, call);
            if (!promise)
              return;
            if (auto* seen = peer_of(self, member))
              seen->last_seen_ms = now_ms(self);
            promise->deliver(std::move(framed), committed);
          },
          [self, call, member](caf::error& error) {
            if (auto promise = unpark(self, member, call))
              promise->deliver(remote_failure(error, member));
          });
}

void serve_replicate(link_actor* self, uint64_t from, uint32_t limit,
                     const std::string& mac) {
  auto promise = self->make_response_promise();
  auto& st = self->state;
  auto expected_mac =
      mac_of(st.mac_key, std::string{pull_kind}, st.context->cluster->self, 0,
             pull_bytes(from, limit));
  if (mac.size() != expected_mac.size() ||
      sodium_memcmp(mac.data(), expected_mac.data(), mac.size()) != 0)
    return promise.deliver(to_caf_error(make_failure(
        errc::forbidden, "a pull of the log not signed by a member")));
  self->request(st.reader, caf::infinite, read_log_atom::value, from, limit)
      .then(
          [promise](std::string& framed, uint64_t committed) mutable {
            promise.deliver(std::move(framed), committed);
          },
          [promise](caf::error& error) mutable { promise.deliver(error); });
}

/// Only fsync'd events leave the member: a copy must not hold what a crash
/// of the owner would lose.
caf::behavior log_reader(caf::event_based_actor*, entity_context* context) {
  return {
      [context](read_log_atom, uint64_t from,
                uint32_t limit) -> caf::result<std::string, uint64_t> {
        auto committed = context->journal->committed_position();
        if (from == 0 || from > committed)
          return {std::string{}, committed};
        auto count = std::min<uint64_t>(
            {limit, committed - from + 1, replica_batch_events_max});
        auto events = context->log->read_global(from, count);
        if (!events)
          return to_caf_error(events.error());
        return {frame_records(*events), committed};
      },
  };
}

void connect_peer(link_actor* self, peer& target) {
  target.connecting = true;
  auto member_id = target.member.id;
  auto middleman = self->system().middleman().actor_handle();
  self->request(middleman, self->state.settings.probe_timeout,
                caf::connect_atom::value, target.member.host,
                target.member.port)
      .then(
          [self, member_id](caf::node_id&, caf::strong_actor_ptr& remote,
                            std::set<std::string>&) {
            auto* found = peer_of(self, member_id);
            if (found == nullptr)
              return;
            found->connecting = false;
            if (!remote)
              return;
            found->link = caf::actor_cast<caf::actor>(remote);
            found->last_seen_ms = now_ms(self);
            self->monitor(found->link);
          },
          [self, member_id](caf::error&) {
            if (auto* found = peer_of(self, member_id))
              found->connecting = false;
          });
}

void ping_peer(link_actor* self, peer& target) {
  target.pinging = true;
  auto member_id = target.member.id;
  self->request(target.link, self->state.settings.probe_timeout,
                ping_atom::value)
      .then(
          [self, member_id](std::string&) {
            if (auto* found = peer_of(self, member_id)) {
              found->pinging = false;
              found->last_seen_ms = now_ms(self);
            }
          },
          [self, member_id](caf::error&) {
            if (auto* found = peer_of(self, member_id))
              found->pinging = false;
          });
}

void probe(link_actor* self) {
  for (auto& target : self->state.peers) {
    if (!target.link && !target.connecting)
      connect_peer(self, target);
    else if (target.link && !target.pinging)
      ping_peer(self, target);
  }
  self->delayed_send(self, self->state.settings.probe_interval,
                     probe_atom::value);
}

std::vector<member_status> statuses(link_actor* self) {
  auto& cluster = *self->state.context->cluster;
  std::vector<member_status> all;
  for (auto& member : cluster.members) {
    auto address = member.host + ":" + std::to_string(member.port);
    if (member.id == cluster.self) {
      all.push_back({member.id, address, true, now_ms(self)});
      continue;
    }
    auto* known = peer_of(self, member.id);
    all.push_back({member.id, address, known != nullptr && known->link,
                   known != nullptr ? known->last_seen_ms : std::nullopt});
  }
  return all;
}

/// Whether the message being handled came from this node: the local
/// messages (a forward to sign, a pull to make, the members' state) would
/// let another node act as a member without the secret.
bool from_here(link_actor* self) {
  // Every local asker has a sender (a request, or the registry's delegate
  // of one); a message with none may be another node's anon_send.
  const auto& sender = self->current_sender();
  return sender != nullptr && sender->node() == self->node();
}

failure remote_refusal() {
  return make_failure(errc::forbidden,
                      "only this member's own actors may ask that");
}

void refuse_remote(link_actor* self) {
  self->make_response_promise().deliver(to_caf_error(remote_refusal()));
}

caf::behavior cluster_link(link_actor* self, entity_context* context,
                           std::string mac_key, forwarding_settings settings) {
  auto& st = self->state;
  st.context = context;
  st.mac_key = std::move(mac_key);
  st.settings = settings;
  for (auto& member : context->cluster->members)
    if (member.id != context->cluster->self)
      st.peers.push_back(peer{member});
  st.reader = self->spawn<caf::detached + caf::linked>(log_reader, context);
  self->set_down_handler([self](caf::down_msg& down) {
    for (auto& target : self->state.peers)
      if (target.link && target.link.address() == down.source) {
        self->demonitor(target.link);
        target.link = nullptr;
        target.pinging = false;
        answer_lost(self, target);
      }
  });
  // Anyone who reaches the cluster port speaks BASP to this actor: an
  // exit from another node must not stop it.
  self->set_exit_handler([self](caf::exit_msg& exit) {
    if (exit.source.node() == self->node())
      self->quit(exit.reason);
  });
  self->send(self, probe_atom::value);
  return {
      [=](forward_atom, const std::string& kind, const std::string& id,
          const caf::message& content) {
        if (!from_here(self))
          return refuse_remote(self);
        forward_out(self, kind, id, content);
      },
      [=](remote_forward_atom, const std::string& kind, const std::string& id,
          uint8_t shape, const std::string& bytes, const std::string& mac) {
        serve_remote(self, kind, id, shape, bytes, mac);
      },
      [=](replicate_atom, const std::string& member, uint64_t from,
          uint32_t limit) {
        if (!from_here(self))
          return refuse_remote(self);
        replicate_out(self, member, from, limit);
      },
      [=](remote_replicate_atom, uint64_t from, uint32_t limit,
          const std::string& mac) { serve_replicate(self, from, limit, mac); },
      [=](ping_atom) { return self->state.context->cluster->self; },
      [=](probe_atom) {
        if (from_here(self))
          probe(self);
      },
      [=](members_atom) -> caf::result<std::vector<member_status>> {
        if (!from_here(self))
          return to_caf_error(remote_refusal());
        return statuses(self);
      },
  };
}

} // namespace

void configure_cluster(caf::actor_system_config& config) {
  config.load<caf::io::middleman>();
  // A kill -9 closes the connection and is seen at once; a frozen member
  // is seen once no heartbeat came for the timeout.
  config.set("middleman.heartbeat-interval",
             caf::timespan{std::chrono::milliseconds{250}});
  config.set("middleman.connection-timeout",
             caf::timespan{std::chrono::milliseconds{1500}});
}

caf::actor spawn_cluster_link(caf::actor_system& system,
                              entity_context* context, std::string mac_key,
                              forwarding_settings settings) {
  auto link = system.spawn(cluster_link, context, std::move(mac_key), settings);
  context->cluster_link = link;
  return link;
}

expected<uint16_t> publish_cluster_link(caf::actor_system& system,
                                        const caf::actor& link,
                                        const std::string& host,
                                        uint16_t port) {
  auto published = system.middleman().publish(link, port, host.c_str(), true);
  if (!published)
    return make_failure(errc::unavailable,
                        "cannot listen for the other members on " + host + ":" +
                            std::to_string(port) + ": " +
                            system.render(published.error()));
  return *published;
}

expected<std::vector<member_status>> cluster_members(caf::actor_system& system,
                                                     const caf::actor& link) {
  std::optional<expected<std::vector<member_status>>> outcome;
  caf::scoped_actor self{system};
  self->request(link, std::chrono::seconds{5}, members_atom::value)
      .receive(
          [&](std::vector<member_status>& all) { outcome.emplace(all); },
          [&](caf::error& error) { outcome.emplace(from_caf_error(error)); });
  return std::move(*outcome);
}

void stop_cluster_link(caf::actor_system& system, caf::actor& link) {
  if (!link)
    return;
  system.middleman().unpublish(link);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  link = nullptr;
}

} // namespace tillroll
