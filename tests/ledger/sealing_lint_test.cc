// The sealing lint: every field of a family's event that can hold personal text is Sealed,
// found by walking ledger/event.capnp's schema at runtime (as ledger/json_codec.cc and
// ledger/sealing.cc walk it), so a new kind or field cannot be added in clear by mistake.
//
// A Text (or List(Text)) field reachable from a family event's data passes only if it is
//   - marked with an annotation whose closed form the codec checks on every request (the
//     first table below: each entry says why that form cannot hold personal text, and the
//     second test proves the codec refuses a name and an address in every such field), or
//   - earlier builds' clear form of a field now sealed ($supersededBy: read only, refused in
//     a request, shown under the Sealed field's name), or
//   - named in the explicit allow-list (the second table), each with why it stays in clear.
#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/domain_event.h"
#include "ledger/event.capnp.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/schema_check.h"
#include "ledger/json_codec.h"
#include "ledger/sealing.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

namespace s = schema;

// Annotations (ledger/event.capnp) whose form internal/schema_check.cc enforces on every
// request, so that a field carrying one cannot hold a name, an address or free text.
const std::map<uint64_t, std::string> kClosedForms = {
    // $id: 1-64 of A-Z a-z 0-9 - _ (no space, so no "first last" and no address).
    {0x97ab6308cab4c581ull, "$id"},
    // $date: YYYY-MM-DD, a real calendar day.
    {0xfe579e0f5215ce91ull, "$date"},
    // $sha256: 64 lowercase hex digits (the document's content hash).
    {0xc999e0d8a5185886ull, "$sha256"},
    // $mediaType: type/subtype of RFC 6838 restricted names, no parameters, no space.
    {0xefe73892ad20d5e1ull, "$mediaType"},
    // $accessView: one of the fixed view names a read records, or "document " + a SHA-256.
    {0xf81924a3f587f063ull, "$accessView"},
};
constexpr uint64_t kSupersededBy = 0xe5484f8ae457d6e2ull;

// Fields kept in clear that no closed form covers. Each says why; keep this list short.
const std::map<std::string, std::string> kAllowList = {
    // Why a family's data went. Written just before the family's key is destroyed, so sealed
    // it would be unreadable at once; it must say, for ever, why the record is unreadable.
    // docs/DATA-PROTECTION.md tells the admin to put no personal data in it.
    {"FamilyErased.reason", "deliberately in clear: the lasting record of why the data went"},
};

// Kinds whose events are not a family's (practitioner/<id> streams: staff records). Every
// other kind of the union, present or future, is walked.
const std::set<std::string> kNotFamilyKinds = {"practitionerRegistered", "practitionerTrained",
                                               "practitionerDeactivated"};

std::string Name(capnp::StructSchema st) {
  std::string full = st.getProto().getDisplayName().cStr();
  return full.substr(st.getProto().getDisplayNamePrefixLength());
}

std::string FieldName(capnp::StructSchema::Field f) { return f.getProto().getName().cStr(); }

