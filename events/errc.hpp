// The error codes of tillroll: business rejections and storage failures as
// data. Values are pinned: they cross actor boundaries and appear in logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tillroll {

/// Each code's HTTP status is in http/errors.cpp; its name (to_string) is
/// the `code` of the JSON error a client reads.
enum class errc : uint8_t {
  /// Success; never the code of a failure.
  none = 0,
  /// 400: a field, parameter or command is malformed or out of its range.
  invalid_argument = 1,
  /// 404: no such entity (product, SKU, order, stream) or route.
  not_found = 2,
  /// 409: the state forbids it for good (an id or email taken, a review
  /// already given, a SKU of another product).
  conflict = 3,
  /// 409: fewer units available than asked; nothing was reserved.
  out_of_stock = 4,
  /// 403: the caller may not do this to this entity (another seller's
  /// SKU, another buyer's order): decided by the entity's decider.
  forbidden = 5,
  /// 401: no valid session (missing, malformed, expired token; wrong
  /// password).
  unauthorized = 6,
  /// 409: not in this state (cancel after shipping, change a delisted
  /// product).
  wrong_state = 7,
  /// 402: the PSP declined the charge; the order is cancelled.
  payment_declined = 8,
  /// 503 with Retry-After: a bounded queue is full; retry later.
  overloaded = 9,
  /// 503: the log failed a write or fsync; the node stops (fail-stop).
  storage_failure = 10,
  /// A stored record fails its checksum or does not decode; the entity
  /// does not start. 500 if it ever reaches a client.
  corrupt_record = 11,
  /// 503: an answer did not come in time; the command may still happen.
  timeout = 12,
  /// 413: a body, list or header is past its limit.
  too_large = 13,
  /// 429: the caller sent too many requests; Retry-After says when.
  rate_limited = 14,
  /// 409: an idempotency key was used with a different request.
  idempotency_conflict = 15,
  /// 503: not ready (recovering, stopping) or retried past its limit.
  unavailable = 16,
  /// 415: a body that is not JSON in UTF-8, or has a content coding.
  unsupported_media_type = 17,
  /// 409: the order's hold on its stock ended before it was paid.
  reservation_expired = 18,
  /// 409: the product is delisted: its SKUs are no longer sold.
  delisted = 19,
  /// 409: a cart or an order holds one currency.
  currency_mismatch = 20,
  /// 409: the idempotency key is older than its retention: it starts anew.
  key_expired = 21,
  /// 405 with Allow: the path has no route for this method.
  method_not_allowed = 22,
  /// 408: the request did not arrive in time; the connection closes.
  request_timeout = 23,
  /// 403: a flash sale's checkout without the caller's admitted ticket.
  not_admitted = 24,
  /// 409: the buyer's units in the flash sale would pass its per-user limit.
  per_user_limit = 25,
  /// 409: the flash sale has no units left to sell.
  sold_out = 26,
  /// 409: the flash sale is over.
  sale_ended = 27,
  /// 503 with Retry-After and details.node: the cluster member that owns
  /// the entity cannot be reached now.
  node_unavailable = 28,
  /// 503: an append for a stream another cluster member owns; the log
  /// refuses it whatever routed it here.
  not_owner = 29,
};

/// The last code: /openapi.json lists the codes of each status from
/// `none` + 1 to here.
inline constexpr errc errc_last = errc::not_owner;

/// The stable snake_case name of a code, as API.md's error codes spell it.
std::string_view to_string(errc code) noexcept;

/// A failed operation: what went wrong, for whom, and whether retrying the
/// same operation later may succeed (a busy disk, a full queue).
struct failure {
  errc code = errc::none;
  std::string message;
  bool retryable = false;
  /// For `node_unavailable`: the cluster member that could not be reached
  /// (API.md's `details.node`); for `timeout`, the member that did not
  /// answer, when it was another member.
  std::string node;
};

} // namespace tillroll
