// The export file (ledger/export.h): written from a Store in two passes (the leaves, then the
// events), read back and verified as a stream with no database. Verification reads the
// archive three times, never holding more than one event: once for the leaves' roots at each
// signed size, then the leaves and the events side by side.
#include "ledger/export.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "ledger/internal/codec.h"
#include "ledger/internal/event_schema.h"
#include "ledger/internal/tar.h"
#include "ledger/merkle.h"

namespace caseledger::ledger {
namespace {

constexpr uint64_t kReadBatch = 4096;
constexpr uint64_t kProgressEvery = 10000;
constexpr uint64_t kMaxSmallMember = 1u << 20;  // README.txt, event.capnp, checkpoint
constexpr uint64_t kMaxEventBytes = internal::kTraversalLimitWords * 8;
constexpr uint32_t kMaxSegments = 512;

constexpr std::string_view kReadme =
    R"(caseledger export

This archive holds an early help case ledger's event log, exactly as it was stored, and the
signed checkpoint of the log at this size. It proves itself against the ledger's verifier key:

  caseledger verify --export THIS_FILE --key VERIFIER_KEY [--checkpoint KEPT_CHECKPOINT ...]

Members, in order:
  README.txt   this text
  event.capnp  the Cap'n Proto schema the events were written with
  checkpoint   the signed checkpoint (C2SP tlog-checkpoint, signed note): origin, number of
               events, base64 Merkle root, a blank line, then the Ed25519 signature line
  leaves       the Merkle leaf hash of each event, 32 bytes each, in seq order
  events       every event as stored, in seq order: a Cap'n Proto message stream

Reading the events with stock tools (Debian: apt install capnproto):

  tar -xf THIS_FILE event.capnp
  tar -xOf THIS_FILE events | capnp decode event.capnp Event

The Merkle tree is RFC 9162's: leaf hash = SHA-256(0x00 || the event's bytes in "events"),
node hash = SHA-256(0x01 || left || right). Personal fields may be encrypted ("Sealed"); the
hashes cover the stored form, so they hold whatever became of the keys.
)";

Status Damaged(const Status& s) {
  if (s.ok()) return s;
  return Status::DataLoss("the export is damaged: " + s.message(), s.seq());
}

std::string_view HashBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// Calls `each` for every event of the log from seq 1 to `size`, in order.
Status ForEachEvent(Store& store, uint64_t size,
                    const std::function<Status(const RecordedEvent&)>& each) {
  uint64_t after = 0;
  while (after < size) {
    CL_ASSIGN_OR_RETURN(auto batch, store.ReadLog(after, std::min(kReadBatch, size - after)));
    if (batch.empty() || batch.front().seq != after + 1) {
      return Status::DataLoss("event seq " + std::to_string(after + 1) + " is missing", after + 1);
    }
    for (const auto& e : batch) {
      if (e.seq > size) break;
      CL_RETURN_IF_ERROR(each(e));
      after = e.seq;
    }
  }
  return Status();
}

Status SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open the folder " + dir);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status() : Status::Unavailable("cannot sync the folder " + dir);
}

// ------------------------------------------------------------------ reading

// The next member, which must be `name`.
Status ExpectMember(internal::TarReader& tar, std::string_view name, internal::TarMember* m) {
  auto more = tar.Next(m);
  if (!more.ok()) return Damaged(more.status());
  if (!*more) return Status::DataLoss("the export has no member \"" + std::string(name) + "\"");
  if (m->name != name) {
    return Status::DataLoss("the export's member \"" + m->name + "\" is where \"" +
                            std::string(name) + "\" belongs");
  }
  return Status();
}

// Opens the archive and reads up to (not into) the member `name`.
Status SeekMember(internal::TarReader& tar, std::string_view name, internal::TarMember* m) {
  for (std::string_view before : {"README.txt", "event.capnp", "checkpoint", "leaves", "events"}) {
    CL_RETURN_IF_ERROR(ExpectMember(tar, before, m));
    if (before == name) return Status();
  }
  return Status::InvalidArgument("no such member");
}

