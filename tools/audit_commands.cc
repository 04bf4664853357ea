// The auditor's commands: verify (a ledger, or an export offline), export, checkpoint, key
// public and prove. Docs: docs/AUDIT.md.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "ledger/export.h"
#include "ledger/proof_json.h"
#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1u << 20)) {
    return Status::InvalidArgument(path + " is too large for a checkpoint");
  }
  return text.str();
}

// What failed, on stdout where the "ok" lines go, then the JSON error on stderr.
int Failed(const Status& s) {
  std::cout << "FAILED" << (s.seq() ? " at seq " + std::to_string(s.seq()) : "") << ": "
            << s.message() << "\n";
  return Fail(s.code() == Code::kDataLoss || s.code() == Code::kInvalidArgument
                  ? s
                  : Status::DataLoss(s.message(), s.seq()));
}

void PrintProgress(const char* what, uint64_t done, uint64_t total) {
  std::cerr << what << ": " << done << " / " << total << "\r" << std::flush;
}

// --key is the verifier key's text, or a file holding it (as AUDIT.md saves it): a file's
// first line.
Result<ledger::NoteVerifier> VerifierKeyOf(const std::string& arg) {
  std::error_code ec;
  if (arg.find('+') == std::string::npos && std::filesystem::is_regular_file(arg, ec)) {
    CL_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(arg));
    const std::string line = text.substr(0, text.find('\n'));
    auto key = ledger::ParseVerifierKey(line);
    if (!key.ok()) {
      return Status::InvalidArgument(
          "the file " + arg + " does not hold a verifier key (" + key.status().message() + ")",
          "key");
    }
    return key;
  }
  return ledger::ParseVerifierKey(arg);
}

}  // namespace

int Verify(const Common& common, const VerifyOptions& options) {
  if (!options.verifier_key.empty() && options.checkpoint_files.empty()) {
    return Fail(
        Status::InvalidArgument("--key checks a --checkpoint's signature: give both", "key"));
  }
  if (options.checkpoint_files.size() > 1) {
    return Fail(Status::InvalidArgument(
        "a ledger is verified against one kept checkpoint at a time (an export takes several)",
        "checkpoint"));
  }
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) {
    if (opened.status().code() == Code::kDataLoss) return Failed(opened.status());
    return Fail(opened.status());
  }
  auto& store = opened->store;
  std::optional<ledger::Checkpoint> checkpoint;
  if (!options.checkpoint_files.empty()) {
    const std::string& file = options.checkpoint_files.front();
    auto body = ReadSmallFile(file);
    if (!body.ok()) return Fail(body.status());
    if (!options.verifier_key.empty()) {
      // The checkpoint must be signed by this key: a forged or altered one fails here.
      auto key = VerifierKeyOf(options.verifier_key);
      if (!key.ok()) return Fail(key.status());
      auto opened_note = ledger::OpenNote(*body, *key);
      if (!opened_note.ok()) {
        return Failed(Status::DataLoss("the checkpoint " + file + " is not signed by that key: " +
                                       opened_note.status().message()));
      }
      *body = *opened_note;
      std::cout << "ok: the checkpoint is signed by " << key->ToText() << "\n";
    }
    auto cp = ledger::Checkpoint::Parse(*body);
    if (!cp.ok()) return Fail(cp.status());
    checkpoint = *cp;
  }
  auto start = std::chrono::steady_clock::now();
  Status s = store->Verify(checkpoint, [](uint64_t done, uint64_t total) {
    PrintProgress("verify: events", done, total);
  });
  std::cerr << "\n";
  if (!s.ok()) return Failed(s);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ledger::Checkpoint now = store->CurrentCheckpoint();
  std::cout << "ok: " << now.size << " events verified in " << seconds << " s; root "
            << ledger::ToHex(now.root) << "\n";
  if (checkpoint) {
    std::cout << "ok: consistent with the checkpoint of size " << checkpoint->size << "\n";
  }
  return 0;
}

