// The family reads on the command line: state, chronology, timescales (EVENTS.md), each as
// the record stood at --as-of / --as-of-seq, and the reports. Their options are parsed by the
// API's parsers (api/queries.h). Read-only: they may run beside a server.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>

#include "ledger/event.h"
#include "ledger/time_format.h"
#include "projections/data_protection.h"
#include "projections/overview.h"
#include "projections/step_up_pack.h"
#include "projections/views.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

using projections::Calendar;

// The family's events as of the requested moment, and the seq that moment resolved to.
struct Loaded {
  std::vector<ledger::ev::Event> events;
  uint64_t as_of_seq = 0;
  std::string as_of_text;
};

constexpr api::Naming kCli = api::Naming::kCli;

// The seq the requested moment resolves to, and how to say it to people.
Result<Loaded> ResolveRead(ledger::Store& store, const ReadOptions& options) {
  CL_ASSIGN_OR_RETURN(api::AsOfQuery as_of, api::ParseAsOf(options.query, kCli));
  Loaded out;
  out.as_of_text = as_of.text;
  CL_ASSIGN_OR_RETURN(out.as_of_seq, api::ResolveAsOf(store, as_of, kCli));
  return out;
}

Result<Loaded> LoadFamily(ledger::Store& store, const ReadOptions& options) {
  if (!ledger::IsValidId(options.family)) {
    return Status::InvalidArgument("--family must be 1-64 characters of A-Z a-z 0-9 - _",
                                   "--family");
  }
  CL_ASSIGN_OR_RETURN(Loaded out, ResolveRead(store, options));
  CL_ASSIGN_OR_RETURN(out.events, projections::ReadFamily(store, options.family, out.as_of_seq));
  return out;
}

Result<Calendar> LoadCalendar(const Common& common) {
  auto calendar = Calendar::Load(common.calendar_file);
  if (!calendar.ok()) return calendar.status().Annotate("--calendar");
  return calendar;
}

// The day --on names, or today in London when it is not given.
Result<projections::Day> DayOrToday(const api::QueryValues& query, ledger::Clock& clock) {
  CL_ASSIGN_OR_RETURN(std::optional<projections::Day> on, api::ParseDayParam(query, "on", kCli));
  return on ? *on : projections::LondonDay(clock.NowMicros());
}

// The day computed entries and timescales are judged on, as the API's (OnDay, handlers.cc):
// `on` if given, else the day the read's last event was recorded when it is as of a moment,
// else today.
projections::Day JudgedOn(std::optional<projections::Day> on, ledger::Store& store,
                          const Loaded& loaded, ledger::Clock& clock) {
  if (on) return *on;
  if (loaded.as_of_seq < store.Size()) {
    auto at = store.ReadLog(loaded.as_of_seq - 1, 1);
    if (at.ok() && !at->empty()) return projections::LondonDay((*at)[0].recorded_at);
  }
  return projections::LondonDay(clock.NowMicros());
}

}  // namespace

int State(const Common& common, const ReadOptions& options) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto loaded = LoadFamily(*opened->store, options);
  if (!loaded.ok()) return Fail(loaded.status());
  auto state = projections::FoldFamily(loaded->events);
  std::cout << projections::PrettyJson(projections::FamilyStateJson(state, loaded->as_of_seq));
  return 0;
}

int Chronology(const Common& common, const ReadOptions& options) {
  auto query = api::ParseChronologyQuery(options.query, kCli);
  if (!query.ok()) return Fail(query.status());
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  auto loaded = LoadFamily(store, options);
  if (!loaded.ok()) return Fail(loaded.status());
  auto names = projections::StoreNames(store, loaded->as_of_seq);
  auto entries = projections::FilterChronology(
      query->computed
          ? projections::ChronologyWithComputed(loaded->events, *calendar, names,
                                                JudgedOn(query->on, store, *loaded, clock))
          : projections::BuildChronology(loaded->events, *calendar, names),
      query->filter);
  projections::ChronologyHeading heading{options.family, loaded->as_of_seq, loaded->as_of_text};
  switch (query->format) {
    case api::ChronologyFormat::kCsv:
      std::cout << projections::ChronologyCsv(entries);
      break;
    case api::ChronologyFormat::kHtml:
      std::cout << projections::ChronologyHtml(heading, entries);
      break;
    case api::ChronologyFormat::kJson:
      std::cout << projections::PrettyJson(projections::ChronologyJson(heading, entries));
      break;
  }
  return 0;
}

int Timescales(const Common& common, const ReadOptions& options) {
  ledger::SystemClock clock;
  auto on = DayOrToday(options.query, clock);
  if (!on.ok()) return Fail(on.status());
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto loaded = LoadFamily(*opened->store, options);
  if (!loaded.ok()) return Fail(loaded.status());
  auto state = projections::FoldFamily(loaded->events);
  std::cout << projections::PrettyJson(projections::TimescalesJson(
      options.family, *on, projections::EvaluateTimescales(state, *calendar, *on)));
  return 0;
}

