#include "ledger/internal/schema_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "ledger/access_view.h"
#include "ledger/event.capnp.h"
#include "ledger/event.h"
#include "ledger/internal/json_text.h"
#include "ledger/time_format.h"

namespace caseledger::ledger::internal {
namespace {

using capnp::JsonValue;

// Annotation ids, as declared in ledger/event.capnp.
constexpr uint64_t kOptional = 0xd651d761ef04b401ull;
constexpr uint64_t kDate = 0xfe579e0f5215ce91ull;
constexpr uint64_t kId = 0x97ab6308cab4c581ull;
constexpr uint64_t kJsonText = 0x806d16aaf602aa71ull;
constexpr uint64_t kSha256 = 0xc999e0d8a5185886ull;
constexpr uint64_t kMediaType = 0xefe73892ad20d5e1ull;
constexpr uint64_t kAccessView = 0xf81924a3f587f063ull;
constexpr uint64_t kSupersededBy = 0xe5484f8ae457d6e2ull;

bool Has(capnp::StructSchema::Field field, uint64_t annotation) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == annotation) return true;
  }
  return false;
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

Status Bad(const std::string& at, const std::string& what) {
  return Status::InvalidArgument(at + " " + what, at);
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// RFC 6838 restricted-name: a letter or digit, then up to 126 of A-Z a-z 0-9 ! # $ & - ^ _ . +
bool IsRestrictedName(std::string_view s) {
  if (s.empty() || s.size() > 127 || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
  });
}

bool IsMediaType(std::string_view s) {
  const size_t slash = s.find('/');
  return slash != s.npos && IsRestrictedName(s.substr(0, slash)) &&
         IsRestrictedName(s.substr(slash + 1));
}

// The form `f`'s annotations give its text ("" for a value that is not text): a $date, an
// $id, and for text kept in clear, which must not be able to hold personal text, a closed
// form ($sha256, $mediaType, $accessView).
Status TextForm(capnp::StructSchema::Field f, std::string_view text, const std::string& at) {
  if (Has(f, kDate) && !IsIsoDate(text)) return Bad(at, "must be a date YYYY-MM-DD");
  if (Has(f, kId) && !IsValidId(text)) {
    return Bad(at, "must be an id of 1-64 characters A-Z a-z 0-9 - _");
  }
  if (Has(f, kSha256) && !IsSha256Hex(text)) {
    return Bad(at, "must be a SHA-256 in 64 lowercase hex digits");
  }
  if (Has(f, kMediaType) && !IsMediaType(text)) {
    return Bad(at, "must be a media type type/subtype, e.g. application/pdf, without parameters");
  }
  if (Has(f, kAccessView) && !IsAccessView(text)) {
    return Bad(at, "must name a view the server records (state, chronology, events...)");
  }
  return Status();
}

// A JSON number's bounds for an integer of type `t`: what SchemaCheck::Integer accepts.
Status IntegerRange(double d, capnp::Type t, const std::string& at) {
  using W = capnp::schema::Type::Which;
  bool is_unsigned = t.which() == W::UINT8 || t.which() == W::UINT16 || t.which() == W::UINT32 ||
                     t.which() == W::UINT64;
  if (is_unsigned && d < 0) return Bad(at, "must not be negative");
  if (std::fabs(d) > 9007199254740991.0) return Bad(at, "is too large");
  if (t.which() == W::UINT32 && d > 4294967295.0) return Bad(at, "is too large");
  return Status();
}

Status BuiltValue(capnp::DynamicValue::Reader v, capnp::StructSchema::Field f, capnp::Type t,
                  const std::string& at);

// A Sealed as a request makes it: in clear, UTF-8 without NUL, in its field's form.
Status BuiltSealed(capnp::DynamicStruct::Reader sealed, capnp::StructSchema::Field f,
                   const std::string& at) {
  auto s = sealed.as<schema::Sealed>();
  if (s.which() != schema::Sealed::CLEAR) return Bad(at, "must be in clear in a draft");
  const std::string_view text(s.getClear().cStr(), s.getClear().size());
  if (!IsUtf8Text(text)) return Bad(at, "must be UTF-8 text without NUL characters");
  if (Has(f, kJsonText)) return Status();  // made by JsonObjectText, from a JSON object
  return TextForm(f, text, at);
}

