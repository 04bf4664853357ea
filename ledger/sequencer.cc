// The write path: one sequencer thread, group commit.
//
// Callers queue requests (Submit). The writer takes everything pending (up to
// max_batch_requests) and stages each request in order against a batch-local overlay of the
// head, the tree's right edge, stream versions and eventIds:
//   1. eventIds: all known with the same fingerprint -> a retry, answered with the first
//      result; any known with another fingerprint, or only some known -> kAlreadyExists;
//   2. the expected version -> kAborted with the current version;
//   3. the domain rules (AppendGuard::Check) -> kFailedPrecondition;
//   4. seq, version and recordedAt assigned, the stored bytes built and hashed into the tree,
//      every key put into the one WriteBatch.
// A refused request leaves the overlay and the batch untouched, so it affects no other.
// An exception while staging (a bug, or memory exhausted) abandons the whole batch: nothing
// is written and each of its callers gets kInternal.
// The batch is written with sync=true; only then is the overlay made current, the new head
// published to readers, and the callers answered (durable first, then visible).
//
// A failed write (an I/O error, a full disk) answers every caller of the batch kUnavailable
// and publishes nothing of it. RocksDB then refuses every write (with paranoid_checks a
// failed write to its log is a fatal background error: DB::Resume() does not clear it), and
// the batch may or may not have reached its log. So the sequencer recovers (Recover) before
// its next batch, and every idle second: when a small synced write to the data folder works
// again, it reopens the database, which replays whatever reached the log, and reloads its
// state from what is stored, exactly as Open does. A failed batch found stored is kept and
// published (a retry of it is recognised by its eventIds); one not found is gone. Until
// recovery works, every batch is answered kUnavailable and nothing is written; reads go on.
#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "ledger/internal/codec.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/store_impl.h"

