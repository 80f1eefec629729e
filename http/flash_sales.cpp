// Flash sales: an admin sets a quantity of a SKU aside at a sale price;
// buyers join the waiting room and are let in at a set rate (the sale's
// decider, actors/flash_sale/, holds the rules).
#include "actors/flash_sale/flash_sale_actor.hpp"
#include "events/json_text.hpp"
#include "events/time_text.hpp"
#include "http/api_internal.hpp"
#include "http/auth.hpp"
#include "http/shared_schemas.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace tillroll {

namespace json = boost::json;

namespace {

/// How long a creation waits for the SKU to set the units aside.
constexpr std::chrono::seconds allocation_wait{10};
/// Longest Retry-After a waiting ticket is told. It is also at most half
/// the sale's admission_ttl_s, so a poll sees an admission within its
/// lifetime whatever the estimate.
constexpr int64_t ticket_retry_after_max_s = 30;

/// Most sales /metrics shows: the ones seen last.
constexpr size_t sales_shown_max = 32;

/// Each sale's figures in /metrics, as the node last saw the sale (every
/// read, join and poll of it refreshes them).
class sale_gauges {
public:
  explicit sale_gauges(prometheus::Registry& registry)
      : family_(prometheus::BuildGauge()
                    .Name("tillroll_flash_sale")
                    .Help("Each flash sale's waiting, admitted, sold and "
                          "remaining tickets or units, and its target and "
                          "measured admissions per second")
                    .Register(registry)) {}

