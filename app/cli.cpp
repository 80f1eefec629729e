#include "app/cli.hpp"

#include "actors/sku/sku_state.hpp"
#include "app/audit.hpp"
#include "app/demo.hpp"
#include "app/node.hpp"
#include "app/replay.hpp"
#include "events/event_log.hpp"
#include "events/storage_faults.hpp"
#include "projections/projection_runner.hpp"
#include "projections/stream_counts/stream_counts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace tillroll {

namespace {

constexpr int exit_usage = 2;

struct subcommand {
  std::string_view name;
  std::string_view usage;
  /// Flags taking a value, and flags standing alone.
  std::set<std::string_view> valued;
  std::set<std::string_view> switches;
  size_t positional_count = 0;
};

constexpr std::string_view serve_usage =
    "tillroll serve --data-dir DIR [--listen HOST:PORT]\n"
    "               [--durability always|batch|off] [--snapshot-every N]\n"
    "               [--idle-timeout-ms N] [--psp-latency-ms N]\n"
    "               [--admin-email EMAIL --admin-password PASSWORD]\n"
    "               [--demo [--demo-products N]] [--checkout-wait-ms N]\n"
    "               [--reservation-ttl-ms N] [--idempotency-retention-s N]\n"
    "               [--connections-max N] [--connections-per-address-max "
    "N]\n"
    "               [--header-timeout-ms N] [--inject-fault fsync|write:N]\n"
    "               [--limit-sign-in-per-email N] [--limit-sign-in-per-address "
    "N]\n"
    "               [--limit-checkout-per-buyer N] [--limit-ticket-polls N]\n"
    "               [--checkout-in-flight-max N] [--checkout-queue-max N]\n"
    "               [--password-hashing interactive|minimum]\n"
    "               [--http-threads N] [--scheduler-threads N]\n"
    "               [--web-dir DIR]\n"
    "               [--node-id ID --members ID=HOST:PORT,...\n"
    "                [--cluster-listen HOST:PORT] [--cluster-secret S]]\n"
    "  Runs a node on DIR (created if missing) and serves HTTP on "
    "HOST:PORT\n"
    "  (default 127.0.0.1:8080). SIGTERM or SIGINT stops it cleanly.\n"
    "  --durability  always (default): answer after fsync, loses nothing;\n"
    "                batch: fsync every 10 ms, a power loss loses up to "
    "that;\n"
    "                off: no write-ahead log, a crash loses unflushed "
    "events.\n"
    "  --snapshot-every  events between an entity's snapshots (1000)\n"
    "  --idle-timeout-ms  idle time before an entity passivates (120000)\n"
    "  --psp-latency-ms  answer time of the built-in simulated PSP (0)\n"
    "  --admin-email, --admin-password  the admin account (or the\n"
    "                environment's TILLROLL_ADMIN_EMAIL and\n"
    "                TILLROLL_ADMIN_PASSWORD); without them nobody is "
    "admin\n"
    "  --demo        seed the demo store into an empty DIR: demo sellers\n"
    "                and buyers (printed), a generated catalog and past\n"
    "                orders; a later start reuses DIR as it is\n"
    "  --demo-products  products the demo generates (10000)\n"
    "  --checkout-wait-ms  how long POST /v1/checkout waits for the saga\n"
    "                before answering 202 queued (10000)\n"
    "  --reservation-ttl-ms  how long a checkout holds its stock, and each\n"
    "                extension of the hold (600000; at most 3600000)\n"
    "  --idempotency-retention-s  how long a checkout's Idempotency-Key\n"
    "                finds its order; later the key starts a new one "
    "(86400)\n"
    "  --connections-max  open HTTP connections at most (10000, fewer if\n"
    "                the open-file limit allows fewer); a new one past it\n"
    "                is answered 503 with Retry-After and closed\n"
    "  --connections-per-address-max  open HTTP connections from one "
    "client\n"
    "                address at most (512); past it, 503 likewise\n"
    "  --header-timeout-ms  time a connection has to send a request's\n"
    "                headers, from connect or the request's first byte\n"
    "                (10000); past it, 408 and close\n"
    "  --limit-sign-in-per-email, --limit-sign-in-per-address,\n"
    "  --limit-checkout-per-buyer, --limit-ticket-polls  requests a client\n"
    "                may send a minute, all at once or spread out: sign-ins\n"
    "                per email (10) and per client address (300), checkouts\n"
    "                per buyer (120), polls per flash sale ticket (120); past\n"
    "                it, 429 rate_limited with Retry-After; 0: no limit\n"
    "  --checkout-in-flight-max  checkouts run at once (256); past it a\n"
    "                checkout is placed queued and answered 202 queued, to\n"
    "                start when one finishes (or after 10 s)\n"
    "  --checkout-queue-max  queued checkouts at most (10000); past it,\n"
    "                429 with Retry-After from the queue's drain rate\n"
    "  --password-hashing  argon2id cost of new accounts' passwords:\n"
    "                interactive (default), or minimum for tests and load\n"
    "                generators that sign up thousands of buyers (never for\n"
    "                a shop: such hashes are cheap to guess)\n"
    "  --http-threads  threads reading and answering HTTP connections (2)\n"
    "  --scheduler-threads  threads running the entity actors (2)\n"
    "  --web-dir     the built pages served at / (storefront) and /console/\n"
    "                (default: the build's pages folder, when it exists)\n"
    "  --node-id, --members  run as member ID of the cluster listed (its\n"
    "                own entry included; the same list on every member);\n"
    "                each entity belongs to one member, by rendezvous hash.\n"
    "                Recorded in DIR at the first start: a later start\n"
    "                with another id or list is refused\n"
    "  --cluster-listen  where this member listens for the others (its\n"
    "                entry in --members)\n"
    "  --cluster-secret  the members' shared secret, random, 32 characters\n"
    "                or more (better TILLROLL_CLUSTER_SECRET: a flag shows\n"
    "                in the process list): tokens one member issues are\n"
    "                good on all. Recorded in DIR as a fingerprint: a\n"
    "                later start with another secret is refused\n"
    "  --inject-fault  for fail-stop tests: the log's N+1st fsync (or\n"
    "                write) of its write-ahead log fails\n"
    "  When a write or fsync of the log fails the node answers 503 (also\n"
    "  /healthz and /readyz), stops within 1 s and exits with status 74;\n"
    "  a restart recovers what was durable.\n";

constexpr std::string_view replay_usage =
    "tillroll replay --data-dir DIR STREAM [--to-seq N] [--at TIME]\n"
    "  Prints each event of STREAM (e.g. sku-TSHIRT-RED-M) as a JSON line\n"
    "  with the entity's state after it, up to sequence N or up to TIME\n"
    "  (2026-11-29T10:00:00Z, or microseconds since the epoch).\n";

constexpr std::string_view events_usage =
    "tillroll events --data-dir DIR [--from POS] [--limit N]\n"
    "  Prints the global log from position POS (default 1), N events\n"
    "  (default 100, at most 100000), one JSON line each.\n";

constexpr std::string_view audit_usage =
    "tillroll audit --data-dir DIR\n"
    "  Replays the whole log and checks the invariants: no oversell,\n"
    "  every paid order has its reservation and payment, every ledger\n"
    "  transaction sums to zero, no idempotency key charged twice.\n"
    "  Prints the report as JSON; exit 1 if any is broken.\n";

constexpr std::string_view rebuild_usage =
    "tillroll rebuild --data-dir DIR --projection NAME\n"
    "  Rebuilds a read model from the first event (node stopped).\n"
    "  Projections: stream_counts, ledger, catalog, search, orders,\n"
    "  recommendations.\n";

const std::vector<subcommand>& subcommands() {
  static const std::vector<subcommand> table{
      {"serve",
       serve_usage,
       {"--data-dir",
        "--listen",
        "--durability",
        "--snapshot-every",
        "--idle-timeout-ms",
        "--psp-latency-ms",
        "--admin-email",
        "--admin-password",
        "--demo-products",
        "--checkout-wait-ms",
        "--reservation-ttl-ms",
        "--idempotency-retention-s",
        "--connections-max",
        "--connections-per-address-max",
        "--header-timeout-ms",
        "--inject-fault",
        "--limit-sign-in-per-email",
        "--limit-sign-in-per-address",
        "--limit-checkout-per-buyer",
        "--limit-ticket-polls",
        "--checkout-in-flight-max",
        "--checkout-queue-max",
        "--password-hashing",
        "--http-threads",
        "--scheduler-threads",
        "--web-dir",
        "--node-id",
        "--members",
        "--cluster-listen",
        "--cluster-secret"},
       {"--demo"},
       0},
      {"replay", replay_usage, {"--data-dir", "--to-seq", "--at"}, {}, 1},
      {"events", events_usage, {"--data-dir", "--from", "--limit"}, {}, 0},
      {"audit", audit_usage, {"--data-dir"}, {}, 0},
      {"rebuild", rebuild_usage, {"--data-dir", "--projection"}, {}, 0},
  };
  return table;
}

void print_overview(std::FILE* out) {
  std::fprintf(
      out, "tillroll: an event-sourced commerce engine\n\n"
           "usage: tillroll COMMAND [flags]   (COMMAND --help for more)\n\n");
  for (auto& command : subcommands())
    std::fprintf(out, "%.*s\n", static_cast<int>(command.usage.size()),
                 command.usage.data());
}

struct parsed_arguments {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> switches;
  std::vector<std::string> positional;
  bool help = false;
};

std::optional<parsed_arguments> parse(const subcommand& command, int argc,
                                      char** argv, std::string& problem) {
  parsed_arguments result;
  for (int index = 2; index < argc; ++index) {
    std::string_view argument{argv[index]};
    if (argument == "--help" || argument == "-h") {
      result.help = true;
      continue;
    }
    if (argument.starts_with("--")) {
      auto equals = argument.find('=');
      auto name = argument.substr(0, equals);
      if (command.valued.contains(name)) {
        if (equals != std::string_view::npos) {
          result.values[std::string{name}] = argument.substr(equals + 1);
        } else if (index + 1 < argc) {
          result.values[std::string{name}] = argv[++index];
        } else {
          problem = fmt::format("{} needs a value", name);
          return std::nullopt;
        }
      } else if (command.switches.contains(name)) {
        result.switches.insert(std::string{name});
      } else {
        problem = fmt::format("unknown flag {}", name);
        return std::nullopt;
      }
      continue;
    }
    result.positional.emplace_back(argument);
  }
  if (!result.help && result.positional.size() != command.positional_count) {
    problem = command.positional_count == 0
                  ? fmt::format("unexpected argument {}", result.positional[0])
                  : "missing or extra arguments";
    return std::nullopt;
  }
  return result;
}

template <class Integer>
std::optional<Integer> parse_number(std::string_view text) {
  Integer value{};
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

int usage_error(const subcommand& command, std::string_view problem) {
  std::fprintf(stderr, "tillroll %.*s: %.*s\n\n%.*s",
               static_cast<int>(command.name.size()), command.name.data(),
               static_cast<int>(problem.size()), problem.data(),
               static_cast<int>(command.usage.size()), command.usage.data());
  return exit_usage;
}

/// The exit status after a failed write or fsync of the log (EX_IOERR).
constexpr int exit_storage_failure = 74;

int failed(std::string_view what, const failure& why) {
  std::fprintf(stderr, "tillroll: %.*s: %s (%.*s)\n",
               static_cast<int>(what.size()), what.data(), why.message.c_str(),
               static_cast<int>(to_string(why.code).size()),
               to_string(why.code).data());
  if (why.code == errc::storage_failure)
    return exit_storage_failure;
  return why.code == errc::not_found || why.code == errc::invalid_argument
             ? exit_usage
             : 1;
}

/// Opens an existing data directory for reading beside a running node.
expected<std::unique_ptr<event_log>> open_existing(const std::string& path,
                                                   bool read_only) {
  event_log_options options;
  options.directory = path;
  options.create_if_missing = false;
  options.read_only = read_only;
  return event_log::open(options);
}
/// How long a failed node keeps answering 503 before it exits.
constexpr std::chrono::seconds fail_stop_grace{1};

/// A flag of `serve` taking a whole number in [low, high], and where the
/// number goes.
struct number_flag {
  std::string_view name;
  uint64_t low;
  uint64_t high;
  void (*set)(node_options&, uint64_t);
};

using std::chrono::milliseconds;

/// The flags of the log, the entities and the saga.
const std::vector<number_flag>& serve_node_flags() {
  static const std::vector<number_flag> table{
      {"--scheduler-threads", 1, 64,
       [](node_options& options, uint64_t value) {
         options.scheduler_threads = value;
       }},
      {"--snapshot-every", 1, 1'000'000'000,
       [](node_options& options, uint64_t value) {
         options.entities.snapshot_every_events = value;
       }},
      {"--idle-timeout-ms", 1, 86'400'000,
       [](node_options& options, uint64_t value) {
         options.entities.idle_timeout = milliseconds{value};
       }},
      {"--psp-latency-ms", 0, 60'000,
       [](node_options& options, uint64_t value) {
         options.psp_latency = milliseconds{value};
       }},
      {"--reservation-ttl-ms", 1,
       static_cast<uint64_t>(milliseconds{reservation_ttl_max}.count()),
       [](node_options& options, uint64_t value) {
         options.saga.reservation_ttl = milliseconds{value};
       }},
      {"--idempotency-retention-s", 1, uint64_t{30} * 86'400,
       [](node_options& options, uint64_t value) {
         options.saga.idempotency_key_retention = std::chrono::seconds{value};
       }},
      {"--checkout-wait-ms", 1, 60'000,
       [](node_options& options, uint64_t value) {
         options.checkout_wait = milliseconds{value};
       }},
  };
  return table;
}

/// The flags of the HTTP server, the checkout admission and the rate
/// limits.
const std::vector<number_flag>& serve_http_flags() {
  static const std::vector<number_flag> table{
      {"--connections-max", 1, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.connections_max = value;
       }},
      {"--connections-per-address-max", 1, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.connections_per_address_max = value;
       }},
      {"--header-timeout-ms", 1, 600'000,
       [](node_options& options, uint64_t value) {
         options.header_timeout = milliseconds{value};
       }},
      {"--checkout-in-flight-max", 1, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.checkout_in_flight_max = value;
       }},
      {"--checkout-queue-max", 0, 10'000'000,
       [](node_options& options, uint64_t value) {
         options.checkout_queue_max = value;
       }},
      {"--http-threads", 1, 64,
       [](node_options& options, uint64_t value) {
         options.http_threads = value;
       }},
      {"--limit-sign-in-per-email", 0, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.limits.sign_in_per_email = static_cast<int64_t>(value);
       }},
      {"--limit-sign-in-per-address", 0, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.limits.sign_in_per_address = static_cast<int64_t>(value);
       }},
      {"--limit-checkout-per-buyer", 0, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.limits.checkout_per_buyer = static_cast<int64_t>(value);
       }},
      {"--limit-ticket-polls", 0, 1'000'000,
       [](node_options& options, uint64_t value) {
         options.limits.ticket_polls_per_ticket = static_cast<int64_t>(value);
       }},
  };
  return table;
}

