// Helpers for the ledger tests: temporary data folders and events built from JSON.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "ledger/json_codec.h"
#include "ledger/store.h"

namespace caseledger::testing {

// A fresh folder under the system temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("caseledger-test-" + std::to_string(rd()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A UUID whose last 12 hex digits are n (and the rest fixed by `salt`).
inline std::string Uuid(uint64_t n, uint32_t salt = 0) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012llx", salt,
                static_cast<unsigned long long>(n));
  return buf;
}

// A caseNoteAdded event with the given eventId and note text.
inline ledger::EventDraft Note(const std::string& event_id, const std::string& text = "note",
                               const std::string& occurred_at = "2026-03-02T10:15:00Z") {
  std::string json = R"({"eventId":")" + event_id + R"(","type":"caseNoteAdded","occurredAt":")" +
                     occurred_at +
                     R"(","data":{"episodeId":"E1","noteId":"N1","category":"contact","text":)" +
                     ledger::JsonQuote(text) + R"(,"significant":false}})";
  auto draft = ledger::ParseEventJson(json);
  REQUIRE(draft.ok());
  return std::move(draft).value();
}

inline ledger::AppendRequest Request(const std::string& stream, ledger::ExpectedVersion expected,
                                     std::vector<ledger::EventDraft> events) {
  ledger::AppendRequest r;
  r.stream = stream;
  r.expected = expected;
  r.actor = {"P1", "practitioner", "school", "t1"};
  r.events = std::move(events);
  return r;
}

// Opens the store in `dir` with `options` and `clock`; the test stops if it cannot.
inline std::unique_ptr<ledger::Store> OpenWith(const std::string& dir, ledger::Clock& clock,
                                               ledger::StoreOptions options) {
  options.clock = &clock;
  auto s = ledger::Store::Open(dir, options);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(s).value();
}

inline std::unique_ptr<ledger::Store> OpenStore(const std::string& dir, ledger::Clock& clock,
                                                ledger::AppendGuard* guard = nullptr) {
  ledger::StoreOptions o;
  o.guard = guard;
  return OpenWith(dir, clock, o);
}

// 2026-03-02T10:15:00Z in microseconds.
inline constexpr int64_t kMarch2 = 1772446500LL * 1000000;

}  // namespace caseledger::testing
