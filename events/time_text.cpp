#include "events/time_text.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace tillroll {

std::string iso_time(int64_t micros_since_epoch) {
  std::time_t seconds = micros_since_epoch / 1'000'000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &parts);
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), ".%06lldZ",
                static_cast<long long>(micros_since_epoch % 1'000'000));
  return std::string{buffer} + fraction;
}

std::optional<timestamp> parse_time(std::string_view text) {
  int64_t micros = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), micros);
  if (error == std::errc{} && end == text.data() + text.size())
    return timestamp{std::chrono::microseconds{micros}};
  std::tm parts{};
  std::string copy{text};
  auto* rest = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr)
    return std::nullopt;
  int64_t fraction_us = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 6) {
        fraction_us = fraction_us * 10 + (*rest - '0');
        ++digits;
      }
      ++rest;
    }
    for (; digits < 6; ++digits)
      fraction_us *= 10;
  }
  if (std::string_view{rest} != "Z")
    return std::nullopt;
  auto seconds = timegm(&parts);
  return timestamp{
      std::chrono::microseconds{int64_t{seconds} * 1'000'000 + fraction_us}};
}

} // namespace tillroll
