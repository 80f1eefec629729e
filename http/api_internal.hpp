// What the API's route files share: a request in flight (`call`), the
// route table's shape, and asking actors without blocking a thread.
// Private to http/api*.cpp.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/messages.hpp"
#include "events/time_text.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/errors.hpp"
#include "http/request_input.hpp"
#include "http/route_metrics.hpp"

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
  std::map<std::string, std::string, std::less<>> query;
  principal who;
  http_responder respond;

  void reply(unsigned status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    respond(http_response{status, "application/json", std::move(headers),
                          std::move(body)});
  }
  void json(unsigned status, const boost::json::value& body) {
    reply(status, boost::json::serialize(body));
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
using route_handler = void (*)(api::impl&, call_ptr);

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

struct route {
  std::string_view method;
  /// Segments in braces are parameters: /v1/products/{id}
  std::string_view pattern;
  access who;
  route_handler handle;
  std::string_view summary;
  /// The error statuses it documents, besides 401/403 from `who`.
  std::vector<unsigned> errors;
};

struct api::impl {
  api_dependencies dependencies;
  api_settings settings;
  token_signer tokens;
  std::vector<route> routes;
  /// Each route's pattern split into segments, once.
  std::vector<std::vector<std::string_view>> route_segments;
  route_metrics metrics;
  std::string openapi_document;
  /// argon2id of the configured admin password, made once at start, so
  /// the admin's sign-in costs what everyone's does and its timing tells
  /// nothing; empty without an admin.
  std::string admin_password_hash;
  /// Checked against when there is no account, so that sign-in costs the
  /// same whether the email exists or not.
  std::string decoy_password_hash;
  /// Search, audit, replay and the like.
  work_lane read_lane;
  /// Hashing and checking passwords, on threads of their own.
  work_lane password_lane;
  /// Runs a slow read on the read lane, or answers 503.
  void run_slow(const call_ptr& request, std::function<void()> work) {
    read_lane.run(request, std::move(work));
  }

  impl(api_dependencies dependencies, api_settings settings);
};

/// Every route, in the order they are matched and documented.
std::vector<route> api_routes();
std::string build_openapi(const std::vector<route>& routes);

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

/// Sends `message` to `destination` from a short-lived actor and hands the
/// reply or error to `done` (on a CAF thread).
template <class Reply, class... Ts>
void ask_actor(api::impl& api, const caf::actor& destination,
               std::chrono::milliseconds timeout,
               std::function<void(expected<Reply>)> done, Ts... message) {
  api.dependencies.system->spawn(detail::ask_behavior<Reply, Ts...>,
                                 destination, timeout, std::move(done),
                                 std::move(message)...);
}

inline constexpr std::chrono::milliseconds entity_timeout{
    std::chrono::seconds{15}};

template <class Entity>
void ask_entity(
    api::impl& api, const std::string& id,
    typename Entity::command_type command,
    std::function<void(expected<typename Entity::reply_type>)> done) {
  ask_actor<typename Entity::reply_type>(
      api, api.dependencies.registry, entity_timeout, std::move(done),
      route_atom::value, std::string{Entity::kind}, id,
      caf::make_message(std::move(command)));
}

/// Reads the JSON body with only the `allowed` fields, or answers the
/// error; nullopt when answered.
inline std::optional<boost::json::object>
body_of(const call_ptr& request,
        std::initializer_list<std::string_view> allowed) {
  auto body = json_body(request->request);
  if (!body) {
    request->fail(body.error());
    return std::nullopt;
  }
  if (auto known = only_fields(*body, allowed); !known) {
    request->fail(known.error());
    return std::nullopt;
  }
  return std::move(*body);
}

// Route handlers, by file.
void create_user(api::impl&, call_ptr);
void create_session(api::impl&, call_ptr);

void create_product(api::impl&, call_ptr);
void read_product(api::impl&, call_ptr);
void change_product_route(api::impl&, call_ptr);
void delist_product_route(api::impl&, call_ptr);
void browse_products(api::impl&, call_ptr);
void read_sku(api::impl&, call_ptr);
void adjust_sku_stock(api::impl&, call_ptr);
void add_review_route(api::impl&, call_ptr);
void seller_products(api::impl&, call_ptr);
void seller_orders(api::impl&, call_ptr);
void search_route(api::impl&, call_ptr);
void autocomplete_route(api::impl&, call_ptr);
void related_products(api::impl&, call_ptr);
void buyer_recommendations(api::impl&, call_ptr);

void read_cart_route(api::impl&, call_ptr);
void set_cart_item_route(api::impl&, call_ptr);
void remove_cart_item_route(api::impl&, call_ptr);
void checkout_route(api::impl&, call_ptr);
void read_order(api::impl&, call_ptr);
void list_orders(api::impl&, call_ptr);
void cancel_order_route(api::impl&, call_ptr);
void ship_order_route(api::impl&, call_ptr);
void deliver_order_route(api::impl&, call_ptr);
void refund_order_route(api::impl&, call_ptr);
void retry_refunds_route(api::impl&, call_ptr);

void stream_events_route(api::impl&, call_ptr);
void stream_state_route(api::impl&, call_ptr);
void audit_route(api::impl&, call_ptr);
void ledger_route(api::impl&, call_ptr);
void reconcile_route(api::impl&, call_ptr);
void psp_charges_route(api::impl&, call_ptr);
void health_route(api::impl&, call_ptr);
void ready_route(api::impl&, call_ptr);
void metrics_route(api::impl&, call_ptr);
void openapi_route(api::impl&, call_ptr);

} // namespace tillroll