// One Cap'n Proto message of the stream: its segment table says how long it is.
Status ReadMessage(internal::TarReader& tar, uint64_t seq, std::string* out) {
  const std::string where = "event seq " + std::to_string(seq);
  char first[8];
  if (tar.left() < sizeof first) {
    return Status::DataLoss(where + " is cut short: the events end inside it", seq);
  }
  CL_RETURN_IF_ERROR(tar.Read(first, sizeof first));
  auto u32 = [](const char* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(p[i]);  // little-endian
    return v;
  };
  const uint32_t segments = u32(first) + 1;
  if (segments == 0 || segments > kMaxSegments) {
    return Status::DataLoss(
        where + " has a damaged segment table (" + std::to_string(u32(first)) + ")", seq);
  }
  const uint64_t table_bytes = (4 + 4 * uint64_t{segments} + 7) / 8 * 8;
  out->assign(first, sizeof first);
  out->resize(table_bytes);
  if (table_bytes - 8 > tar.left()) return Status::DataLoss(where + " is cut short", seq);
  CL_RETURN_IF_ERROR(tar.Read(out->data() + 8, table_bytes - 8));
  uint64_t words = 0;
  for (uint32_t i = 0; i < segments; ++i) words += u32(out->data() + 4 + 4 * i);
  if (words * 8 > kMaxEventBytes || words * 8 > tar.left()) {
    return Status::DataLoss(where + "'s segment table says " + std::to_string(words * 8) +
                                " bytes, more than the export holds",
                            seq);
  }
  out->resize(table_bytes + words * 8);
  return tar.Read(out->data() + table_bytes, words * 8);
}

struct Trusted {
  std::vector<Checkpoint> checkpoints;  // by size; [0] need not be the export's own
  Checkpoint own;                       // the export's
};

Result<Trusted> OpenCheckpoints(const std::string& own_note, const NoteVerifier& verifier,
                                const std::vector<std::string>& notes) {
  Trusted t;
  auto own_text = OpenNote(own_note, verifier);
  if (!own_text.ok()) {
    return Status::DataLoss("the export's checkpoint is not signed by " + verifier.ToText() + ": " +
                            own_text.status().message());
  }
  auto own = Checkpoint::Parse(*own_text);
  if (!own.ok()) return Status::DataLoss("the export's checkpoint: " + own.status().message());
  t.own = *own;
  t.checkpoints.push_back(t.own);
  for (size_t i = 0; i < notes.size(); ++i) {
    const std::string which = "checkpoint " + std::to_string(i + 1) + " given";
    auto text = OpenNote(notes[i], verifier);
    if (!text.ok()) {
      return Status::InvalidArgument(which + " is not signed by " + verifier.ToText() + ": " +
                                     text.status().message());
    }
    CL_ASSIGN_OR_RETURN(Checkpoint cp, Checkpoint::Parse(*text));
    if (cp.origin != t.own.origin) {
      return Status::InvalidArgument(which + " is of the log \"" + cp.origin +
                                     "\", the export of \"" + t.own.origin + "\"");
    }
    t.checkpoints.push_back(cp);
  }
  std::stable_sort(t.checkpoints.begin(), t.checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) { return a.size < b.size; });
  return t;
}

// Whether the leaves member is the tree the export's checkpoint signed; if so, every other
// checkpoint must be a root of it at its size (one history, only grown).
Result<bool> CheckLeaves(const std::string& path, const Trusted& trusted) {
  internal::TarReader tar(path);
  internal::TarMember m;
  CL_RETURN_IF_ERROR(SeekMember(tar, "leaves", &m));
  if (m.size != trusted.own.size * 32) return false;
  MerkleFrontier tree;
  std::vector<MerkleFrontier::NewNode> scratch;
  std::unordered_map<uint64_t, Hash> roots{{0, EmptyRoot()}};
  Hash leaf;
  for (uint64_t i = 0; i < trusted.own.size; ++i) {
    CL_RETURN_IF_ERROR(Damaged(tar.Read(reinterpret_cast<char*>(leaf.data()), leaf.size())));
    scratch.clear();
    tree.Append(leaf, &scratch);
    for (const auto& cp : trusted.checkpoints) {
      if (cp.size == tree.size()) roots[cp.size] = tree.Root();
    }
  }
  if (tree.Root() != trusted.own.root) return false;
  for (const auto& cp : trusted.checkpoints) {
    if (cp.size > trusted.own.size) {
      return Status::DataLoss("a checkpoint given covers " + std::to_string(cp.size) +
                                  " events; this export holds " + std::to_string(trusted.own.size) +
                                  ": from seq " + std::to_string(trusted.own.size + 1) +
                                  " they were removed, or the export is older than it",
                              trusted.own.size + 1);
    }
    if (roots.at(cp.size) != cp.root) {
      return Status::DataLoss("the checkpoint of size " + std::to_string(cp.size) +
                              " is inconsistent with the export: both are signed, but the "
                              "export's first " +
                              std::to_string(cp.size) +
                              " events are not the log that checkpoint signed (the history "
                              "was rewritten after it)");
    }
  }
  return true;
}

