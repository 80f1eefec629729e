#include "events/time_text.hpp"

#include <charconv>
#include <date/date.h>
#include <sstream>

namespace tillroll {

std::string iso_time(int64_t micros_since_epoch) {
  return date::format("%FT%TZ",
                      date::sys_time<std::chrono::microseconds>{
                          std::chrono::microseconds{micros_since_epoch}});
}

std::optional<timestamp> parse_time(std::string_view text) {
  int64_t micros = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), micros);
  if (error == std::errc{} && end == text.data() + text.size())
    return timestamp{std::chrono::microseconds{micros}};
  // The date and time before the fraction hold digits and separators only:
  // date::parse reads a sign, a space or a decimal point inside a field,
  // where ISO 8601 has none and strptime read none.
  auto head = text.substr(0, text.find_first_of(".Z"));
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t index = 0; index < head.size(); ++index)
    if (auto c = head[index];
        !is_digit(c) && c != 'T' && c != ':' &&
        (c != '-' || index == 0 || !is_digit(head[index - 1])))
      return std::nullopt;
  // Whole seconds: date's %S with a finer precision reads at most six
  // fraction digits and refuses more, where a time given with nanoseconds
  // has always been accepted and cut to microseconds.
  std::istringstream in{std::string{head}};
  date::sys_seconds seconds;
  in >> date::parse("%Y-%m-%dT%H:%M:%S", seconds);
  if (in.fail() || in.peek() != std::istringstream::traits_type::eof())
    return std::nullopt;
  auto rest = text.substr(head.size());
  int64_t fraction_us = 0;
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    int digits = 0;
    for (; !rest.empty() && is_digit(rest.front()); rest.remove_prefix(1))
      if (digits < 6) {
        fraction_us = fraction_us * 10 + (rest.front() - '0');
        ++digits;
      }
    for (; digits < 6; ++digits)
      fraction_us *= 10;
  }
  if (rest != "Z")
    return std::nullopt;
  return timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                       seconds.time_since_epoch()) +
                   std::chrono::microseconds{fraction_us}};
}

} // namespace tillroll
