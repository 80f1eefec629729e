// The HTTP load of the benchmarks: wrk runs parsed for their figures, a
// node's accounts, and a checkout script for wrk; for bench/http_bench and
// bench/cluster_bench.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "../test/support/process.hpp"

namespace tillroll::bench {

namespace json = boost::json;

struct wrk_figures {
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  /// Answers other than 2xx and 3xx.
  uint64_t failed = 0;
  uint64_t created = 0;
  /// Checkouts answered 202: placed, waiting for a slot.
  uint64_t queued = 0;
  double seconds = 0;
};

inline double to_ms(const std::string& figure, const std::string& unit) {
  auto value = std::stod(figure);
  if (unit == "us")
    return value / 1000;
  if (unit == "s")
    return value * 1000;
  return value;
}

inline std::optional<wrk_figures> run_wrk(const std::string& arguments) {
  auto* pipe = popen(("wrk " + arguments + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return std::nullopt;
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    output += buffer;
  pclose(pipe);
  wrk_figures figures;
  std::smatch found;
  if (!std::regex_search(output, found,
                         std::regex{R"(Requests/sec:\s+([0-9.]+))"})) {
    std::fprintf(stderr, "%s", output.c_str());
    return std::nullopt;
  }
  figures.requests_per_second = std::stod(found[1]);
  if (std::regex_search(output, found,
                        std::regex{R"(50%\s+([0-9.]+)(us|ms|s))"}))
    figures.p50_ms = to_ms(found[1], found[2]);
  if (std::regex_search(output, found,
                        std::regex{R"(99%\s+([0-9.]+)(us|ms|s))"}))
    figures.p99_ms = to_ms(found[1], found[2]);
  if (std::regex_search(output, found,
                        std::regex{R"(Non-2xx or 3xx responses: (\d+))"}))
    figures.failed = std::stoull(found[1]);
  if (std::regex_search(
          output, found,
          std::regex{R"(created (\d+) queued (\d+) in ([0-9.]+))"})) {
    figures.created = std::stoull(found[1]);
    figures.queued = std::stoull(found[2]);
    figures.seconds = std::stod(found[3]);
  }
  return figures;
}

inline std::optional<test::http_reply>
call(uint16_t port, const std::string& method, const std::string& path,
     const std::string& body, const std::string& token = {}) {
  auto request = test::request_bytes(method, path, body, token);
  return test::send_raw(port, request);
}

inline std::string account(uint16_t port, const std::string& email,
                           const std::string& role) {
  call(port, "POST", "/v1/users",
       json::serialize(json::object{
           {"email", email}, {"password", "bench-password"}, {"role", role}}));
  auto session = call(port, "POST", "/v1/sessions",
                      json::serialize(json::object{
                          {"email", email}, {"password", "bench-password"}}));
  if (!session || session->status != 200)
    std::abort();
  return std::string{json::parse(session->body).at("token").as_string()};
}

inline constexpr const char* checkout_script = R"(
local counter = 0
created = 0 -- globals: done() reads them from each thread
queued = 0
local threads = {}
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", "/v1/checkout", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. "-" .. id .. "-" .. counter
  }, body)
end
function response(status, headers, response_body)
  if status == 201 then created = created + 1 end
  if status == 202 then queued = queued + 1 end
end
function done(summary, latency, requests)
  local total, waiting = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("created")
    waiting = waiting + thread:get("queued")
  end
  io.write(string.format("created %d queued %d in %.3f\n", total, waiting,
                         summary.duration / 1e6))
end
)";

/// The HTTP port a started `tillroll serve --listen 127.0.0.1:0` reports
/// on its first line, or nothing if it did not start.
inline std::optional<uint16_t> listening_port(test::server_process& server) {
  auto line = server.first_line(std::chrono::seconds{30});
  if (!line)
    return std::nullopt;
  auto colon = line->rfind(':', line->find(" (data"));
  return static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
}

/// Writes a wrk script to `path` that checks out with `tokens` in turn,
/// each request one of `bodies` in turn, and prints how many orders were
/// created.
inline void write_checkout_script(const std::string& path,
                                  const std::vector<std::string>& tokens,
                                  const std::vector<std::string>& bodies) {
  std::ofstream out{path};
  out << "tokens = {";
  for (auto& token : tokens)
    out << "\"" << token << "\",";
  out << "}\nbodies = {";
  for (auto& body : bodies)
    out << "'" << body << "',";
  out << "}\n" << checkout_script;
}

/// Writes a wrk script to `path` that GETs `paths` in turn.
inline void write_browse_script(const std::string& path,
                                const std::vector<std::string>& paths) {
  std::ofstream out{path};
  out << "paths = {";
  for (auto& each : paths)
    out << "\"" << each << "\",";
  out << "}\nlocal counter = 0\nfunction request()\n"
         "  counter = counter + 1\n"
         "  return wrk.format(\"GET\", paths[(counter % #paths) + 1])\nend\n";
}

/// The `quantile` (0..1) of a Prometheus histogram's samples between two
/// scrapes of /metrics, as the upper bound of the bucket it falls in:
/// `series` is the bucket's name and labels up to `le`, as in
/// `tillroll_projection_visibility_seconds_bucket{projection="catalog",`.
/// Nothing when no sample fell between the scrapes.
inline std::optional<double> histogram_quantile(const std::string& before,
                                                const std::string& after,
                                                const std::string& series,
                                                double quantile) {
  // Each bucket is a line `<series>le="<bound>"} <count>`.
  auto buckets = [&](const std::string& text) {
    std::vector<std::pair<double, double>> found;
    auto prefix = series + "le=\"";
    for (auto at = text.find(prefix); at != std::string::npos;
         at = text.find(prefix, at + 1)) {
      auto bound_at = at + prefix.size();
      auto quote = text.find('"', bound_at);
      if (quote == std::string::npos || text.compare(quote, 3, "\"} ") != 0)
        continue;
      auto bound = text.substr(bound_at, quote - bound_at);
      found.emplace_back(bound == "+Inf" ? INFINITY : std::stod(bound),
                         std::stod(text.substr(quote + 3)));
    }
    return found;
  };
  auto first = buckets(before);
  auto last = buckets(after);
  if (last.empty())
    return std::nullopt;
  auto count_of = [&](size_t index) {
    return last[index].second -
           (index < first.size() ? first[index].second : 0.0);
  };
  auto total = count_of(last.size() - 1);
  if (total <= 0)
    return std::nullopt;
  for (size_t index = 0; index < last.size(); ++index)
    if (count_of(index) >= quantile * total)
      return last[index].first;
  return INFINITY;
}

/// A checkout body of one unit of `sku`, paid with the test card.
inline std::string one_unit_body(const std::string& sku) {
  return "{\"payment_token\":\"tok_visa\",\"shipping_address\":"
         "{\"city\":\"Berlin\"},\"items\":[{\"sku\":\"" +
         sku + "\",\"quantity\":1}]}";
}

} // namespace tillroll::bench
