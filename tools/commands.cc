#include "tools/commands.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "api/server.h"
#include "api/tokens.h"
#include "ledger/fixture_loader.h"
#include "ledger/json_codec.h"
#include "ledger/proof_json.h"
#include "ledger/store.h"
#include "ledger/time_format.h"
#include "projections/access_log.h"
#include "projections/overview.h"
#include "projections/views.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

using ledger::Store;

struct ImportTotals {
  uint64_t lines = 0;
  uint64_t events = 0;
  uint64_t retried_lines = 0;
};

constexpr size_t kChainLines = 512;
constexpr size_t kChainBytes = 4u << 20;

// Appends every line of `in`, a chain of lines per durable write; stops at the first refused
// line, naming it: the lines before it are appended, it and those after are not.
Status ImportStream(Store& store, std::istream& in, const std::string& name, ImportTotals* totals) {
  std::vector<ledger::AppendRequest> chain;
  std::vector<uint64_t> chain_lines;  // the line number of each request in the chain
  size_t chain_bytes = 0;
  auto last_report = std::chrono::steady_clock::now();
  auto where = [&](uint64_t line) { return name + " line " + std::to_string(line); };

  auto flush = [&]() -> Status {
    if (chain.empty()) return Status();
    auto results = store.AppendChain(std::move(chain));
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok()) return results[i].status().Annotate(where(chain_lines[i]));
      ++totals->lines;
      if (results[i]->retry) {
        ++totals->retried_lines;
      } else {
        totals->events += results[i]->events.size();
      }
    }
    chain.clear();
    chain_lines.clear();
    chain_bytes = 0;
    auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(2)) {
      spdlog::info("import: {} lines, {} events so far", totals->lines, totals->events);
      last_report = now;
    }
    return Status();
  };

  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto request = ledger::ParseAppendJson(line, ledger::AppendJsonForm::kImportLine);
    if (!request.ok()) {
      CL_RETURN_IF_ERROR(flush());  // the lines before it are good: keep them
      return request.status().Annotate(where(number));
    }
    chain.push_back(std::move(request).value());
    chain_lines.push_back(number);
    chain_bytes += line.size();
    if (chain.size() >= kChainLines || chain_bytes >= kChainBytes) CL_RETURN_IF_ERROR(flush());
  }
  return flush();
}

// Loads every fixtures/demo/*.jsonl and `synthetic` generated families (gen --fixture, seed
// 1) into an empty ledger, all lines in the order of their "recordedAt", each recorded at that
// time (a manual clock), then closes it: the server then opens it on the real clock.
Status LoadDemo(const Common& common, const std::string& fixtures_dir, uint64_t synthetic) {
  ledger::SystemClock system;
  ledger::ManualClock clock(system.NowMicros());
  CL_ASSIGN_OR_RETURN(Ledger ledger, OpenLedger(common, clock, false));
  if (ledger.store->Size() > 0) {
    spdlog::info("demo: the ledger already holds {} events; nothing loaded", ledger.store->Size());
    return Status();
  }
  std::filesystem::path dir = std::filesystem::path(fixtures_dir) / "demo";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
    }
  }
  if (files.empty()) return Status::NotFound("no demo fixtures in " + dir.string());
  std::sort(files.begin(), files.end());
  std::string text;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) return Status::NotFound("cannot read " + f.string());
    text.append(std::istreambuf_iterator<char>(in), {});
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  }
  if (synthetic > 0) {
    std::ostringstream generated;
    GenerateHistories({synthetic, 1, true}, generated);
    text += generated.str();
  }
  // Every line starts {"recordedAt":"...": order them by it (stable: files keep their order).
  std::vector<std::pair<int64_t, std::string>> lines;
  std::istringstream all(text);
  for (std::string line; std::getline(all, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    constexpr std::string_view kKey = "\"recordedAt\":\"";
    size_t at = line.find(kKey);
    int64_t when = 0;
    if (at != std::string::npos) {
      at += kKey.size();
      auto parsed = ledger::ParseRfc3339(line.substr(at, line.find('"', at) - at));
      if (parsed.ok()) when = *parsed;
    }
    lines.emplace_back(when, std::move(line));
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string ordered;
  for (const auto& [when, line] : lines) ordered += line + "\n";
  std::istringstream in(ordered);
  ledger::FixtureTotals totals;
  spdlog::info("demo: loading {} lines ({} synthetic families)...", lines.size(), synthetic);
  CL_RETURN_IF_ERROR(ledger::LoadFixture(*ledger.store, clock, in, "the demo", &totals));
  spdlog::info("demo: loaded {} events from {} and {} generated families", totals.events,
               dir.string(), synthetic);
  return Status();
}

}  // namespace

