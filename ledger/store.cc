// Store: opening, reading, the tree and checkpoints. The write path is in sequencer.cc, the
// audit pass in verify.cc; the key layouts in internal/keys.h.
#include "ledger/store.h"

#include <kj/encoding.h>
#include <spdlog/spdlog.h>

#include "ledger/internal/codec.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/store_impl.h"

namespace caseledger::ledger {

using internal::Cf;

Result<Hash> TreeNodeValue(uint8_t level, uint64_t index, std::string_view value, bool found) {
  if (!found) {
    return Status::NotFound("tree node (level " + std::to_string(level) + ", index " +
                            std::to_string(index) + ") is not stored");
  }
  if (value.size() != 32) {
    return Status::DataLoss("tree node (level " + std::to_string(level) + ", index " +
                                std::to_string(index) + ") is damaged",
                            (index << level) + 1);
  }
  Hash h;
  std::copy(value.begin(), value.end(), h.begin());
  return h;
}

Result<Hash> DbNodeSource::Node(uint8_t level, uint64_t index) const {
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(db_->Get(Cf::kMerkle, internal::MerkleKey(level, index), &value, &found));
  return TreeNodeValue(level, index, value, found);
}

// ------------------------------------------------------------------ checkpoint

std::string Checkpoint::ToText() const {
  kj::String b64 = kj::encodeBase64(kj::arrayPtr(root.data(), root.size()));
  return origin + "\n" + std::to_string(size) + "\n" + std::string(b64.cStr()) + "\n";
}

Result<Checkpoint> Checkpoint::Parse(std::string_view text) {
  Checkpoint cp;
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (lines.size() < 3) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) break;
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() < 3 || lines[0].empty()) {
    return Status::InvalidArgument("a checkpoint is three lines: origin, size, base64 root");
  }
  cp.origin = std::string(lines[0]);
  uint64_t size = 0;
  if (lines[1].size() > 19) return Status::InvalidArgument("checkpoint size is too large");
  for (char c : lines[1]) {
    if (c < '0' || c > '9') return Status::InvalidArgument("checkpoint size is not a number");
    size = size * 10 + static_cast<uint64_t>(c - '0');
  }
  if (lines[1].empty()) return Status::InvalidArgument("checkpoint size is missing");
  cp.size = size;
  auto decoded = kj::decodeBase64(kj::arrayPtr(lines[2].data(), lines[2].size()));
  if (decoded.hadErrors || decoded.size() != 32) {
    return Status::InvalidArgument("checkpoint root is not 32 bytes of base64");
  }
  std::copy(decoded.begin(), decoded.end(), cp.root.begin());
  return cp;
}

// ------------------------------------------------------------------ open and close

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  if (options.clock == nullptr) return Status::InvalidArgument("StoreOptions.clock is required");
  if (options.max_batch_requests == 0) {
    return Status::InvalidArgument("StoreOptions.max_batch_requests must be at least 1");
  }
  internal::DbOpenOptions how;
  std::string where = dir;
  if (!options.replica_of.empty()) {
    how.mode = internal::DbOpenOptions::Mode::kSecondary;
    how.secondary_dir = dir;
    where = options.replica_of;
  } else if (options.read_only) {
    how.mode = internal::DbOpenOptions::Mode::kReadOnly;
  }
  how.env = options.env;
  CL_ASSIGN_OR_RETURN(auto db, internal::Db::Open(where, how));
  return Impl::OpenOn(std::move(db), options, where);
}

