#include "api/limits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ledger/json_codec.h"

namespace caseledger::api::internal {

bool ExpensiveRequest(std::string_view method, std::string_view path_template,
                      const httplib::Params& query) {
  if (method != "GET") return false;
  auto has = [&query](const char* name) { return query.find(name) != query.end(); };
  if (path_template == "/v1/triage/inbox" || path_template == "/v1/reports/timescales" ||
      path_template == "/v1/reports/overdue") {
    return has("asOf") || has("asOfSeq");
  }
  if (path_template == "/v1/families/{id}/export") return true;
  if (path_template == "/v1/families/{id}/chronology") {
    auto format = query.find("format");
    return format != query.end() && (format->second == "csv" || format->second == "html");
  }
  return false;
}

std::optional<int64_t> RateLimiter::Take(const std::string& key, int64_t now_micros) {
  std::lock_guard lock(mu_);
  auto [it, added] = buckets_.try_emplace(key, Bucket{static_cast<double>(burst_), now_micros});
  Bucket& b = it->second;
  const double per_micro = per_minute_ / 60e6;
  if (!added && now_micros > b.at) {
    b.units =
        std::min<double>(burst_, b.units + static_cast<double>(now_micros - b.at) * per_micro);
  }
  b.at = std::max(b.at, now_micros);
  if (b.units >= 1) {
    b.units -= 1;
    return std::nullopt;
  }
  // Full buckets tell nothing: forget them, so that the map holds only recent callers.
  if (buckets_.size() > 10000) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.units + static_cast<double>(now_micros - kv.second.at) * per_micro >= burst_;
    });
  }
  if (per_micro <= 0) return int64_t{3600};
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - b.units) / per_micro / 1e6)));
}

std::string TooManyRequestsJson(const RateLimiter& limiter, int64_t retry_after_seconds) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", limiter.per_minute());
  return "{\"error\":{\"code\":\"tooManyRequests\",\"message\":" +
         ledger::JsonQuote(
             "this token has used its share of expensive requests (reports as of a moment, "
             "exports, chronology downloads: " +
             std::to_string(limiter.burst()) + " at once, then " + rate +
             " a minute); try again in " + std::to_string(retry_after_seconds) +
             " s (Retry-After), or ask without asOf / in JSON") +
         ",\"retryAfterSeconds\":" + std::to_string(retry_after_seconds) + "}}";
}

std::optional<std::string> LiveSlots::Take(Role role) {
  std::lock_guard lock(mu_);
  if (open_ >= total_) {
    return "all " + std::to_string(total_) + " live streams are open; try again later";
  }
  int& mine = by_role_[role];
  if (mine >= per_role_) {
    return std::string("role ") + RoleName(role) + " has " + std::to_string(mine) +
           " live streams open, its most (one role may hold at most " + std::to_string(per_role_) +
           " of the " + std::to_string(total_) + "); close one or try again later";
  }
  ++mine;
  ++open_;
  return std::nullopt;
}

void LiveSlots::Release(Role role) {
  std::lock_guard lock(mu_);
  --open_;
  --by_role_[role];
}

}  // namespace caseledger::api::internal