int VerifyExport(const VerifyOptions& options) {
  if (options.verifier_key.empty()) {
    return Fail(Status::InvalidArgument(
        "verify --export needs --key: the verifier key is the only thing an export is checked "
        "against (caseledger key public, kept by the auditor)",
        "key"));
  }
  auto key = VerifierKeyOf(options.verifier_key);
  if (!key.ok()) return Fail(key.status());
  std::vector<std::string> notes;
  for (const auto& file : options.checkpoint_files) {
    auto note = ReadSmallFile(file);
    if (!note.ok()) return Fail(note.status());
    notes.push_back(*note);
  }
  auto start = std::chrono::steady_clock::now();
  auto verified = ledger::VerifyExport(
      options.export_file, *key, notes,
      [](uint64_t done, uint64_t total) { PrintProgress("verify: events", done, total); });
  std::cerr << "\n";
  if (!verified.ok()) return Failed(verified.status());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "ok: " << verified->checkpoint.size << " events of \"" << verified->checkpoint.origin
            << "\" verified offline in " << seconds << " s; root "
            << ledger::ToHex(verified->checkpoint.root) << "\n";
  std::cout << "ok: signed by " << key->ToText() << "; consistent with the checkpoints of size";
  for (uint64_t size : verified->checked_sizes) std::cout << " " << size;
  std::cout << "\n";
  return 0;
}

int Export(const Common& common, const std::string& file) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  auto signer = SigningKey(common, store->CurrentCheckpoint().origin, false);
  if (!signer.ok()) return Fail(signer.status());
  auto start = std::chrono::steady_clock::now();
  auto written = ledger::WriteExport(*store, *signer, file, [](uint64_t done, uint64_t total) {
    PrintProgress("export: steps (leaves, then events)", done, total);
  });
  std::cerr << "\n";
  if (!written.ok()) return Fail(written.status());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "export: " << written->checkpoint.size << " events, " << written->bytes
            << " bytes, to " << file << " in " << seconds << " s; its signed checkpoint:\n";
  std::cout << written->signed_checkpoint;
  return 0;
}

int PrintCheckpoint(const Common& common) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  const ledger::Checkpoint cp = store->CurrentCheckpoint();
  auto signer = SigningKey(common, cp.origin, false);
  if (!signer.ok()) return Fail(signer.status());
  auto note = ledger::SignNote(cp.ToText(), *signer);
  if (!note.ok()) return Fail(note.status());
  std::cout << *note;
  return 0;
}

int PrintPublicKey(const Common& common) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto signer = SigningKey(common, opened->store->CurrentCheckpoint().origin, false);
  if (!signer.ok()) return Fail(signer.status());
  std::cout << signer->verifier.ToText() << "\n";
  return 0;
}

int GenerateKeys(const Common& common) {
  // Made apart from any ledger (for systemd credentials, or a key store): refused where one is.
  for (const std::string& path : {common.MasterKeyFile(), common.KeyFile()}) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      return Fail(Status::InvalidArgument(
          path + " already exists: a key is never replaced (the ledger it opens would be lost)",
          "key"));
    }
  }
  auto master = MasterKey(common, true);
  if (!master.ok()) return Fail(master.status());
  auto signer = SigningKey(common, ledger::StoreOptions().origin, true);
  if (!signer.ok()) return Fail(signer.status());
  std::cout << "master key: " << common.MasterKeyFile() << "\nsigning key: " << common.KeyFile()
            << "\nverifier key: " << signer->verifier.ToText() << "\n";
  return 0;
}

int ProveInclusion(const Common& common, uint64_t seq, uint64_t size) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto json = ledger::InclusionProofJson(*opened->store, seq, size);
  if (!json.ok()) return Fail(json.status());
  std::cout << *json << "\n";
  return 0;
}

int ProveConsistency(const Common& common, uint64_t from, uint64_t to) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto json = ledger::ConsistencyProofJson(*opened->store, from, to);
  if (!json.ok()) return Fail(json.status());
  std::cout << *json << "\n";
  return 0;
}

}  // namespace caseledger::tools
