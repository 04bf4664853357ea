// RocksDB's memory is bounded for the whole database (ledger/internal/db.h): its memtables
// share one budget and flush at kCfWriteBufferBytes each, instead of 64 MiB (twice) per
// column family; Store::Stats reports what each part holds, for /metrics.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "ledger/internal/db.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

TEST_CASE(
    "memory: 64 MiB of events leave at most two memtables of a column family in memory, and "
    "Stats reports each part",
    "[ledger][memory]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = testing::OpenStore(dir.str(), clock);
  const std::string text(512 << 10, 'x');  // half a MiB a note
  for (int i = 0; i < 128; ++i) {
    REQUIRE(
        store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(i), text)})).ok());
  }
  CHECK(store->Stats().memtable_bytes > 0);
  // Flushes run in the background: wait for them (at most 20 s).
  StoreStats stats;
  for (int i = 0; i < 200; ++i) {
    stats = store->Stats();
    if (stats.memtable_bytes <= 2 * internal::kCfWriteBufferBytes) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO("memtables hold " << stats.memtable_bytes << " bytes");
  CHECK(stats.memtable_bytes <= 2 * internal::kCfWriteBufferBytes);
  // Reading the events back goes through the block cache, which stays within its capacity.
  for (uint64_t seq = 1; seq <= 128; ++seq) REQUIRE(store->ReadSeq(seq).ok());
  stats = store->Stats();
  CHECK(stats.block_cache_bytes > 0);
  CHECK(stats.block_cache_bytes <= internal::kBlockCacheBytes);
  CHECK(stats.table_reader_bytes > 0);
  CHECK(stats.read_cache_bytes > 0);
  CHECK(stats.read_cache_bytes <= StoreOptions().read_cache_bytes);
}

}  // namespace
}  // namespace caseledger::ledger
