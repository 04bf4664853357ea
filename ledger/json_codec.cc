// JSON <-> events. Requests are first walked against the schema (SchemaCheck), which names
// the offending field; only then does Cap'n Proto's codec decode them, so its exceptions mean
// a gap in the check and are still caught (this file is "the codec" of STYLE.md item 4).
// Before both, the text itself is judged (DecodeJson, internal/json_text.h): no raw control
// character, \u escapes decoded there (Cap'n Proto 0.9.2 decodes them wrongly), and every
// string and field name UTF-8 without NUL. DraftOf (internal/codec.h) makes the draft, as it
// does for EncodeDraft (domain_event.h).
#include "ledger/json_codec.h"

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/encoding.h>
#include <kj/exception.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "ledger/event.capnp.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/json_text.h"
#include "ledger/internal/schema_check.h"
#include "ledger/time_format.h"

namespace caseledger::ledger {
namespace {

using capnp::JsonValue;
using internal::DecodeJson;
using internal::SchemaCheck;
using internal::ShortName;
using internal::Str;
using schema::Event;
using schema::Sealed;

// Error messages name the field and what it must be, never the value sent: a value put in the
// wrong field may be personal data, and errors reach logs and other people's screens.
constexpr const char* kExampleTime = "2026-03-02T10:15:00Z";

// A Sealed is a plain string in JSON (or, for $jsonText fields, any JSON value's text).
class SealedHandler final : public capnp::JsonCodec::Handler<Sealed> {
 public:
  explicit SealedHandler(bool json_text) : json_text_(json_text) {}
  void encode(const capnp::JsonCodec& codec, Sealed::Reader input,
              JsonValue::Builder output) const override {
    if (!input.isClear()) {
      output.setNull();  // sealed under a family key: the data-protection layer opens it
    } else if (json_text_) {
      codec.decodeRaw(input.getClear(), output);
    } else {
      output.setString(input.getClear());
    }
  }
  void decode(const capnp::JsonCodec& codec, JsonValue::Reader input,
              Sealed::Builder output) const override {
    if (json_text_) {
      output.setClear(codec.encodeRaw(input));
    } else {
      output.setClear(input.getString());
    }
  }

