#include "events/errc.hpp"

namespace tillroll {

std::string_view to_string(errc code) noexcept {
  switch (code) {
  case errc::none:
    return "none";
  case errc::invalid_argument:
    return "invalid_argument";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::out_of_stock:
    return "out_of_stock";
  case errc::forbidden:
    return "forbidden";
  case errc::unauthorized:
    return "unauthorized";
  case errc::wrong_state:
    return "wrong_state";
  case errc::payment_declined:
    return "payment_declined";
  case errc::overloaded:
    return "overloaded";
  case errc::storage_failure:
    return "storage_failure";
  case errc::corrupt_record:
    return "corrupt_record";
  case errc::timeout:
    return "timeout";
  case errc::too_large:
    return "too_large";
  case errc::rate_limited:
    return "rate_limited";
  case errc::idempotency_conflict:
    return "idempotency_conflict";
  case errc::unavailable:
    return "unavailable";
  case errc::unsupported_media_type:
    return "unsupported_media_type";
  case errc::reservation_expired:
    return "reservation_expired";
  case errc::delisted:
    return "delisted";
  case errc::currency_mismatch:
    return "currency_mismatch";
  case errc::key_expired:
    return "key_expired";
  case errc::method_not_allowed:
    return "method_not_allowed";
  case errc::request_timeout:
    return "request_timeout";
  case errc::not_admitted:
    return "not_admitted";
  case errc::per_user_limit:
    return "per_user_limit";
  case errc::sold_out:
    return "sold_out";
  case errc::sale_ended:
    return "sale_ended";
  case errc::node_unavailable:
    return "node_unavailable";
  case errc::not_owner:
    return "not_owner";
  }
  return "unknown";
}

} // namespace tillroll
