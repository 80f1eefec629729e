// Snapshots as they come back from the store: the stored record (checksum,
// version, sequence) and then the state of each entity kind, as recovery
// reads them. A damaged snapshot only costs a replay, never a crash.
//
// Input: the entity kind (`entity_kind_of`), then a stored snapshot record.
// It is decoded as it is, then again with its checksum made right, so
// mutations reach the state behind the checksum.
#include "actors/cart/cart_state.hpp"
#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"
#include "actors/product/product_state.hpp"
#include "actors/recovery.hpp"
#include "actors/sku/sku_state.hpp"
#include "actors/user/user_state.hpp"
#include "events/byte_order.hpp"
#include "events/checksum.hpp"
#include "snapshots/snapshot_store.hpp"

#include "test/fuzz/fuzz_input.hpp"
#include "test/fuzz/snapshot_kinds.hpp"

using namespace tillroll;

namespace {

template <class Entity> void decode_state(const snapshot& stored) {
  auto state = snapshot_state<Entity>(stored);
  if (!state)
    return;
  // What a successor writes back from this state must read back the same.
  auto bytes = encode_payload(*state);
  auto again = decode_payload<typename Entity::state_type>(bytes);
  fuzz::require(again.has_value(), "an encoded state decodes");
  fuzz::require(encode_payload(*again) == bytes,
                "a state decodes to what was encoded");
}

void decode_stored(fuzz::entity_kind kind, std::string_view bytes) {
  auto stored = decode_snapshot("fuzz-1", bytes);
  if (!stored) {
    fuzz::require(stored.error().code == errc::corrupt_record,
                  "a damaged snapshot is a corrupt record");
    return;
  }
  fuzz::require(encode_snapshot(*stored) == bytes,
                "a snapshot decodes to what was encoded");
  switch (kind) {
  case fuzz::entity_kind::sku:
    return decode_state<sku_entity>(*stored);
  case fuzz::entity_kind::product:
    return decode_state<product_entity>(*stored);
  case fuzz::entity_kind::payment:
    return decode_state<payment_entity>(*stored);
  case fuzz::entity_kind::order:
    return decode_state<order_entity>(*stored);
  case fuzz::entity_kind::cart:
    return decode_state<cart_entity>(*stored);
  case fuzz::entity_kind::user:
    return decode_state<user_entity>(*stored);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto kind = fuzz::entity_kind_of(data[0]);
  auto bytes = fuzz::text_of(data + 1, size - 1);
  decode_stored(kind, bytes);
  if (bytes.size() < 4)
    return 0;
  std::string fixed;
  append_little_endian<uint32_t>(fixed, crc32c(bytes.substr(4)));
  fixed.append(bytes.substr(4));
  decode_stored(kind, fixed);
  return 0;
}
