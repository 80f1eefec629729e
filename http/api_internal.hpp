// What the API's route files share: a request in flight (`call`), the
// route table's shape, the bounded lanes for slow work, and asking actors
// without blocking a thread. Private to http/.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/caller.hpp"
#include "actors/messages.hpp"
#include "events/json_text.hpp"
#include "events/time_text.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/rate_limit.hpp"
#include "http/request_input.hpp"
#include "http/route_metrics.hpp"
#include "http/schema.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tillroll {

enum class access { anyone, signed_in, buyer, seller, admin };

/// Most slow reads (search, audit, replay) waiting for the read lane.
inline constexpr size_t read_work_waiting_max = 256;
/// Most password hashes or checks waiting for the hashing lane: at about
/// 40 ms each on one thread, 32 wait at most 1.3 s; past it a sign-in or
/// sign-up gets 503 at once instead of a growing queue.
inline constexpr size_t password_work_waiting_max = 32;

/// One request in flight; handlers keep it alive across asynchronous steps.
struct call {
  http_request request;
  std::vector<std::string> parameters;
  query_map query;
  principal who;
  http_responder respond;

  void reply(unsigned status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    respond(http_response{status, "application/json", std::move(headers),
                          std::move(body)});
  }
  void json(unsigned status, const boost::json::value& body) {
    reply(status, json_text(body));
  }
  void fail(const failure& problem, std::string_view details = {}) {
    respond(failure_response(problem, details));
  }
  void fail(errc code, std::string message) {
    fail(failure{code, std::move(message), false});
  }
  const std::string& parameter(size_t index) const {
    return parameters.at(index);
  }
};

using call_ptr = std::shared_ptr<call>;
using route_handler = std::function<void(call_ptr)>;

/// Threads of their own behind a bounded queue: work past `waiting_max`
/// is answered 503 `overloaded` (with Retry-After) at once, so one kind of
/// slow work can neither delay another kind nor grow memory.
class work_lane {
public:
  work_lane(size_t threads, size_t waiting_max);
  ~work_lane();
  work_lane(const work_lane&) = delete;
  work_lane& operator=(const work_lane&) = delete;

  /// Runs `work` on the lane, or answers `request` 503.
  void run(const call_ptr& request, std::function<void()> work);
  /// Waits for the work queued so far; no more may be queued after.
  void join();

private:
  struct threads;
  std::unique_ptr<threads> threads_;
  std::atomic<size_t> waiting_{0};
  size_t waiting_max_;
};

/// A header of an answer, as /openapi.json lists it.
struct answer_header {
  std::string name;
  schema type;
  std::string about;
  /// Sent with every such answer; else only when the description says.
  bool required = true;
};

/// One answer a route gives besides errors: its status and body schema
/// (none for a 304), beside the code that renders it.
struct answer {
  unsigned status = 200;
  std::optional<schema> body;
  std::string about;
  std::vector<answer_header> headers;
  std::string media = "application/json";
};

struct route {
  std::string_view method;
  /// Segments in braces are parameters: /v1/products/{id}
  std::string_view pattern;
  access who;
  route_handler handle;
  std::string_view summary;
  /// The error statuses it documents, besides 401/403 from `who`.
  std::vector<unsigned> errors;
  /// Its path, query and header parameters: the same values its handler
  /// reads them with. A path segment not listed is a string.
  std::vector<parameter> parameters;
  /// The body it reads, checked against this schema before a field is
  /// read.
  std::optional<schema> request;
  /// Whether the body may be left out (then it reads as {}).
  bool request_optional = false;
  std::vector<answer> answers;

  route&& with(std::vector<parameter> taken) && {
    for (auto& entry : taken)
      parameters.push_back(std::move(entry));
    return std::move(*this);
  }
  route&& takes(schema body, bool optional_body = false) && {
    request = std::move(body);
    request_optional = optional_body;
    return std::move(*this);
  }
  route&& gives(unsigned status, schema body, std::string about = {},
                std::vector<answer_header> headers = {}) && {
    answers.push_back(
        answer{status, std::move(body), std::move(about), std::move(headers)});
    return std::move(*this);
  }
  route&& gives(answer other) && {
    answers.push_back(std::move(other));
    return std::move(*this);
  }
};

inline constexpr std::chrono::milliseconds entity_timeout{
    std::chrono::seconds{15}};

namespace detail {

template <class Reply, class... Ts>
void ask_behavior(caf::event_based_actor* self, caf::actor destination,
                  std::chrono::milliseconds timeout,
                  std::function<void(expected<Reply>)> done, Ts... message) {
  self->request(destination, timeout, std::move(message)...)
      .then([done](Reply& reply) { done(std::move(reply)); },
            [done](caf::error& error) { done(from_caf_error(error)); });
}

} // namespace detail

/// How a route reaches actors: asks without blocking a thread, from a
/// short-lived actor, and hands the reply or error to `done` (on a CAF
/// thread). Routes that change state hold this, not the whole API.
struct actor_gateway {
  caf::actor_system* system = nullptr;
  caf::actor registry;