  void show(const flash_sale_view& sale) {
    std::lock_guard lock{mutex_};
    auto& shown = shown_[sale.id];
    if (shown.empty()) {
      if (order_.size() >= sales_shown_max) {
        for (auto* gauge : shown_[order_.front()])
          family_.Remove(gauge);
        shown_.erase(order_.front());
        order_.pop_front();
      }
      order_.push_back(sale.id);
      for (auto* measure :
           {"waiting", "admitted", "sold", "remaining",
            "target_admissions_per_second", "admissions_per_second"})
        shown.push_back(
            &family_.Add({{"sale", sale.id}, {"measure", measure}}));
    }
    double values[] = {static_cast<double>(sale.waiting),
                       static_cast<double>(sale.admitted),
                       static_cast<double>(sale.sold),
                       static_cast<double>(sale.remaining),
                       static_cast<double>(sale.terms.admit_per_second),
                       sale.admission_rate};
    for (size_t index = 0; index < shown.size(); ++index)
      shown[index]->Set(values[index]);
  }

private:
  prometheus::Family<prometheus::Gauge>& family_;
  std::mutex mutex_;
  std::map<std::string, std::vector<prometheus::Gauge*>> shown_;
  std::deque<std::string> order_;
};

struct sale_context {
  actor_gateway actors;
  rate_limits& limits;
  std::shared_ptr<sale_gauges> gauges;
};

json::value optional_time(std::optional<int64_t> at_us) {
  if (!at_us)
    return nullptr;
  return json::value(iso_time(*at_us));
}

json::value optional_integer(std::optional<int64_t> value) {
  if (!value)
    return nullptr;
  return json::value(*value);
}

json::object sale_json(const flash_sale_view& sale) {
  auto& terms = sale.terms;
  json::value seed = nullptr;
  if (!terms.shuffle_seed.empty())
    seed = json::value(terms.shuffle_seed);
  return json::object{{"id", sale.id},
                      {"sku", terms.sku},
                      {"quantity", terms.quantity},
                      {"price_cents", terms.price_cents},
                      {"currency", sale.currency},
                      {"starts_at", iso_time(terms.starts_at_us)},
                      {"ends_at", iso_time(terms.ends_at_us)},
                      {"per_user_limit", terms.per_user_limit},
                      {"admit_per_second", terms.admit_per_second},
                      {"admission_ttl_s", terms.admission_ttl_s},
                      {"status", to_string(sale.status)},
                      {"remaining", sale.remaining},
                      {"waiting", sale.waiting},
                      {"admitted", sale.admitted},
                      {"held", sale.held},
                      {"sold", sale.sold},
                      {"admission_rate", sale.admission_rate},
                      {"shuffle_commitment", terms.shuffle_commitment},
                      {"shuffle_seed", std::move(seed)}};
}

const schema& sale_schema() {
  static const schema shape = [] {
    auto count = schema::integer(0);
    return schema::named(
        "FlashSale",
        schema::object(
            {required("id", id_schema()), required("sku", sku_id_schema()),
             required("quantity", count),
             required("price_cents", cents_schema()),
             required("currency", currency_schema()),
             required("starts_at", time_schema()),
             required("ends_at", time_schema()),
             required("per_user_limit", count),
             required("admit_per_second", count),
             required("admission_ttl_s", count),
             required("status", schema::choice({"scheduled", "open", "sold_out",
                                                "ended"})),
             required("remaining", count.about("neither sold nor held")),
             required("waiting", count.about("tickets waiting")),
             required("admitted", count.about("live admissions")),
             required("held", count.about("units held by open checkouts")),
             required("sold", count),
             required("admission_rate",
                      schema::number().about(
                          "admissions per second since the start, measured")),
             required("shuffle_commitment",
                      schema::text(64, 64).about(
                          "hex SHA-256 of the seed's 32 bytes")),
             required("shuffle_seed", schema::text(64, 64).nullable().about(
                                          "revealed at the start"))}));
  }();
  return shape;
}

const schema& new_sale_schema() {
  static const schema shape = schema::named(
      "NewFlashSale",
      schema::object(
          {required("sku", sku_id_schema()),
           required("quantity", schema::integer(1, flash_sale_quantity_max)),
           required("price_cents", cents_schema()),
           required("starts_at", time_schema()),
           required("ends_at", time_schema()),
           required("per_user_limit",
                    schema::integer(1, flash_sale_per_user_limit_max)),
           required("admit_per_second",
                    schema::integer(1, flash_sale_admit_per_second_max)),
           optional("admission_ttl_s",
                    schema::integer(admission_ttl_min_s, admission_ttl_max_s)
                        .about("how long an admission lasts; 300 if left "
                               "out"))})
          .example(json::object{{"sku", "TSHIRT-RED-M"},
                                {"quantity", 100},
                                {"price_cents", 999},
                                {"starts_at", "2026-12-24T10:00:00Z"},
                                {"ends_at", "2026-12-24T12:00:00Z"},
                                {"per_user_limit", 2},
                                {"admit_per_second", 50}}));
  return shape;
}

/// What a SKU's refusal of the quantity answers.
failure refusal_of(const flash_sale_refused& refused) {
  for (auto code : {errc::out_of_stock, errc::not_found, errc::delisted,
                    errc::invalid_argument})
    if (refused.code == to_string(code))
      return failure{code, refused.message, false};
  return failure{errc::conflict, refused.message, false};
}

void create_sale_route(const sale_context& context, call_ptr request) {
  auto body = body_of(request, new_sale_schema());
  if (!body)
    return;
  auto starts = parse_time(text_of(*body, "starts_at"));
  auto ends = parse_time(text_of(*body, "ends_at"));
  if (!starts || !ends)
    return request->fail(errc::invalid_argument,
                         "starts_at and ends_at are ISO 8601 UTC times");
  create_sale command{
      caller_of(*request),
      {.sale_id = random_id("fs"),
       .sku = text_of(*body, "sku"),
       .quantity = integer_of(*body, "quantity").value_or(0),
       .price_cents = integer_of(*body, "price_cents").value_or(0),
       .starts_at_us = starts->time_since_epoch().count(),
       .ends_at_us = ends->time_since_epoch().count(),
       .per_user_limit = integer_of(*body, "per_user_limit").value_or(0),
       .admit_per_second = integer_of(*body, "admit_per_second").value_or(0),
       .admission_ttl_s = integer_of(*body, "admission_ttl_s")
                              .value_or(admission_ttl_default_s),
       .shuffle_seed = random_hex32(),
       .ticket_key = random_hex32()}};
  auto id = command.terms.sale_id;
  auto actors = context.actors;
  actors.ask_entity<flash_sale_entity>(
      id, std::move(command),
      [request, id, actors](expected<flash_sale_view> created) {
        if (!created)
          return request->fail(created.error());
        // Answered once the SKU has set the units aside, or refused.
        actors.ask<flash_sale_view>(
            actors.registry, allocation_wait,
            [request, id](expected<flash_sale_view> sale) {
              if (!sale)
                return request->fail(sale.error());
              if (sale->status == sale_status::refused)
                return request->fail(refusal_of(sale->refusal));
              request->reply(201, json_text(sale_json(*sale)),
                             {{"Location", "/v1/flash-sales/" + id}});
            },
            route_atom::value, std::string{flash_sale_entity::kind}, id,
            caf::make_message(await_atom::value));
      });
}

void read_sale(const sale_context& context, call_ptr request) {
  context.actors.ask_entity<flash_sale_entity>(
      request->parameter(0), get_sale{},
      [request, gauges = context.gauges](expected<flash_sale_view> sale) {
        if (!sale)
          return request->fail(sale.error());
        gauges->show(*sale);
        request->json(200, sale_json(*sale));
      });
}

json::object ticket_json(const flash_sale_view& sale, timestamp now) {
  auto& ticket = *sale.ticket;
  return json::object{
      {"ticket", ticket.ticket},
      {"status", to_string(ticket.status)},
      {"position", optional_integer(ticket.position)},
      {"queue_number", optional_integer(ticket.queue_number)},
      {"estimated_wait_s", estimated_wait_s(sale, now)},
      {"admitted_until", optional_time(ticket.admitted_until_us)}};
}

const schema& ticket_schema() {
  static const schema shape = schema::named(
      "FlashSaleTicket",
      schema::object(
          {required("ticket",
                    schema::text(64, 1).about("the buyer's signed ticket")),
           required("status", schema::choice({"waiting", "admitted", "expired",
                                              "sold_out"})),
           required("position",
                    schema::integer(1).nullable().about(
                        "waiting tickets ahead plus one; null until the "
                        "start's shuffle places a pre-queue ticket")),
           required("queue_number",
                    schema::integer(1).nullable().about(
                        "the ticket's fixed place in the queue")),
           required("estimated_wait_s", schema::integer(0)),
           required("admitted_until", time_schema().nullable())}));
  return shape;
}

/// Seconds a waiting ticket's holder should wait before polling again.
int64_t retry_after_s(const flash_sale_view& sale, timestamp now) {
  auto most = std::clamp<int64_t>(sale.terms.admission_ttl_s / 2, 1,
                                  ticket_retry_after_max_s);
  return std::clamp<int64_t>(estimated_wait_s(sale, now) / 2, 1, most);
}

void join_sale_route(const sale_context& context, call_ptr request) {
  auto asked_at = now_timestamp();
  context.actors.ask_entity<flash_sale_entity>(
      request->parameter(0), join_sale{request->who.user_id},
      [request, asked_at,
       gauges = context.gauges](expected<flash_sale_view> sale) {
        if (!sale)
          return request->fail(sale.error());
        gauges->show(*sale);
        // A ticket issued before this join was asked for is the one the
        // buyer holds already.
        auto existing =
            sale->ticket->issued_at_us < asked_at.time_since_epoch().count();
        request->json(existing ? 200 : 201, ticket_json(*sale, asked_at));
      });
}

void read_ticket(const sale_context& context, call_ptr request) {
  // Each caller's polls count on their own: another's polls of a ticket
  // (403) spend nothing of its holder's allowance.
  if (limited(request, context.limits.ticket_polls_per_ticket,
              request->parameter(0) + "/" + request->parameter(1) + "/" +
                  request->who.user_id,
              "polls of this ticket"))
    return;
  context.actors.ask_entity<flash_sale_entity>(
      request->parameter(0),
      get_ticket{request->who.user_id, request->parameter(1)},
      [request, gauges = context.gauges](expected<flash_sale_view> sale) {
        if (!sale)
          return request->fail(sale.error());
        gauges->show(*sale);
        auto now = now_timestamp();
        std::vector<std::pair<std::string, std::string>> headers;
        if (sale->ticket->status == ticket_status::waiting)
          headers.emplace_back("Retry-After",
                               std::to_string(retry_after_s(*sale, now)));
        request->reply(200, json_text(ticket_json(*sale, now)),
                       std::move(headers));
      });
}

} // namespace