namespace caseledger::ledger {

using internal::Cf;

namespace {

// How often an idle writer checks whether a failed write is to be recovered from.
constexpr auto kRecoveryInterval = std::chrono::seconds(1);
// How long a reopen waits for the reads under way to finish (new ones are refused meanwhile).
constexpr auto kReopenDrain = std::chrono::milliseconds(250);

// What callers are told after a failed write: no file names or RocksDB details (they are
// logged).
std::string WriteFailure(const Status& s) {
  return internal::Db::DiskFull(s) ? "the ledger could not write to its disk: the disk is full"
                                   : "the ledger could not write to its disk (an I/O error; "
                                     "the details are logged)";
}

std::string DescribeCurrentException() {
  try {
    throw;
  } catch (const kj::Exception& e) {
    return e.getDescription().cStr();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an unknown exception";
  }
}

// Refuses a request that cannot be appended whatever the log holds: a bad stream name, no
// events, an empty draft, or an eventId given twice.
Status CheckDrafts(const AppendRequest& request) {
  CL_RETURN_IF_ERROR(ValidateStreamName(request.stream));
  if (request.events.empty()) return Status::InvalidArgument("no events to append", "events");
  std::set<EventId> ids_in_request;
  for (size_t i = 0; i < request.events.size(); ++i) {
    const std::string field = "events[" + std::to_string(i) + "]";
    if (request.events[i].words().empty()) {
      return Status::InvalidArgument(field + " is an empty draft", field);
    }
    if (!ids_in_request.insert(request.events[i].id()).second) {
      return Status::InvalidArgument(
          "eventId " + request.events[i].id().ToString() + " appears twice in the request",
          field + ".eventId");
    }
  }
  return Status();
}

}  // namespace

struct Store::Impl::Staging {
  uint64_t head;
  MerkleFrontier frontier;
  std::unordered_map<std::string, uint32_t> versions;
  struct Known {
    AppendedEvent appended;
    Hash fingerprint;
  };
  std::map<EventId, Known> ids;
  rocksdb::WriteBatch batch;
  std::vector<MerkleFrontier::NewNode> nodes;  // scratch
};

void Store::Impl::Pending::Answer(std::vector<Result<AppendResult>> outcomes) {
  if (auto* one = std::get_if<0>(&promise)) {
    one->set_value(std::move(outcomes.front()));
  } else {
    std::get<1>(promise).set_value(std::move(outcomes));
  }
}

void Store::Impl::Enqueue(Pending p) {
  {
    std::lock_guard lock(queue_mu);
    if (!stopping && writer.joinable()) {
      queue.push_back(std::move(p));
      queue_cv.notify_one();
      return;
    }
  }
  p.Answer({ReadOnly() ? ReadOnlyError("appends are made")
                       : Status::Unavailable("the store is closing")});
}

std::future<Result<AppendResult>> Store::Impl::Submit(AppendRequest request) {
  Pending p;
  p.requests.push_back(std::move(request));
  auto future = p.promise.emplace<0>().get_future();
  Enqueue(std::move(p));
  return future;
}

std::future<std::vector<Result<AppendResult>>> Store::Impl::SubmitChain(
    std::vector<AppendRequest> requests) {
  Pending p;
  p.requests = std::move(requests);
  auto future = p.promise.emplace<1>().get_future();
  if (p.requests.empty()) {
    p.Answer({});
    return future;
  }
  Enqueue(std::move(p));
  return future;
}

void Store::Impl::StartWriter() {
  writer = std::thread([this] { WriterLoop(); });
}

void Store::Impl::StopWriter() {
  {
    std::lock_guard lock(queue_mu);
    stopping = true;
  }
  queue_cv.notify_all();
  if (writer.joinable()) writer.join();
}

void Store::Impl::WriterLoop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu);
      // Idle, the writer wakes every second: a write that failed elsewhere (a document, a
      // family key) is recovered from even when no append comes.
      queue_cv.wait_for(lock, kRecoveryInterval, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) return;  // everything queued was answered
      // Take requests until the batch is full by count or by bytes (at least one).
      size_t bytes = 0;
      while (!queue.empty() && batch.size() < options.max_batch_requests &&
             (batch.empty() || bytes < options.max_batch_bytes)) {
        for (const auto& r : queue.front().requests) {
          for (const auto& e : r.events) bytes += e.words().size() * 8;
        }
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    if (batch.empty()) {
      if (NeedsRecovery()) static_cast<void>(Recover());  // refused: tried again later
      continue;
    }
    ProcessBatch(batch);
    batch.clear();
  }
}

Result<uint32_t> Store::Impl::CurrentVersion(const std::string& stream, const Staging& st) {
  if (auto it = st.versions.find(stream); it != st.versions.end()) return it->second;
  if (auto it = stream_versions.find(stream); it != stream_versions.end()) return it->second;
  CL_ASSIGN_OR_RETURN(uint32_t v, LatestVersion(stream, UINT64_MAX));
  stream_versions.emplace(stream, v);
  return v;
}

Result<bool> Store::Impl::StoredEventId(const EventId& id, AppendedEvent* appended,
                                        Hash* fingerprint) {
  std::string value;
  bool found = false;
  std::string_view key(reinterpret_cast<const char*>(id.bytes.data()), 16);
  CL_RETURN_IF_ERROR(db->Get(Cf::kEventIds, key, &value, &found));
  if (!found) return false;
  if (value.size() != 40) {
    return Status::DataLoss("the eventId index entry of " + id.ToString() + " is damaged");
  }
  const uint64_t seq = internal::GetU64(value);
  CL_ASSIGN_OR_RETURN(RecordedEvent e, ReadSeq(seq));
  *appended = {seq, e.version, e.event_id, e.recorded_at, e.leaf_hash};
  std::copy(value.begin() + 8, value.end(), fingerprint->begin());
  return true;
}