  template <class Reply, class... Ts>
  void ask(const caf::actor& destination, std::chrono::milliseconds timeout,
           std::function<void(expected<Reply>)> done, Ts... message) const {
    system->spawn(detail::ask_behavior<Reply, Ts...>, destination, timeout,
                  std::move(done), std::move(message)...);
  }

  /// Sends `command` to the entity `id` of its kind, activating it.
  template <class Entity>
  void ask_entity(
      const std::string& id, typename Entity::command_type command,
      std::function<void(expected<typename Entity::reply_type>)> done) const {
    ask<typename Entity::reply_type>(
        registry, entity_timeout, std::move(done), route_atom::value,
        std::string{Entity::kind}, id, caf::make_message(std::move(command)));
  }
};

/// The command's caller: the signed-in user of the request.
inline caller caller_of(const call& request) {
  return caller{request.who.user_id, request.who.role};
}

/// A handler bound to the one context its resource's routes share: a
/// handler reaches what its context holds and nothing else of the node.
template <class Context>
route_handler bound(std::shared_ptr<const Context> context,
                    void (*handle)(const Context&, call_ptr)) {
  return [context = std::move(context), handle](call_ptr request) {
    handle(*context, std::move(request));
  };
}

/// `bound` for each handler of one context: `auto on = binder(context);`
/// then `on(handler)` in the route table.
template <class Context> auto binder(std::shared_ptr<const Context> context) {
  return [context](void (*handle)(const Context&, call_ptr)) {
    return bound<Context>(context, handle);
  };
}

/// The node's rate limits, one per kind of client key.
struct rate_limits {
  explicit rate_limits(const rate_limit_settings& settings)
      : sign_in_per_email(settings.sign_in_per_email),
        sign_in_per_address(settings.sign_in_per_address),
        checkout_per_buyer(settings.checkout_per_buyer),
        ticket_polls_per_ticket(settings.ticket_polls_per_ticket) {}
  rate_limit sign_in_per_email;
  rate_limit sign_in_per_address;
  rate_limit checkout_per_buyer;
  rate_limit ticket_polls_per_ticket;
};

/// Answers 429 `rate_limited`, retry in `wait` seconds (Retry-After).
inline void rate_limited(const call_ptr& request, int64_t wait,
                         std::string_view what) {
  auto response = failure_response(failure{
      errc::rate_limited,
      std::string{what} + "; retry in " + std::to_string(wait) + " s", true});
  response.headers.emplace_back("Retry-After", std::to_string(wait));
  request->respond(std::move(response));
}

/// Answers 429 and returns true when `key` is past `limit`; counts the
/// request otherwise.
inline bool limited(const call_ptr& request, rate_limit& limit,
                    const std::string& key, std::string_view what) {
  auto wait = limit.refuse(key, now_timestamp());
  if (!wait)
    return false;
  rate_limited(request, *wait, "too many " + std::string{what});
  return true;
}

/// What the resource files build their contexts from: each takes only
/// what its own routes need.
struct route_sources {
  const api_dependencies& dependencies;
  const api_settings& settings;
  actor_gateway actors;
  /// Search, audit, replay and the like.
  work_lane& read_lane;
  /// Hashing and checking passwords, on threads of their own.
  work_lane& password_lane;
  const token_signer& tokens;
  rate_limits& limits;
};

// The routes of each resource, one file each, in the order they are
// matched and documented.
std::vector<route> account_routes(const route_sources&);
std::vector<route> product_routes(const route_sources&);
std::vector<route> sku_routes(const route_sources&);
std::vector<route> search_routes(const route_sources&);
std::vector<route> cart_routes(const route_sources&);
std::vector<route> checkout_routes(const route_sources&);
std::vector<route> order_routes(const route_sources&);
std::vector<route> flash_sale_routes(const route_sources&);
std::vector<route> admin_routes(const route_sources&);
std::vector<route> log_routes(const route_sources&);

/// An event as the admin's log routes answer it: its envelope, the event
/// (`event`: what the replay renders) and, when asked, the state after it.
schema recorded_event_schema(const std::optional<schema>& event,
                             const std::optional<schema>& state);

std::string build_openapi(const std::vector<route>& routes);

/// One of the order statuses (orders.cpp): checkout answers one too.
schema order_status_schema();

/// Reads the JSON body and checks it against `shape`, or answers the
/// error; nullopt when answered. An empty body reads as {} when
/// `may_be_empty`.
inline std::optional<boost::json::object> body_of(const call_ptr& request,
                                                  const schema& shape,
                                                  bool may_be_empty = false) {
  if (may_be_empty && request->request.body.empty())
    return boost::json::object{};
  auto body = json_body(request->request);
  if (!body) {
    request->fail(body.error());
    return std::nullopt;
  }
  if (auto fits = shape.check(*body); !fits) {
    request->fail(fits.error());
    return std::nullopt;
  }
  return std::move(*body);
}

} // namespace tillroll
