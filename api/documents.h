// Documents are records first: the media types a document may have, and the bytes stored
// before any event names them. Private to api/.
//
// A document's bytes are stored (POST /v1/families/{id}/documents) before the
// documentUploaded event that records them; until that event, they are not served
// (handlers.cc, GetDocument). Bytes that no documentUploaded of their family names within
// `keep` of their storing are removed: each storing is noted under the saved projection
// "pending-documents" (key: family id, 0x00, SHA-256 hex; value: when, µs, decimal), and
// Sweep removes the expired ones. The server sweeps at start (after Adopt), on every upload and
// every ServerOptions::document_sweep_seconds while it runs (Server::Run).
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/clock.h"
#include "ledger/status.h"
#include "ledger/store.h"
#include "projections/family_state.h"

namespace caseledger::api::internal {

inline constexpr const char* kPendingDocumentsName = "pending-documents";

// The media types a document may be stored with: PDF, PNG, JPEG, GIF, WebP, TIFF, plain
// text, CSV, RTF, Word, Excel, PowerPoint (old and OOXML), OpenDocument text, spreadsheet and
// presentation, and an email (message/rfc822).
const std::vector<std::string>& AllowedMediaTypes();
// `content_type` without parameters, lowercased, when on the allow-list; nullopt otherwise.
std::optional<std::string> AllowedMediaType(std::string_view content_type);
// The 415's JSON error: {"error": {"code": "unsupportedMediaType", "message", "allowed"}}.
std::string UnsupportedMediaTypeJson();

// The documentUploaded record of `sha256_hex` in `family` (the first, by seq), or null.
const projections::Document* RecordedDocument(const projections::FamilyState& family,
                                              const std::string& sha256_hex);

class PendingDocuments {
 public:
  // `store` and `clock` must outlive this. `keep_micros`: how long bytes wait for their event.
  PendingDocuments(ledger::Store& store, ledger::Clock& clock, int64_t keep_micros)
      : store_(store), clock_(clock), keep_micros_(keep_micros) {}

  // Notes that the family's bytes `sha256` were stored now.
  Status Stored(const std::string& family_id, const ledger::Hash& sha256);
  // Notes every stored document that its family does not name and that is not noted yet as
  // stored now (bytes from before this rule, or a note lost in a crash). At start.
  Status Adopt();
  // Removes the bytes of every document noted more than `keep` ago that its family's
  // documentUploaded events do not name, and forgets the notes past `keep`. Returns how many
  // documents were removed. Nothing on a read-only store.
  Result<size_t> Sweep();
  // Sweep, with its failure or what it removed in the server's log.
  void SweepAndLog();

 private:
  // Whether a documentUploaded of the family (as now) names `sha256_hex`.
  Result<bool> Named(const std::string& family_id, const std::string& sha256_hex);

  ledger::Store& store_;
  ledger::Clock& clock_;
  const int64_t keep_micros_;
  std::mutex mu_;
};

}  // namespace caseledger::api::internal
