#include "api/documents.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include <spdlog/spdlog.h>

#include "ledger/json_codec.h"
#include "projections/views.h"

namespace caseledger::api::internal {

const std::vector<std::string>& AllowedMediaTypes() {
  static const std::vector<std::string> types = {
      "application/pdf",
      "image/png",
      "image/jpeg",
      "image/gif",
      "image/webp",
      "image/tiff",
      "text/plain",
      "text/csv",
      "application/rtf",
      "text/rtf",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
      "application/vnd.oasis.opendocument.text",
      "application/vnd.oasis.opendocument.spreadsheet",
      "application/vnd.oasis.opendocument.presentation",
      "message/rfc822",
  };
  return types;
}

std::optional<std::string> AllowedMediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& allowed = AllowedMediaTypes();
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) return std::nullopt;
  return type;
}

std::string UnsupportedMediaTypeJson() {
  std::string list, json;
  for (const std::string& t : AllowedMediaTypes()) {
    list += (list.empty() ? "" : ", ") + t;
    json += (json.empty() ? "" : ",") + ledger::JsonQuote(t);
  }
  return "{\"error\":{\"code\":\"unsupportedMediaType\",\"message\":" +
         ledger::JsonQuote("a document's Content-Type must be one of: " + list +
                           "; convert it to one of these (e.g. PDF) and send it again") +
         ",\"field\":\"Content-Type\",\"allowed\":[" + json + "]}}";
}

const projections::Document* RecordedDocument(const projections::FamilyState& family,
                                              const std::string& sha256_hex) {
  const projections::Document* first = nullptr;
  for (const auto& ep : family.episodes) {
    for (const auto& d : ep.documents) {
      if (d.sha256 == sha256_hex && (first == nullptr || d.seq < first->seq)) first = &d;
    }
  }
  return first;
}

namespace {
std::string PendingKey(const std::string& family_id, const std::string& sha256_hex) {
  return family_id + '\0' + sha256_hex;
}
}  // namespace

Status PendingDocuments::Stored(const std::string& family_id, const ledger::Hash& sha256) {
  std::lock_guard lock(mu_);
  return store_.SaveProjection(
      kPendingDocumentsName, store_.Size(),
      {{PendingKey(family_id, ledger::ToHex(sha256)), std::to_string(clock_.NowMicros())}}, false);
}

Result<bool> PendingDocuments::Named(const std::string& family_id, const std::string& sha256_hex) {
  auto events = projections::ReadFamily(store_, family_id, store_.Size());
  if (!events.ok()) {
    if (events.status().code() == Code::kNotFound) return false;
    return events.status();
  }
  return RecordedDocument(projections::FoldFamily(*events), sha256_hex) != nullptr;
}

Status PendingDocuments::Adopt() {
  if (store_.read_only()) return Status();
  std::lock_guard lock(mu_);
  CL_ASSIGN_OR_RETURN(ledger::SavedProjection pending,
                      store_.LoadProjection(kPendingDocumentsName));
  CL_ASSIGN_OR_RETURN(auto blobs, store_.ListBlobs());
  std::map<std::string, std::string> adopted;
  for (const auto& [family_id, sha] : blobs) {
    const std::string hex = ledger::ToHex(sha);
    const std::string key = PendingKey(family_id, hex);
    if (pending.entries.count(key) != 0) continue;
    CL_ASSIGN_OR_RETURN(bool named, Named(family_id, hex));
    if (!named) adopted[key] = std::to_string(clock_.NowMicros());
  }
  if (adopted.empty()) return Status();
  return store_.SaveProjection(kPendingDocumentsName, store_.Size(), adopted, false);
}

Result<size_t> PendingDocuments::Sweep() {
  if (store_.read_only()) return size_t{0};
  std::lock_guard lock(mu_);
  CL_ASSIGN_OR_RETURN(ledger::SavedProjection pending,
                      store_.LoadProjection(kPendingDocumentsName));
  const int64_t now = clock_.NowMicros();
  std::map<std::string, std::string> done;  // empty values: forgotten
  size_t removed = 0;
  for (const auto& [key, when] : pending.entries) {
    int64_t stored_at = 0;  // a damaged time is judged as old
    std::from_chars(when.data(), when.data() + when.size(), stored_at);
    if (now - stored_at < keep_micros_) continue;
    const size_t zero = key.find('\0');
    auto sha = ledger::HashFromHex(zero == std::string::npos ? "" : key.substr(zero + 1));
    done[key] = "";
    if (!sha.ok()) continue;
    const std::string family_id = key.substr(0, zero);
    if (store_.FamilyErased(family_id)) continue;  // its documents went with its keys
    CL_ASSIGN_OR_RETURN(bool named, Named(family_id, key.substr(zero + 1)));
    if (named) continue;
    CL_RETURN_IF_ERROR(store_.DeleteBlob(family_id, *sha));
    ++removed;
  }
  if (!done.empty()) {
    CL_RETURN_IF_ERROR(store_.SaveProjection(kPendingDocumentsName, store_.Size(), done, false));
  }
  return removed;
}

void PendingDocuments::SweepAndLog() {
  auto removed = Sweep();
  if (!removed.ok()) {
    spdlog::warn("documents: the sweep of unrecorded documents failed: {}",
                 removed.status().ToString());
  } else if (*removed > 0) {
    spdlog::info("documents: removed {} never recorded by a documentUploaded event", *removed);
  }
}

}  // namespace caseledger::api::internal
