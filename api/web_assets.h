// The web pages (api/web/), embedded in the binary at build time (api/web/embed.cmake), so
// that `caseledger serve` serves them with nothing fetched from elsewhere.
#pragma once

#include <string_view>
#include <vector>

namespace caseledger::api {

struct WebAsset {
  std::string_view path;  // "/" for index.html, "/ui/<name>" for the others
  std::string_view type;  // its media type
  std::string_view body;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace caseledger::api