Status BuiltValue(capnp::DynamicValue::Reader v, capnp::StructSchema::Field f, capnp::Type t,
                  const std::string& at) {
  using W = capnp::schema::Type::Which;
  switch (t.which()) {
    case W::TEXT: {
      auto text = v.as<capnp::Text>();
      const std::string_view view(text.cStr(), text.size());
      if (!IsUtf8Text(view)) return Bad(at, "must be UTF-8 text without NUL characters");
      return TextForm(f, view, at);
    }
    case W::BOOL:
    case W::FLOAT32:
    case W::FLOAT64:
      return Status();
    case W::INT8:
    case W::INT16:
    case W::INT32:
    case W::INT64:
      return IntegerRange(static_cast<double>(v.as<int64_t>()), t, at);
    case W::UINT8:
    case W::UINT16:
    case W::UINT32:
    case W::UINT64:
      return IntegerRange(static_cast<double>(v.as<uint64_t>()), t, at);
    case W::ENUM:
      if (v.as<capnp::DynamicEnum>().getEnumerant() == nullptr) {
        return Bad(at, "is not an enumerant of the schema");
      }
      return Status();
    case W::LIST: {
      auto items = v.as<capnp::DynamicList>();
      for (unsigned i = 0; i < items.size(); ++i) {
        CL_RETURN_IF_ERROR(BuiltValue(items[i], f, t.asList().getElementType(),
                                      at + "[" + std::to_string(i) + "]"));
      }
      return Status();
    }
    case W::STRUCT:
      if (t.asStruct() == capnp::Schema::from<schema::Sealed>()) {
        return BuiltSealed(v.as<capnp::DynamicStruct>(), f, at);
      }
      return CheckBuilt(v.as<capnp::DynamicStruct>(), at);
    case W::VOID:
    case W::DATA:
    case W::INTERFACE:
    case W::ANY_POINTER:
      break;
  }
  return Status::Internal(at + " has a type the draft checker does not handle");
}

}  // namespace

FieldForm FormOf(capnp::StructSchema::Field field) {
  FieldForm f;
  f.optional = Has(field, kOptional);
  f.date = Has(field, kDate);
  f.id = Has(field, kId);
  f.json_text = Has(field, kJsonText);
  f.sha256 = Has(field, kSha256);
  f.media_type = Has(field, kMediaType);
  f.access_view = Has(field, kAccessView);
  f.superseded = Has(field, kSupersededBy);
  return f;
}

std::string Str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

bool IsSupersededField(capnp::StructSchema::Field field) { return Has(field, kSupersededBy); }

std::string SupersededBy(capnp::StructSchema::Field field) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == kSupersededBy) return Str(a.getValue().getText());
  }
  return {};
}

Status SchemaCheck::Object(JsonValue::Reader v, capnp::StructSchema s, const std::string& path) {
  if (!v.isObject()) return Bad(path, "must be an object");
  std::set<std::string> seen;
  for (auto f : v.getObject()) {
    std::string name = Str(f.getName());
    std::string at = Join(path, name);
    if (!seen.insert(name).second) return Bad(at, "appears twice");
    KJ_IF_MAYBE (field, s.findFieldByName(f.getName())) {
      if (IsSupersededField(*field)) {  // earlier builds' form: never written again
        return Status::InvalidArgument("unknown field " + at, at);
      }
      CL_RETURN_IF_ERROR(Field(f.getValue(), *field, at));
    } else {
      at = Join(path, ShortName(name));  // not at any length: a megabyte is not echoed back
      return Status::InvalidArgument("unknown field " + at, at);
    }
  }
  for (auto field : s.getFields()) {
    std::string name = field.getProto().getName().cStr();
    if (!Has(field, kOptional) && !IsSupersededField(field) && seen.count(name) == 0) {
      std::string at = Join(path, name);
      return Status::InvalidArgument("missing required field " + at, at);
    }
  }
  return Status();
}

