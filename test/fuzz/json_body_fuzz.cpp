// A JSON body as every route reads it: json_body, then each field reader
// on each field the body has, and the whole-body readers of products and
// checkout. Whatever the body, a reader gives a value or a 4xx.
#include "actors/product/product_state.hpp"
#include "http/body_input.hpp"
#include "http/request_input.hpp"

#include <limits>

#include "test/fuzz/fuzz_input.hpp"

using namespace tillroll;

namespace {

template <class T> void check(const expected<T>& read) {
  if (!read)
    fuzz::require_client_error(read.error());
}

void read_fields(const boost::json::object& body) {
  check(only_fields(body, {"sku", "quantity", "price_cents"}));
  for (auto& [key, value] : body) {
    std::string_view name = key;
    check(text_field(body, name));
    check(text_field(body, name, 3, false));
    check(optional_text_field(body, name, 128));
    check(sku_id_field(body, name));
    check(integer_field(body, name, 0, 100));
    check(integer_field(body, name, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<int64_t>::max()));
    auto number =
        optional_integer_field(body, name, -10'000'000'000, 10'000'000'000);
    check(number);
    if (number && *number)
      fuzz::require(**number >= -10'000'000'000 && **number <= 10'000'000'000,
                    "an integer within its bounds");
    auto map = string_map_field(body, name, true);
    check(map);
    if (map)
      fuzz::require(map->size() <= body_list_size_max,
                    "a map within its size limit");
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
