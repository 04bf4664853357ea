#include "ledger/json_schema.h"

#include <capnp/schema.h>

#include <map>

#include "ledger/event.capnp.h"
#include "ledger/internal/schema_check.h"
#include "ledger/json_codec.h"

namespace caseledger::ledger {
namespace {

using internal::FieldForm;
using internal::Str;

class Describer {
 public:
  // The schema of a value of type `t` whose field has the form `f`.
  std::string Type(capnp::Type t, const FieldForm& f) {
    switch (t.which()) {
      case capnp::schema::Type::BOOL:
        return R"({"type":"boolean"})";
      case capnp::schema::Type::INT8:
      case capnp::schema::Type::INT16:
      case capnp::schema::Type::INT32:
      case capnp::schema::Type::INT64:
        return R"({"type":"integer"})";
      case capnp::schema::Type::UINT8:
      case capnp::schema::Type::UINT16:
      case capnp::schema::Type::UINT32:
      case capnp::schema::Type::UINT64:
        return R"({"type":"integer","minimum":0})";
      case capnp::schema::Type::FLOAT32:
      case capnp::schema::Type::FLOAT64:
        return R"({"type":"number"})";
      case capnp::schema::Type::TEXT:
        return Text(f);
      case capnp::schema::Type::DATA:
        return R"({"type":"string","format":"byte"})";
      case capnp::schema::Type::LIST:
        return R"({"type":"array","items":)" + Type(t.asList().getElementType(), f) + "}";
      case capnp::schema::Type::ENUM: {
        std::string out = R"({"type":"string","enum":[)";
        bool first = true;
        for (auto e : t.asEnum().getEnumerants()) {
          out += (first ? "" : ",") + JsonQuote(Str(e.getProto().getName()));
          first = false;
        }
        return out + "]}";
      }
      case capnp::schema::Type::STRUCT: {
        auto s = t.asStruct();
        if (s == capnp::Schema::from<schema::Sealed>()) {
          // In JSON a Sealed is its clear text; a $jsonText one any JSON value.
          return f.json_text ? "{}" : Text(f);
        }
        return Ref(s);
      }
      default:
        return "{}";
    }
  }

  // "#/components/schemas/Name" for struct `s`, described once.
  std::string Ref(capnp::StructSchema s) {
    const std::string name = Str(s.getShortDisplayName());
    if (!described_.count(name)) {
      described_[name] = "";  // before its fields: a struct naming itself ends here
      described_[name] = Struct(s);
      order_.push_back(name);
    }
    return R"({"$ref":"#/components/schemas/)" + name + R"("})";
  }

  std::string Components() const {
    std::string out;
    for (const std::string& name : order_) {
      out += (out.empty() ? "" : ",") + JsonQuote(name) + ":" + described_.at(name);
    }
    return out;
  }

 private:
  static std::string Text(const FieldForm& f) {
    if (f.date)
      return R"({"type":"string","format":"date","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})";
    if (f.id) return R"({"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$"})";
    if (f.sha256) return R"({"type":"string","pattern":"^[0-9a-f]{64}$"})";
    if (f.media_type) {
      return R"({"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$"})";
    }
    return R"({"type":"string"})";
  }

  std::string Struct(capnp::StructSchema s) {
    std::string properties, required;
    for (auto field : s.getFields()) {
      const FieldForm f = internal::FormOf(field);
      if (f.superseded) continue;  // read only: never in a request
      const std::string name = Str(field.getProto().getName());
      properties +=
          (properties.empty() ? "" : ",") + JsonQuote(name) + ":" + Type(field.getType(), f);
      if (!f.optional) required += (required.empty() ? "" : ",") + JsonQuote(name);
    }
    return R"({"type":"object","additionalProperties":false)" +
           (required.empty() ? std::string() : ",\"required\":[" + required + "]") +
           ",\"properties\":{" + properties + "}}";
  }

  std::map<std::string, std::string> described_;
  std::vector<std::string> order_;
};

}  // namespace

EventSchemas DescribeEventData(const std::function<bool(std::string_view type)>& include) {
  EventSchemas out;
  Describer d;
  auto event = capnp::Schema::from<schema::Event>();
  for (auto field : event.getUnionFields()) {
    auto type = field.getType();
    if (!type.isStruct() || !include(Str(field.getProto().getName()))) continue;
    d.Ref(type.asStruct());
    out.kinds.push_back(
        {Str(field.getProto().getName()), Str(type.asStruct().getShortDisplayName())});
  }
  out.components = d.Components();
  return out;
}

}  // namespace caseledger::ledger