Result<std::optional<AppendResult>> Store::Impl::Retried(const AppendRequest& request,
                                                         const Staging& st,
                                                         std::vector<Hash>* fingerprints) {
  AppendResult retry;
  retry.retry = true;
  const EventId* first_new = nullptr;
  for (const EventDraft& draft : request.events) {
    fingerprints->push_back(internal::Fingerprint(request.stream, draft.stored_content()));
    const Hash& fp = fingerprints->back();
    std::optional<Staging::Known> known;
    if (auto it = st.ids.find(draft.id()); it != st.ids.end()) {
      known = it->second;
    } else {
      Staging::Known stored{};
      CL_ASSIGN_OR_RETURN(bool found,
                          StoredEventId(draft.id(), &stored.appended, &stored.fingerprint));
      if (found) known = stored;
    }
    if (!known) {
      if (first_new == nullptr) first_new = &draft.id();
      continue;
    }
    if (known->fingerprint != fp) {
      return Status::AlreadyExists(
          "eventId " + draft.id().ToString() + " was already used for another event (seq " +
          std::to_string(known->appended.seq) + "): choose a new eventId for new content");
    }
    retry.events.push_back(known->appended);
  }
  if (first_new == nullptr) {
    retry.version = std::max_element(retry.events.begin(), retry.events.end(),
                                     [](const auto& a, const auto& b) { return a.seq < b.seq; })
                        ->version;
    return std::optional<AppendResult>(std::move(retry));
  }
  if (!retry.events.empty()) {
    return Status::AlreadyExists(
        "eventId " + retry.events.front().event_id.ToString() + " was already appended (seq " +
        std::to_string(retry.events.front().seq) + ") but eventId " + first_new->ToString() +
        " was not: a retry must repeat the whole request unchanged");
  }
  return std::optional<AppendResult>();  // every eventId is new
}

Result<uint32_t> Store::Impl::ExpectedVersionHolds(const AppendRequest& request,
                                                   const Staging& st) {
  CL_ASSIGN_OR_RETURN(uint32_t version, CurrentVersion(request.stream, st));
  if (!request.expected.any && request.expected.version != version) {
    return Status::Conflict("stream " + request.stream + " is at version " +
                                std::to_string(version) + ", not the expected " +
                                std::to_string(request.expected.version),
                            version);
  }
  if (UINT32_MAX - version < request.events.size()) {
    return Status::InvalidArgument("stream " + request.stream + " is full", "events");
  }
  return version;
}

void Store::Impl::PutEvent(const RecordedEvent& e, const Hash& fingerprint, Staging* st) {
  st->nodes.clear();
  st->frontier.Append(e.leaf_hash, &st->nodes);
  st->batch.Put(db->cf(Cf::kEvents), internal::SeqKey(e.seq), e.bytes);
  st->batch.Put(db->cf(Cf::kStreams), internal::StreamKey(e.stream, e.version),
                internal::SeqKey(e.seq));
  std::string id_value = internal::SeqKey(e.seq);
  id_value.append(reinterpret_cast<const char*>(fingerprint.data()), 32);
  st->batch.Put(db->cf(Cf::kEventIds),
                rocksdb::Slice(reinterpret_cast<const char*>(e.event_id.bytes.data()), 16),
                id_value);
  for (const auto& n : st->nodes) {
    st->batch.Put(db->cf(Cf::kMerkle), internal::MerkleKey(n.level, n.index),
                  rocksdb::Slice(reinterpret_cast<const char*>(n.hash.data()), 32));
  }
}

AppendResult Store::Impl::StageEvents(const AppendRequest& request,
                                      const std::vector<Hash>& fingerprints, uint32_t version,
                                      int64_t now, Staging* st) {
  AppendResult result;
  std::vector<RecordedEvent> recorded;
  recorded.reserve(request.events.size());
  for (size_t i = 0; i < request.events.size(); ++i) {
    const EventDraft& draft = request.events[i];
    RecordedEvent e;
    e.seq = ++st->head;
    e.stream = request.stream;
    e.version = ++version;
    e.event_id = draft.id();
    e.type = draft.type();
    e.occurred_at = draft.occurred_at();
    e.recorded_at = now;
    e.actor = request.actor;
    e.corrects = draft.corrects();
    e.bytes = internal::BuildStored(draft, {e.seq, e.stream, e.version, now, &e.actor});
    e.leaf_hash = LeafHash(e.bytes);
    PutEvent(e, fingerprints[i], st);
    AppendedEvent appended{e.seq, e.version, e.event_id, now, e.leaf_hash};
    st->ids[e.event_id] = {appended, fingerprints[i]};
    result.events.push_back(appended);
    recorded.push_back(std::move(e));
  }
  st->versions[request.stream] = version;
  result.version = version;
  if (options.guard != nullptr) options.guard->Staged(recorded);
  return result;
}

