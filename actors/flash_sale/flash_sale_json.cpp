#include "actors/flash_sale/flash_sale_json.hpp"

#include <boost/json/object.hpp>

namespace tillroll {

namespace json = boost::json;

json::value to_json(const flash_sale_state& state) {
  auto& terms = state.terms;
  json::object out;
  out["status"] = to_string(state.status);
  out["sale_id"] = terms.sale_id;
  out["sku"] = terms.sku;
  out["quantity"] = terms.quantity;
  out["price_cents"] = terms.price_cents;
  out["currency"] = state.currency;
  out["starts_at_us"] = terms.starts_at_us;
  out["ends_at_us"] = terms.ends_at_us;
  out["per_user_limit"] = terms.per_user_limit;
  out["admit_per_second"] = terms.admit_per_second;
  out["admission_ttl_s"] = terms.admission_ttl_s;
  out["shuffle_commitment"] = terms.shuffle_commitment;
  out["tickets"] = state.tickets.size();
  out["waiting"] = state.waiting;
  out["admitted"] = state.admissions.size();
  out["admitted_total"] = state.admitted_total;
  out["units_kept"] = state.units_kept;
  out["remaining"] = state.remaining();
  out["held"] = state.stock.reserved;
  out["sold"] = state.stock.sold;
  out["buyers_with_units"] = state.buyer_units.size();
  out["given_back"] = state.given_back;
  out["given_back_acknowledged"] = state.given_back_acknowledged;
  return out;
}

} // namespace tillroll