/// A flag's value, else the environment variable's, else empty.
std::string setting(const parsed_arguments& arguments, std::string_view flag,
                    const char* variable) {
  if (auto given = arguments.values.find(flag); given != arguments.values.end())
    return given->second;
  auto* from_environment = std::getenv(variable);
  return std::string{from_environment == nullptr ? "" : from_environment};
}

/// Least length of `--cluster-secret`, and least different characters in
/// it: the keys derived from it can be checked against any token offline,
/// so it must be random (`openssl rand -hex 32`), not a phrase.
constexpr size_t cluster_secret_size_min = 32;
constexpr size_t cluster_secret_distinct_min = 10;

bool strong_secret(const std::string& secret) {
  std::set<char> distinct(secret.begin(), secret.end());
  return secret.size() >= cluster_secret_size_min &&
         distinct.size() >= cluster_secret_distinct_min;
}

/// `--node-id`, `--members`, `--cluster-listen` and the cluster's secret:
/// all of them, or none for a single node.
expected<void> cluster_options(const parsed_arguments& arguments,
                               node_options& options) {
  auto refuse = [](std::string message) {
    return make_failure(errc::invalid_argument, std::move(message));
  };
  auto id = arguments.values.find("--node-id");
  auto members = arguments.values.find("--members");
  auto listen = arguments.values.find("--cluster-listen");
  auto secret =
      setting(arguments, "--cluster-secret", "TILLROLL_CLUSTER_SECRET");
  auto end = arguments.values.end();
  if (id == end && members == end && listen == end) {
    if (arguments.values.contains("--cluster-secret"))
      return refuse("--cluster-secret is for a cluster member: give "
                    "--node-id and --members too");
    return {};
  }
  if (id == end || members == end)
    return refuse("a cluster member needs --node-id and --members");
  auto parsed = parse_membership(id->second, members->second);
  if (!parsed)
    return std::move(parsed).error();
  if (listen != end && !parse_host_port(listen->second))
    return refuse("--cluster-listen takes HOST:PORT");
  if (!strong_secret(secret))
    return refuse("a cluster member needs a random --cluster-secret (or "
                  "TILLROLL_CLUSTER_SECRET) of 32 characters or more, the "
                  "same on every member: e.g. openssl rand -hex 32");
  options.cluster = std::move(*parsed);
  options.cluster_secret = std::move(secret);
  if (listen != end)
    options.cluster_listen = *parse_host_port(listen->second);
  return {};
}

