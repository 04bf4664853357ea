// What the subcommands share: opening the ledger (with the domain rules when writing) and
// reporting a failed status as JSON on stderr with the exit code of commands.h.
#pragma once

#include <memory>
#include <optional>

#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "projections/rules.h"
#include "tools/commands.h"

namespace caseledger::tools {

inline constexpr int kRefused = 1;
inline constexpr int kUsage = 2;
inline constexpr int kDamaged = 3;

// Prints the status as JSON to stderr; returns kDamaged for data loss, else kRefused.
int Fail(const Status& status);

// The ledger's checkpoint signing key from `common.KeyFile()`. When the file is missing and
// `create` is set, a new Ed25519 key named `name` is made and written readable by its owner
// only. kUnavailable when the file is readable by others or damaged.
Result<ledger::NoteSigner> SigningKey(const Common& common, const std::string& name, bool create);

// The master key of the family keys from `common.MasterKeyFile()` (64 hex digits, mode
// 0600), made when missing and `create` is set; nullopt when missing otherwise. Without it
// nothing personal can be read: keep a copy offline, apart from the data.
Result<std::optional<ledger::Key256>> MasterKey(const Common& common, bool create);

// An open ledger. Writable ledgers check the DOMAIN.md rules on every append, taking families
// through `cache` (bounded by --cache-mib), which the readers share. The store is declared
// before the cache (which reads it) and after the rules: it closes first, the cache last.
struct Ledger {
  ledger::NoteSigner signer;  // writable ledgers: the checkpoint key (made on first write)
  bool has_signer = false;    // signer holds a key
  std::unique_ptr<projections::DomainRules> rules;
  std::unique_ptr<projections::FamilyCache> cache;
  std::unique_ptr<ledger::Store> store;
};

// `serving`: the HTTP API, which stores documents first, so the rules check that a
// documentUploaded names stored bytes (known-references).
Result<Ledger> OpenLedger(const Common& common, ledger::Clock& clock, bool read_only,
                          bool serving = false);

// A read-only replica of the ledger in `primary_dir` (ledger::StoreOptions::replica_of),
// with its own files in common.data_dir, which must not be the primary's folder
// (kInvalidArgument). The signer is the primary's key (common.key_file, else
// <primary>/checkpoint.key) when this process may read it; has_signer says whether it could.
Result<Ledger> OpenReplica(const Common& common, const std::string& primary_dir,
                           ledger::Clock& clock);

}  // namespace caseledger::tools