namespace {

// The demo's actors, one per role: P1 is the keyworker of family F1 in fixtures/demo.
const std::vector<std::pair<api::Role, std::string>> kDemoActors = {
    {api::Role::kPractitioner, "P1"},   {api::Role::kHelpdesk, "helpdesk1"},
    {api::Role::kTriageManager, "TM1"}, {api::Role::kCoordinator, "CO1"},
    {api::Role::kAuditor, "AU1"},       {api::Role::kDashboard, "DB1"},
    {api::Role::kAdmin, "admin"}};

// Issues a token per demo role (valid a week) and writes them to <data>/demo-tokens.env
// (created with mode 0600), the only place they go: stdout says where the file is and how to
// use it, never a token, so that a captured log holds none.
Status IssueDemoTokens(const Common& common, api::TokenStore& tokens, const std::string& base) {
  ledger::SystemClock clock;
  const int64_t now = clock.NowMicros();
  const int64_t week = 7LL * 24 * 3600 * 1'000'000;
  const int64_t day = 24LL * 3600 * 1'000'000;
  const std::string env_file = common.data_dir + "/demo-tokens.env";
  // The tokens of the last start, by variable name: kept while valid for a day more, so that a
  // restart does not mint seven more each time (nor sign out the pages open).
  std::map<std::string, std::string> earlier;
  if (std::ifstream in(env_file); in) {
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (line.starts_with("export CASELEDGER_") && eq != std::string::npos) {
        earlier[line.substr(7, eq - 7)] = line.substr(eq + 1);
      }
    }
  }
  std::string env = "# caseledger demo tokens: . this file, then use $CASELEDGER_<ROLE>_TOKEN\n";
  std::string table;
  size_t kept = 0;
  for (const auto& [role, actor] : kDemoActors) {
    std::string name = api::RoleName(role);
    std::string upper;
    for (char c : name) upper.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
    const std::string var = "CASELEDGER_" + upper + "_TOKEN";
    std::string token;
    if (auto it = earlier.find(var); it != earlier.end()) {
      auto p = tokens.Authenticate(it->second, now);
      if (p.ok() && p->role == role && p->actor_id == actor &&
          (p->expires_at == 0 || p->expires_at > now + day)) {
        token = it->second;
        ++kept;
      }
    }
    if (token.empty()) {
      CL_ASSIGN_OR_RETURN(api::IssuedToken t, tokens.Create(role, actor, now, now + week));
      token = t.token;
    }
    env += "export " + var + "=" + token + "\n";
    table += "  " + name + std::string(16 - name.size(), ' ') + actor +
             std::string(12 - actor.size(), ' ') + "$CASELEDGER_" + upper + "_TOKEN\n";
  }
  env += "export CASELEDGER_URL=" + base + "\n";
  // Owner-only from the first byte (an earlier file of other modes is made so too).
  const int fd =
      ::open(env_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  bool ok = fd >= 0 && ::fchmod(fd, 0600) == 0 &&
            ::write(fd, env.data(), env.size()) == static_cast<ssize_t>(env.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::Unavailable("cannot write the demo tokens to " + env_file);
  std::cout << "\ncaseledger demo: serving " << base << " (data " << common.data_dir << ")\n\n"
            << "Tokens, one per role (valid 7 days; "
            << (kept == kDemoActors.size() ? "those of the last start, still valid"
                : kept > 0                 ? "some kept from the last start"
                                           : "new")
            << "), are in " << env_file << " (mode 0600), never printed:\n  . " << env_file << "\n"
            << table << "\nIn a browser: " << base
            << "/ and sign in with a token from that file (triage-manager to read, practitioner "
               "to write, auditor to check proofs).\n\nTry:\n"
            << "  curl -s -H \"Authorization: Bearer $CASELEDGER_TRIAGE_MANAGER_TOKEN\" " << base
            << "/v1/families/F1/chronology\n"
            << "  curl -s -H \"Authorization: Bearer $CASELEDGER_DASHBOARD_TOKEN\" " << base
            << "/v1/reports/timescales\n\n"
            << "The README walks on from here. Stop with Ctrl-C.\n"
            << std::flush;
  return Status();
}

// Runs `work` on a thread of its own every `interval` until destroyed (the destructor waits
// for a run under way).
class Periodic {
 public:
  Periodic(std::chrono::milliseconds interval, std::function<void()> work)
      : thread_([this, interval, work = std::move(work)] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, interval, [&] { return stopping_; })) work();
        }) {}
  ~Periodic() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is made
};