/// The node's options from `serve`'s flags, or what is wrong with them.
expected<node_options> serve_options(const parsed_arguments& arguments) {
  auto refuse = [](std::string message) {
    return make_failure(errc::invalid_argument, std::move(message));
  };
  node_options options;
  options.data_directory = arguments.values.at("--data-dir");
  if (auto listen = arguments.values.find("--listen");
      listen != arguments.values.end()) {
    auto colon = listen->second.rfind(':');
    auto port = colon == std::string::npos
                    ? std::nullopt
                    : parse_number<uint16_t>(
                          std::string_view{listen->second}.substr(colon + 1));
    if (!port)
      return refuse("--listen takes HOST:PORT");
    options.listen_host = listen->second.substr(0, colon);
    options.listen_port = *port;
  }
  if (auto mode = arguments.values.find("--durability");
      mode != arguments.values.end()) {
    auto parsed = parse_durability(mode->second);
    if (!parsed)
      return refuse("--durability is always, batch or off");
    options.journal.mode = *parsed;
  }
  if (auto cost = arguments.values.find("--password-hashing");
      cost != arguments.values.end()) {
    if (cost->second != "interactive" && cost->second != "minimum")
      return refuse("--password-hashing is interactive or minimum");
    options.password_hashing = cost->second == "minimum"
                                   ? password_cost::minimum
                                   : password_cost::interactive;
  }
  for (auto* flags : {&serve_node_flags(), &serve_http_flags()})
    for (auto& flag : *flags) {
      auto given = arguments.values.find(flag.name);
      if (given == arguments.values.end())
        continue;
      auto parsed = parse_number<uint64_t>(given->second);
      if (!parsed || *parsed < flag.low || *parsed > flag.high)
        return refuse(
            fmt::format("{} takes {} to {}", flag.name, flag.low, flag.high));
      flag.set(options, *parsed);
    }
  if (auto pages = arguments.values.find("--web-dir");
      pages != arguments.values.end())
    options.web_directory = pages->second;
  else if (std::error_code ignored;
           std::filesystem::is_directory(TILLROLL_WEB_DIR, ignored))
    options.web_directory = TILLROLL_WEB_DIR;
  options.admin_email =
      setting(arguments, "--admin-email", "TILLROLL_ADMIN_EMAIL");
  options.admin_password =
      setting(arguments, "--admin-password", "TILLROLL_ADMIN_PASSWORD");
  if (options.admin_email.empty() != options.admin_password.empty())
    return refuse("the admin needs both an email and a password");
  if (!options.admin_password.empty() && options.admin_password.size() < 8)
    return refuse("the admin password needs 8 characters");
  if (arguments.switches.contains("--demo") && options.admin_email.empty()) {
    options.admin_email = "admin@demo.tillroll";
    options.admin_password = "demo-admin-password";
  }
  if (auto clustered = cluster_options(arguments, options); !clustered)
    return std::move(clustered).error();
  return options;
}