std::vector<route> flash_sale_routes(const route_sources& sources) {
  auto on = binder(std::make_shared<const sale_context>(sale_context{
      sources.actors, sources.limits,
      std::make_shared<sale_gauges>(*sources.dependencies.metrics_registry)}));
  auto id = in_path("id", id_schema());
  auto ticket = in_path("ticket", schema::text(64, 1));
  return {
      route{"POST",
            "/v1/flash-sales",
            access::admin,
            on(create_sale_route),
            "Create a flash sale: set a quantity of a SKU aside",
            {400, 404, 409, 413, 415}}
          .takes(new_sale_schema())
          .gives(201, sale_schema(), "The sale",
                 {{"Location", schema::text(), "the sale's path"}}),
      route{"GET",
            "/v1/flash-sales/{id}",
            access::anyone,
            on(read_sale),
            "A flash sale and its waiting room",
            {400, 404}}
          .with({id})
          .gives(200, sale_schema(), "The sale"),
      route{"POST",
            "/v1/flash-sales/{id}/tickets",
            access::buyer,
            on(join_sale_route),
            "Join a flash sale's waiting room",
            {400, 404, 409}}
          .with({id})
          .gives(201, ticket_schema(), "A new ticket")
          .gives(200, ticket_schema(), "The ticket the buyer holds already"),
      route{"GET",
            "/v1/flash-sales/{id}/tickets/{ticket}",
            access::buyer,
            on(read_ticket),
            "A ticket's place in the waiting room",
            {400, 404, 429}}
          .with({id, ticket})
          .gives(200, ticket_schema(), "The ticket",
                 {{"Retry-After", schema::text(),
                   "while the ticket waits: seconds until the next poll, "
                   "from its position and the measured admission rate",
                   false}}),
  };
}

} // namespace tillroll