// A replica's follower: catches the store up with its primary every 200 ms, so that what the
// primary appends is served within that time. Failures are logged when they start and when
// they end, not at every poll.
std::function<void()> FollowPrimary(Store& store) {
  return [&store, failing = std::string()]() mutable {
    auto size = store.CatchUp();
    if (!size.ok() && size.status().message() != failing) {
      failing = size.status().message();
      spdlog::warn("replica: cannot follow the primary: {}", size.status().ToString());
    } else if (size.ok() && !failing.empty()) {
      failing.clear();
      spdlog::info("replica: following the primary again ({} events)", *size);
    }
  };
}

// Gives the pages glibc holds free back to the system (malloc_trim), every 10 s: what the
// caches and the answers free is scattered among what they keep, and glibc returns only the
// top of each arena by itself. A 20-minute soak held 432 MiB without it (docs/RELIABILITY.md).
// Each run walks the free lists of one arena at a time, under that arena's lock: a few
// milliseconds.
void GiveBackFreeMemory() { malloc_trim(0); }

// Warns when the calendar's last year ends less than 365 days after `today`: past it every
// working-day timescale is unknown until the file gets the next year's bank holidays.
void WarnIfCalendarEndsSoon(const projections::Calendar& calendar, const std::string& file,
                            projections::Day today) {
  const int last = calendar.last_year();
  if (last < calendar.first_year()) {
    spdlog::warn("the calendar {} lists no bank holiday: working-day timescales are unknown", file);
    return;
  }
  const projections::Day end{static_cast<int32_t>(ledger::DaysFromCivil(last, 12, 31))};
  if (end - today >= 365) return;
  spdlog::warn(
      "the calendar {} lists bank holidays up to {} only: working-day timescales that reach {} "
      "will be unknown; add that year's (https://www.gov.uk/bank-holidays.json) to the file",
      file, last, last + 1);
}

// Keeps what glibc's allocator holds near what the server uses, unless the environment says
// otherwise (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or
// GLIBC_TUNABLES). By default glibc gives each of up to 8 x cores threads an arena of its own,
// and after freeing a large block it raises the size served by mmap to that block's (up to
// 32 MiB), so the answers a long chronology needs (hundreds of KiB) are then cut from the
// arenas and what they free stays there, scattered. A 5-minute soak
// (tests/tools/load_test.sh) held 399 MiB with the defaults, 242 MiB with 4 arenas, and a
// 20-minute one 672 MiB with 4 arenas, of which malloc_trim gave back about 40% (free but
// kept); with blocks of 256 KiB and more always mapped apart and freed back at once, and the
// top of an arena given back past 1 MiB free, see docs/RELIABILITY.md.
void TuneAllocator() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 4);
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 256 << 10);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 1 << 20);
}

}  // namespace