/// The storage faults `--inject-fault` asks for, if it does.
expected<std::unique_ptr<storage_faults>>
injected_faults(const parsed_arguments& arguments) {
  auto fault = arguments.values.find("--inject-fault");
  if (fault == arguments.values.end())
    return std::unique_ptr<storage_faults>{};
  auto colon = fault->second.find(':');
  auto kind = fault->second.substr(0, colon);
  auto passing = colon == std::string::npos
                     ? std::nullopt
                     : parse_number<uint64_t>(
                           std::string_view{fault->second}.substr(colon + 1));
  if (!passing || (kind != "fsync" && kind != "write"))
    return make_failure(errc::invalid_argument,
                        "--inject-fault takes fsync:N or write:N");
  auto faults = std::make_unique<storage_faults>();
  if (kind == "fsync")
    faults->fail_sync_after(*passing, fault_target::wal);
  else
    faults->fail_write_after(*passing, fault_target::wal);
  return faults;
}

/// Serves until SIGTERM or SIGINT (a clean stop, 0) or the journal's
/// SIGUSR1 (fail-stop: exits 74 without writing anything again).
int serve_until_signal(std::unique_ptr<node> running, const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  if (received == SIGUSR1) {
    // Nothing is written again: no retirement, no snapshots, no read
    // model commits. The grace lets health checks see the 503 first.
    std::fprintf(stderr, "tillroll: stopping: %s\n",
                 running->unready_reason().c_str());
    std::this_thread::sleep_for(fail_stop_grace);
    std::fflush(nullptr);
    std::_Exit(exit_storage_failure);
  }
  std::printf("tillroll: stopping on signal %d\n", received);
  std::fflush(stdout);
  running->stop();
  running.reset();
  return 0;
}

