#include "http/api.hpp"

#include "http/api_internal.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <sodium.h>

#include <stdexcept>

namespace tillroll {

std::vector<route> api_routes() {
  using a = access;
  return {
      {"POST",
       "/v1/users",
       a::anyone,
       create_user,
       "Create a buyer or seller account",
       {400, 409, 415, 503}},
      {"POST",
       "/v1/sessions",
       a::anyone,
       create_session,
       "Sign in: a bearer token",
       {400, 401, 415, 503}},
      {"POST",
       "/v1/products",
       a::seller,
       create_product,
       "List a product with its variants",
       {400, 409, 415}},
      {"GET",
       "/v1/products",
       a::anyone,
       browse_products,
       "Browse listed products",
       {400}},
      {"GET",
       "/v1/products/{id}",
       a::anyone,
       read_product,
       "A product page (ETag, 304)",
       {404}},
      {"PATCH",
       "/v1/products/{id}",
       a::seller,
       change_product_route,
       "Change a product or its prices",
       {400, 404, 415}},
      {"DELETE",
       "/v1/products/{id}",
       a::seller,
       delist_product_route,
       "Delist a product",
       {404}},
      {"POST",
       "/v1/products/{id}/reviews",
       a::buyer,
       add_review_route,
       "Review a received product",
       {400, 404, 409, 415}},
      {"GET",
       "/v1/products/{id}/related",
       a::anyone,
       related_products,
       "Bought together and similar products",
       {400, 404}},
      {"GET",
       "/v1/skus/{sku}",
       a::anyone,
       read_sku,
       "A SKU's price and availability",
       {400, 404}},
      {"POST",
       "/v1/skus/{sku}/stock",
       a::seller,
       adjust_sku_stock,
       "Receive or remove stock",
       {400, 404, 409, 415}},
      {"GET",
       "/v1/sellers/me/products",
       a::seller,
       seller_products,
       "The seller's listings",
       {400}},
      {"GET",
       "/v1/sellers/me/orders",
       a::seller,
       seller_orders,
       "Order lines of the seller's products",
       {400}},
      {"GET",
       "/v1/search",
       a::anyone,
       search_route,
       "Full-text search with filters and facets",
       {400}},
      {"GET",
       "/v1/autocomplete",
       a::anyone,
       autocomplete_route,
       "Completions of a prefix",
       {400}},
      {"GET", "/v1/cart", a::buyer, read_cart_route, "The caller's cart", {}},
      {"PUT",
       "/v1/cart/items/{sku}",
       a::buyer,
       set_cart_item_route,
       "Set a cart line (0 removes)",
       {400, 404, 415}},
      {"DELETE",
       "/v1/cart/items/{sku}",
       a::buyer,
       remove_cart_item_route,
       "Remove a cart line",
       {400, 404}},
      {"POST",
       "/v1/checkout",
       a::buyer,
       checkout_route,
       "Check out the cart (Idempotency-Key)",
       {400, 402, 409, 415}},
      {"GET",
       "/v1/orders",
       a::buyer,
       list_orders,
       "The caller's orders, newest first",
       {400}},
      {"GET",
       "/v1/orders/{id}",
       a::signed_in,
       read_order,
       "An order with its history",
       {404}},
      {"POST",
       "/v1/orders/{id}/cancel",
       a::signed_in,
       cancel_order_route,
       "Cancel before shipping",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/ship",
       a::signed_in,
       ship_order_route,
       "Mark shipped (admin or selling seller)",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/deliver",
       a::signed_in,
       deliver_order_route,
       "Mark delivered (admin or selling seller)",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/refund",
       a::admin,
       refund_order_route,
       "Refund in full or in part (Idempotency-Key)",
       {400, 404, 409}},
      {"POST",
       "/v1/admin/orders/{id}/refunds/retry",
       a::admin,
       retry_refunds_route,
       "Send an order's parked refunds to the PSP again",
       {404, 409}},
      {"GET",
       "/v1/recommendations",
       a::buyer,
       buyer_recommendations,
       "Products for the caller",
       {400}},
      {"GET",
       "/v1/admin/streams/{stream}/events",
       a::admin,
       stream_events_route,
       "A stream's events",
       {400, 404}},
      {"GET",
       "/v1/admin/streams/{stream}/state",
       a::admin,
       stream_state_route,
       "A stream's state at a sequence or time",
       {400, 404}},
      {"GET",
       "/v1/admin/audit",
       a::admin,
       audit_route,
       "The invariant report",
       {}},
      {"GET",
       "/v1/admin/ledger",
       a::admin,
       ledger_route,
       "Ledger balances per account",
       {400}},
      {"POST",
       "/v1/admin/reconcile",
       a::admin,
       reconcile_route,
       "Compare the ledger with the PSP",
       {}},
      {"GET",
       "/v1/admin/psp/charges",
       a::admin,
       psp_charges_route,
       "The PSP's own books, per charge key",
       {}},
      {"GET", "/healthz", a::anyone, health_route, "Liveness", {}},
      {"GET",
       "/readyz",
       a::anyone,
       ready_route,
       "Readiness: recovered and caught up",
       {503}},
      {"GET", "/metrics", a::anyone, metrics_route, "Prometheus metrics", {}},
      {"GET",
       "/openapi.json",
       a::anyone,
       openapi_route,
       "This API as OpenAPI 3",
       {}},
  };
}

namespace {

/// Splits "/a/b/c" into its segments.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    out.push_back(path.substr(0, end));
    if (end == std::string_view::npos)
      break;
    path.remove_prefix(end);
  }
  return out;
}

} // namespace