 private:
  bool json_text_;
};

// The codec with caseledger's handlers; one per thread (it is immutable once set up).
struct Codec {
  Codec() : plain(false), json_text(true) {
    codec.addTypeHandler(plain);
    auto corrected = capnp::Schema::from<schema::RecordCorrected>();
    codec.addFieldHandler(corrected.getFieldByName("replacement"), json_text);
  }
  SealedHandler plain;
  SealedHandler json_text;
  capnp::JsonCodec codec;
};

capnp::JsonCodec& TheCodec() {
  thread_local Codec c;
  return c.codec;
}

// Whether `s`, or any struct within it, has a field of earlier builds ($supersededBy) set.
bool HasSuperseded(capnp::DynamicStruct::Reader s) {
  auto visit = [](capnp::DynamicStruct::Reader st, capnp::StructSchema::Field f) {
    if (!st.has(f)) return false;
    if (internal::IsSupersededField(f)) return true;
    capnp::Type t = f.getType();
    if (t.isStruct() && t.asStruct() != capnp::Schema::from<Sealed>()) {
      return HasSuperseded(st.get(f).as<capnp::DynamicStruct>());
    }
    if (t.isList() && t.asList().getElementType().isStruct() &&
        t.asList().getElementType().asStruct() != capnp::Schema::from<Sealed>()) {
      for (auto item : st.get(f).as<capnp::DynamicList>()) {
        if (HasSuperseded(item.as<capnp::DynamicStruct>())) return true;
      }
    }
    return false;
  };
  for (auto f : s.getSchema().getNonUnionFields()) {
    if (visit(s, f)) return true;
  }
  KJ_IF_MAYBE (active, s.which()) {
    return visit(s, *active);
  }
  return false;
}

// Moves every field of earlier builds set in `s` (and the structs within it) to the Sealed
// field that supersedes it, as a clear value, so that an earlier event reads under the same
// JSON names as a new one.
void UpgradeSuperseded(capnp::DynamicStruct::Builder s) {
  auto visit = [](capnp::DynamicStruct::Builder st, capnp::StructSchema::Field f) {
    if (!st.has(f)) return;
    capnp::Type t = f.getType();
    if (internal::IsSupersededField(f)) {
      auto target = st.getSchema().getFieldByName(internal::SupersededBy(f));
      if (!st.has(target)) {
        if (t.isText()) {
          st.init(target).as<Sealed>().setClear(st.get(f).as<capnp::Text>());
        } else {
          auto from = st.get(f).as<capnp::List<capnp::Text>>();
          auto to = st.init(target, from.size()).as<capnp::List<Sealed>>();
          for (uint i = 0; i < from.size(); ++i) to[i].setClear(from[i]);
        }
      }
      st.clear(f);
    } else if (t.isStruct()) {
      UpgradeSuperseded(st.get(f).as<capnp::DynamicStruct>());
    } else if (t.isList() && t.asList().getElementType().isStruct()) {
      auto list = st.get(f).as<capnp::DynamicList>();
      for (uint i = 0; i < list.size(); ++i) UpgradeSuperseded(list[i].as<capnp::DynamicStruct>());
    }
  };
  for (auto f : s.getSchema().getNonUnionFields()) visit(s, f);
  KJ_IF_MAYBE (active, s.which()) {
    visit(s, *active);
  }
}

// An RFC 3339 time, at an offset some time zone uses: RFC 3339 allows up to 23:59 either way,
// but none is further from UTC than -12:00 or +14:00, so such a time is a mistake or a forgery.
Result<int64_t> ParseEventTime(std::string_view text, const std::string& field) {
  auto at = ParseRfc3339(text);
  bool in_use = true;
  if (at.ok() && text.size() > 6 &&
      (text[text.size() - 6] == '+' || text[text.size() - 6] == '-')) {
    const std::string_view off = text.substr(text.size() - 6);
    const int minutes =
        ((off[1] - '0') * 10 + (off[2] - '0')) * 60 + (off[4] - '0') * 10 + (off[5] - '0');
    in_use = minutes <= (off[0] == '+' ? 14 * 60 : 12 * 60);
  }
  if (!at.ok() || !in_use) {  // named, not repeated: a value in the wrong field may be personal
    return Status::InvalidArgument(field +
                                       " must be an RFC 3339 time with the offset of a time zone "
                                       "(-12:00 to +14:00), e.g. " +
                                       kExampleTime,
                                   field);
  }
  return *at;
}

const JsonValue::Reader* FindKey(capnp::List<JsonValue::Field>::Reader fields, std::string_view key,
                                 JsonValue::Reader* out) {
  for (auto f : fields) {
    if (std::string_view(f.getName().cStr(), f.getName().size()) == key) {
      *out = f.getValue();
      return out;
    }
  }
  return nullptr;
}

std::string At(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

Status OnlyKeys(JsonValue::Reader obj, std::initializer_list<std::string_view> allowed,
                std::string_view path) {
  std::set<std::string> seen;
  for (auto f : obj.getObject()) {
    std::string name = ShortName(Str(f.getName()));
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return Status::InvalidArgument("unknown field " + At(path, name), At(path, name));
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(At(path, name) + " appears twice", At(path, name));
    }
  }
  return Status();
}

Result<std::string> RequiredString(JsonValue::Reader obj, std::string_view key,
                                   std::string_view path) {
  JsonValue::Reader v;
  if (FindKey(obj.getObject(), key, &v) == nullptr) {
    return Status::InvalidArgument("missing required field " + At(path, key), At(path, key));
  }
  if (!v.isString()) {
    return Status::InvalidArgument(At(path, key) + " must be a string", At(path, key));
  }
  return Str(v.getString());
}

Result<EventDraft> DraftFromJson(JsonValue::Reader obj, std::string_view path) {
  if (!obj.isObject()) {
    return Status::InvalidArgument(std::string(path) + " must be an object", std::string(path));
  }
  CL_RETURN_IF_ERROR(OnlyKeys(obj, {"eventId", "type", "occurredAt", "data"}, path));
  CL_ASSIGN_OR_RETURN(std::string id_text, RequiredString(obj, "eventId", path));
  auto id = EventId::Parse(id_text);
  if (!id.ok()) return Status::InvalidArgument(id.status().message(), At(path, "eventId"));
  CL_ASSIGN_OR_RETURN(std::string type, RequiredString(obj, "type", path));
  CL_ASSIGN_OR_RETURN(std::string occurred_text, RequiredString(obj, "occurredAt", path));
  CL_ASSIGN_OR_RETURN(int64_t occurred, ParseEventTime(occurred_text, At(path, "occurredAt")));
  capnp::StructSchema::Field body_field;
  KJ_IF_MAYBE (found, capnp::Schema::from<Event>().findFieldByName(type)) {
    body_field = *found;
  }
  // The name found must be the whole type: the lookup reads the type only up to a NUL.
  if (body_field == capnp::StructSchema::Field() || Str(body_field.getProto().getName()) != type ||
      body_field.getProto().getDiscriminantValue() == capnp::schema::Field::NO_DISCRIMINANT) {
    return Status::InvalidArgument(At(path, "type") + " is not an event type (docs/events.md lists them)",
                                   At(path, "type"));
  }
  JsonValue::Reader data;
  if (FindKey(obj.getObject(), "data", &data) == nullptr) {
    return Status::InvalidArgument("missing required field " + At(path, "data"), At(path, "data"));
  }
  SchemaCheck check;
  CL_RETURN_IF_ERROR(check.Object(data, body_field.getType().asStruct(), At(path, "data")));

  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  event.setEventId(capnp::Data::Reader(id->bytes.data(), id->bytes.size()));
  event.setOccurredAt(occurred);
  try {
    auto dynamic = capnp::toDynamic(event);
    TheCodec().decode(data, dynamic.init(body_field).as<capnp::DynamicStruct>());
  } catch (const kj::Exception& ex) {
    return Status::InvalidArgument(At(path, "data") + ": " + ex.getDescription().cStr(),
                                   At(path, "data"));
  }
  return internal::DraftOf(message, *id, std::move(type), occurred, At(path, "data"));
}

Result<ExpectedVersion> ParseExpected(JsonValue::Reader obj) {
  JsonValue::Reader v;
  if (FindKey(obj.getObject(), "expectedVersion", &v) == nullptr) {
    return Status::InvalidArgument(
        "missing required field expectedVersion (a number, 0 for a new stream, or \"any\")",
        "expectedVersion");
  }
  if (v.isString() && Str(v.getString()) == "any") return ExpectedVersion::Any();
  if (v.isNumber() && v.getNumber() >= 0 && v.getNumber() <= 4294967295.0 &&
      std::floor(v.getNumber()) == v.getNumber()) {
    return ExpectedVersion::Exactly(static_cast<uint32_t>(v.getNumber()));
  }
  return Status::InvalidArgument(
      "expectedVersion must be a whole number (0 for a new stream) or \"any\"", "expectedVersion");
}

Result<Actor> ParseActor(JsonValue::Reader obj) {
  JsonValue::Reader v;
  if (FindKey(obj.getObject(), "actor", &v) == nullptr) {
    return Status::InvalidArgument("missing required field actor", "actor");
  }
  if (!v.isObject()) return Status::InvalidArgument("actor must be an object", "actor");
  CL_RETURN_IF_ERROR(OnlyKeys(v, {"id", "role", "agency", "tokenId"}, "actor"));
  Actor actor;
  CL_ASSIGN_OR_RETURN(actor.id, RequiredString(v, "id", "actor"));
  if (!IsValidId(actor.id)) {
    return Status::InvalidArgument("actor.id must be an id of 1-64 characters A-Z a-z 0-9 - _",
                                   "actor.id");
  }
  CL_ASSIGN_OR_RETURN(actor.role, RequiredString(v, "role", "actor"));
  // The roles of DOMAIN.md "Who reads and writes" (api/tokens.h, RoleName): the rules judge
  // by role, so a role they do not know ("Practitioner") would pass the practitioner's checks.
  static constexpr std::string_view kRoles[] = {
      "practitioner", "helpdesk", "triage-manager", "coordinator", "auditor", "dashboard", "admin"};
  if (std::find(std::begin(kRoles), std::end(kRoles), actor.role) == std::end(kRoles)) {
    return Status::InvalidArgument(
        "actor.role must be one of practitioner, helpdesk, triage-manager, coordinator, auditor, "
        "dashboard, admin",
        "actor.role");
  }
  JsonValue::Reader opt;
  if (FindKey(v.getObject(), "agency", &opt) != nullptr) {
    CL_ASSIGN_OR_RETURN(actor.agency, RequiredString(v, "agency", "actor"));
  }
  if (FindKey(v.getObject(), "tokenId", &opt) != nullptr) {
    CL_ASSIGN_OR_RETURN(actor.token_id, RequiredString(v, "tokenId", "actor"));
  }
  return actor;
}

Status ParseFixtureDirectives(JsonValue::Reader root, FixtureDirectives* out) {
  JsonValue::Reader v;
  if (FindKey(root.getObject(), "recordedAt", &v) != nullptr) {
    CL_ASSIGN_OR_RETURN(std::string text, RequiredString(root, "recordedAt", ""));
    CL_ASSIGN_OR_RETURN(out->recorded_at, ParseEventTime(text, "recordedAt"));
  }
  if (FindKey(root.getObject(), "expectRefusal", &v) != nullptr) {
    CL_ASSIGN_OR_RETURN(out->expect_refusal, RequiredString(root, "expectRefusal", ""));
  }
  return Status();
}

Result<AppendRequest> AppendFromJson(JsonValue::Reader root, AppendJsonForm form,
                                     std::string_view stream, const Actor& actor,
                                     FixtureDirectives* directives) {
  if (!root.isObject()) return Status::InvalidArgument("the request must be a JSON object");
  AppendRequest req;
  if (form == AppendJsonForm::kImportLine || form == AppendJsonForm::kFixtureLine) {
    if (form == AppendJsonForm::kFixtureLine) {
      CL_RETURN_IF_ERROR(OnlyKeys(
          root, {"stream", "expectedVersion", "actor", "events", "recordedAt", "expectRefusal"},
          ""));
      FixtureDirectives ignored;
      CL_RETURN_IF_ERROR(
          ParseFixtureDirectives(root, directives != nullptr ? directives : &ignored));
    } else {
      CL_RETURN_IF_ERROR(OnlyKeys(root, {"stream", "expectedVersion", "actor", "events"}, ""));
    }
    CL_ASSIGN_OR_RETURN(req.stream, RequiredString(root, "stream", ""));
    CL_ASSIGN_OR_RETURN(req.actor, ParseActor(root));
  } else {
    CL_RETURN_IF_ERROR(OnlyKeys(root, {"expectedVersion", "events"}, ""));
    req.stream = std::string(stream);
    req.actor = actor;
  }
  CL_RETURN_IF_ERROR(ValidateStreamName(req.stream));
  CL_ASSIGN_OR_RETURN(req.expected, ParseExpected(root));
  JsonValue::Reader events;
  if (FindKey(root.getObject(), "events", &events) == nullptr || !events.isArray() ||
      events.getArray().size() == 0) {
    return Status::InvalidArgument("events must be a non-empty array", "events");
  }
  if (events.getArray().size() > kMaxEventsPerRequest) {
    return Status::InvalidArgument(
        "at most " + std::to_string(kMaxEventsPerRequest) + " events per request", "events");
  }
  std::set<EventId> ids;
  unsigned i = 0;
  for (auto e : events.getArray()) {
    std::string path = "events[" + std::to_string(i++) + "]";
    CL_ASSIGN_OR_RETURN(EventDraft draft, DraftFromJson(e, path));
    if (!ids.insert(draft.id()).second) {
      return Status::InvalidArgument(
          "eventId " + draft.id().ToString() + " appears twice in the request", path + ".eventId");
    }
    req.events.push_back(std::move(draft));
  }
  return req;
}

}  // namespace

Result<AppendRequest> ParseAppendJson(std::string_view json, AppendJsonForm form,
                                      std::string_view stream, const Actor& actor,
                                      FixtureDirectives* directives) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<JsonValue>();
  CL_RETURN_IF_ERROR(DecodeJson(json, root, "", ""));
  return AppendFromJson(root.asReader(), form, stream, actor, directives);
}

