// Stored bytes that claim more than they carry: a Cap'n Proto list of zero-sized elements
// costs nothing to write and one step per element to walk, so a few hundred bytes could make
// every reader (decoding, JSON, sealing) walk millions of elements. Found by the stored-bytes
// fuzz target (tests/fuzz/regressions/); refused as damage now, while the largest honest event
// still reads whole.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "ledger/sealing.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Request;
using testing::TempDir;
using testing::Uuid;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE(
    "stored bytes: a list claiming more elements than its message could carry is refused as "
    "damaged by every reader",
    "[ledger][stored]") {
  // 603 bytes whose list claims millions of zero-sized elements: before the bound, opening
  // its fields took over 10 s under ASan and its JSON 42 s, and both then succeeded.
  RecordedEvent e;
  e.seq = 1;
  e.stream = "family/F1";
  e.version = 1;
  e.type = "caseNoteAdded";
  e.bytes =
      ReadFile(std::string(CASELEDGER_TESTS_DIR) + "/fuzz/regressions/stored_event-amplified-list");
  REQUIRE(e.bytes.size() == 603);
  const FamilyKey key{1, Key256{}};
  auto opened = OpenFields(e.bytes, "F1", [&](uint32_t id) { return id == 1 ? &key : nullptr; });
  auto sealed = HasSealedFields(e.bytes);
  auto json = EventToJson(e, true);
  auto decoded = ev::Decode(e);
  for (const Status& s : {opened.status(), sealed.status(), json.status(), decoded.status()}) {
    INFO(s.ToString());
    CHECK(s.code() == Code::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("traversal limit"));
  }
}

TEST_CASE(
    "stored bytes: an event near the 1 MiB limit, 12,000 sealed attendees, is stored and read "
    "back whole",
    "[ledger][stored]") {
  std::string attendees;
  for (int i = 0; i < 12000; ++i) {
    attendees += std::string(i ? "," : "") + "\"Attendee " + std::to_string(i) + "\"";
  }
  auto meeting = ParseEventJson(
      R"({"eventId":")" + Uuid(1) +
      R"(","type":"tafMeetingHeld","occurredAt":"2026-03-02T10:00:00Z","data":{"episodeId":"E1",)"
      R"("meetingId":"M1","kind":"initial","attendees":[)" +
      attendees + R"(],"outcome":"continue"}})");
  INFO(meeting.status().ToString());
  REQUIRE(meeting.ok());
  CHECK(meeting->words().size() * 8 > (kMaxEventBytes >> 1));
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  StoreOptions options;
  auto master = RandomKey();
  REQUIRE(master.ok());
  options.master_key = *master;
  options.read_cache_bytes = 0;  // every read below decodes the stored bytes
  auto store = testing::OpenWith(dir.str(), clock, options);
  REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Exactly(0), {*meeting})).ok());

  auto read = store->ReadStream("family/F1", 1, 10);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 1);
  const RecordedEvent& stored = read->front();
  CHECK(stored.bytes.size() > meeting->words().size() * 8);  // sealed, larger than its draft
  CHECK(stored.bytes.find("Attendee 11999") == std::string::npos);
  auto decoded = ev::Decode(stored);
  REQUIRE(decoded.ok());
  const auto* held = std::get_if<ev::TafMeetingHeld>(&decoded->body);
  REQUIRE(held != nullptr);
  REQUIRE(held->attendees.size() == 12000);
  CHECK(held->attendees.back() == "Attendee 11999");
  auto json = EventToJson(stored);
  REQUIRE(json.ok());
  CHECK_THAT(*json, Catch::Contains("\"Attendee 11999\""));
  auto has = HasSealedFields(stored.bytes);
  REQUIRE(has.ok());
  CHECK(*has);
}

}  // namespace
}  // namespace caseledger::ledger