int serve(const subcommand& command, const parsed_arguments& arguments) {
  if (!arguments.values.contains("--data-dir"))
    return usage_error(command, "--data-dir is required");
  auto options = serve_options(arguments);
  if (!options)
    return usage_error(command, options.error().message);
  demo_options demo_settings;
  if (auto count = arguments.values.find("--demo-products");
      count != arguments.values.end()) {
    auto parsed = parse_number<size_t>(count->second);
    if (!parsed || *parsed == 0 || *parsed > 1'000'000)
      return usage_error(command, "--demo-products takes 1 to 1000000");
    demo_settings.products = *parsed;
  }
  auto faults = injected_faults(arguments);
  if (!faults)
    return usage_error(command, faults.error().message);
  if (*faults)
    options->storage_env = (*faults)->env();
  // Signals are taken synchronously by sigwait below, not by a handler.
  // SIGUSR1 is the journal's word that the log failed (fail-stop).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  options->on_storage_failure = [](const failure&) { kill(getpid(), SIGUSR1); };
  auto running = node::open(*options);
  if (!running)
    return failed("cannot start", running.error());
  if (arguments.switches.contains("--demo")) {
    if (auto seeded = seed_demo(**running, demo_settings, stdout); !seeded)
      return failed("cannot seed the demo store", seeded.error());
    std::printf("  admin   %s / %s\n", options->admin_email.c_str(),
                options->admin_password.c_str());
  }
  std::printf("tillroll serving on http://%s:%u (data in %s, durability %s)\n",
              options->listen_host.c_str(), (*running)->http_port(),
              options->data_directory.c_str(),
              std::string{to_string(options->journal.mode)}.c_str());
  std::fflush(stdout);
  return serve_until_signal(std::move(*running), signals);
}

