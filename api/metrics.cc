#include "api/metrics.h"

#include <fmt/format.h>

namespace caseledger::api {
namespace {

// A label value, escaped as the text format requires.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void WriteHistogram(std::string& out, const std::string& name, const std::string& labels,
                    const ledger::Histogram::Snapshot& h) {
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    out +=
        fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, h.bounds[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, h.sum, name, braces, h.count);
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Metrics::Observe(const std::string& route, int status, double seconds) {
  RouteStats* stats = nullptr;
  {
    std::lock_guard lock(mu_);
    auto& slot = routes_[route];
    if (!slot) slot = std::make_unique<RouteStats>();
    stats = slot.get();
    ++stats->by_status[status];
  }
  stats->latency.Observe(seconds);
}

std::string Metrics::Prometheus(const ledger::StoreStats& s, const Gauges& g) const {
  std::string out;
  Header(out, "caseledger_log_events", "gauge", "Events in the log (the tree size).");
  out += fmt::format("caseledger_log_events {}\n", g.log_size);
  Header(out, "caseledger_append_requests_total", "counter",
         "Append requests answered by the sequencer, by outcome.");
  out += fmt::format("caseledger_append_requests_total{{outcome=\"appended\"}} {}\n",
                     s.requests_appended);
  out +=
      fmt::format("caseledger_append_requests_total{{outcome=\"retry\"}} {}\n", s.requests_retried);
  out += fmt::format("caseledger_append_requests_total{{outcome=\"refused\"}} {}\n",
                     s.requests_refused);
  Header(out, "caseledger_appended_events_total", "counter", "Events appended.");
  out += fmt::format("caseledger_appended_events_total {}\n", s.events_appended);
  Header(out, "caseledger_durable_writes_total", "counter", "Synced batch writes (group commits).");
  out += fmt::format("caseledger_durable_writes_total {}\n", s.batches);
  Header(out, "caseledger_durable_write_failures_total", "counter", "Batch writes that failed.");
  out += fmt::format("caseledger_durable_write_failures_total {}\n", s.write_failures);
  Header(out, "caseledger_batch_requests", "histogram", "Append requests per durable write.");
  WriteHistogram(out, "caseledger_batch_requests", "", s.batch_requests);
  Header(out, "caseledger_durable_write_seconds", "histogram",
         "Latency of one synced batch write to RocksDB.");
  WriteHistogram(out, "caseledger_durable_write_seconds", "", s.write_seconds);
  Header(out, "caseledger_memory_bytes", "gauge",
         "Memory held by the ledger's storage, by part: RocksDB's memtables, block cache and "
         "table readers (indexes, filters), the cache of events as read, and the cache of "
         "families (their events, state and rendered answers, as estimated against "
         "--cache-mib).");
  out += fmt::format("caseledger_memory_bytes{{part=\"memtables\"}} {}\n", s.memtable_bytes);
  out += fmt::format("caseledger_memory_bytes{{part=\"block_cache\"}} {}\n", s.block_cache_bytes);
  out +=
      fmt::format("caseledger_memory_bytes{{part=\"table_readers\"}} {}\n", s.table_reader_bytes);
  out += fmt::format("caseledger_memory_bytes{{part=\"read_cache\"}} {}\n", s.read_cache_bytes);
  out += fmt::format("caseledger_memory_bytes{{part=\"family_cache\"}} {}\n", g.families.bytes);
  Header(out, "caseledger_family_cache_families", "gauge",
         "Families held in the cache of families.");
  out += fmt::format("caseledger_family_cache_families {}\n", g.families.families);
  Header(out, "caseledger_family_cache_uses_total", "counter",
         "Uses of the cache of families: a current entry (hit), one extended with the events "
         "after it (extended), a family read from the store (miss); and rendered answers kept "
         "(rendered_hit) or made (rendered_miss).");
  const std::pair<const char*, uint64_t> uses[] = {{"hit", g.families.hits},
                                                   {"extended", g.families.extended},
                                                   {"miss", g.families.misses},
                                                   {"rendered_hit", g.families.rendered_hits},
                                                   {"rendered_miss", g.families.rendered_misses}};
  for (const auto& [outcome, n] : uses) {
    out += fmt::format("caseledger_family_cache_uses_total{{outcome=\"{}\"}} {}\n", outcome, n);
  }
  Header(out, "caseledger_family_cache_evictions_total", "counter",
         "Families let go by the cache of families to stay within its bound.");
  out += fmt::format("caseledger_family_cache_evictions_total {}\n", g.families.evicted);
  Header(out, "caseledger_projection_lag_events", "gauge",
         "Events appended that a saved projection has not folded yet.");
  out += fmt::format("caseledger_projection_lag_events{{projection=\"overview\"}} {}\n",
                     g.log_size - std::min(g.log_size, g.overview_valid_at));
  out += fmt::format("caseledger_projection_lag_events{{projection=\"access\"}} {}\n",
                     g.log_size - std::min(g.log_size, g.access_index_valid_at));
  Header(out, "caseledger_live_streams", "gauge", "Open /v1/events/live connections.");
  out += fmt::format("caseledger_live_streams {}\n", g.live_streams);

  std::lock_guard lock(mu_);
  Header(out, "caseledger_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [route, stats] : routes_) {
    for (const auto& [status, n] : stats->by_status) {
      out += fmt::format("caseledger_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         Label(route), status, n);
    }
  }
  Header(out, "caseledger_http_request_seconds", "histogram", "HTTP request latency by route.");
  for (const auto& [route, stats] : routes_) {
    WriteHistogram(out, "caseledger_http_request_seconds", "route=\"" + Label(route) + "\"",
                   stats->latency.Read());
  }
  return out;
}

}  // namespace caseledger::api
