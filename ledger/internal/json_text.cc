// The text of JSON requests judged before Cap'n Proto's reader sees it (ledger/json_codec.cc):
// UTF-8 without NUL in every string and field name, and \u escapes decoded here.
#include "ledger/internal/json_text.h"

#include <cctype>

#include <capnp/message.h>
#include <kj/exception.h>

#include "ledger/internal/schema_check.h"

namespace caseledger::ledger::internal {
namespace {

using capnp::JsonValue;

// Where `text` stops being UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), or npos when it all is.
size_t BadUtf8At(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t more = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      more = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      more = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      more = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + more >= text.size()) return i;
    for (size_t k = 1; k <= more; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += more + 1;
  }
  return std::string_view::npos;
}

bool Hex4(std::string_view text, size_t at, uint32_t* out) {
  if (at + 4 > text.size()) return false;
  *out = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return false;
    *out = (*out << 4) | static_cast<uint32_t>(digit);
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Cap'n Proto's JSON reader and writer, for JsonValue only (no handlers); one per thread.
capnp::JsonCodec& RawCodec() {
  thread_local capnp::JsonCodec codec;
  return codec;
}

}  // namespace

bool IsUtf8Text(std::string_view text) {
  return BadUtf8At(text) == text.npos && text.find('\0') == text.npos;
}

// A field name as errors give it: at most 64 characters (a name of a megabyte is not echoed).
std::string ShortName(std::string name) {
  if (name.size() > 64) name = name.substr(0, 64) + "...";
  return name;
}

// The first string or field name in `v` that is not UTF-8 text, or holds a NUL (which cuts C
// strings short), named by its path. The JSON codec takes any bytes in a string, and \u escapes
// such as a lone \ud800 or \u0000. (Other control characters may stand in free text, escaped;
// ids and dates refuse them by their own grammar.)
Status CheckText(JsonValue::Reader v, const std::string& path) {
  auto bad = [](std::string_view text) { return !IsUtf8Text(text); };
  const std::string what = path.empty() ? "the request" : path;
  switch (v.which()) {
    case JsonValue::STRING: {
      if (bad(std::string_view(v.getString().cStr(), v.getString().size()))) {
        return Status::InvalidArgument(what + " must be UTF-8 text without NUL characters", path);
      }
      return Status();
    }
    case JsonValue::ARRAY: {
      unsigned i = 0;
      for (auto item : v.getArray()) {
        CL_RETURN_IF_ERROR(CheckText(item, path + "[" + std::to_string(i++) + "]"));
      }
      return Status();
    }
    case JsonValue::OBJECT:
      for (auto f : v.getObject()) {
        if (bad(std::string_view(f.getName().cStr(), f.getName().size()))) {
          return Status::InvalidArgument(
              "a field name in " + what + " is not UTF-8 text without NUL characters", path);
        }
        std::string name = ShortName(Str(f.getName()));
        CL_RETURN_IF_ERROR(CheckText(f.getValue(), path.empty() ? name : path + "." + name));
      }
      return Status();
    default:
      return Status();
  }
}

// Cap'n Proto 0.9.2's JSON reader decodes \u escapes wrongly: it takes the hex digits a-f as
// 0-5, so "\u00e9" reads as "I" and an escaped emoji as two unrelated characters, silently
// (Python's json.dumps escapes every non-ASCII character so). So each \u escape in a string
// is replaced here by the UTF-8 it stands for (a quote or backslash by its short escape), and
// the reader sees none. A surrogate pair becomes its character; half of one is kept as its
// three (invalid) bytes, for CheckText to refuse naming the field. Anything else, including a
// \u without four hex digits, is left for the reader to judge.
std::string WithoutUnicodeEscapes(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    uint32_t cp = 0, low = 0;
    if (c == '"') {
      in_string = !in_string;
    } else if (in_string && c == '\\' && i + 1 < json.size()) {
      if (json[i + 1] != 'u' || !Hex4(json, i + 2, &cp)) {
        out.push_back(c);
        out.push_back(json[++i]);  // another escape, whole: \" does not end the string
        continue;
      }
      i += 5;  // the last hex digit
      if (cp >= 0xd800 && cp < 0xdc00 && json.substr(i + 1, 2) == "\\u" &&
          Hex4(json, i + 3, &low) && low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i += 6;
      }
      if (cp == 0) {
        out += "\\u0000";  // the reader reads this one right, and a raw NUL would end the text
        continue;
      }
      if (cp == '"' || cp == '\\') out.push_back('\\');
      AppendUtf8(cp, out);
      continue;
    }
    out.push_back(c);
  }
  return out;
}

namespace {

// Where JSON text first goes wrong, for a message a person can act on: a small RFC 8259
// reader that stops at the first fault (run only once the codec has refused the text).
class SyntaxFinder {
 public:
  explicit SyntaxFinder(std::string_view json) : s_(json) {}

  // "line L, column C: what", or empty when the text reads as JSON here.
  std::string Find() {
    Space();
    if (Value(0) && (Space(), at_ == s_.size())) return "";
    if (what_.empty()) what_ = "more after the JSON value";
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        ++column;  // characters, not bytes
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what_;
  }

