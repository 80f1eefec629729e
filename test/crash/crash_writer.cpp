// The child of the crash test: appends under load from many threads until
// it is killed, writing every acknowledged append to an ack file after the
// journal reported it durable.
#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace tillroll;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DATA_DIR ACK_FILE WRITERS\n");
    return 2;
  }
  auto log = event_log::open({argv[1]});
  if (!log) {
    std::fprintf(stderr, "open: %s\n", log.error().message.c_str());
    return 1;
  }
  journal writer{**log, {}};
  if (!writer.start())
    return 1;
  int acks = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
  int writers = std::atoi(argv[3]);
  std::vector<std::thread> threads;
  for (int index = 0; index < writers; ++index)
    threads.emplace_back([&, index] {
      auto stream = "crash-w" + std::to_string(index);
      auto head = *(*log)->stream_head(stream);
      for (;;) {
        std::vector<new_event> events;
        auto count = 1 + head % 3;
        for (uint64_t event = 0; event < count; ++event)
          events.push_back(new_event{1, 1, std::string(100 + head % 50, 'p'),
                                     now_timestamp(), "", ""});
        auto appended =
            writer.append_and_wait({stream, head, std::move(events), {}, {}});
        if (!appended) {
          std::fprintf(stderr, "append: %s\n",
                       appended.error().message.c_str());
          std::_Exit(1);
        }
        head = appended->last_sequence;
        auto line = stream + " " + std::to_string(head) + "\n";
        if (::write(acks, line.data(), line.size()) < 0)
          std::_Exit(1);
      }
    });
  for (auto& thread : threads)
    thread.join();
}
