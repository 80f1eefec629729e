#include "actors/caf_error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace tillroll {

caf::error to_caf_error(const failure& why) {
  return caf::error{static_cast<uint8_t>(why.code), error_category,
                    caf::make_message(why.message, why.retryable, why.node)};
}

failure from_caf_error(const caf::error& error) {
  if (error.category() == error_category) {
    failure result{static_cast<errc>(error.code()), "", false};
    const auto& context = error.context();
    if (context.match_elements<std::string, bool, std::string>()) {
      result.message = context.get_as<std::string>(0);
      result.retryable = context.get_as<bool>(1);
      result.node = context.get_as<std::string>(2);
    }
    return result;
  }
  if (error.category() == caf::atom("system") &&
      error.code() == static_cast<uint8_t>(caf::sec::request_timeout))
    return failure{errc::timeout, "the request timed out", true};
  return failure{errc::unavailable, "actor error: " + caf::to_string(error),
                 true};
}

void add_error_category(caf::actor_system_config& config) {
  config.add_error_category(error_category, [](uint8_t code, caf::atom_value,
                                               const caf::message& context) {
    return "tillroll::" + std::string{to_string(static_cast<errc>(code))} +
           (context.empty() ? "" : " " + caf::to_string(context));
  });
}

} // namespace tillroll