struct work_lane::threads {
  explicit threads(size_t count) : pool(count) {}
  boost::asio::thread_pool pool;
};

work_lane::work_lane(size_t thread_count, size_t waiting_max)
    : threads_(std::make_unique<threads>(std::max<size_t>(1, thread_count))),
      waiting_max_(waiting_max) {}

work_lane::~work_lane() {
  join();
}

void work_lane::run(const call_ptr& request, std::function<void()> work) {
  if (waiting_.fetch_add(1) >= waiting_max_) {
    waiting_.fetch_sub(1);
    return request->fail(
        failure{errc::overloaded, "too much work is waiting; retry", true});
  }
  boost::asio::post(threads_->pool, [this, work = std::move(work)] {
    waiting_.fetch_sub(1);
    work();
  });
}

void work_lane::join() {
  threads_->pool.join();
}

namespace {

std::string hash_or_empty(std::string_view password) {
  initialize_crypto();
  auto hash = hash_password(password);
  return hash ? std::move(*hash) : std::string{};
}

std::vector<route_name> route_names(const std::vector<route>& routes) {
  std::vector<route_name> names;
  for (auto& each : routes)
    names.push_back({each.method, each.pattern});
  return names;
}

} // namespace

api::impl::impl(api_dependencies dependencies, api_settings settings)
    : dependencies(std::move(dependencies)), settings(std::move(settings)),
      tokens(this->settings.token_key), routes(api_routes()),
      metrics(*this->dependencies.metrics_registry, route_names(routes)),
      read_lane(this->settings.worker_threads, read_work_waiting_max),
      password_lane(this->settings.password_hash_threads,
                    password_work_waiting_max) {
  for (auto& each : routes)
    route_segments.push_back(segments(each.pattern));
  openapi_document = build_openapi(routes);
  // Checked here, at start, rather than at the first sign-up.
  if (this->settings.user_id_key.size() < crypto_generichash_KEYBYTES_MIN ||
      this->settings.user_id_key.size() > crypto_generichash_KEYBYTES_MAX)
    throw std::invalid_argument{"the user id key has 16 to 64 bytes"};
  // Hashed once here (about 40 ms), so no sign-in ever compares the plain
  // password; the plain one is not kept.
  if (!this->settings.admin_password.empty()) {
    admin_password_hash = hash_or_empty(this->settings.admin_password);
    sodium_memzero(this->settings.admin_password.data(),
                   this->settings.admin_password.size());
    this->settings.admin_password.clear();
  }
  decoy_password_hash = hash_or_empty("not a password anyone has");
}

api::api(api_dependencies dependencies, api_settings settings)
    : impl_(std::make_unique<impl>(std::move(dependencies),
                                   std::move(settings))) {}

api::~api() {
  if (impl_) {
    impl_->password_lane.join();
    impl_->read_lane.join();
  }
}