// The checks on one event against those before it that need no hash.
class Sequence {
 public:
  Status Check(const RecordedEvent& e) {
    const std::string where = "event seq " + std::to_string(e.seq);
    if (e.recorded_at < last_recorded_) {
      return Status::DataLoss(where + " was recorded before the event preceding it", e.seq);
    }
    last_recorded_ = e.recorded_at;
    uint32_t& version = versions_[e.stream];
    if (e.version != version + 1) {
      return Status::DataLoss(where + " is version " + std::to_string(e.version) + " of " +
                                  e.stream + ", whose previous event is version " +
                                  std::to_string(version),
                              e.seq);
    }
    version = e.version;
    std::string id(reinterpret_cast<const char*>(e.event_id.bytes.data()), 16);
    if (!ids_.insert(std::move(id)).second) {
      return Status::DataLoss(where + " reuses eventId " + e.event_id.ToString(), e.seq);
    }
    return Status();
  }

 private:
  int64_t last_recorded_ = INT64_MIN;
  std::unordered_map<std::string, uint32_t> versions_;
  std::unordered_set<std::string> ids_;
};

}  // namespace

// ------------------------------------------------------------------ writing

Result<ExportSummary> WriteExport(Store& store, const NoteSigner& signer, const std::string& path,
                                  const ExportProgress& progress) {
  ExportSummary out;
  out.checkpoint = store.CurrentCheckpoint();
  const uint64_t size = out.checkpoint.size;
  CL_ASSIGN_OR_RETURN(out.signed_checkpoint, SignNote(out.checkpoint.ToText(), signer));
  const std::string partial = path + ".partial";
  const int64_t mtime = static_cast<int64_t>(::time(nullptr));
  Status s = [&]() -> Status {
    internal::TarWriter tar(partial);
    CL_RETURN_IF_ERROR(tar.Add("README.txt", kReadme, mtime));
    CL_RETURN_IF_ERROR(tar.Add("event.capnp", internal::kEventSchemaText, mtime));
    CL_RETURN_IF_ERROR(tar.Add("checkpoint", out.signed_checkpoint, mtime));
    // The leaves are re-hashed from the bytes: an export of a damaged log would not verify.
    MerkleFrontier tree;
    std::vector<MerkleFrontier::NewNode> scratch;
    CL_RETURN_IF_ERROR(tar.Begin("leaves", mtime));
    CL_RETURN_IF_ERROR(ForEachEvent(store, size, [&](const RecordedEvent& e) {
      const Hash leaf = LeafHash(e.bytes);
      scratch.clear();
      tree.Append(leaf, &scratch);
      if (progress && e.seq % kProgressEvery == 0) progress(e.seq, 2 * size);
      return tar.Append(HashBytes(leaf));
    }));
    CL_RETURN_IF_ERROR(tar.End());
    if (tree.Root() != out.checkpoint.root) {
      return Status::DataLoss(
          "the stored events do not hash to the log's root: the ledger is damaged (run "
          "caseledger verify); nothing was exported");
    }
    CL_RETURN_IF_ERROR(tar.Begin("events", mtime));
    CL_RETURN_IF_ERROR(ForEachEvent(store, size, [&](const RecordedEvent& e) {
      if (progress && e.seq % kProgressEvery == 0) progress(size + e.seq, 2 * size);
      out.bytes += e.bytes.size();
      return tar.Append(e.bytes);
    }));
    CL_RETURN_IF_ERROR(tar.End());
    return tar.Finish();
  }();
  if (s.ok() && std::rename(partial.c_str(), path.c_str()) != 0) {
    s = Status::Unavailable("cannot rename " + partial + " to " + path);
  }
  if (!s.ok()) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return s;
  }
  CL_RETURN_IF_ERROR(SyncDirectoryOf(path));
  out.bytes = std::filesystem::file_size(path);
  if (progress) progress(2 * size, 2 * size);
  return out;
}

// ------------------------------------------------------------------ verifying