// Over 60 lines on purpose: from flags to a running server and back to a clean stop, where
// the order is the point (signals blocked before any thread starts, the follower after the
// projections load, saves after the last request), read top to bottom.
namespace {

// A key in the data folder goes wherever the folder is copied: whoever has a copy (a backup, a
// disk image) then has the key that opens it. Said once at start, outside a demo.
void WarnOfKeysInData(const Common& common) {
  std::error_code ec;
  const auto data = std::filesystem::weakly_canonical(common.data_dir, ec);
  for (const auto& [path, what] : {std::pair{common.MasterKeyFile(), "master key"},
                                   std::pair{common.KeyFile(), "checkpoint signing key"}}) {
    const auto key = std::filesystem::weakly_canonical(path, ec);
    auto [end, unused] = std::mismatch(data.begin(), data.end(), key.begin(), key.end());
    if (end == data.end() && std::filesystem::exists(key, ec)) {
      spdlog::warn(
          "the {} {} sits in the data folder: whoever copies the folder can open it; keep keys "
          "apart (--master-key, --signing-key, or systemd credentials: tools/caseledger.service, "
          "docs/OPERATIONS.md)",
          what, path);
    }
  }
}

}  // namespace

int Serve(const Common& common, const ServeOptions& options) {
  TuneAllocator();
  api::ServerOptions server_options;
  const size_t colon = options.listen.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    server_options.host = options.listen.substr(0, colon);
    server_options.port = std::stoi(options.listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Fail(Status::InvalidArgument("--listen must be host:port, e.g. 127.0.0.1:8080"));
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Fail(Status::InvalidArgument("give both --tls-cert and --tls-key", "tls-key"));
  }
  server_options.tls_cert = options.tls_cert;
  server_options.tls_key = options.tls_key;
  server_options.max_body_bytes = options.max_body_bytes;
  server_options.request_read_seconds = options.request_deadline_seconds;
  server_options.marking = options.marking;
  for (const std::string& role : options.purpose_required) {
    server_options.purpose_required.push_back(*api::ParseRole(role));  // checked by the option
  }
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (!options.demo) WarnOfKeysInData(common);
  if (options.demo) {
    Status demo = LoadDemo(common, options.fixtures_dir, options.demo_families);
    if (!demo.ok()) return Fail(demo);
  }
  // A replica serves the primary's ledger and, unless told otherwise, its tokens.
  const bool replica = !options.replica_of.empty();
  Common served = common;
  if (replica && served.tokens_file.empty()) served.tokens_file = options.replica_of + "/tokens";
  ledger::SystemClock clock;
  auto opened = replica ? OpenReplica(common, options.replica_of, clock)
                        : OpenLedger(common, clock, false, /*serving=*/true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  // The saved cross-family projections, caught up with the log (the API serves them next).
  // A replica loads what its primary saved and keeps the rest in memory.
  auto calendar = projections::Calendar::Load(common.calendar_file);
  if (!calendar.ok()) return Fail(calendar.status().Annotate("--calendar"));
  WarnIfCalendarEndsSoon(*calendar, common.calendar_file,
                         projections::LondonDay(clock.NowMicros()));
  projections::Overview overview(*store, *calendar);
  Status loaded = overview.Open([](uint64_t done, uint64_t total) {
    spdlog::info("overview: caught up {} / {} events", done, total);
  });
  if (!loaded.ok()) {
    spdlog::warn("overview: {}; rebuilding it from the first event", loaded.ToString());
    loaded = overview.Rebuild();
    if (!loaded.ok()) return Fail(loaded);
  }
  projections::AccessLog access(*store);
  Status indexed = access.CatchUp();
  if (!indexed.ok()) return Fail(indexed.Annotate("the access log index"));
  api::TokenStore tokens(served.TokensFile());
  api::ServerContext context{store.get(),
                             &overview,
                             &*calendar,
                             &tokens,
                             &access,
                             &clock,
                             opened->has_signer ? &opened->signer : nullptr,
                             opened->cache.get(),
                             {}};
  api::Server server(context, server_options);
  auto port = server.Bind();
  if (!port.ok()) return Fail(port.status());
  const std::string base = std::string(options.tls_cert.empty() ? "http" : "https") + "://" +
                           server_options.host + ":" + std::to_string(*port);
  if (options.demo) {
    Status issued = IssueDemoTokens(common, tokens, base);
    if (!issued.ok()) return Fail(issued);
  }
  std::optional<Periodic> follower;
  if (replica) follower.emplace(std::chrono::milliseconds(200), FollowPrimary(*store));
  Periodic trimmer(std::chrono::seconds(10), GiveBackFreeMemory);
  // The search's directory of families, read while serving (a search meanwhile waits for it).
  std::thread directory([&server] {
    const auto started = std::chrono::steady_clock::now();
    auto read = server.PrepareSearch();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (read.ok()) {
      spdlog::info("search: {} families read into the directory in {:.1f} s", *read, seconds);
    } else {
      spdlog::warn("search: the directory could not be read ({}): the first search reads it",
                   read.status().ToString());
    }
  });
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received signal {}: stopping", sig);
    server.Stop();
  });
  spdlog::info("caseledger serving {} ({} {}, {} events, tokens {}); try GET /healthz", base,
               replica ? "read-only replica of" : "data",
               replica ? options.replica_of : common.data_dir, store->Size(), served.TokensFile());
  server.Run();
  // Wake the waiter if Run ended for another reason.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  directory.join();
  follower.reset();
  if (!replica) {
    Status saved = overview.CatchUp();
    if (saved.ok()) saved = overview.Save();
    if (!saved.ok())
      spdlog::warn("overview not saved ({}): rebuilt at the next start", saved.ToString());
    saved = access.CatchUp();
    if (!saved.ok())
      spdlog::warn("access index not saved ({}): caught up at the next start", saved.ToString());
  }
  spdlog::info("stopped");
  return 0;
}