int StepUpPack(const Common& common, const ReadOptions& options) {
  ledger::SystemClock clock;
  auto on = api::ParseDayParam(options.query, "on", kCli);
  if (!on.ok()) return Fail(on.status());
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  auto loaded = LoadFamily(store, options);
  if (!loaded.ok()) return Fail(loaded.status());
  const projections::Day day = JudgedOn(*on, store, *loaded, clock);
  const projections::FamilyState state = projections::FoldFamily(loaded->events);
  const auto chronology = projections::ChronologyWithComputed(
      loaded->events, *calendar, projections::StoreNames(store, loaded->as_of_seq), day);
  projections::StepUpPackInput in;
  in.family = &state;
  in.chronology = &chronology;
  in.calendar = &*calendar;
  in.on = day;
  in.as_of_seq = loaded->as_of_seq;
  in.as_of_text = loaded->as_of_text;
  in.practitioner = [&](const std::string& id) {
    auto p = projections::ReadPractitioner(store, id, loaded->as_of_seq);
    return p.ok() ? std::move(p).value() : projections::Practitioner{};
  };
  std::cout << projections::PrettyJson(projections::StepUpPackJson(in));
  return 0;
}

int ExportFamily(const Common& common, const ExportFamilyOptions& options) {
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  if (!store.seals()) {
    std::cerr << "export-family: no master key, so sealed personal fields read [sealed]; give "
                 "--master-key for the complete record\n";
  }
  auto read = ResolveRead(store, options.read);
  if (!read.ok()) return Fail(read.status());
  projections::AccessLog access(store);
  auto exported = projections::BuildSubjectAccess(store, *calendar, &access, options.read.family,
                                                  read->as_of_seq);
  if (!exported.ok()) return Fail(exported.status());
  exported->as_of_text = read->as_of_text;
  exported->generated_at = clock.NowMicros();
  const std::string text = options.format == "json"
                               ? projections::PrettyJson(projections::SubjectAccessJson(*exported))
                               : projections::SubjectAccessHtml(*exported);
  if (options.to.empty()) {
    std::cout << text;
  } else {
    // A whole family's record: readable by its owner only, and never over another file.
    const int fd = ::open(options.to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Fail(Status::Unavailable("could not create " + options.to + " (" +
                                      std::strerror(errno) + "; it must not exist yet)"));
    }
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    const bool written = done == text.size() && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return Fail(Status::Unavailable("could not write " + options.to));
  }
  std::cerr << "export-family: family " << options.read.family << ", " << exported->entries.size()
            << " entries up to seq " << exported->as_of_seq << ", " << exported->to_review
            << " marked for review before disclosure\n";
  return 0;
}

int Report(const Common& common, const ReportOptions& options) {
  ledger::SystemClock clock;
  auto on = DayOrToday(options.query, clock);
  if (!on.ok()) return Fail(on.status());
  auto period = api::ParsePeriod(options.query, kCli);
  if (!period.ok()) return Fail(period.status());
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  projections::Overview overview(*opened->store, *calendar);
  Status s = overview.Open();  // the saved overview, then the events after it
  if (!s.ok()) return Fail(s);
  std::string json;
  if (options.which == "inbox") {
    json = projections::InboxJson(overview.Inbox(), overview.Referrals(), overview.valid_at());
  } else if (options.which == "overdue") {
    json = projections::OverdueJson(overview.Overdue(*on), *on, overview.valid_at());
  } else {
    json = overview.CountsJson(*on);
    if (*period) {
      json.pop_back();  // the closing brace: the period goes inside
      json +=
          ",\"period\":" + overview.ComplianceJson((*period)->from, (*period)->to, *on, true) + "}";
    }
  }
  std::cout << projections::PrettyJson(json);
  return 0;
}

int Replay(const Common& common) {
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, false);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  projections::Overview overview(store, *calendar);
  auto start = std::chrono::steady_clock::now();
  auto last = start;
  Status s = overview.Rebuild([&](uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(500) && done != total) return;
    last = now;
    std::cerr << "replay: " << done << " / " << total << " events\r" << std::flush;
  });
  std::cerr << "\n";
  if (!s.ok()) return Fail(s);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t n = overview.valid_at();
  std::cout << "replayed " << n << " events in " << seconds << " s ("
            << static_cast<uint64_t>(seconds > 0 ? n / seconds : 0)
            << " events/s); the overview (triage inbox, overdue, counts) is saved at seq " << n
            << "\n";
  return 0;
}

}  // namespace caseledger::tools