Result<ExportVerification> VerifyExport(const std::string& path, const NoteVerifier& verifier,
                                        const std::vector<std::string>& checkpoint_notes,
                                        const ExportProgress& progress) {
  internal::TarReader events(path);
  internal::TarMember m;
  CL_RETURN_IF_ERROR(ExpectMember(events, "README.txt", &m));
  CL_RETURN_IF_ERROR(ExpectMember(events, "event.capnp", &m));
  CL_RETURN_IF_ERROR(ExpectMember(events, "checkpoint", &m));
  auto own_note = events.ReadAll(kMaxSmallMember);
  if (!own_note.ok()) return Damaged(own_note.status());
  CL_ASSIGN_OR_RETURN(Trusted trusted, OpenCheckpoints(*own_note, verifier, checkpoint_notes));
  CL_ASSIGN_OR_RETURN(const bool leaves_ok, CheckLeaves(path, trusted));

  internal::TarReader leaves(path);
  CL_RETURN_IF_ERROR(SeekMember(leaves, "leaves", &m));
  CL_RETURN_IF_ERROR(ExpectMember(events, "leaves", &m));
  CL_RETURN_IF_ERROR(ExpectMember(events, "events", &m));

  const uint64_t total = trusted.own.size;
  for (const auto& cp : trusted.checkpoints) {
    if (cp.size == 0 && cp.root != EmptyRoot()) {
      return Status::DataLoss("a checkpoint of the empty log has a root other than the empty one");
    }
  }
  Sequence sequence;
  MerkleFrontier tree;
  std::vector<MerkleFrontier::NewNode> scratch;
  uint64_t first_unlike_leaf = 0;  // the first event whose hash is not its leaf
  size_t next_checkpoint = 0;
  std::string bytes;
  uint64_t seq = 0;
  while (events.left() > 0) {
    ++seq;
    if (seq > total) {
      return Status::DataLoss("event seq " + std::to_string(seq) +
                                  " is past the export's signed checkpoint of " +
                                  std::to_string(total) + " events: no signature covers it",
                              seq);
    }
    CL_RETURN_IF_ERROR(ReadMessage(events, seq, &bytes));
    // Decoded first: a deleted or moved event is best named by the seq it says it is.
    CL_ASSIGN_OR_RETURN(RecordedEvent e, internal::DecodeStored(seq, bytes));
    const Hash hash = LeafHash(bytes);
    Hash leaf{};
    const bool have_leaf = leaves.left() >= leaf.size();
    if (have_leaf) CL_RETURN_IF_ERROR(leaves.Read(reinterpret_cast<char*>(leaf.data()), 32));
    if (!have_leaf || leaf != hash) {
      if (leaves_ok) {
        return Status::DataLoss("event seq " + std::to_string(seq) +
                                    " was altered: its hash is not the leaf the signed root "
                                    "covers",
                                seq);
      }
      if (first_unlike_leaf == 0) first_unlike_leaf = seq;
    }
    CL_RETURN_IF_ERROR(sequence.Check(e));
    scratch.clear();
    tree.Append(hash, &scratch);
    while (next_checkpoint < trusted.checkpoints.size() &&
           trusted.checkpoints[next_checkpoint].size <= seq) {
      const Checkpoint& cp = trusted.checkpoints[next_checkpoint++];
      if (cp.size == seq && tree.Root() != cp.root) {
        // Reached only when the leaves member was rewritten too, so it cannot place the change.
        return Status::DataLoss(
            "the first " + std::to_string(seq) +
                " events do not have the root signed in the checkpoint of that size" +
                (first_unlike_leaf ? "; the first whose hash differs from the export's leaves is "
                                     "seq " +
                                         std::to_string(first_unlike_leaf)
                                   : "; the leaves were rewritten to match them"),
            first_unlike_leaf);
      }
    }
    if (progress && seq % kProgressEvery == 0) progress(seq, total);
  }
  if (seq < total) {
    return Status::DataLoss(
        "event seq " + std::to_string(seq + 1) + " is missing: the signed checkpoint covers " +
            std::to_string(total) + " events, the export holds " + std::to_string(seq),
        seq + 1);
  }
  for (; next_checkpoint < trusted.checkpoints.size(); ++next_checkpoint) {
    const Checkpoint& cp = trusted.checkpoints[next_checkpoint];
    if (cp.size > seq) {
      return Status::DataLoss("a checkpoint given covers " + std::to_string(cp.size) +
                                  " events; this export holds " + std::to_string(seq),
                              seq + 1);
    }
  }
  auto more = events.Next(&m);
  if (!more.ok()) return Damaged(more.status());
  if (*more) return Status::DataLoss("the export has a member \"" + m.name + "\" after the events");
  if (!leaves_ok) {
    // Every event matched every signed root: only the leaves member was changed.
    return Status::DataLoss(
        "the export's leaves member was altered" +
            (first_unlike_leaf ? ": the leaf of seq " + std::to_string(first_unlike_leaf) +
                                     " is not that event's hash"
                               : std::string(" (it has the wrong size)")),
        first_unlike_leaf);
  }
  ExportVerification out;
  out.checkpoint = trusted.own;
  for (const auto& cp : trusted.checkpoints) out.checked_sizes.push_back(cp.size);
  if (progress) progress(total, total);
  return out;
}

}  // namespace caseledger::ledger
