// A value or the failure that prevented it. CAF's expected would pull CAF
// into the pure domain and the log; std::expected needs C++23.
#pragma once

#include "events/errc.hpp"

#include <cassert>
#include <utility>
#include <variant>

namespace tillroll {

template <class T> class [[nodiscard]] expected {
public:
  expected(T value) : content_(std::move(value)) {}
  expected(failure why) : content_(std::move(why)) {
    assert(std::get<failure>(content_).code != errc::none);
  }

  explicit operator bool() const noexcept { return content_.index() == 0; }
  bool has_value() const noexcept { return content_.index() == 0; }

  T& operator*() & { return std::get<0>(content_); }
  const T& operator*() const& { return std::get<0>(content_); }
  T&& operator*() && { return std::get<0>(std::move(content_)); }
  T* operator->() { return &std::get<0>(content_); }
  const T* operator->() const { return &std::get<0>(content_); }

  const failure& error() const& { return std::get<failure>(content_); }
  failure&& error() && { return std::get<failure>(std::move(content_)); }

private:
  std::variant<T, failure> content_;
};

template <> class [[nodiscard]] expected<void> {
public:
  expected() = default;
  expected(failure why) : failure_(std::move(why)) {}

  explicit operator bool() const noexcept {
    return failure_.code == errc::none;
  }
  bool has_value() const noexcept { return failure_.code == errc::none; }
  const failure& error() const& { return failure_; }
  failure&& error() && { return std::move(failure_); }

private:
  failure failure_;
};

inline failure make_failure(errc code, std::string message,
                            bool retryable = false) {
  return failure{code, std::move(message), retryable};
}

} // namespace tillroll