Result<AppendResult> Store::Impl::Stage(const AppendRequest& request, int64_t now, Staging* st) {
  CL_RETURN_IF_ERROR(CheckDrafts(request));

  // 1. Idempotency by eventId.
  std::vector<Hash> fingerprints;
  CL_ASSIGN_OR_RETURN(std::optional<AppendResult> retry, Retried(request, *st, &fingerprints));
  if (retry) return *std::move(retry);

  // 2. The expected version.
  CL_ASSIGN_OR_RETURN(uint32_t version, ExpectedVersionHolds(request, *st));

  // 3. The domain rules.
  if (options.guard != nullptr) CL_RETURN_IF_ERROR(options.guard->Check(request, now));

  // 4. Stage: nothing below can be refused.
  return StageEvents(request, fingerprints, version, now, st);
}

std::vector<Result<AppendResult>> Store::Impl::StagePending(const Pending& p, int64_t now,
                                                            Staging* st) {
  std::vector<Result<AppendResult>> out;
  for (const AppendRequest& request : p.requests) {
    out.push_back(Stage(request, now, st));
    if (!out.back().ok()) break;  // a chain stops at its first refusal
  }
  return out;
}

void Store::Impl::ProcessBatch(std::vector<Pending>& batch) {
  if (NeedsRecovery()) {
    if (Status recovered = Recover(); !recovered.ok()) {
      for (Pending& p : batch) p.Answer({recovered});
      return;
    }
  }
  Staging st;
  st.head = head;
  st.frontier = frontier;
  // One clock reading per batch; recordedAt never goes back.
  const int64_t now = std::max(options.clock->NowMicros(), last_recorded_at);
  std::vector<std::vector<Result<AppendResult>>> outcomes;
  outcomes.reserve(batch.size());
  try {
    for (Pending& p : batch) outcomes.push_back(StagePending(p, now, &st));
  } catch (...) {
    // A bug or a broken environment (out of memory): nothing of this batch is written,
    // every caller in it is told, and the store goes on with the next batch.
    spdlog::error("sequencer: staging a batch failed: {}", DescribeCurrentException());
    if (options.guard != nullptr) options.guard->Abandoned();
    for (Pending& p : batch) {
      p.Answer(
          {Status::Internal("the ledger failed to stage this batch; "
                            "the error is logged; nothing was appended")});
    }
    return;
  }

  if (st.head != head) {
    std::string head_value;
    internal::PutU64(&head_value, st.head);
    internal::PutU64(&head_value, static_cast<uint64_t>(now));
    st.batch.Put(db->cf(Cf::kMeta), internal::kMetaHead, head_value);
    const auto write_start = std::chrono::steady_clock::now();
    Status written = db->Write(&st.batch, /*sync=*/true);
    write_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count());
    stat_batches.fetch_add(1, std::memory_order_relaxed);
    batch_requests.Observe(static_cast<double>(batch.size()));
    if (!written.ok()) {
      stat_write_failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("sequencer: the batch of {} events was not written: {}", st.head - head,
                    written.ToString());
      if (options.guard != nullptr) options.guard->Abandoned();
      const Status refused = Status::Unavailable(
          WriteFailure(written) +
          ": the request was not acknowledged; retry it unchanged (with the same eventIds)");
      for (auto& pending_outcomes : outcomes) {
        for (auto& o : pending_outcomes) {
          if (o.ok()) o = refused;
        }
      }
      // Nothing of the batch is published; whether it reached the log is for Recover to
      // find out, before the next batch is staged.
      recovery_pending = true;
    } else {
      head = st.head;
      last_recorded_at = now;
      frontier = std::move(st.frontier);
      for (auto& [stream, v] : st.versions) stream_versions[stream] = v;
      if (options.guard != nullptr) options.guard->Committed();
      Publish();
    }
  } else if (options.guard != nullptr) {
    options.guard->Committed();
  }
  for (const auto& pending_outcomes : outcomes) {
    for (const auto& o : pending_outcomes) {
      if (!o.ok()) {
        stat_refused.fetch_add(1, std::memory_order_relaxed);
      } else if (o->retry) {
        stat_retried.fetch_add(1, std::memory_order_relaxed);
      } else {
        stat_appended.fetch_add(1, std::memory_order_relaxed);
        stat_events.fetch_add(o->events.size(), std::memory_order_relaxed);
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].Answer(std::move(outcomes[i]));
}

Status Store::Impl::Recover() {
  const auto refuse = [this](const Status& why) {
    ++recovery_attempts;
    if (why.message() != last_recovery_error) {
      spdlog::warn("sequencer: not yet recovered from a failed write (attempt {}): {}",
                   recovery_attempts, why.message());
      last_recovery_error = why.message();
    }
    if (why.code() == Code::kDataLoss || why.code() == Code::kInternal) return why;
    return Status::Unavailable(
        std::string(internal::Db::DiskFull(why)
                        ? "the ledger cannot write: its disk is full"
                        : "the ledger is recovering from a failed write to its disk") +
        "; nothing was appended: try again later");
  };
  // 1. The disk takes writes again (otherwise the database is left as it is, for reads).
  if (Status probed = db->ProbeWrite(); !probed.ok()) return refuse(probed);
  // 2. A new open replays what reached the write-ahead log (and writes it to a table file).
  if (Status reopened = db->Reopen(kReopenDrain); !reopened.ok()) return refuse(reopened);
  // 3. The state, from what is stored, as Open does: never assumed from before the failure.
  Result<Head> stored = ReadHead();
  if (!stored.ok()) return refuse(stored.status());
  if (stored->size < head) {
    return refuse(Status::DataLoss("after a failed write the log holds " +
                                       std::to_string(stored->size) + " events, fewer than the " +
                                       std::to_string(head) + " acknowledged",
                                   stored->size + 1));
  }
  // Events past the published head: the failed batch reached the log after all. The guard
  // learns them as if they had just been written (staged against what was published).
  std::vector<RecordedEvent> found;
  {
    auto it = db->NewIterator(Cf::kEvents);
    for (it->Seek(internal::SeqKey(head + 1)); it->Valid(); it->Next()) {
      const uint64_t seq = internal::GetU64(it->key().ToStringView());
      if (seq > stored->size) break;
      Result<RecordedEvent> e = internal::DecodeStored(seq, it->value().ToString());
      if (!e.ok()) return refuse(e.status());
      found.push_back(std::move(e).value());
    }
    if (Status read = internal::Db::FromRocks(it->status(), "reading the recovered events");
        !read.ok()) {
      return refuse(read);
    }
  }
  if (found.size() != stored->size - head) {
    return refuse(Status::DataLoss("the events after a failed write are not all stored",
                                   head + found.size() + 1));
  }
  if (options.guard != nullptr && !found.empty()) {
    try {
      options.guard->Staged(found);
      options.guard->Committed();
    } catch (...) {
      spdlog::error("sequencer: the rules could not take the recovered events: {}",
                    DescribeCurrentException());
      options.guard->Abandoned();
      return refuse(
          Status::Internal("the ledger failed to recover from a failed write; "
                           "the error is logged; nothing was appended"));
    }
  }
  spdlog::info(
      "sequencer: recovered from a failed write (attempt {}): the log has {} events, {} of them "
      "from a failed batch found stored",
      recovery_attempts + 1, stored->size, stored->size - head);
  head = stored->size;
  last_recorded_at = stored->last_recorded_at;
  frontier = std::move(stored->frontier);
  stream_versions.clear();
  recovery_pending = false;
  recovery_attempts = 0;
  last_recovery_error.clear();
  Publish();
  return Status();
}

}  // namespace caseledger::ledger
