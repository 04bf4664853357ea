#include "ledger/event.h"

#include <openssl/rand.h>

namespace caseledger::ledger {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ToHex(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

Result<Hash> HashFromHex(std::string_view hex) {
  Hash h{};
  if (hex.size() != 64) return Status::InvalidArgument("a hash is 64 hex digits");
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("a hash is 64 hex digits");
    h[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return h;
}

Result<EventId> EventId::Random() {
  EventId id;
  if (RAND_bytes(id.bytes.data(), static_cast<int>(id.bytes.size())) != 1) {
    return Status::Unavailable("the system's random source failed");
  }
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // UUID version 4
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

Result<EventId> EventId::Parse(std::string_view text) {
  EventId id;
  size_t byte = 0;
  const auto bad = Status::InvalidArgument(
      "eventId must be a UUID such as 2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f", "eventId");
  if (text.size() != 36) return bad;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad;
      ++i;
      continue;
    }
    int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return bad;
    id.bytes[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return id;
}

std::string EventId::ToString() const {
  std::string hex = ToHex(bytes.data(), bytes.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

EventDraft::EventDraft(EventId id, std::string type, int64_t occurred_at, uint64_t corrects,
                       std::vector<uint64_t> words, Hash content)
    : id_(id),
      type_(std::move(type)),
      occurred_at_(occurred_at),
      corrects_(corrects),
      words_(std::move(words)),
      content_(content) {}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status ValidateStreamName(std::string_view stream) {
  if (stream == "access") return Status();
  for (std::string_view prefix : {"family/", "practitioner/"}) {
    if (stream.substr(0, prefix.size()) == prefix) {
      if (IsValidId(stream.substr(prefix.size()))) return Status();
      return Status::InvalidArgument(
          "stream id must be 1-64 characters of A-Z a-z 0-9 - _: \"" + std::string(stream) + "\"",
          "stream");
    }
  }
  return Status::InvalidArgument(
      "stream must be family/<id>, practitioner/<id> or access: \"" + std::string(stream) + "\"",
      "stream");
}

}  // namespace caseledger::ledger
