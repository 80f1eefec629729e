#include "http/api.hpp"

#include "http/api_internal.hpp"
#include "http/static_files.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sodium.h>
#include <stdexcept>

namespace tillroll {

namespace {

/// Splits "/a/b/c" into its segments.
/// The segments between slashes, empty ones kept: /v1//products and
/// //v1/products name no route, as a client that sends them has a bug.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/'))
    path.remove_prefix(1);
  while (true) {
    auto end = path.find('/');
    out.push_back(path.substr(0, end));
    if (end == std::string_view::npos)
      break;
    path.remove_prefix(end + 1);
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

struct api::impl {
  api_dependencies dependencies;
  api_settings settings;
  token_signer tokens;
  work_lane read_lane;
  work_lane password_lane;
  rate_limits limits;
  std::vector<route> routes;
  /// Each route's pattern split into segments, once.
  std::vector<std::vector<std::string_view>> route_segments;
  std::unique_ptr<route_metrics> metrics;

  impl(api_dependencies dependencies, api_settings settings);

  /// The route for `method` and the path's segments, or none; the methods
  /// of routes with the same path go to `allow` for a 405.
  struct match_result {
    const route* chosen = nullptr;
    size_t index = 0;
    std::vector<std::string> parameters;
    std::string allow;
  };
  match_result find_route(std::string_view method,
                          const std::vector<std::string_view>& parts) const;

  /// Reads the bearer token into `current.who` and checks the route's
  /// role; the refusal if the caller may not call it.
  std::optional<failure> admit(const route& chosen, call& current) const;
};

namespace {

struct openapi_context {
  std::string document;
};

void openapi_route(const openapi_context& context, call_ptr request) {
  request->reply(200, context.document);
}

/// Every resource's routes, then this API's own description of them.
std::vector<route> all_routes(const route_sources& sources) {
  std::vector<route> routes;
  for (auto* resource :
       {account_routes, product_routes, sku_routes, search_routes, cart_routes,
        checkout_routes, order_routes, flash_sale_routes, admin_routes,
        log_routes})
    for (auto& entry : resource(sources))
      routes.push_back(std::move(entry));
  auto description = std::make_shared<openapi_context>();
  routes.push_back(route{
      "GET",
      "/openapi.json",
      access::anyone,
      bound<openapi_context>(description, openapi_route),
      "This API as OpenAPI 3",
      {}}.gives(200, schema::any_object().about("an OpenAPI 3.0.3 document"),
                "This document"));
  description->document = build_openapi(routes);
  return routes;
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
      tokens(this->settings.token_key),
      read_lane(this->settings.worker_threads, read_work_waiting_max),
      password_lane(this->settings.password_hash_threads,
                    password_work_waiting_max),
      limits(this->settings.limits) {
  // Checked here, at start, rather than at the first sign-up.
  if (this->settings.user_id_key.size() < crypto_generichash_KEYBYTES_MIN ||
      this->settings.user_id_key.size() > crypto_generichash_KEYBYTES_MAX)
    throw std::invalid_argument{"the user id key has 16 to 64 bytes"};
  routes = all_routes(route_sources{
      this->dependencies, this->settings,
      actor_gateway{this->dependencies.system, this->dependencies.registry},
      read_lane, password_lane, tokens, limits});
  // The accounts' routes hashed it (about 40 ms), so no sign-in ever
  // compares the plain password; the plain one is not kept.
  sodium_memzero(this->settings.admin_password.data(),
                 this->settings.admin_password.size());
  this->settings.admin_password.clear();
  metrics = std::make_unique<route_metrics>(
      *this->dependencies.metrics_registry, route_names(routes));
  for (auto& each : routes)
    route_segments.push_back(segments(each.pattern));
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
  if (who == access::anyone)
    return true;
  if (caller.user_id.empty())
    return false;
  switch (who) {
  case access::anyone:
  case access::signed_in:
    return true;
  case access::buyer:
    return caller.role == role::buyer;
  case access::seller:
    return caller.role == role::seller;
  case access::admin:
    return caller.role == role::admin;
  }
  return false;
}

/// A path parameter against its schema; `pattern` is the route's
/// segments, whose braced ones are the parameters in order.
expected<void>
check_path_parameter(const parameter& spec,
                     const std::vector<std::string_view>& pattern,
                     const call& current) {
  size_t index = 0;
  for (auto part : pattern) {
    if (!part.starts_with('{'))
      continue;
    if (part.substr(1, part.size() - 2) == spec.name)
      return spec.type.check(boost::json::value(current.parameter(index)),
                             spec.name);
    ++index;
  }
  return {};
}

/// A declared header against its schema: sent twice is refused, not read
/// once.
expected<void> check_header(const parameter& spec, const call& current) {
  auto count = current.request.header_count(spec.name);
  if (count > 1)
    return make_failure(errc::invalid_argument,
                        "send the " + spec.name + " header once");
  if (count == 0) {
    if (spec.required)
      return make_failure(errc::invalid_argument,
                          "the " + spec.name + " header is required");
    return {};
  }
  return spec.type.check(boost::json::value(current.request.header(spec.name)),
                         spec.name);
}

/// The route's path and header parameters, before the handler reads them.
std::optional<failure>
check_parameters(const route& chosen,
                 const std::vector<std::string_view>& pattern,
                 const call& current) {
  for (auto& spec : chosen.parameters) {
    auto fits = spec.in == parameter_place::path
                    ? check_path_parameter(spec, pattern, current)
                : spec.in == parameter_place::header
                    ? check_header(spec, current)
                    : expected<void>{};
    if (!fits)
      return std::move(fits).error();
  }
  return std::nullopt;
}

} // namespace

api::impl::match_result
api::impl::find_route(std::string_view method,
                      const std::vector<std::string_view>& parts) const {
  match_result result;
  for (size_t index = 0; index < routes.size(); ++index) {
    auto& candidate = routes[index];
    std::vector<std::string> found;
    if (!match(route_segments[index], parts, found))
      continue;
    if (candidate.method != method) {
      result.allow += result.allow.empty() ? "" : ", ";
      result.allow += candidate.method;
      continue;
    }
    result.chosen = &candidate;
    result.index = index;
    result.parameters = std::move(found);
    break;
  }
  return result;
}

std::optional<failure> api::impl::admit(const route& chosen,
                                        call& current) const {
  if (current.request.header_count("Authorization") > 1)
    return make_failure(errc::invalid_argument,
                        "send the Authorization header once");
  auto authorization = current.request.header("Authorization");
  if (!authorization.empty()) {
    if (!authorization.starts_with("Bearer "))
      return make_failure(errc::unauthorized,
                          "use Authorization: Bearer <token>");
    auto who = tokens.verify(authorization.substr(7), now_timestamp());
    if (!who)
      return who.error();
    current.who = std::move(*who);
  }
  if (allowed(chosen.who, current.who))
    return std::nullopt;
  if (current.who.user_id.empty())
    return make_failure(errc::unauthorized, "sign in first");
  return make_failure(errc::forbidden,
                      "this route is not for the role " +
                          std::string{role_name(current.who.role)});
}

void api::handle(http_request request, http_responder respond) {
  auto& self = *impl_;
  // A target is ASCII (RFC 3986): other bytes are percent-encoded, so raw
  // ones can reach neither a route nor an answer that echoes the path.
  for (unsigned char c : request.target)
    if (c <= 0x20 || c >= 0x7f)
      return respond(error_response(
          400, "invalid_argument",
          "the request target must be ASCII; percent-encode other bytes"));
  // Percent-encoded path segments are not ids here: refuse them plainly.
  auto parts = segments(target_path(request.target));
  auto method = request.method == "HEAD" ? std::string_view{"GET"}
                                         : std::string_view{request.method};
  auto found = self.find_route(method, parts);
  if (found.chosen == nullptr && found.allow.empty() && method == "GET" &&
      self.dependencies.pages != nullptr) {
    if (auto page = self.dependencies.pages->answer(
            target_path(request.target), request.header("If-None-Match")))
      return respond(std::move(*page));
  }
  if (found.chosen == nullptr) {
    self.metrics->record_unrouted();
    if (!found.allow.empty()) {
      auto response = error_response(405, to_string(errc::method_not_allowed),
                                     "use " + found.allow);
      response.headers.emplace_back("Allow", found.allow);
      return respond(std::move(response));
    }
    return respond(error_response(404, "not_found", "no such route"));
  }
  auto* metrics = self.metrics.get();
  auto started = std::chrono::steady_clock::now();
  auto current = std::make_shared<call>();
  current->respond = [metrics, index = found.index, started,
                      respond = std::move(respond)](http_response response) {
    metrics->record(index, response.status,
                    std::chrono::steady_clock::now() - started);
    respond(std::move(response));
  };
  auto query = query_parameters(request.target);
  if (!query)
    return current->fail(query.error());
  current->query = std::move(*query);
  current->parameters = std::move(found.parameters);
  current->request = std::move(request);
  if (auto refused = self.admit(*found.chosen, *current))
    return current->fail(*refused);
  if (auto refused = check_parameters(
          *found.chosen, self.route_segments[found.index], *current))
    return current->fail(*refused);
  found.chosen->handle(std::move(current));
}

} // namespace tillroll
