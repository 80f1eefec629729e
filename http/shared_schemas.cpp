#include "http/shared_schemas.hpp"

#include "events/currency.hpp"
#include "http/request_input.hpp"
#include "projections/cursor.hpp"

namespace tillroll {

schema sku_id_schema() {
  return schema::text(sku_id_size_max, 1)
      .pattern("^[A-Za-z0-9._-]+$", is_sku_id,
               "1 to " + std::to_string(sku_id_size_max) +
                   " characters of A-Z, a-z, 0-9, '.', '_' and '-'")
      .example("TSHIRT-RED-M");
}

schema currency_schema() {
  static const schema shape = [] {
    std::vector<std::string> codes(known_currencies().begin(),
                                   known_currencies().end());
    return schema::named("Currency", schema::choice(std::move(codes))
                                         .about("an active ISO 4217 code")
                                         .example("USD"));
  }();
  return shape;
}

schema cents_schema() {
  return schema::integer().about("minor units of the currency");
}

schema time_schema() {
  return schema::text().format("date-time");
}

schema id_schema() {
  return schema::text(256, 1);
}

parameter idempotency_key(size_t size_max, bool required) {
  return in_header("Idempotency-Key",
                   schema::text(size_max, 1)
                       .about("a retry with the same key and body gets the "
                              "first answer and changes nothing more")
                       .example("7c1f9a52-checkout-1"),
                   required);
}

schema page_schema(std::string name, schema item) {
  return schema::named(
      std::move(name),
      schema::object(
          {required("items", schema::list(std::move(item), list_limit_max)),
           required("next_cursor",
                    schema::text().nullable().about(
                        "pass as cursor for the next page; null on the "
                        "last"))}));
}

} // namespace tillroll
