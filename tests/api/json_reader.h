// A tiny JSON reader for the API tests: enough to look into the server's answers (objects,
// arrays, strings with escapes, numbers kept as their literal text, true/false/null).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caseledger::testing {

// A parsed JSON value. Numbers keep their literal text; a missing member or item reads as
// null, so chains like v["error"]["code"] never throw.
class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  // nullopt when `text` is not one complete JSON value.
  static std::optional<Json> Parse(std::string_view text) {
    size_t at = 0;
    Json out;
    if (!ParseValue(text, at, out, 0)) return std::nullopt;
    SkipSpace(text, at);
    if (at != text.size()) return std::nullopt;
    return out;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_bool() const { return kind_ == Kind::kBool; }

  bool Has(const std::string& key) const {
    for (const auto& [k, v] : members_) {
      if (k == key) return true;
    }
    return false;
  }
  const Json& operator[](const std::string& key) const {
    for (const auto& [k, v] : members_) {
      if (k == key) return v;
    }
    return Null();
  }
  const Json& operator[](size_t i) const { return i < items_.size() ? items_[i] : Null(); }
  size_t size() const { return kind_ == Kind::kObject ? members_.size() : items_.size(); }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // A string's value or a number's literal ("" otherwise).
  const std::string& str() const { return text_; }
  int64_t num() const { return kind_ == Kind::kNumber ? std::stoll(text_) : -1; }
  bool boolean() const { return kind_ == Kind::kBool && boolean_; }

 private:
  static const Json& Null() {
    static const Json null;
    return null;
  }
  static void SkipSpace(std::string_view s, size_t& at) {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\r' || s[at] == '\t')) ++at;
  }
  static bool Literal(std::string_view s, size_t& at, std::string_view word) {
    if (s.substr(at, word.size()) != word) return false;
    at += word.size();
    return true;
  }
  static void Utf8(uint32_t cp, std::string& out) {
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
  static bool Hex4(std::string_view s, size_t& at, uint32_t& out) {
    if (at + 4 > s.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s[at++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }
  static bool ParseString(std::string_view s, size_t& at, std::string& out) {
    if (at >= s.size() || s[at] != '"') return false;
    ++at;
    while (at < s.size()) {
      const char c = s[at++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at >= s.size()) return false;
      const char e = s[at++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(s, at, cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && s.substr(at, 2) == "\\u") {
            at += 2;
            uint32_t low = 0;
            if (!Hex4(s, at, low)) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          Utf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  static bool ParseValue(std::string_view s, size_t& at, Json& out, int depth) {
    if (depth > 64) return false;
    SkipSpace(s, at);
    if (at >= s.size()) return false;
    const char c = s[at];
    if (c == '{') {
      out.kind_ = Kind::kObject;
      ++at;
      SkipSpace(s, at);
      if (at < s.size() && s[at] == '}') return ++at, true;
      while (true) {
        SkipSpace(s, at);
        std::string key;
        if (!ParseString(s, at, key)) return false;
        SkipSpace(s, at);
        if (at >= s.size() || s[at++] != ':') return false;
        Json value;
        if (!ParseValue(s, at, value, depth + 1)) return false;
        out.members_.emplace_back(std::move(key), std::move(value));
        SkipSpace(s, at);
        if (at >= s.size()) return false;
        if (s[at] == ',') {
          ++at;
          continue;
        }
        return s[at++] == '}';
      }
    }
    if (c == '[') {
      out.kind_ = Kind::kArray;
      ++at;
      SkipSpace(s, at);
      if (at < s.size() && s[at] == ']') return ++at, true;
      while (true) {
        Json value;
        if (!ParseValue(s, at, value, depth + 1)) return false;
        out.items_.push_back(std::move(value));
        SkipSpace(s, at);
        if (at >= s.size()) return false;
        if (s[at] == ',') {
          ++at;
          continue;
        }
        return s[at++] == ']';
      }
    }
    if (c == '"') {
      out.kind_ = Kind::kString;
      return ParseString(s, at, out.text_);
    }
    if (Literal(s, at, "true")) {
      out.kind_ = Kind::kBool;
      out.boolean_ = true;
      return true;
    }
    if (Literal(s, at, "false")) {
      out.kind_ = Kind::kBool;
      return true;
    }
    if (Literal(s, at, "null")) return true;
    const size_t start = at;
    if (at < s.size() && s[at] == '-') ++at;
    while (at < s.size() && ((s[at] >= '0' && s[at] <= '9') || s[at] == '.' || s[at] == 'e' ||
                             s[at] == 'E' || s[at] == '+' || s[at] == '-'))
      ++at;
    if (at == start) return false;
    out.kind_ = Kind::kNumber;
    out.text_ = std::string(s.substr(start, at - start));
    return true;
  }

  Kind kind_ = Kind::kNull;
  bool boolean_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace caseledger::testing