Result<std::unique_ptr<Store>> Store::Impl::OpenOn(std::unique_ptr<internal::Db> db,
                                                   const StoreOptions& options,
                                                   const std::string& where) {
  auto impl = std::make_unique<Impl>(std::move(db), options);
  const bool writable = !impl->ReadOnly();
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(impl->db->Get(Cf::kMeta, internal::kMetaFormat, &value, &found));
  if (!found) {
    if (!writable) return Status::NotFound("there is no ledger in " + where);
    rocksdb::WriteBatch init;
    std::string format;
    internal::PutU32(&format, internal::kFormatVersion);
    init.Put(impl->db->cf(Cf::kMeta), internal::kMetaFormat, format);
    init.Put(impl->db->cf(Cf::kMeta), internal::kMetaOrigin, options.origin);
    CL_RETURN_IF_ERROR(impl->db->Write(&init, true));
    spdlog::info("created a new ledger in {} (origin {})", where, options.origin);
  } else if (value.size() != 4 || internal::GetU32(value) != internal::kFormatVersion) {
    return Status::DataLoss("the ledger in " + where + " has an unknown storage format");
  }
  CL_RETURN_IF_ERROR(impl->db->Get(Cf::kMeta, internal::kMetaOrigin, &impl->origin, &found));
  if (!found) return Status::DataLoss("the ledger in " + where + " has no origin");

  CL_ASSIGN_OR_RETURN(Head head, impl->ReadHead());
  impl->head = head.size;
  impl->last_recorded_at = head.last_recorded_at;
  impl->frontier = std::move(head.frontier);
  impl->Publish();
  if (options.master_key) {
    impl->keys = std::make_unique<internal::KeyRing>(impl->db.get(), *options.master_key);
  }
  if (writable) impl->StartWriter();
  spdlog::info("opened the ledger in {}{}: {} events", where,
               options.replica_of.empty() ? "" : " as a replica", impl->head);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<Store::Impl::Head> Store::Impl::ReadHead() {
  Head out;
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(db->Get(Cf::kMeta, internal::kMetaHead, &value, &found));
  if (found) {
    if (value.size() != 16) return Status::DataLoss("the log head record is damaged");
    out.size = internal::GetU64(value);
    out.last_recorded_at = static_cast<int64_t>(internal::GetU64(value, 8));
  }
  // The head must be the last event: a batch is atomic, so anything else is damage.
  {
    auto it = db->NewIterator(Cf::kEvents);
    it->SeekToLast();
    uint64_t last = it->Valid() ? internal::GetU64(it->key().ToStringView()) : 0;
    CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading the last event"));
    if (last != out.size) {
      return Status::DataLoss("the log head says " + std::to_string(out.size) +
                                  " events but the last stored event is seq " +
                                  std::to_string(last),
                              std::min(last, out.size) + 1);
    }
  }
  if (out.size > 0) {
    // The head's recordedAt is where the clock resumes: it must be the last event's.
    CL_ASSIGN_OR_RETURN(RecordedEvent last, ReadSeq(out.size));
    if (last.recorded_at != out.last_recorded_at) {
      return Status::DataLoss("the log head's recordedAt differs from the last event's", out.size);
    }
  }
  auto frontier = MerkleFrontier::Load(node_source, out.size);
  if (!frontier.ok()) {
    return Status::DataLoss(
        "the right edge of the tree is damaged or missing: " + frontier.status().message(),
        frontier.status().seq());
  }
  out.frontier = std::move(frontier).value();
  return out;
}

bool Store::Impl::ReadOnly() const { return options.read_only || !options.replica_of.empty(); }

Status Store::Impl::ReadOnlyError(const std::string& what) const {
  if (!options.replica_of.empty()) {
    return Status::Unavailable("this is a read-only replica of the ledger in " +
                               options.replica_of + ": " + what + " only on the primary");
  }
  return Status::Unavailable("the ledger is open read-only: " + what +
                             " only when it is open "
                             "for writing");
}

void Store::Impl::Publish() {
  std::lock_guard lock(published_mu);
  published_size = head;
  published_root = frontier.Root();
}

Result<uint64_t> Store::CatchUp() {
  Impl& impl = *impl_;
  if (impl.options.replica_of.empty()) {
    return Status::InvalidArgument("only a replica catches up with a primary");
  }
  std::lock_guard lock(impl.catch_up_mu);
  CL_RETURN_IF_ERROR(
      internal::Db::FromRocks(impl.db->raw()->TryCatchUpWithPrimary(),
                              "catching up with the primary " + impl.options.replica_of));
  {
    // Nothing new is the common case of a poll: one read tells.
    std::string value;
    bool found = false;
    CL_RETURN_IF_ERROR(impl.db->Get(Cf::kMeta, internal::kMetaHead, &value, &found));
    if (found && value.size() == 16 && internal::GetU64(value) == impl.head) return impl.head;
  }
  CL_ASSIGN_OR_RETURN(Impl::Head now, impl.ReadHead());
  if (now.size < impl.head) {
    return Status::DataLoss("the primary " + impl.options.replica_of + " has " +
                                std::to_string(now.size) + " events, fewer than the " +
                                std::to_string(impl.head) +
                                " this replica published: was the primary's ledger replaced?",
                            now.size + 1);
  }
  impl.head = now.size;
  impl.last_recorded_at = now.last_recorded_at;
  impl.frontier = std::move(now.frontier);
  impl.Publish();
  return impl.head;
}

bool Store::read_only() const { return impl_->ReadOnly(); }

const std::string& Store::replica_of() const { return impl_->options.replica_of; }

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { impl_->StopWriter(); }

// ------------------------------------------------------------------ writes

namespace {

std::string_view AsChars(const std::vector<uint64_t>& words) {
  return {reinterpret_cast<const char*>(words.data()), words.size() * sizeof(uint64_t)};
}

}  // namespace

Status Store::Impl::SealRequest(AppendRequest& request) {
  if (!keys || ReadOnly()) return Status();
  // A family stream's events share one family; the access stream's each name their own.
  for (EventDraft& draft : request.events) {
    auto family = SealingFamily(request.stream, AsChars(draft.words()));
    if (!family.ok()) return Status::InvalidArgument(family.status().message());
    if (family->empty()) continue;
    auto key = keys->KeyFor(*family, /*create=*/true);
    std::vector<uint64_t> sealed;
    if (key.ok()) {
      CL_ASSIGN_OR_RETURN(sealed, SealFields(draft.words(), *family, *key));
    } else if (request.stream == "access" && keys->Erased(*family)) {
      // A read of an erased family: its purpose could name people, and no key is left to
      // seal it under, so it is not kept.
      CL_ASSIGN_OR_RETURN(sealed, DropClearFields(draft.words()));
    } else {
      return key.status();
    }
    const Hash content = internal::ContentHash(sealed);
    draft.SetSealed(std::move(sealed), content);
  }
  return Status();
}

Status Store::Impl::OpenSealed(RecordedEvent& event) {
  if (!keys) return Status();
  auto sealing_family = SealingFamily(event.stream, event.message());
  if (!sealing_family.ok()) return Status::DataLoss(sealing_family.status().message(), event.seq);
  const std::string& family = *sealing_family;
  if (family.empty()) return Status();
  // One key lookup per event, however many fields it seals (an erased family's costs a read).
  std::optional<uint32_t> looked_up;
  std::optional<FamilyKey> found;
  Status failed;
  auto opened = OpenFields(event.bytes, family, [&](uint32_t id) -> const FamilyKey* {
    if (looked_up != id) {
      looked_up = id;
      auto key = keys->Find(family, id);
      if (!key.ok()) failed = key.status();
      found = key.ok() ? *key : std::nullopt;
    }
    return found ? &*found : nullptr;
  });
  CL_RETURN_IF_ERROR(failed);
  if (!opened.ok()) return Status::DataLoss(opened.status().message(), event.seq);
  event.opened = std::move(*opened);
  // A sealed field left closed: say so when it is because the family was erased.
  event.erased = looked_up.has_value() && !found.has_value() && keys->Erased(family);
  return Status();
}

std::future<Result<AppendResult>> Store::AppendAsync(AppendRequest request) {
  if (Status sealed = impl_->SealRequest(request); !sealed.ok()) {
    std::promise<Result<AppendResult>> refused;
    refused.set_value(sealed);
    return refused.get_future();
  }
  return impl_->Submit(std::move(request));
}

Result<AppendResult> Store::Append(AppendRequest request) {
  return AppendAsync(std::move(request)).get();
}

Status Store::EraseFamilyKeys(const std::string& family_id) {
  if (!impl_->keys) {
    return Status::Unavailable("this ledger has no master key: nothing is sealed to erase");
  }
  if (impl_->ReadOnly()) return impl_->ReadOnlyError("families are erased");
  Status erased = impl_->keys->Erase(family_id);
  // What was opened with the keys must not outlive them in memory (event_cache.h).
  impl_->cache.Clear();
  return erased;
}

bool Store::seals() const { return impl_->keys != nullptr; }

bool Store::FamilyErased(const std::string& family_id) {
  return impl_->keys && impl_->keys->Erased(family_id);
}

std::vector<Result<AppendResult>> Store::AppendChain(std::vector<AppendRequest> requests) {
  for (size_t i = 0; i < requests.size(); ++i) {
    if (Status sealed = impl_->SealRequest(requests[i]); !sealed.ok()) {
      // The requests before it are appended as a chain; it is the refusal.
      requests.resize(i);
      std::vector<Result<AppendResult>> out = requests.empty()
                                                  ? std::vector<Result<AppendResult>>()
                                                  : impl_->SubmitChain(std::move(requests)).get();
      if (out.empty() || out.back().ok()) out.emplace_back(sealed);
      return out;
    }
  }
  return impl_->SubmitChain(std::move(requests)).get();
}

// ------------------------------------------------------------------ reads

Checkpoint Store::Impl::Published() {
  std::lock_guard lock(published_mu);
  return {origin, published_size, published_root};
}

uint64_t Store::Size() const { return impl_->Published().size; }

Checkpoint Store::CurrentCheckpoint() { return impl_->Published(); }

const NodeSource& Store::nodes() const { return impl_->node_source; }

Result<uint32_t> Store::Impl::LatestVersion(const std::string& stream, uint64_t max_seq) {
  auto it = db->NewIterator(Cf::kStreams);
  const std::string prefix = internal::StreamPrefix(stream);
  it->SeekForPrev(internal::StreamKey(stream, UINT32_MAX));
  for (; it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (it->key().size() != prefix.size() + 4 || it->value().size() != 8) {
      return Status::DataLoss("the stream index of " + stream + " is damaged");
    }
    if (internal::GetU64(it->value().ToStringView()) <= max_seq) {
      return internal::GetU32(it->key().ToStringView(), prefix.size());
    }
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading the stream index"));
  return 0u;
}

Result<uint32_t> Store::StreamVersion(const std::string& stream) {
  return impl_->LatestVersion(stream, Size());
}

Result<uint32_t> Store::StreamVersionAt(const std::string& stream, uint64_t max_seq) {
  return impl_->LatestVersion(stream, std::min(max_seq, Size()));
}

Result<RecordedEvent> Store::Impl::ReadSeq(uint64_t seq) {
  std::string bytes;
  bool found = false;
  CL_RETURN_IF_ERROR(db->Get(Cf::kEvents, internal::SeqKey(seq), &bytes, &found));
  if (!found) return Status::NotFound("there is no event seq " + std::to_string(seq));
  CL_ASSIGN_OR_RETURN(RecordedEvent e, internal::DecodeStored(seq, std::move(bytes)));
  CL_RETURN_IF_ERROR(OpenSealed(e));
  return e;
}

Result<RecordedEvent> Store::Impl::ReadPublished(uint64_t seq) {
  if (std::optional<RecordedEvent> hit = cache.Get(seq)) return std::move(*hit);
  const uint64_t generation = cache.generation();
  CL_ASSIGN_OR_RETURN(RecordedEvent e, ReadSeq(seq));
  cache.Put(e, generation);
  return e;
}

Result<RecordedEvent> Store::ReadSeq(uint64_t seq) {
  if (seq == 0 || seq > Size()) {
    return Status::NotFound("there is no event seq " + std::to_string(seq));
  }
  return impl_->ReadPublished(seq);
}

Result<RecordedEvent> Store::ReadEventId(const EventId& id) {
  std::string value;
  bool found = false;
  std::string_view key(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  CL_RETURN_IF_ERROR(impl_->db->Get(Cf::kEventIds, key, &value, &found));
  if (!found) return Status::NotFound("there is no event with eventId " + id.ToString());
  if (value.size() != 40) return Status::DataLoss("the eventId index entry is damaged");
  return ReadSeq(internal::GetU64(value));
}

Result<std::vector<RecordedEvent>> Store::ReadStream(const std::string& stream,
                                                     uint32_t from_version, size_t limit,
                                                     uint64_t max_seq) {
  const uint64_t bound = max_seq == 0 ? Size() : std::min(max_seq, Size());
  std::vector<RecordedEvent> out;
  auto it = impl_->db->NewIterator(Cf::kStreams);
  const std::string prefix = internal::StreamPrefix(stream);
  for (it->Seek(internal::StreamKey(stream, std::max<uint32_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    if (it->value().size() != 8) {
      return Status::DataLoss("the stream index of " + stream + " is damaged");
    }
    const uint64_t seq = internal::GetU64(it->value().ToStringView());
    if (seq > bound) break;  // versions grow with seq: nothing later is visible either
    CL_ASSIGN_OR_RETURN(RecordedEvent e, impl_->ReadPublished(seq));
    out.push_back(std::move(e));
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading a stream"));
  return out;
}

Result<std::vector<RecordedEvent>> Store::ReadLog(uint64_t after, size_t limit) {
  const uint64_t size = Size();
  std::vector<RecordedEvent> out;
  if (after >= size) return out;
  auto it = impl_->db->NewIterator(Cf::kEvents);
  for (it->Seek(internal::SeqKey(after + 1)); it->Valid() && out.size() < limit; it->Next()) {
    const uint64_t seq = internal::GetU64(it->key().ToStringView());
    if (seq > size) break;
    CL_ASSIGN_OR_RETURN(RecordedEvent e, internal::DecodeStored(seq, it->value().ToString()));
    CL_RETURN_IF_ERROR(impl_->OpenSealed(e));
    out.push_back(std::move(e));
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading the log"));
  return out;
}

StoreStats Store::Stats() const {
  StoreStats s;
  s.batches = impl_->stat_batches.load(std::memory_order_relaxed);
  s.requests_appended = impl_->stat_appended.load(std::memory_order_relaxed);
  s.requests_retried = impl_->stat_retried.load(std::memory_order_relaxed);
  s.requests_refused = impl_->stat_refused.load(std::memory_order_relaxed);
  s.events_appended = impl_->stat_events.load(std::memory_order_relaxed);
  s.write_failures = impl_->stat_write_failures.load(std::memory_order_relaxed);
  s.batch_requests = impl_->batch_requests.Read();
  s.write_seconds = impl_->write_seconds.Read();
  const internal::DbMemory memory = impl_->db->Memory();
  s.memtable_bytes = memory.memtables;
  s.block_cache_bytes = memory.block_cache;
  s.table_reader_bytes = memory.table_readers;
  s.read_cache_bytes = impl_->cache.bytes();
  return s;
}

Result<uint64_t> Store::SeqAsOf(int64_t recorded_at) {
  // recordedAt never decreases with seq: binary search for the last seq at or before it.
  uint64_t lo = 0, hi = Size();
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    CL_ASSIGN_OR_RETURN(RecordedEvent e, impl_->ReadSeq(mid));
    if (e.recorded_at <= recorded_at) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// ------------------------------------------------------------------ tree

Result<Hash> Store::Root(uint64_t size) {
  Checkpoint now = impl_->Published();
  if (size > now.size) {
    return Status::InvalidArgument("the log has " + std::to_string(now.size) +
                                   " events, fewer than " + std::to_string(size));
  }
  if (size == now.size) return now.root;
  return RootAt(impl_->node_source, size);
}

Result<std::vector<Hash>> Store::InclusionProof(uint64_t leaf_index, uint64_t size) {
  if (size > Size()) {
    return Status::InvalidArgument("the log has " + std::to_string(Size()) +
                                   " events, fewer than " + std::to_string(size));
  }
  return ledger::InclusionProof(impl_->node_source, leaf_index, size);
}

Result<std::vector<Hash>> Store::ConsistencyProof(uint64_t old_size, uint64_t new_size) {
  if (new_size > Size()) {
    return Status::InvalidArgument("the log has " + std::to_string(Size()) +
                                   " events, fewer than " + std::to_string(new_size));
  }
  return ledger::ConsistencyProof(impl_->node_source, old_size, new_size);
}

}  // namespace caseledger::ledger