Status SchemaCheck::Field(JsonValue::Reader v, capnp::StructSchema::Field f,
                          const std::string& at) {
  if (v.isNull()) return Bad(at, "is null: leave an optional field out instead");
  if (Has(f, kJsonText)) return v.isObject() ? Status() : Bad(at, "must be an object");
  CL_RETURN_IF_ERROR(Value(v, f.getType(), at));
  return TextForm(f, v.isString() ? Str(v.getString()) : "", at);
}

Status SchemaCheck::Value(JsonValue::Reader v, capnp::Type t, const std::string& at) {
  using W = capnp::schema::Type::Which;
  switch (t.which()) {
    case W::TEXT:
      return v.isString() ? Status() : Bad(at, "must be a string");
    case W::BOOL:
      return v.isBoolean() ? Status() : Bad(at, "must be true or false");
    case W::INT8:
    case W::INT16:
    case W::INT32:
    case W::INT64:
    case W::UINT8:
    case W::UINT16:
    case W::UINT32:
    case W::UINT64:
      return Integer(v, t, at);
    case W::FLOAT32:
    case W::FLOAT64:
      return v.isNumber() ? Status() : Bad(at, "must be a number");
    case W::ENUM: {
      if (!v.isString()) return Bad(at, "must be a string");
      if (t.asEnum().findEnumerantByName(v.getString()) == nullptr) {
        std::string names;
        for (auto e : t.asEnum().getEnumerants()) {
          names += (names.empty() ? "" : ", ") + Str(e.getProto().getName());
        }
        return Bad(at, "must be one of " + names);
      }
      return Status();
    }
    case W::LIST: {
      if (!v.isArray()) return Bad(at, "must be an array");
      auto items = v.getArray();
      for (unsigned i = 0; i < items.size(); ++i) {
        std::string item = at + "[" + std::to_string(i) + "]";
        if (items[i].isNull()) return Bad(item, "is null");
        CL_RETURN_IF_ERROR(Value(items[i], t.asList().getElementType(), item));
      }
      return Status();
    }
    case W::STRUCT:
      if (t.asStruct() == capnp::Schema::from<schema::Sealed>()) {
        return v.isString() ? Status() : Bad(at, "must be a string");
      }
      return Object(v, t.asStruct(), at);
    case W::VOID:
    case W::DATA:
    case W::INTERFACE:
    case W::ANY_POINTER:
      break;
  }
  return Status::Internal(at + " has a type the request checker does not handle");
}

Status SchemaCheck::Integer(JsonValue::Reader v, capnp::Type t, const std::string& at) {
  if (!v.isNumber()) return Bad(at, "must be a whole number");
  double d = v.getNumber();
  if (std::floor(d) != d) return Bad(at, "must be a whole number");
  return IntegerRange(d, t, at);
}

Status CheckBuilt(capnp::DynamicStruct::Reader s, const std::string& path) {
  auto field = [&](capnp::StructSchema::Field f) {
    const std::string at = Join(path, f.getProto().getName().cStr());
    const capnp::Type t = f.getType();
    const bool pointer = t.isText() || t.isData() || t.isList() || t.isStruct();
    if (pointer && !s.has(f)) {
      if (Has(f, kOptional) || IsSupersededField(f)) return Status();
      return Status::InvalidArgument("missing required field " + at, at);
    }
    if (IsSupersededField(f)) return Status::InvalidArgument("unknown field " + at, at);
    return BuiltValue(s.get(f), f, t, at);
  };
  for (auto f : s.getSchema().getNonUnionFields()) CL_RETURN_IF_ERROR(field(f));
  KJ_IF_MAYBE (active, s.which()) {
    CL_RETURN_IF_ERROR(field(*active));
  }
  return Status();
}

}  // namespace caseledger::ledger::internal