Result<EventDraft> ParseEventData(std::string_view type, std::string_view data_json) {
  // One JSON object and nothing after it: the text is spliced into an event below, where
  // anything else could add fields of its own (a second "type", an "occurredAt").
  {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<JsonValue>();
    CL_RETURN_IF_ERROR(DecodeJson(data_json, root, "data", "data"));
    if (root.which() != JsonValue::OBJECT) {
      return Status::InvalidArgument("data must be a JSON object", "data");
    }
  }
  std::string event =
      "{\"eventId\":\"00000000-0000-0000-0000-000000000000\",\"type\":" + JsonQuote(type) +
      ",\"occurredAt\":\"1970-01-01T00:00:00Z\",\"data\":";
  event.append(data_json);
  event.push_back('}');
  return ParseEventJson(event);
}

Result<EventDraft> ParseEventJson(std::string_view json, std::string_view path) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<JsonValue>();
  CL_RETURN_IF_ERROR(DecodeJson(json, root, std::string(path), ""));
  return DraftFromJson(root.asReader(), path);
}

Result<std::string> EventToJson(const RecordedEvent& event, bool with_raw) {
  std::vector<uint64_t> words = internal::AlignedWords(event.message());
  try {
    capnp::FlatArrayMessageReader reader(internal::AsWords(words),
                                         internal::ReaderLimits(words.size()));
    capnp::DynamicStruct::Reader dynamic = capnp::toDynamic(reader.getRoot<Event>());
    capnp::MallocMessageBuilder upgraded;
    KJ_IF_MAYBE (kind, dynamic.which()) {
      // Only the body is encoded, so only the body is looked at.
      if (HasSuperseded(dynamic.get(*kind).as<capnp::DynamicStruct>())) {  // an earlier build's
        upgraded.setRoot(reader.getRoot<Event>());
        UpgradeSuperseded(capnp::toDynamic(upgraded.getRoot<Event>()));
        dynamic = capnp::toDynamic(upgraded.getRoot<Event>().asReader());
      }
    }
    KJ_IF_MAYBE (body, dynamic.which()) {
      capnp::MallocMessageBuilder out;
      auto root = out.initRoot<JsonValue>();
      auto fields = root.initObject(10 + (event.corrects != 0) + with_raw);
      unsigned i = 0;
      auto put = [&](const char* name) {
        fields[i].setName(name);
        return fields[i++].initValue();
      };
      put("seq").setNumber(static_cast<double>(event.seq));
      put("stream").setString(event.stream);
      put("version").setNumber(event.version);
      put("eventId").setString(event.event_id.ToString());
      put("type").setString(event.type);
      put("occurredAt").setString(FormatRfc3339(event.occurred_at));
      put("recordedAt").setString(FormatRfc3339(event.recorded_at));
      auto actor = put("actor").initObject(2);
      actor[0].setName("id");
      actor[0].initValue().setString(event.actor.id);
      actor[1].setName("role");
      actor[1].initValue().setString(event.actor.role);
      TheCodec().encode(dynamic.get(*body), body->getType(), put("data"));
      put("leafHash").setString(ToHex(event.leaf_hash));
      if (event.corrects != 0) put("corrects").setNumber(static_cast<double>(event.corrects));
      if (with_raw) {
        auto b64 = kj::encodeBase64(kj::arrayPtr(
            reinterpret_cast<const kj::byte*>(event.bytes.data()), event.bytes.size()));
        put("raw").setString(b64);
      }
      kj::String text = TheCodec().encodeRaw(root.asReader());
      return std::string(text.cStr(), text.size());
    }
    return Status::DataLoss("event seq " + std::to_string(event.seq) + " has an unknown kind",
                            event.seq);
  } catch (const kj::Exception& ex) {
    return Status::DataLoss("event seq " + std::to_string(event.seq) +
                                " does not encode as JSON: " + ex.getDescription().cStr(),
                            event.seq);
  }
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string StatusToJson(const Status& status) {
  std::string out = "{\"error\":{\"code\":" + JsonQuote(CodeName(status.code())) +
                    ",\"message\":" + JsonQuote(status.message());
  if (!status.field().empty()) out += ",\"field\":" + JsonQuote(status.field());
  if (!status.rule().empty()) out += ",\"rule\":" + JsonQuote(status.rule());
  if (!status.details().empty()) out += ",\"details\":" + status.details();
  if (status.code() == Code::kAborted && status.current_version()) {
    out += ",\"currentVersion\":" + std::to_string(*status.current_version());
  }
  if (status.code() == Code::kDataLoss && status.seq() != 0) {
    out += ",\"seq\":" + std::to_string(status.seq());
  }
  return out + "}}";
}

}  // namespace caseledger::ledger
