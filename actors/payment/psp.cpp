#include "actors/payment/psp.hpp"

#include "events/codec.hpp"
#include "events/event_log.hpp"

#include <algorithm>
#include <sstream>

namespace tillroll {

namespace {

constexpr std::string_view books_prefix = "psp/";

// Books are cereal's portable binary after this tag. Earlier releases
// wrote them as text, which starts with the status's letter; that is
// still read (and written back in this format at the next change), so a
// charge or refund made before an upgrade is never forgotten.
constexpr uint16_t books_format = 1;
/// Most refund ids text books are read with: a PSP account past it is
/// not one this PSP wrote.
constexpr size_t books_text_refunds_max = 100'000;

std::string books_key(const std::string& key) {
  return std::string{books_prefix} + key;
}

std::string reference_of(const std::string& key) {
  return "sim_" + key;
}

} // namespace

std::string simulated_psp::encode(const account& books) {
  return encode_payload(std::pair{books_format, books});
}

expected<simulated_psp::account>
simulated_psp::decode_text(std::string_view stored) {
  std::istringstream fields{std::string{stored}};
  account books;
  size_t refunds = 0;
  if (!(fields >> books.status >> books.currency >> books.captured_cents >>
        books.refunded_cents >> books.attempts >> refunds) ||
      refunds > books_text_refunds_max)
    return make_failure(errc::corrupt_record,
                        "the PSP's text books do not parse");
  for (size_t index = 0; index < refunds; ++index) {
    std::string id;
    if (!(fields >> id))
      return make_failure(errc::corrupt_record,
                          "the PSP's text books lack a refund id");
    books.refund_ids.push_back(std::move(id));
  }
  // Books written before refunds could be refused have no such field,
  // nor the reference and capture count, added later still.
  int refuses = 0;
  if (fields >> refuses)
    books.refuses_refunds = refuses != 0;
  if (fields >> books.reference >> books.captures) {
    if (books.reference == "-")
      books.reference.clear();
  } else {
    books.reference.clear();
    books.captures = books.status == "captured" ? 1 : 0;
  }
  return books;
}

expected<simulated_psp::account>
simulated_psp::decode(std::string_view stored) {
  if (!stored.empty() && stored.front() >= 'a' && stored.front() <= 'z')
    return decode_text(stored);
  auto decoded = decode_payload<std::pair<uint16_t, account>>(stored);
  if (!decoded)
    return std::move(decoded).error();
  if (decoded->first != books_format)
    return make_failure(errc::corrupt_record,
                        "the PSP's books are in a format this build does "
                        "not read (" +
                            std::to_string(decoded->first) + ")");
  return std::move(decoded->second);
}

expected<std::optional<simulated_psp::account>>
simulated_psp::load(const std::string& key) {
  auto stored = log_.get(column_family::metadata, books_key(key));
  if (!stored)
    return std::move(stored).error();
  if (!*stored)
    return std::optional<account>{};
  auto books = decode(**stored);
  if (!books)
    return std::move(books).error();
  return std::optional<account>{std::move(*books)};
}

bool simulated_psp::store(const std::string& key, const account& books) {
  // Not fsync'd: the simulated PSP runs in our process, and what it wrote
  // survives a kill of it in the page cache, as a real PSP's books would.
  return log_.put(column_family::metadata, books_key(key), encode(books), false)
      .has_value();
}

// A PSP that cannot read or write its books gives no answer (pending),
// never `failed`: the charge may have landed, and only a definite answer
// may cancel an order.

psp_answer simulated_psp::charge(const psp_charge& charge) {
  std::lock_guard guard{mutex_};
  auto loaded = load(charge.key);
  if (!loaded)
    return {payment_outcome::pending, "", "psp storage unavailable: no answer"};
  auto books = loaded->value_or(account{"new", charge.currency, 0, 0, 0, {}});
  // Every call is counted, a repeat of a settled key too: the books show
  // how often we asked, not only what it cost.
  ++books.attempts;
  if (books.reference.empty())
    books.reference = charge.reference;
  if (books.status == "captured" || books.status == "declined") {
    if (!store(charge.key, books))
      return {payment_outcome::pending, "", "psp storage unavailable: no answer"};
    return books.status == "captured"
               ? psp_answer{payment_outcome::captured, reference_of(charge.key), ""}
               : psp_answer{payment_outcome::declined, "", "card declined"};
  }
  psp_answer answer;
  if (charge.token == "tok_declined") {
    books.status = "declined";
    answer = {payment_outcome::declined, "", "card declined"};
  } else if (charge.token == "tok_error" && books.attempts == 1) {
    books.status = "failed";
    answer = {payment_outcome::failed, "", "processing error, retry"};
  } else if (charge.token == "tok_visa" || charge.token == "tok_error" ||
             charge.token == "tok_timeout" ||
             charge.token == "tok_refund_declined") {
    books.status = "captured";
    ++books.captures;
    books.captured_cents = charge.amount_cents;
    books.refuses_refunds = charge.token == "tok_refund_declined";
    answer =
        charge.token == "tok_timeout"
            ? psp_answer{payment_outcome::pending, "", "no answer"}
            : psp_answer{payment_outcome::captured, reference_of(charge.key), ""};
  } else {
    books.status = "declined";
    answer = {payment_outcome::declined, "", "unknown token"};
  }
  if (!store(charge.key, books))
    return {payment_outcome::pending, "", "psp storage unavailable: no answer"};
  return answer;
}

psp_answer simulated_psp::refund(const std::string& key,
                                 const std::string& refund_id,
                                 int64_t amount_cents) {
  std::lock_guard guard{mutex_};
  auto loaded = load(key);
  if (!loaded || !*loaded || (*loaded)->status != "captured")
    return {payment_outcome::declined, "", "nothing captured to refund"};
  auto books = **loaded;
  if (books.refuses_refunds)
    return {payment_outcome::declined, "", "the card refuses refunds"};
  if (std::find(books.refund_ids.begin(), books.refund_ids.end(), refund_id) !=
      books.refund_ids.end())
    return {payment_outcome::captured, reference_of(key) + "_" + refund_id, ""};
  if (amount_cents <= 0 ||
      books.refunded_cents + amount_cents > books.captured_cents)
    return {payment_outcome::declined, "", "refund exceeds the capture"};
  books.refunded_cents += amount_cents;
  books.refund_ids.push_back(refund_id);
  if (!store(key, books))
    return {payment_outcome::pending, "", "psp storage unavailable: no answer"};
  return {payment_outcome::captured, reference_of(key) + "_" + refund_id, ""};
}

psp_answer simulated_psp::status(const std::string& key) {
  std::lock_guard guard{mutex_};
  auto loaded = load(key);
  if (!loaded)
    return {payment_outcome::pending, "", "psp storage unavailable: no answer"};
  if (!*loaded)
    return {payment_outcome::unknown, "", "no such charge"};
  auto& books = **loaded;
  if (books.status == "captured")
    return {payment_outcome::captured, reference_of(key), ""};
  if (books.status == "declined")
    return {payment_outcome::declined, "", "card declined"};
  return {payment_outcome::failed, "", "processing error, retry"};
}

std::vector<settlement_line> simulated_psp::settlement_report() {
  std::lock_guard guard{mutex_};
  std::vector<settlement_line> report;
  auto scanned = log_.scan(
      column_family::metadata, books_prefix,
      [&](std::string_view key, std::string_view stored) {
        auto books = decode(stored);
        if (books && books->status == "captured")
          report.push_back({std::string{key.substr(books_prefix.size())},
                            books->currency, books->captured_cents,
                            books->refunded_cents, books->reference,
                            books->attempts, books->captures});
        return true;
      });
  (void)scanned;
  return report;
}

} // namespace tillroll
