// The currencies tillroll takes: ISO 4217's active codes. One check for
// every entry that takes a currency (listings, price changes, SKUs, carts,
// orders), so "usd" or "€" is refused everywhere alike.
#pragma once

#include <span>
#include <string_view>

namespace tillroll {

/// Whether `code` is an active ISO 4217 code, upper case ("USD").
bool known_currency(std::string_view code) noexcept;

/// Every code known_currency takes, sorted.
std::span<const std::string_view> known_currencies() noexcept;

} // namespace tillroll
