#include "test/simulation/payment_provider.hpp"

namespace tillroll::simulation {

namespace {

std::string reference_of(const std::string& key) {
  return "psp_" + key;
}

} // namespace

psp_answer payment_provider::charge(const psp_charge& charge) {
  auto& account = books_[charge.key];
  ++account.charge_attempts;
  if (account.status == "captured")
    return {payment_outcome::captured, reference_of(charge.key), ""};
  if (account.status == "declined")
    return {payment_outcome::declined, "", "card declined"};
  account.token = charge.token;
  account.currency = charge.currency;
  if (charge.token == "tok_declined" ||
      (charge.token != "tok_visa" && charge.token != "tok_error")) {
    account.status = "declined";
    return {payment_outcome::declined, "", "card declined"};
  }
  if (charge.token == "tok_error" && account.charge_attempts == 1) {
    account.status = "failed";
    return {payment_outcome::failed, "", "processing error, retry"};
  }
  account.status = "captured";
  ++account.captures;
  account.captured_cents = charge.amount_cents;
  return {payment_outcome::captured, reference_of(charge.key), ""};
}

psp_answer payment_provider::refund(const std::string& key,
                                    const std::string& refund_id,
                                    int64_t amount_cents) {
  auto found = books_.find(key);
  if (found == books_.end() || found->second.status != "captured")
    return {payment_outcome::declined, "", "nothing captured to refund"};
  auto& account = found->second;
  if (account.refund_ids.contains(refund_id))
    return {payment_outcome::captured, reference_of(key) + "_" + refund_id, ""};
  if (amount_cents <= 0 ||
      account.refunded_cents + amount_cents > account.captured_cents)
    return {payment_outcome::declined, "", "refund exceeds the capture"};
  account.refunded_cents += amount_cents;
  account.refund_ids.insert(refund_id);
  return {payment_outcome::captured, reference_of(key) + "_" + refund_id, ""};
}

psp_answer payment_provider::status(const std::string& key) const {
  auto found = books_.find(key);
  if (found == books_.end())
    return {payment_outcome::unknown, "", "no such charge"};
  auto& account = found->second;
  if (account.status == "captured")
    return {payment_outcome::captured, reference_of(key), ""};
  if (account.status == "declined")
    return {payment_outcome::declined, "", "card declined"};
  return {payment_outcome::failed, "", "processing error, retry"};
}

} // namespace tillroll::simulation
