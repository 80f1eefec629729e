// Writes the seed corpora of the decoding harnesses: every golden record
// of test/compat (as a record and as a payload for its kind), and real
// snapshots of every entity kind, taken after each event of a life. Run
// by hand after a new event type or state field; the files are committed:
//   tillroll_fuzz_corpus_writer test/compat test/fuzz/corpus
#include "actors/cart/cart_state.hpp"
#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"
#include "actors/product/product_state.hpp"
#include "actors/sku/sku_state.hpp"
#include "actors/user/user_state.hpp"
#include "events/codec.hpp"
#include "events/envelope.hpp"
#include "snapshots/snapshot_store.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test/fuzz/event_kinds.hpp"
#include "test/fuzz/snapshot_kinds.hpp"

using namespace tillroll;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream{path, std::ios::binary}.write(
      bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string from_hex(std::string_view text) {
  std::string out;
  for (size_t index = 0; index + 1 < text.size(); index += 2)
    out.push_back(static_cast<char>(
        std::stoi(std::string{text.substr(index, 2)}, nullptr, 16)));
  return out;
}

size_t write_event_seeds(const fs::path& compat, const fs::path& out) {
  fs::create_directories(out);
  auto& kinds = fuzz::event_kinds();
  size_t written = 0;
  for (auto& entry : fs::directory_iterator{compat}) {
    if (entry.path().extension() != ".hex")
      continue;
    std::ifstream file{entry.path()};
    std::string hex;
    file >> hex;
    auto bytes = from_hex(hex);
    auto record = decode_record(bytes);
    if (!record) {
      std::fprintf(stderr, "skipping %s: %s\n", entry.path().c_str(),
                   record.error().message.c_str());
      continue;
    }
    auto name = entry.path().stem().string();
    write_file(out / (name + "_record"), std::string(1, '\0') + bytes);
    ++written;
    for (size_t index = 0; index < kinds.size(); ++index) {
      if (kinds[index].type_id != record->type_id)
        continue;
      std::string input;
      input.push_back(static_cast<char>(fuzz::payload_mode | index));
      input.push_back(static_cast<char>(record->schema_version));
      input += record->payload;
      write_file(out / (name + "_payload"), input);
      ++written;
    }
  }
  return written;
}

/// One snapshot after each event of `life`, as an entity would take it.
template <class Entity>
size_t write_life(const fs::path& out, fuzz::entity_kind kind,
                  std::string_view name,
                  const std::vector<typename Entity::event_type>& life) {
  typename Entity::state_type state{};
  uint64_t sequence = 0;
  for (auto& event : life) {
    apply_event(state, event);
    ++sequence;
    std::string input(1, static_cast<char>(kind));
    input += encode_snapshot(
        snapshot{Entity::snapshot_version, sequence, encode_payload(state)});
    write_file(out / (std::string{name} + "_" + std::to_string(sequence)),
               input);
  }
  return life.size();
}

constexpr int64_t at_us = 1'790'000'000'000'000;
constexpr int64_t minute_us = 60'000'000;

size_t write_snapshot_seeds(const fs::path& out) {
  fs::create_directories(out);
  size_t written = 0;
  written += write_life<sku_entity>(
      out, fuzz::entity_kind::sku, "sku",
      {sku_registered{"product-1", "seller-1", 1999, "EUR"}, stock_received{50},
       price_set{2500, "EUR"},
       stock_reserved{"order-9", 2, at_us + 10 * minute_us},
       stock_reserved{"order-10", 1, at_us + 10 * minute_us},
       reservation_confirmed{"order-9"},
       reservation_extended{"order-10", at_us + 20 * minute_us},
       reservation_released{"order-10"},
       stock_reserved{"order-11", 3, at_us + 30 * minute_us},
       reservation_expired{"order-11"}, stock_change_keyed{"key-1", -4, at_us},
       sale_returned{"order-9", 2}, stock_removed{3}});
  product_listed listed{"seller-1",
                        "Tee",
                        "Soft",
                        "Acme",
                        "apparel",
                        {{"material", "cotton"}},
                        {"https://img/1.jpg"},
                        {{"TEE-S", 1500, "EUR", {{"size", "S"}}, 10},
                         {"TEE-M", 1600, "EUR", {{"size", "M"}}, 0}},
                        at_us};
  product_changed changed;
  changed.title = "Tee 2";
  changed.images = std::vector<std::string>{"https://img/2.jpg"};
  written += write_life<product_entity>(
      out, fuzz::entity_kind::product, "product",
      {listed, variants_registered{{"TEE-M"}},
       review_added{"buyer-1", 5, "great", at_us + minute_us},
       variant_price_changed{"TEE-S", 1700, "EUR"},
       variant_price_synced{"TEE-S"}, changed, product_delisted{},
       skus_withdrawn{}});
  written += write_life<payment_entity>(
      out, fuzz::entity_kind::payment, "payment",
      {payment_requested{"order-1", 2500, "EUR", "tok_visa", "fp", at_us},
       payment_attempt_failed{"psp timeout"}, payment_captured{"sim_1"},
       ledger_transaction_recorded{
           "capture",
           "EUR",
           {{"asset:psp_clearing", 2500}, {"revenue:sales", -2500}}},
       refund_recorded{"refund-1", 500, "sim_1_refund-1"},
       ledger_transaction_recorded{
           "refund",
           "EUR",
           {{"asset:psp_clearing", -500}, {"revenue:sales", 500}}}});
  written += write_life<payment_entity>(
      out, fuzz::entity_kind::payment, "payment_declined",
      {payment_requested{"order-2", 900, "USD", "tok_declined", "fp2", at_us},
       payment_declined{"card declined"}});
  order_placed placed{"buyer-1",
                      "key-1",
                      {{"SKU-1", "product-1", "seller-1", 2, 1250},
                       {"SKU-2", "product-2", "seller-2", 1, 500}},
                      "EUR",
                      3000,
                      "tok_visa",
                      "{\"city\":\"Lyon\"}",
                      false};
  written += write_life<order_entity>(
      out, fuzz::entity_kind::order, "order",
      {placed, order_stock_reserved{}, order_payment_started{"buyer-1-key-1"},
       order_payment_check_scheduled{at_us + minute_us, true},
       order_payment_captured{"sim_1"}, order_stock_partly_confirmed{{"SKU-1"}},
       order_stock_confirmed{}, order_fulfillment_started{},
       order_notification{"fulfillment_processing", "buyer-1", at_us},
       order_lines_shipped{{"SKU-1"}}, order_shipped{},
       order_lines_delivered{{"SKU-1"}}, order_delivered{},
       order_refund_requested{"refund-1", 500, "key-7"},
       order_refund_retry_scheduled{"refund-1", "refused", 1,
                                    at_us + 2 * minute_us},
       order_refund_parked{"refund-1", "refused"}, order_refunds_unparked{},
       order_refunded{"refund-1", 500}});
  written += write_life<order_entity>(
      out, fuzz::entity_kind::order, "order_cancelled",
      {placed, order_cancelled{"out_of_stock", {"SKU-2"}},
       order_stock_released{}});
  written += write_life<cart_entity>(
      out, fuzz::entity_kind::cart, "cart",
      {cart_item_set{"SKU-1", "product-1", 2, at_us},
       cart_item_set{"SKU-2", "product-2", 1, at_us + minute_us},
       cart_item_removed{"SKU-2", at_us + 2 * minute_us},
       cart_cleared{"order-2", {{"SKU-1", 1}}, false},
       cart_item_set{"SKU-3", "product-3", 4, at_us + 3 * minute_us},
       cart_cleared{"order-3", {}, true},
       cart_item_set{"SKU-4", "product-4", 1, at_us + 4 * minute_us},
       cart_expired{}});
  written += write_life<user_entity>(
      out, fuzz::entity_kind::user, "user",
      {user_registered{"ann@example.com", "$argon2id$v=19$m=65536", "buyer",
                       at_us}});
  return written;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s COMPAT_DIR CORPUS_DIR\n", argv[0]);
    return 2;
  }
  fs::path compat{argv[1]}, corpus{argv[2]};
  auto events = write_event_seeds(compat, corpus / "event_decode");
  auto snapshots = write_snapshot_seeds(corpus / "snapshot_decode");
  std::printf("wrote %zu event seeds and %zu snapshot seeds\n", events,
              snapshots);
  return 0;
}