int replay(const subcommand& command, const parsed_arguments& arguments) {
  auto data_dir = arguments.values.find("--data-dir");
  if (data_dir == arguments.values.end())
    return usage_error(command, "--data-dir is required");
  replay_bounds bounds;
  if (auto to = arguments.values.find("--to-seq");
      to != arguments.values.end()) {
    auto parsed = parse_number<uint64_t>(to->second);
    if (!parsed)
      return usage_error(command, "--to-seq takes a sequence number");
    bounds.to_sequence = *parsed;
  }
  if (auto at = arguments.values.find("--at"); at != arguments.values.end()) {
    bounds.at = parse_time(at->second);
    if (!bounds.at)
      return usage_error(command,
                         "--at takes 2026-11-29T10:00:00Z or microseconds");
  }
  auto log = open_existing(data_dir->second, true);
  if (!log)
    return failed("cannot open " + data_dir->second, log.error());
  auto replayed =
      replay_stream(**log, arguments.positional[0], bounds, std::cout);
  std::cout.flush();
  if (!replayed)
    return failed("replay", replayed.error());
  return 0;
}

int events(const subcommand& command, const parsed_arguments& arguments) {
  auto data_dir = arguments.values.find("--data-dir");
  if (data_dir == arguments.values.end())
    return usage_error(command, "--data-dir is required");
  uint64_t from = 1;
  size_t limit = 100;
  if (auto value = arguments.values.find("--from");
      value != arguments.values.end()) {
    auto parsed = parse_number<uint64_t>(value->second);
    if (!parsed)
      return usage_error(command, "--from takes a position");
    from = *parsed;
  }
  if (auto value = arguments.values.find("--limit");
      value != arguments.values.end()) {
    auto parsed = parse_number<size_t>(value->second);
    if (!parsed || *parsed == 0 || *parsed > 100'000)
      return usage_error(command, "--limit takes 1 to 100000");
    limit = *parsed;
  }
  auto log = open_existing(data_dir->second, true);
  if (!log)
    return failed("cannot open " + data_dir->second, log.error());
  auto dumped = dump_events(**log, from, limit, std::cout);
  std::cout.flush();
  if (!dumped)
    return failed("events", dumped.error());
  return 0;
}

int audit_command(const subcommand& command,
                  const parsed_arguments& arguments) {
  auto data_dir = arguments.values.find("--data-dir");
  if (data_dir == arguments.values.end())
    return usage_error(command, "--data-dir is required");
  auto log = open_existing(data_dir->second, true);
  if (!log)
    return failed("cannot open " + data_dir->second, log.error());
  auto report = audit(**log);
  if (!report)
    return failed("audit", report.error());
  std::printf("%s\n", report->to_json().c_str());
  return report->ok() ? 0 : 1;
}

int rebuild(const subcommand& command, const parsed_arguments& arguments) {
  auto data_dir = arguments.values.find("--data-dir");
  auto name = arguments.values.find("--projection");
  if (data_dir == arguments.values.end() || name == arguments.values.end())
    return usage_error(command, "--data-dir and --projection are required");
  auto names = read_model_names();
  if (std::find(names.begin(), names.end(), name->second) == names.end())
    return usage_error(command, "unknown projection " + name->second);
  auto log = open_existing(data_dir->second, false);
  if (!log)
    return failed("cannot open " + data_dir->second, log.error());
  auto model = make_read_model(name->second, data_dir->second);
  if (!model)
    return failed("rebuild",
                  failure{errc::storage_failure,
                          "cannot open the " + name->second + " read model",
                          false});
  projection_runner runner{**log, nullptr, std::move(model)};
  if (auto reset = runner.reset(); !reset)
    return failed("rebuild", reset.error());
  uint64_t applied = 0;
  for (;;) {
    auto batch = runner.run_once();
    if (!batch)
      return failed("rebuild", batch.error());
    if (*batch == 0)
      break;
    applied += *batch;
  }
  std::printf("rebuilt %s from %llu events\n", name->second.c_str(),
              static_cast<unsigned long long>(applied));
  return 0;
}

} // namespace

int run_cli(int argc, char** argv) {
  if (argc < 2) {
    print_overview(stderr);
    return exit_usage;
  }
  std::string_view name{argv[1]};
  if (name == "--help" || name == "-h" || name == "help") {
    print_overview(stdout);
    return 0;
  }
  for (auto& command : subcommands()) {
    if (command.name != name)
      continue;
    std::string problem;
    auto arguments = parse(command, argc, argv, problem);
    if (!arguments)
      return usage_error(command, problem);
    if (arguments->help) {
      std::printf("%.*s", static_cast<int>(command.usage.size()),
                  command.usage.data());
      return 0;
    }
    if (name == "serve")
      return serve(command, *arguments);
    if (name == "replay")
      return replay(command, *arguments);
    if (name == "events")
      return events(command, *arguments);
    if (name == "audit")
      return audit_command(command, *arguments);
    return rebuild(command, *arguments);
  }
  std::fprintf(stderr, "tillroll: unknown command %s\n\n", argv[1]);
  print_overview(stderr);
  return exit_usage;
}

} // namespace tillroll
