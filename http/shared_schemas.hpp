// The schemas more than one resource uses: ids, money, times, pages.
#pragma once

#include "http/request_input.hpp"
#include "http/schema.hpp"

namespace tillroll {

/// A SKU id: 1 to `sku_id_size_max` bytes of A-Z a-z 0-9 . _ -
schema sku_id_schema();
/// An ISO 4217 code the server knows.
schema currency_schema();
/// Minor units of a currency (cents), as prices and totals are.
schema cents_schema();
/// RFC 3339 in UTC with microseconds: 2026-12-01T20:33:43.645507Z
schema time_schema();
/// An opaque id the server made (user, product, order).
schema id_schema();
/// The Idempotency-Key header: 1 to `size_max` bytes; a retry with the
/// same key gets the first answer.
parameter idempotency_key(size_t size_max, bool required);
/// A list's page: {items: [item], next_cursor: string | null}.
schema page_schema(std::string name, schema item);

} // namespace tillroll