namespace {

bool match(const std::vector<std::string_view>& expected_segments,
           const std::vector<std::string_view>& path,
           std::vector<std::string>& parameters) {
  if (expected_segments.size() != path.size())
    return false;
  std::vector<std::string> found;
  for (size_t index = 0; index < path.size(); ++index) {
    auto& part = expected_segments[index];
    if (part.starts_with('{')) {
      if (path[index].empty())
        return false;
      found.emplace_back(path[index]);
    } else if (part != path[index]) {
      return false;
    }
  }
  parameters = std::move(found);
  return true;
}

bool allowed(access who, const principal& caller) {
  switch (who) {
  case access::anyone:
    return true;
  case access::signed_in:
    return !caller.user_id.empty();
  case access::buyer:
    return caller.role == "buyer";
  case access::seller:
    return caller.role == "seller";
  case access::admin:
    return caller.role == "admin";
  }
  return false;
}

} // namespace

void api::handle(http_request request, http_responder respond) {
  auto& self = *impl_;
  // A target is ASCII (RFC 3986): other bytes are percent-encoded, so raw
  // ones can reach neither a route nor an answer that echoes the path.
  for (unsigned char c : request.target)
    if (c <= 0x20 || c >= 0x7f)
      return respond(error_response(
          400, "invalid_argument",
          "the request target must be ASCII; percent-encode other bytes"));
  auto path = target_path(request.target);
  // Percent-encoded path segments are not ids here: refuse them plainly.
  auto parts = segments(path);
  std::vector<std::string> parameters;
  const route* chosen = nullptr;
  size_t chosen_index = 0;
  std::string allow;
  auto method = request.method == "HEAD" ? std::string_view{"GET"}
                                         : std::string_view{request.method};
  for (size_t index = 0; index < self.routes.size(); ++index) {
    auto& candidate = self.routes[index];
    std::vector<std::string> found;
    if (!match(self.route_segments[index], parts, found))
      continue;
    if (candidate.method != method) {
      allow += allow.empty() ? "" : ", ";
      allow += candidate.method;
      continue;
    }
    chosen = &candidate;
    chosen_index = index;
    parameters = std::move(found);
    break;
  }
  if (chosen == nullptr) {
    self.metrics.record_unrouted();
    if (!allow.empty()) {
      auto response = error_response(405, "method_not_allowed", "use " + allow);
      response.headers.emplace_back("Allow", allow);
      return respond(std::move(response));
    }
    return respond(error_response(404, "not_found", "no such route"));
  }
  auto* metrics = &self.metrics;
  auto started = std::chrono::steady_clock::now();
  auto current = std::make_shared<call>();
  current->respond = [metrics, chosen_index, started,
                      respond = std::move(respond)](http_response response) {
    metrics->record(chosen_index, response.status,
                    std::chrono::steady_clock::now() - started);
    respond(std::move(response));
  };
  auto query = query_parameters(request.target);
  if (!query)
    return current->fail(errc::invalid_argument,
                         "the query string is not properly encoded: "
                         "percent-encoded UTF-8");
  current->query = std::move(*query);
  current->parameters = std::move(parameters);
  auto authorization = request.header("Authorization");
  if (!authorization.empty()) {
    if (!authorization.starts_with("Bearer "))
      return current->fail(errc::unauthorized,
                           "use Authorization: Bearer <token>");
    auto who = self.tokens.verify(authorization.substr(7), now_timestamp());
    if (!who)
      return current->fail(who.error());
    current->who = std::move(*who);
  }
  if (!allowed(chosen->who, current->who)) {
    if (current->who.user_id.empty())
      return current->fail(errc::unauthorized, "sign in first");
    return current->fail(errc::forbidden,
                         "this route is not for a " + current->who.role);
  }
  current->request = std::move(request);
  chosen->handle(self, std::move(current));
}

void health_route(api::impl& api, call_ptr request) {
  auto dead = api.dependencies.dead_reason ? api.dependencies.dead_reason()
                                           : std::string{};
  if (dead.empty())
    return request->reply(200, "{\"status\":\"ok\"}");
  request->fail(errc::unavailable, dead);
}

void ready_route(api::impl& api, call_ptr request) {
  auto why = api.dependencies.unready_reason ? api.dependencies.unready_reason()
                                             : std::string{"starting"};
  if (why.empty())
    return request->reply(200, "{\"status\":\"ready\"}");
  request->fail(errc::unavailable, why);
}

void metrics_route(api::impl& api, call_ptr request) {
  auto text = api.dependencies.metrics ? api.dependencies.metrics() : "";
  request->respond(
      http_response{200, "text/plain; version=0.0.4", {}, std::move(text)});
}

void openapi_route(api::impl& api, call_ptr request) {
  request->reply(200, api.openapi_document);
}

} // namespace tillroll
