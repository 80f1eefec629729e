#include "actors/product/product_state.hpp"
#include "events/checksum.hpp"
#include "events/codec.hpp"
#include "events/described_json.hpp"
#include "events/envelope.hpp"
#include "events/keys.hpp"
#include "events/order_events.hpp"
#include "events/sku_events.hpp"
#include "events/user_events.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <vector>

using namespace tillroll;

namespace {

recorded_event sample_record() {
  return recorded_event{
      "sku-TSHIRT-RED-M",
      42,
      1000,
      stock_reserved::type_id,
      stock_reserved::version,
      timestamp{std::chrono::microseconds{1'700'000'000'000'000}},
      "corr-1",
      "cause-1",
      encode_payload(stock_reserved{"order-1", 2, 99})};
}

/// The payload cereal writes for these values archived one after another,
/// as a hand-written `serialize` would.
template <class... Fields> std::string archived(const Fields&... fields) {
  std::ostringstream stream;
  {
    cereal::PortableBinaryOutputArchive archive{stream};
    (archive(fields), ...);
  }
  return std::move(stream).str();
}

} // namespace

TEST_CASE("an encoded record decodes to the same envelope and payload") {
  auto record = sample_record();
  auto decoded = decode_record(encode_record(record));
  REQUIRE(decoded);
  CHECK(decoded->stream_id == record.stream_id);
  CHECK(decoded->sequence == 42);
  CHECK(decoded->position == 1000);
  CHECK(decoded->type_id == stock_reserved::type_id);
  CHECK(decoded->schema_version == 1);
  CHECK(decoded->recorded_at == record.recorded_at);
  CHECK(decoded->correlation_id == "corr-1");
  CHECK(decoded->causation_id == "cause-1");
  auto event = decode_event<sku_event>(*decoded);
  REQUIRE(event);
  auto& reserved = std::get<stock_reserved>(*event);
  CHECK(reserved.order_id == "order-1");
  CHECK(reserved.quantity == 2);
  CHECK(reserved.expires_at_us == 99);
}

TEST_CASE("a flipped bit anywhere in a record is detected, not decoded") {
  auto bytes = encode_record(sample_record());
  for (size_t index = 0; index < bytes.size(); ++index) {
    auto damaged = bytes;
    damaged[index] = static_cast<char>(damaged[index] ^ 0x10);
    auto decoded = decode_record(damaged);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == errc::corrupt_record);
  }
}

TEST_CASE("a truncated record is an error") {
  auto bytes = encode_record(sample_record());
  for (size_t size = 0; size < bytes.size(); size += 7)
    CHECK_FALSE(decode_record(bytes.substr(0, size)));
}

TEST_CASE("crc32c matches the standard check value, in hardware and not") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c_portable("123456789") == 0xE3069283u);
  std::string bytes;
  for (int size = 0; size < 300; ++size) {
    CHECK(crc32c(bytes) == crc32c_portable(bytes));
    bytes.push_back(static_cast<char>(size * 7 + 3));
  }
}

TEST_CASE("stream keys order by stream, then numerically by sequence") {
  std::vector<std::string> keys{
      stream_key("sku-A", 256), stream_key("sku-A", 1),
      stream_key("sku-A", 255), stream_key("sku-A-B", 1),
      stream_key("sku-A", 65536)};
  std::sort(keys.begin(), keys.end());
  CHECK(keys[0] == stream_key("sku-A", 1));
  CHECK(keys[1] == stream_key("sku-A", 255));
  CHECK(keys[2] == stream_key("sku-A", 256));
  CHECK(keys[3] == stream_key("sku-A", 65536));
  CHECK(keys[4] == stream_key("sku-A-B", 1));
  CHECK(stream_key_sequence(stream_key("sku-A", 65536)) == 65536);
  CHECK(position_key(255) < position_key(256));
}

TEST_CASE("stream ids are validated") {
  CHECK(validate_stream_id("sku-TSHIRT-RED-M"));
  CHECK_FALSE(validate_stream_id(""));
  CHECK_FALSE(validate_stream_id("sku"));
  CHECK_FALSE(validate_stream_id("-x"));
  CHECK_FALSE(validate_stream_id("sku-"));
  CHECK_FALSE(validate_stream_id(std::string{"sku-a\0b", 7}));
  CHECK_FALSE(validate_stream_id("sku-" + std::string(300, 'x')));
  CHECK(stream_kind("sku-TSHIRT-RED-M") == "sku");
  CHECK(stream_entity_id("sku-TSHIRT-RED-M") == "TSHIRT-RED-M");
}

TEST_CASE("an unknown event type or a newer version is refused") {
  auto record = sample_record();
  record.type_id = 9999;
  CHECK(decode_event<sku_event>(record).error().code == errc::corrupt_record);
  record = sample_record();
  record.schema_version = 7;
  CHECK_FALSE(decode_event<sku_event>(record));
}

TEST_CASE("a garbled payload is an error value, not a crash") {
  auto record = sample_record();
  record.payload = "\x01";
  CHECK_FALSE(decode_event<sku_event>(record));
}

TEST_CASE("an event is archived field by field in the order of its list") {
  CHECK(encode_payload(stock_reserved{"order-1", 2, 99}) ==
        archived(std::string{"order-1"}, int64_t{2}, int64_t{99}));
  CHECK(encode_payload(sku_withdrawn{}) == archived());
}

TEST_CASE("a part of an event is archived by its own list, inside it") {
  order_placed placed{.buyer_id = "buyer-1",
                      .checkout_key = "key-1",
                      .lines = {{"MUG", "p-1", "s-1", 2, 900}},
                      .currency = "EUR",
                      .total_cents = 1800,
                      .payment_token = "tok_visa",
                      .shipping_address = "Street 1",
                      .from_cart = false};
  CHECK(encode_payload(placed) ==
        archived(std::string{"buyer-1"}, std::string{"key-1"},
                 cereal::make_size_tag(uint64_t{1}), std::string{"MUG"},
                 std::string{"p-1"}, std::string{"s-1"}, int64_t{2},
                 int64_t{900}, std::string{"EUR"}, int64_t{1800},
                 std::string{"tok_visa"}, std::string{"Street 1"}, false));
  auto decoded = decode_payload<order_placed>(encode_payload(placed));
  REQUIRE(decoded);
  REQUIRE(decoded->lines.size() == 1);
  CHECK(decoded->lines[0].unit_price_cents == 900);
  CHECK_FALSE(decoded->from_cart);
}

TEST_CASE("a state that archives itself keeps the fields its list leaves "
          "out") {
  product_state state;
  state.skus_withdrawn = true;
  state.prices_unsynced = {"MUG"};
  auto decoded = decode_payload<product_state>(encode_payload(state));
  REQUIRE(decoded);
  CHECK(decoded->skus_withdrawn);
  CHECK(decoded->prices_unsynced == std::set<std::string>{"MUG"});
}

TEST_CASE("an event renders its listed fields as JSON, never a password "
          "hash") {
  auto json = boost::json::value_from(
      user_registered{"a@test.local", "$argon2id$secret", "buyer", 7});
  CHECK(json == boost::json::parse(
                    R"({"email":"a@test.local","role":"buyer","at_us":7})"));
}
