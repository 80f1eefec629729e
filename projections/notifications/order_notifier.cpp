#include "projections/notifications/order_notifier.hpp"

#include "events/codec.hpp"
#include "events/json_text.hpp"
#include "events/keys.hpp"
#include "events/order_events.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tillroll {

file_notification_sink::file_notification_sink(
    const std::filesystem::path& path)
    : file_(std::fopen(path.c_str(), "a")) {}

file_notification_sink::~file_notification_sink() {
  if (file_ != nullptr)
    std::fclose(file_);
}

void file_notification_sink::deliver(uint64_t position,
                                     const std::string& order_id,
                                     const std::string& buyer_id,
                                     const std::string& status, int64_t at_us) {
  boost::json::object line{{"position", position},
                           {"order_id", order_id},
                           {"buyer_id", buyer_id},
                           {"status", status},
                           {"at_us", at_us}};
  auto text = json_text(line);
  std::lock_guard guard{mutex_};
  if (file_ == nullptr)
    return;
  std::fprintf(file_, "%s\n", text.c_str());
  std::fflush(file_);
}

expected<void> order_notifier::apply(const recorded_event& record,
                                     projection_writer&) {
  if (record.type_id != order_notification::type_id ||
      stream_kind(record.stream_id) != "order")
    return {};
  auto event = decode_event<order_event>(record);
  if (!event)
    return std::move(event).error();
  auto& notice = std::get<order_notification>(*event);
  sink_->deliver(record.position,
                 std::string{stream_entity_id(record.stream_id)},
                 notice.buyer_id, notice.status, notice.at_us);
  return {};
}

} // namespace tillroll