 private:
  static constexpr int kMaxDepth = 256;
  bool Fail(std::string what) {
    if (what_.empty()) what_ = std::move(what);
    return false;
  }
  bool End() const { return at_ >= s_.size(); }
  void Space() {
    while (!End() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) {
      ++at_;
    }
  }
  bool Expect(char c, const char* what) {
    Space();
    if (End()) return Fail(std::string("the text ends where ") + what + " was expected");
    if (s_[at_] != c) return Fail(std::string(what) + " expected");
    ++at_;
    return true;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(at_, word.size()) != word) return Fail("a value expected");
    at_ += word.size();
    return true;
  }
  bool String() {
    ++at_;  // the opening quote
    while (!End()) {
      char c = s_[at_];
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c == '\\') {
        if (at_ + 1 >= s_.size()) break;
        char e = s_[at_ + 1];
        if (e == 'u') {
          for (size_t i = 2; i < 6; ++i) {
            if (at_ + i >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[at_ + i]))) {
              return Fail("a \\u escape needs four hex digits");
            }
          }
          at_ += 6;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return Fail("an unknown escape in a string");
        }
        at_ += 2;
        continue;
      }
      ++at_;
    }
    return Fail("a string is not closed (\")");
  }
  bool Digits() {
    size_t from = at_;
    while (!End() && s_[at_] >= '0' && s_[at_] <= '9') ++at_;
    return at_ > from || Fail("a digit expected in a number");
  }
  bool Number() {
    if (s_[at_] == '-') ++at_;
    if (!End() && s_[at_] == '0') {
      ++at_;
    } else if (!Digits()) {
      return false;
    }
    if (!End() && s_[at_] == '.') {
      ++at_;
      if (!Digits()) return false;
    }
    if (!End() && (s_[at_] == 'e' || s_[at_] == 'E')) {
      ++at_;
      if (!End() && (s_[at_] == '+' || s_[at_] == '-')) ++at_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Value(int depth) {
    Space();
    if (End()) return Fail("the text ends where a value was expected");
    if (depth > kMaxDepth) return Fail("nested more than 256 deep");
    char c = s_[at_];
    if (c == '{') {
      ++at_;
      Space();
      if (!End() && s_[at_] == '}') return ++at_, true;
      for (;;) {
        Space();
        if (End()) return Fail("the text ends inside an object: a field name or } expected");
        if (s_[at_] != '"') return Fail("a field name in double quotes expected");
        if (!String() || !Expect(':', "':' after the field name") || !Value(depth + 1))
          return false;
        Space();
        if (!End() && s_[at_] == ',') {
          ++at_;
          continue;
        }
        return Expect('}', "',' or '}' after a field");
      }
    }
    if (c == '[') {
      ++at_;
      Space();
      if (!End() && s_[at_] == ']') return ++at_, true;
      for (;;) {
        if (!Value(depth + 1)) return false;
        Space();
        if (!End() && s_[at_] == ',') {
          ++at_;
          continue;
        }
        return Expect(']', "',' or ']' after an element");
      }
    }
    if (c == '"') return String();
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Fail("a value expected (an object, array, string, number, true, false or null)");
  }

  std::string_view s_;
  size_t at_ = 0;
  std::string what_;
};

}  // namespace

Status DecodeJson(std::string_view json, JsonValue::Builder root, const std::string& path,
                  const std::string& field) {
  // Outside strings only tab and the line breaks are allowed below 0x20, and inside none.
  for (size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Status::InvalidArgument(
          "not valid JSON: an unescaped control character at byte " + std::to_string(i), field);
    }
  }
  try {
    if (json.find("\\u") == json.npos) {
      RawCodec().decodeRaw(kj::arrayPtr(json.data(), json.size()), root);
    } else {
      const std::string plain = WithoutUnicodeEscapes(json);
      RawCodec().decodeRaw(kj::arrayPtr(plain.data(), plain.size()), root);
    }
  } catch (const kj::Exception& ex) {
    // Where it went wrong, when a plain reading finds it; the codec's words otherwise.
    const std::string where = SyntaxFinder(json).Find();
    return Status::InvalidArgument(
        "not valid JSON" +
            (where.empty() ? std::string(": ") + ex.getDescription().cStr() : " at " + where),
        field);
  }
  return CheckText(root.asReader(), path);
}

Result<std::string> JsonObjectText(std::string_view json, const std::string& field) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<JsonValue>();
  CL_RETURN_IF_ERROR(DecodeJson(json, root, field, field));
  if (!root.isObject()) return Status::InvalidArgument(field + " must be an object", field);
  try {
    kj::String text = RawCodec().encodeRaw(root.asReader());
    return std::string(text.cStr(), text.size());
  } catch (const kj::Exception& ex) {
    return Status::InvalidArgument(field + ": " + ex.getDescription().cStr(), field);
  }
}

}  // namespace caseledger::ledger::internal
