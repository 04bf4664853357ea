#include "ledger/witness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <kj/encoding.h>

#include "ledger/merkle.h"
#include "ledger/store.h"

namespace caseledger::ledger {
namespace {

constexpr size_t kMaxProofLines = 63;
constexpr std::string_view kSizeType = "text/x.tlog.size";

WitnessAnswer Answer(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  return {status, std::move(type),
          std::move(body) + (body.empty() || body.back() == '\n' ? "" : "\n")};
}

std::string Hex(const Hash& h) { return ToHex(h); }

// Writes `text` to `path` durably: a temporary file, synced, renamed over it, the folder synced.
Status WriteDurably(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = ok && dfd >= 0 && ::fsync(dfd) == 0;
  if (dfd >= 0) ::close(dfd);
  return ok ? Status() : Status::Unavailable("cannot write the witness's state " + path);
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Unavailable("cannot read " + path);
  return text.str();
}

// "old N" with N in decimal, no leading zero but for "0".
bool ParseOld(std::string_view line, uint64_t* old) {
  if (!line.starts_with("old ")) return false;
  std::string_view n = line.substr(4);
  if (n.empty() || n.size() > 19 || (n.size() > 1 && n[0] == '0')) return false;
  *old = 0;
  for (char c : n) {
    if (c < '0' || c > '9') return false;
    *old = *old * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

Result<NoteVerifier> Witness::Init(const std::string& dir, std::string_view name) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/state", ec);
  if (ec)
    return Status::Unavailable("cannot make the witness's folder " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  const std::string path = dir + "/witness.key";
  if (std::filesystem::exists(path, ec)) {
    return Status::InvalidArgument(path + " already exists: a witness's key is never replaced",
                                   "dir");
  }
  CL_ASSIGN_OR_RETURN(NoteSigner key, GenerateCosigner(name));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const std::string text = key.ToText() + "\n";
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  // The key's name in its folder is durable too, before the verifier key is handed out.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = ok && dfd >= 0 && ::fsync(dfd) == 0;
  if (dfd >= 0) ::close(dfd);
  if (!ok) {
    if (fd >= 0) ::unlink(path.c_str());  // a partial key must not block a second try
    return Status::Unavailable("cannot write the witness's key " + path);
  }
  return key.verifier;
}

Result<std::unique_ptr<Witness>> Witness::Open(const std::string& dir,
                                               std::vector<WitnessedLog> logs,
                                               std::function<uint64_t()> now) {
  CL_ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/witness.key"));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = ParseCosignerPrivateKey(text);
  if (!key.ok()) {
    return Status::InvalidArgument("the witness key in " + dir +
                                   " does not read: " + key.status().message());
  }
  std::unique_ptr<Witness> w(new Witness());
  w->dir_ = dir;
  w->key_ = *key;
  w->logs_ = std::move(logs);
  w->now_ = std::move(now);
  std::error_code ec;
  std::filesystem::create_directories(dir + "/state", ec);
  if (ec) return Status::Unavailable("cannot make " + dir + "/state: " + ec.message());
  return w;
}

WitnessAnswer Witness::AddCheckpoint(std::string_view body) { return Add(body); }

WitnessAnswer Witness::Add(std::string_view body) {
  // old N, 0-63 base64 hashes, a blank line, the checkpoint.
  size_t at = body.find('\n');
  uint64_t old = 0;
  if (at == std::string_view::npos || !ParseOld(body.substr(0, at), &old)) {
    return Answer(400, "the body starts with \"old <size>\" and a newline");
  }
  std::vector<Hash> proof;
  for (;;) {
    size_t next = body.find('\n', at + 1);
    if (next == std::string_view::npos) return Answer(400, "no blank line before the checkpoint");
    std::string_view line = body.substr(at + 1, next - at - 1);
    at = next;
    if (line.empty()) break;
    if (proof.size() == kMaxProofLines) return Answer(400, "more than 63 consistency proof lines");
    auto decoded = kj::decodeBase64(kj::arrayPtr(line.data(), line.size()));
    if (decoded.hadErrors || decoded.size() != 32) {
      return Answer(400, "a consistency proof line is not a base64 SHA-256 hash");
    }
    Hash h{};
    std::copy(decoded.begin(), decoded.end(), h.begin());
    proof.push_back(h);
  }
  const std::string_view note = body.substr(at + 1);
  auto checkpoint = Checkpoint::Parse(note);
  if (!checkpoint.ok()) return Answer(400, "not a checkpoint: " + checkpoint.status().message());
  std::string text;
  bool known = false;
  for (const WitnessedLog& log : logs_) {
    if (log.origin != checkpoint->origin) continue;
    known = true;
    auto opened = OpenNote(note, log.key);
    if (opened.ok()) {
      text = *opened;
      break;
    }
  }
  if (!known) return Answer(404, "this witness does not witness the log " + checkpoint->origin);
  if (text.empty())
    return Answer(403, "no valid signature by a key this witness trusts for " + checkpoint->origin);
  // The body the signature covers must be the checkpoint parsed (origin, size, root first).
  checkpoint = Checkpoint::Parse(text);
  if (!checkpoint.ok()) return Answer(400, "not a checkpoint: " + checkpoint.status().message());
  if (old > checkpoint->size) return Answer(400, "old is larger than the checkpoint's size");
  if (old == 0 && !proof.empty()) return Answer(400, "the proof must be empty when old is 0");

  const std::string path = dir_ + "/state/" + Hex(Sha256(checkpoint->origin));
  std::lock_guard lock(mu_);
  uint64_t latest_size = 0;
  Hash latest_root{};
  // Only a state that is not there means "never cosigned": one that cannot be read (a full
  // descriptor table, a disk error) must not pass for it, or the log could be rolled back.
  std::error_code ec;
  const bool saved_before = std::filesystem::exists(path, ec);
  if (ec) return Answer(500, "the witness's state for this log cannot be read: " + ec.message());
  if (saved_before) {
    auto saved = ReadFile(path);
    if (!saved.ok()) return Answer(500, "the witness's state for this log cannot be read");
    auto latest = Checkpoint::Parse(*saved);
    if (!latest.ok()) return Answer(500, "the witness's state for this log does not read");
    latest_size = latest->size;
    latest_root = latest->root;
  }
  if (old != latest_size) {
    return Answer(409, std::to_string(latest_size), std::string(kSizeType));
  }
  if (old == checkpoint->size) {
    if (old != 0 && checkpoint->root != latest_root) {
      return Answer(409, "size " + std::to_string(old) +
                             " was cosigned with another root: the log shows two histories");
    }
  } else if (old > 0 &&
             !VerifyConsistency(old, checkpoint->size, latest_root, checkpoint->root, proof)) {
    return Answer(422, "the consistency proof from size " + std::to_string(old) + " to " +
                           std::to_string(checkpoint->size) + " does not hold");
  }
  auto cosignature = Cosign(text, key_, now_());
  if (!cosignature.ok()) return Answer(500, cosignature.status().message());
  // The state: the checkpoint as the log signed it, with this witness's cosignature.
  std::string kept(note);
  if (!kept.empty() && kept.back() != '\n') kept += "\n";
  if (Status s = WriteDurably(path, kept + *cosignature); !s.ok()) return Answer(500, s.message());
  return Answer(200, *cosignature);
}

WitnessAnswer Witness::Latest(std::string_view origin) {
  std::lock_guard lock(mu_);
  auto saved = ReadFile(dir_ + "/state/" + Hex(Sha256(origin)));
  if (!saved.ok())
    return Answer(404, "no checkpoint of " + std::string(origin) + " was cosigned here");
  return {200, "text/plain; charset=utf-8", *saved};
}

}  // namespace caseledger::ledger