namespace {

// Rule registered-practitioner unless `id` is a registered practitioner, active, with both
// trainings recorded (the ledger opened read-only: a server may hold it meanwhile).
Status PractitionerMayHoldToken(const Common& common, ledger::Clock& clock, const std::string& id) {
  auto opened = OpenLedger(common, clock, /*read_only=*/true);
  if (!opened.ok()) {
    return Status::Unavailable("a practitioner's token needs the ledger that registers them (" +
                               opened.status().message() +
                               "): register the practitioner first (practitionerRegistered)");
  }
  CL_ASSIGN_OR_RETURN(projections::Practitioner p,
                      projections::ReadPractitioner(*opened->store, id));
  if (p.MayRecord()) return Status();
  return Status::RuleViolated(
      "registered-practitioner",
      "no token for practitioner " + id + ": " +
          (!p.registered ? std::string("not a registered practitioner (an admin records "
                                       "practitionerRegistered first)")
           : !p.active   ? "deactivated (" + p.deactivation_reason + ")"
                         : std::string("both trainings (practice standards and recording system) "
                                         "must be recorded first (practitionerTrained)")));
}

}  // namespace

int Token(const Common& common, const TokenOptions& options) {
  std::filesystem::create_directories(common.data_dir);
  api::TokenStore tokens(common.TokensFile());
  ledger::SystemClock clock;
  const int64_t now = clock.NowMicros();
  if (options.action == "create") {
    auto role = api::ParseRole(options.role);
    if (!role.ok()) return Fail(role.status());
    if (*role == api::Role::kPractitioner) {
      // A practitioner's token speaks for a registered, trained, active practitioner only
      // (the server also refuses it once they are deactivated).
      Status s = PractitionerMayHoldToken(common, clock, options.actor);
      if (!s.ok()) return Fail(s);
    }
    const int64_t expires =
        options.expires_days == 0
            ? 0
            : now + static_cast<int64_t>(options.expires_days) * 24 * 3600 * 1'000'000;
    auto issued = tokens.Create(*role, options.actor, now, expires);
    if (!issued.ok()) return Fail(issued.status());
    std::cout << issued->token << "\n";
    std::cerr << "token " << issued->principal.token_id << ": role " << options.role << ", actor "
              << options.actor << ", "
              << (expires == 0 ? std::string("never expires")
                               : "expires " + ledger::FormatRfc3339(expires))
              << ". It is shown once; only its hash is kept in " << common.TokensFile() << "\n";
    return 0;
  }
  if (options.action == "revoke") {
    Status s = tokens.Revoke(options.id, now);
    if (!s.ok()) return Fail(s);
    std::cerr << "token " << options.id << " revoked\n";
    return 0;
  }
  auto list = tokens.List(now);
  if (!list.ok()) return Fail(list.status());
  for (const auto& p : *list) {
    std::cout << p.token_id << "\t" << api::RoleName(p.role) << "\t" << p.actor_id << "\t"
              << (p.expires_at == 0 ? std::string("never") : ledger::FormatRfc3339(p.expires_at))
              << "\n";
  }
  return 0;
}

