// A JSON body as every route reads it: json_body, then each field reader
// on each field the body has, and the whole-body readers of products and
// checkout. Whatever the body, a reader gives a value or a 4xx.
#include "actors/product/product_state.hpp"
#include "http/body_input.hpp"
#include "http/request_input.hpp"
#include "http/schema.hpp"

#include <limits>

#include "test/fuzz/fuzz_input.hpp"

using namespace tillroll;

namespace {

template <class T> void check(const expected<T>& read) {
  if (!read)
    fuzz::require_client_error(read.error());
}

/// Each field of the body against schemas of each kind: a check gives
/// success or a 400, and a field that passes reads back within bounds.
void read_fields(const boost::json::object& body) {
  for (auto& [key, value] : body) {
    std::string_view name = key;
    for (auto& shape :
         {schema::text(3), schema::text(128, 1), schema::integer(0, 100),
          schema::integer(), schema::integer(-10'000'000'000, 10'000'000'000),
          schema::map(schema::text(), body_list_size_max),
          schema::list(schema::text(8), 4, 1), schema::boolean(),
          schema::choice({"buyer", "seller"}), schema::any_object()}) {
      auto one = schema::object({required(std::string{name}, shape)});
      boost::json::object alone{{name, value}};
      check(one.check(alone));
    }
    auto bounded = schema::object({optional(
        std::string{name}, schema::integer(-10'000'000'000, 10'000'000'000))});
    if (bounded.check(boost::json::object{{name, value}}))
      if (auto number = integer_of(boost::json::object{{name, value}}, name))
        fuzz::require(*number >= -10'000'000'000 && *number <= 10'000'000'000,
                      "an integer within its bounds");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http_request request;
  request.method = "POST";
  request.target = "/v1/products";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = fuzz::text_of(data, size);
  auto body = json_body(request);
  if (!body) {
    fuzz::require_client_error(body.error());
    return 0;
  }
  read_fields(*body);
  auto listing = product_listing_body(*body);
  check(listing);
  if (listing)
    fuzz::require(listing->variants.size() <= product_variants_max,
                  "a listing within its variant limit");
  check(product_changes_body(*body));
  auto checkout = checkout_body_of(*body);
  check(checkout);
  if (checkout)
    fuzz::require(checkout->lines.size() <= order_lines_max &&
                      checkout->shipping_address.size() <=
                          shipping_address_size_max,
                  "a checkout within its limits");
  return 0;
}