bool Has(capnp::StructSchema::Field f, uint64_t id) {
  for (auto a : f.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

bool IsSealed(capnp::Type t) {
  return t.isStruct() && t.asStruct() == capnp::Schema::from<s::Sealed>();
}

bool IsText(capnp::Type t) {
  return t.isText() || (t.isList() && t.asList().getElementType().isText());
}

struct TextField {
  capnp::StructSchema owner;
  capnp::StructSchema::Field field;
  std::string path;  // e.g. "familyRegistered.members[].memberId"
};

// Every Text / List(Text) field reachable from `st` (not through a Sealed).
void Collect(capnp::StructSchema st, const std::string& path, std::set<uint64_t>& seen,
             std::vector<TextField>& out) {
  if (!seen.insert(st.getProto().getId()).second) return;
  for (auto f : st.getFields()) {
    capnp::Type t = f.getType();
    const std::string at = path + "." + FieldName(f);
    if (IsText(t)) {
      out.push_back({st, f, at});
    } else if (t.isStruct() && !IsSealed(t)) {
      Collect(t.asStruct(), at, seen, out);
    } else if (t.isList() && t.asList().getElementType().isStruct() &&
               !IsSealed(t.asList().getElementType())) {
      Collect(t.asList().getElementType().asStruct(), at + "[]", seen, out);
    }
  }
}

std::vector<TextField> FamilyTextFields() {
  std::vector<TextField> out;
  std::set<uint64_t> seen;
  for (auto kind : capnp::Schema::from<s::Event>().getUnionFields()) {
    if (kNotFamilyKinds.count(FieldName(kind)) != 0) continue;
    REQUIRE(kind.getType().isStruct());
    Collect(kind.getType().asStruct(), FieldName(kind), seen, out);
  }
  return out;
}

std::string ClosedForm(capnp::StructSchema::Field f) {
  for (const auto& [id, name] : kClosedForms) {
    if (Has(f, id)) return name;
  }
  return "";
}

TEST_CASE(
    "sealing lint: every free-text field of a family event is Sealed or on the commented "
    "allow-list",
    "[ledger][sealing][lint]") {
  const std::vector<TextField> fields = FamilyTextFields();
  REQUIRE(fields.size() > 40);  // the walk reaches every kind, not only the first
  std::set<std::string> allow_used;
  std::vector<std::string> in_clear;
  for (const TextField& t : fields) {
    const std::string key = Name(t.owner) + "." + FieldName(t.field);
    if (!ClosedForm(t.field).empty()) continue;
    if (Has(t.field, kSupersededBy)) {
      // Earlier builds' form: it must name the Sealed field of the same struct that replaces it.
      const std::string by = internal::SupersededBy(t.field);
      INFO(t.path << " is superseded by " << by);
      KJ_IF_MAYBE (target, t.owner.findFieldByName(by)) {
        capnp::Type tt = target->getType();
        CHECK((IsSealed(tt) || (tt.isList() && IsSealed(tt.asList().getElementType()))));
        CHECK(t.field.getType().isList() == tt.isList());
      } else {
        FAIL("no field " << by);
      }
      continue;
    }
    if (kAllowList.count(key) != 0) {
      allow_used.insert(key);
      continue;
    }
    in_clear.push_back(t.path + " (" + key + ")");
  }
  INFO(
      "Text fields of family events that can hold personal text: make each a Sealed (a new "
      "ordinal, the old one kept with $supersededBy), or give it a closed form the codec checks");
  for (const auto& f : in_clear) UNSCOPED_INFO(f);
  CHECK(in_clear.empty());
  // The allow-list names only fields that exist and are still in clear.
  for (const auto& [key, why] : kAllowList) {
    INFO(key << ": " << why);
    CHECK(allow_used.count(key) == 1);
  }
}

TEST_CASE(
    "sealing lint: the codec refuses a name and an address in every clear field of a family "
    "event, and earlier builds' fields in any request",
    "[ledger][sealing][lint]") {
  capnp::JsonCodec codec;
  int checked = 0;
  for (const TextField& t : FamilyTextFields()) {
    if (kAllowList.count(Name(t.owner) + "." + FieldName(t.field)) != 0) continue;
    const std::string name = FieldName(t.field);
    const std::string value = "\"Jane Smith, 12 Elm Road\"";
    const std::string json =
        "{\"" + name + "\":" + (t.field.getType().isList() ? "[" + value + "]" : value) + "}";
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<capnp::JsonValue>();
    codec.decodeRaw(kj::StringPtr(json.c_str()), root);
    const Status s = internal::SchemaCheck().Object(root.asReader(), t.owner, "data");
    INFO(t.path << " (" << (ClosedForm(t.field).empty() ? "$supersededBy" : ClosedForm(t.field))
                << "): " << s.ToString());
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.field() == "data." + name);  // refused for this field's value, not another's
    ++checked;
  }
  CHECK(checked > 40);
}

TEST_CASE(
    "sealing lint: a field sealed after earlier builds keeps its JSON name in requests "
    "(concernReceived kind, caseNoteAdded sourceAgency)",
    "[ledger][sealing][lint]") {
  auto concern =
      ParseEventData("concernReceived",
                     R"({"concernId":"C1","source":"police","kind":"domesticAbuseNotification",)"
                     R"("summary":"s","aboveThreshold":false})");
  INFO(concern.status().ToString());
  REQUIRE(concern.ok());
  auto note = ParseEventData("caseNoteAdded", R"({"episodeId":"E1","noteId":"N1","category":)"
                                              R"("contact","text":"t","significant":false,)"
                                              R"("sourceAgency":"Elm Road Surgery"})");
  INFO(note.status().ToString());
  REQUIRE(note.ok());
  auto old_name =
      ParseEventData("concernReceived",
                     R"({"concernId":"C1","source":"police","kindV1":"x","kind":"k","summary":"s",)"
                     R"("aboveThreshold":false})");
  CHECK(old_name.status().field() == "data.kindV1");
}

// An event as an earlier build wrote it: the fields now sealed still in their Text form.
EventDraft EarlierBuildsEvent(uint64_t n, const std::function<void(s::Event::Builder)>& fill) {
  capnp::MallocMessageBuilder message;
  auto e = message.initRoot<s::Event>();
  auto id = EventId::Parse(testing::Uuid(n, 0xe1));
  REQUIRE(id.ok());
  e.setEventId(capnp::Data::Reader(id->bytes.data(), id->bytes.size()));
  e.setOccurredAt(testing::kMarch2 - 3600 * 1000000LL);
  fill(e);
  std::vector<uint64_t> words = internal::FlatWords(message);
  const Hash content = internal::ContentHash(words);
  std::string type;
  KJ_IF_MAYBE (kind, capnp::toDynamic(e.asReader()).which()) {
    type = kind->getProto().getName().cStr();
  }
  return EventDraft(*id, type, e.getOccurredAt(), 0, std::move(words), content);
}

TEST_CASE(
    "schema evolution: events an earlier build stored with kind, sourceAgency, services, owner "
    "and purpose in clear still decode, verify and read under the same JSON names",
    "[ledger][sealing][evolution]") {
  testing::TempDir dir;
  ManualClock clock(testing::kMarch2);
  StoreOptions options;
  auto master = RandomKey();
  REQUIRE(master.ok());
  options.master_key = *master;
  auto store = testing::OpenWith(dir.str(), clock, options);
  std::vector<EventDraft> family = {EarlierBuildsEvent(1,
                                                       [](s::Event::Builder e) {
                                                         auto c = e.initConcernReceived();
                                                         c.setConcernId("K1");
                                                         c.setKindV1("domesticAbuseNotification");
                                                         c.initSummary().setClear("a summary");
                                                       }),
                                    EarlierBuildsEvent(2,
                                                       [](s::Event::Builder e) {
                                                         auto n = e.initCaseNoteAdded();
                                                         n.setEpisodeId("E1");
                                                         n.setNoteId("N1");
                                                         n.initText().setClear("a note");
                                                         n.setSourceAgencyV1("school");
                                                       }),
                                    EarlierBuildsEvent(3,
                                                       [](s::Event::Builder e) {
                                                         auto g = e.initSignposted();
                                                         auto services = g.initServicesV1(2);
                                                         services.set(0, "library");
                                                         services.set(1, "food bank");
                                                       }),
                                    EarlierBuildsEvent(4, [](s::Event::Builder e) {
                                      auto p = e.initActionPlanUpdated();
                                      p.setEpisodeId("E1");
                                      p.setMeetingId("M1");
                                      auto a = p.initActions(1)[0];
                                      a.setActionId("A1");
                                      a.initDescription().setClear("do it");
                                      a.setOwnerV1("school nurse");
                                      a.setDueOn("2026-04-01");
                                    })};
  REQUIRE(store->Append(testing::Request("family/F1", ExpectedVersion::Exactly(0), family)).ok());
  AppendRequest read = testing::Request("access", ExpectedVersion::Any(),
                                        {EarlierBuildsEvent(5, [](s::Event::Builder e) {
                                          auto v = e.initRecordViewed();
                                          v.setFamilyId("F1");
                                          v.setView("state");
                                          v.setPurposeV1("SAR-17");
                                        })});
  REQUIRE(store->Append(std::move(read)).ok());

  auto log = store->ReadLog(0, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 5);
  const std::vector<std::string> expected = {R"("kind":"domesticAbuseNotification")",
                                             R"("sourceAgency":"school")",
                                             R"("services":["library","food bank"])",
                                             R"("owner":"school nurse")", R"("purpose":"SAR-17")"};
  for (size_t i = 0; i < log->size(); ++i) {
    const RecordedEvent& e = (*log)[i];
    auto json = EventToJson(e);
    INFO(json.status().ToString());
    REQUIRE(json.ok());
    CHECK_THAT(*json, Catch::Contains(expected[i]));
    CHECK_THAT(*json, !Catch::Contains("V1"));
    auto decoded = ev::Decode(e);
    REQUIRE(decoded.ok());
  }
  auto concern = ev::Decode((*log)[0]);
  CHECK(std::get<ev::ConcernReceived>(concern->body).kind == "domesticAbuseNotification");
  CHECK(std::get<ev::ConcernReceived>(concern->body).summary == "a summary");
  auto note = ev::Decode((*log)[1]);
  CHECK(std::get<ev::CaseNoteAdded>(note->body).source_agency == "school");
  auto signposted = ev::Decode((*log)[2]);
  CHECK(std::get<ev::Signposted>(signposted->body).services ==
        std::vector<std::string>{"library", "food bank"});
  auto plan = ev::Decode((*log)[3]);
  CHECK(std::get<ev::ActionPlanUpdated>(plan->body).actions.at(0).owner == "school nurse");
  auto viewed = ev::Decode((*log)[4]);
  CHECK(std::get<ev::RecordViewed>(viewed->body).purpose == "SAR-17");
  CHECK(store->Verify(std::nullopt).ok());
}

}  // namespace
}  // namespace caseledger::ledger