int Import(const Common& common, const std::string& file, bool fixture) {
  ledger::SystemClock system;
  ledger::ManualClock fixture_clock(system.NowMicros());
  auto opened =
      OpenLedger(common, fixture ? static_cast<ledger::Clock&>(fixture_clock) : system, false);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  std::ifstream file_in;
  if (file != "-") {
    file_in.open(file);
    if (!file_in) return Fail(Status::NotFound("cannot read " + file));
  }
  std::istream& in = file == "-" ? std::cin : file_in;
  const std::string name = file == "-" ? "stdin" : file;
  ImportTotals totals;
  auto start = std::chrono::steady_clock::now();
  Status s;
  if (fixture) {
    ledger::FixtureTotals ft;
    s = ledger::LoadFixture(*store, fixture_clock, in, name, &ft);
    totals = {ft.lines - ft.refused_as_expected, ft.events, ft.retried_lines};
    std::cerr << ft.refused_as_expected << " lines refused as the fixture expected\n";
  } else {
    s = ImportStream(*store, in, name, &totals);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "imported " << totals.lines << " lines (" << totals.events << " new events, "
            << totals.retried_lines << " lines already there) in " << seconds << " s\n";
  if (!s.ok()) return Fail(s);
  // Leave the ledger ready to serve: the overview (triage inbox, overdue, counts) folded up to
  // the last event and saved, so that the first start after an import does not fold the
  // whole log before it answers (docs/PERFORMANCE.md, figure 6).
  auto calendar = projections::Calendar::Load(common.calendar_file);
  if (!calendar.ok()) return Fail(calendar.status().Annotate("--calendar"));
  start = std::chrono::steady_clock::now();
  projections::Overview overview(*store, *calendar);
  auto last = start;
  s = overview.Open([&](uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(500) && done != total) return;
    last = now;
    std::cerr << "import: the overview: " << done << " / " << total << " events\r" << std::flush;
  });
  std::cerr << "\n";
  if (s.ok()) s = overview.Save();
  if (!s.ok()) return Fail(s);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "the overview (triage inbox, overdue, counts) is saved at seq "
            << overview.valid_at() << " (" << seconds << " s)\n";
  return 0;
}

int History(const Common& common, const HistoryOptions& options) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  std::string stream = options.stream.empty() ? "family/" + options.family : options.stream;
  Status valid = ledger::ValidateStreamName(stream);
  if (!valid.ok()) return Fail(valid);
  uint64_t max_seq = 0;
  if (!options.as_of.empty()) {
    auto at = ledger::ParseRfc3339(options.as_of);
    if (!at.ok()) return Fail(at.status());
    auto seq = store->SeqAsOf(*at);
    if (!seq.ok()) return Fail(seq.status());
    if (*seq == 0) return 0;  // nothing was recorded yet
    max_seq = *seq;
  }
  uint32_t from = 1;
  for (;;) {
    auto events = store->ReadStream(stream, from, 1000, max_seq);
    if (!events.ok()) return Fail(events.status());
    for (const auto& e : *events) {
      auto json = ledger::EventToJson(e, options.raw);
      if (!json.ok()) return Fail(json.status());
      std::cout << *json << "\n";
      from = e.version + 1;
    }
    if (events->size() < 1000) break;
  }
  return 0;
}

}  // namespace caseledger::tools
