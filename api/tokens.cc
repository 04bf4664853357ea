#include "api/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "projections/permission.h"

namespace caseledger::api {
namespace {

constexpr std::string_view kPrefix = "cl_";
constexpr size_t kIdHex = 16;
constexpr size_t kSecretHex = 64;

std::string Sha256Hex(std::string_view text) { return ledger::ToHex(ledger::Sha256(text)); }

Result<std::string> RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    return Status::Unavailable("the system's random source failed");
  }
  return ledger::ToHex(buf.data(), buf.size());
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

const char* RoleName(Role role) {
  return projections::Name(role).data();  // a literal: null-terminated
}

Result<Role> ParseRole(std::string_view name) {
  if (auto role = projections::RoleNamed(name)) return *role;
  return Status::InvalidArgument(
      "role must be one of practitioner, helpdesk, triage-manager, coordinator, auditor, "
      "dashboard, admin",
      "role");
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> roles(std::begin(projections::kAllRoles),
                                       std::end(projections::kAllRoles));
  return roles;
}

Status TokenStore::AppendLine(const std::string& line) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write the token file " + path_);
  bool ok = ::flock(fd, LOCK_EX) == 0;
  ok = ok && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);  // releases the lock
  if (!ok) return Status::Unavailable("writing the token file " + path_ + " failed");
  return Status();
}

Status TokenStore::ReloadIfChangedLocked() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    entries_.clear();  // no file: no tokens
    loaded_mtime_ns_ = loaded_size_ = 0;
    return Status();
  }
  const int64_t mtime =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (mtime == loaded_mtime_ns_ && st.st_size == loaded_size_) return Status();
  if ((st.st_mode & 077) != 0) {
    return Status::Unavailable("the token file " + path_ +
                               " is readable by others: chmod 600 it before serving");
  }
  std::ifstream in(path_);
  if (!in) return Status::Unavailable("cannot read the token file " + path_);
  std::map<std::string, Entry> entries;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::string kind, id;
    words >> kind >> id;
    if (kind == "token") {
      Entry e;
      std::string role;
      int64_t created = 0;
      words >> role >> e.principal.actor_id >> e.sha256_hex >> created >> e.principal.expires_at;
      auto parsed = ParseRole(role);
      if (!words || !parsed.ok() || e.sha256_hex.size() != 64) {
        return Status::Unavailable("the token file " + path_ + " is damaged at line " +
                                   std::to_string(number));
      }
      e.principal.token_id = id;
      e.principal.role = *parsed;
      entries[id] = std::move(e);
    } else if (kind == "revoke") {
      auto it = entries.find(id);
      if (it != entries.end()) it->second.revoked = true;
    } else if (!kind.empty()) {
      return Status::Unavailable("the token file " + path_ + " is damaged at line " +
                                 std::to_string(number));
    }
  }
  entries_ = std::move(entries);
  loaded_mtime_ns_ = mtime;
  loaded_size_ = st.st_size;
  return Status();
}

Result<IssuedToken> TokenStore::Create(Role role, const std::string& actor_id, int64_t now,
                                       int64_t expires_at) {
  if (!ledger::IsValidId(actor_id)) {
    return Status::InvalidArgument("the actor id must be 1-64 of A-Z a-z 0-9 - _", "actor");
  }
  if (expires_at != 0 && expires_at <= now) {
    return Status::InvalidArgument("the expiry must be in the future", "expires");
  }
  CL_ASSIGN_OR_RETURN(std::string id, RandomHex(kIdHex / 2));
  CL_ASSIGN_OR_RETURN(std::string secret, RandomHex(kSecretHex / 2));
  IssuedToken out;
  out.token = std::string(kPrefix) + id + "_" + secret;
  out.principal = {id, role, actor_id, expires_at};
  std::lock_guard lock(mu_);
  CL_RETURN_IF_ERROR(AppendLine("token " + id + " " + RoleName(role) + " " + actor_id + " " +
                                Sha256Hex(out.token) + " " + std::to_string(now) + " " +
                                std::to_string(expires_at) + "\n"));
  return out;
}

Status TokenStore::Revoke(const std::string& token_id, int64_t now) {
  std::lock_guard lock(mu_);
  CL_RETURN_IF_ERROR(ReloadIfChangedLocked());
  if (entries_.count(token_id) == 0) return Status::NotFound("there is no token " + token_id);
  return AppendLine("revoke " + token_id + " " + std::to_string(now) + "\n");
}

Result<Principal> TokenStore::Authenticate(std::string_view token, int64_t now) {
  if (token.size() != kPrefix.size() + kIdHex + 1 + kSecretHex || !token.starts_with(kPrefix) ||
      token[kPrefix.size() + kIdHex] != '_' || !IsHex(token.substr(kPrefix.size(), kIdHex)) ||
      !IsHex(token.substr(kPrefix.size() + kIdHex + 1))) {
    return Status::Unauthenticated("the bearer token is not a caseledger token");
  }
  const std::string id(token.substr(kPrefix.size(), kIdHex));
  const std::string presented = Sha256Hex(token);
  std::lock_guard lock(mu_);
  Status reloaded = ReloadIfChangedLocked();
  if (!reloaded.ok()) return reloaded;
  auto it = entries_.find(id);
  // Compare in constant time, against a dummy when the id is unknown.
  static const std::string kDummy(64, '0');
  const std::string& stored = it != entries_.end() ? it->second.sha256_hex : kDummy;
  const bool match = CRYPTO_memcmp(stored.data(), presented.data(), 64) == 0;
  if (it == entries_.end() || !match) {
    return Status::Unauthenticated("the bearer token is not known");
  }
  if (it->second.revoked) return Status::Unauthenticated("the bearer token was revoked");
  if (it->second.principal.expires_at != 0 && now >= it->second.principal.expires_at) {
    return Status::Unauthenticated("the bearer token has expired");
  }
  return it->second.principal;
}

Result<std::vector<Principal>> TokenStore::List(int64_t now) {
  std::lock_guard lock(mu_);
  CL_RETURN_IF_ERROR(ReloadIfChangedLocked());
  std::vector<Principal> out;
  for (const auto& [id, e] : entries_) {
    if (e.revoked || (e.principal.expires_at != 0 && now >= e.principal.expires_at)) continue;
    out.push_back(e.principal);
  }
  return out;
}

}  // namespace caseledger::api
