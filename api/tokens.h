// Tokens and roles: who is calling, and as what (DOMAIN.md "Who reads and writes").
//
// A token is "cl_" + its id (16 hex digits) + "_" + a secret (64 hex digits, 256 random
// bits). Only its SHA-256 is kept, in a token file (by default `tokens` in the data folder,
// created with mode 0600), one line per token:
//
//   token <id> <role> <actor id> <sha256 hex> <created µs> <expires µs, 0 = never>
//   revoke <id> <when µs>
//
// The file is appended to (under an exclusive flock, then fsync), never rewritten, so the
// command line may add or revoke tokens while a server runs; the server re-reads the file
// when it changes. A presented token is found by its id and its hash compared in constant
// time (CRYPTO_memcmp).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/event_kinds.h"

namespace caseledger::api {

// The roles are the table of event kinds' (projections/event_kinds.h).
using Role = projections::Role;

// "practitioner", "helpdesk", "triage-manager", "coordinator", "auditor", "dashboard", "admin".
const char* RoleName(Role role);
// kInvalidArgument (field "role") for any other name.
Result<Role> ParseRole(std::string_view name);
const std::vector<Role>& AllRoles();

// The caller, as a valid token says.
struct Principal {
  std::string token_id;
  Role role = Role::kDashboard;
  std::string actor_id;
  int64_t expires_at = 0;  // µs since the epoch; 0: never
};

struct IssuedToken {
  std::string token;  // shown once; only its hash is kept
  Principal principal;
};

class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  // Issues a token. `actor_id` is 1-64 of A-Z a-z 0-9 - _ (for a practitioner, their
  // practitioner id); `expires_at` 0 means never. kUnavailable if the file cannot be written.
  Result<IssuedToken> Create(Role role, const std::string& actor_id, int64_t now,
                             int64_t expires_at);
  // Revokes a token by id; kNotFound when there is no such token.
  Status Revoke(const std::string& token_id, int64_t now);
  // The principal of a presented token. kUnauthenticated (saying why, never echoing the
  // token) when it is malformed, unknown, revoked or expired.
  Result<Principal> Authenticate(std::string_view token, int64_t now);
  // Every token that is neither revoked nor expired (ids, roles, actors; no secrets).
  Result<std::vector<Principal>> List(int64_t now);

 private:
  struct Entry {
    Principal principal;
    std::string sha256_hex;
    bool revoked = false;
  };
  Status ReloadIfChangedLocked();
  Status AppendLine(const std::string& line);

  const std::string path_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by token id
  int64_t loaded_mtime_ns_ = -1;
  int64_t loaded_size_ = -1;
};

}  // namespace caseledger::api
