// The headers that keep a child's record out of caches, sniffers and referrers, written down
// once for every answer the server makes: those of the routes and the pages (the pre-routing
// handler), its own 408s (the error handler, and the waiting room's, internal/connection.h).
// An answer a browser renders (a web page, an HTML report, a document) adds a
// Content-Security-Policy of its own through the same function. Private to api/.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caseledger::api::internal {

inline constexpr std::string_view kContentSecurityPolicy = "Content-Security-Policy";

// The web pages (api/web/) run only their own script and talk only to this server.
inline constexpr std::string_view kWebPagesCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

// The headers, in this order: never cached, never sniffed, never sent as a referrer; then
// Content-Security-Policy `csp` unless it is empty.
inline std::vector<std::pair<std::string, std::string>> SecurityHeaders(std::string_view csp = {}) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Cache-Control", "no-store"},
                                                              {"X-Content-Type-Options", "nosniff"},
                                                              {"Referrer-Policy", "no-referrer"}};
  if (!csp.empty()) headers.emplace_back(kContentSecurityPolicy, csp);
  return headers;
}

// Sets SecurityHeaders(csp) on `res`, each replacing any value `res` had for it.
inline void SetSecurityHeaders(httplib::Response& res, std::string_view csp = {}) {
  for (const auto& [name, value] : SecurityHeaders(csp)) {
    res.headers.erase(name);
    res.set_header(name, value);
  }
}

}  // namespace caseledger::api::internal
