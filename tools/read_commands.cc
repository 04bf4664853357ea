// The family reads on the command line: state, chronology, timescales (EVENTS.md), each as
// the record stood at --as-of / --as-of-seq. Read-only: they may run beside a server.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <sstream>

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

// The seq the requested moment resolves to, and how to say it to people.
Result<Loaded> ResolveRead(ledger::Store& store, const ReadOptions& options) {
  projections::AsOf as_of;
  as_of.seq = options.as_of_seq;
  Loaded out;
  out.as_of_text = "current record";
  if (!options.as_of.empty()) {
    auto at = ledger::ParseRfc3339(options.as_of);
    if (!at.ok()) return Status::InvalidArgument(at.status().message(), "as-of");
    as_of.recorded_at = *at;
    out.as_of_text = "as recorded at " + ledger::FormatRfc3339(*at);
  } else if (as_of.seq != 0) {
    out.as_of_text = "as recorded up to seq " + std::to_string(as_of.seq);
  }
  CL_ASSIGN_OR_RETURN(out.as_of_seq, projections::ResolveAsOf(store, as_of));
  return out;
}

Result<Loaded> LoadFamily(ledger::Store& store, const ReadOptions& options) {
  CL_ASSIGN_OR_RETURN(Loaded out, ResolveRead(store, options));
  CL_ASSIGN_OR_RETURN(out.events, projections::ReadFamily(store, options.family, out.as_of_seq));
  return out;
}

Result<Calendar> LoadCalendar(const Common& common) {
  auto calendar = Calendar::Load(common.calendar_file);
  if (!calendar.ok()) return calendar.status().Annotate("--calendar");
  return calendar;
}

// The day `text` names (YYYY-MM-DD, for --on), or today in London when it is empty.
Result<projections::Day> DayOrToday(const std::string& text, ledger::Clock& clock) {
  if (text.empty()) return projections::LondonDay(clock.NowMicros());
  return projections::ParseDay(text, "on");
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

int Chronology(const Common& common, const ChronologyOptions& options) {
  if (options.format != "json" && options.format != "csv" && options.format != "html") {
    return Fail(Status::InvalidArgument("--format must be json, csv or html", "format"));
  }
  projections::ChronologyFilter filter;
  filter.episode = options.episode;
  filter.significant_only = options.significant_only;
  for (const auto& c : options.categories) filter.categories.insert(c);
  for (auto [text, target, name] : {std::tuple{&options.from, &filter.from, "from"},
                                    std::tuple{&options.to, &filter.to, "to"}}) {
    if (text->empty()) continue;
    auto day = projections::ParseDay(*text, name);
    if (!day.ok()) return Fail(day.status());
    *target = *day;
  }
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  auto loaded = LoadFamily(store, options.read);
  if (!loaded.ok()) return Fail(loaded.status());
  auto entries = projections::FilterChronology(
      projections::BuildChronology(loaded->events, *calendar,
                                   projections::StoreNames(store, loaded->as_of_seq)),
      filter);
  projections::ChronologyHeading heading{options.read.family, loaded->as_of_seq,
                                         loaded->as_of_text};
  if (options.format == "csv") {
    std::cout << projections::ChronologyCsv(entries);
  } else if (options.format == "html") {
    std::cout << projections::ChronologyHtml(heading, entries);
  } else {
    std::cout << projections::PrettyJson(projections::ChronologyJson(heading, entries));
  }
  return 0;
}

int Timescales(const Common& common, const TimescalesOptions& options) {
  ledger::SystemClock clock;
  auto on = DayOrToday(options.on, clock);
  if (!on.ok()) return Fail(on.status());
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto loaded = LoadFamily(*opened->store, options.read);
  if (!loaded.ok()) return Fail(loaded.status());
  auto state = projections::FoldFamily(loaded->events);
  std::cout << projections::PrettyJson(projections::TimescalesJson(
      options.read.family, *on, projections::EvaluateTimescales(state, *calendar, *on)));
  return 0;
}

int StepUpPack(const Common& common, const TimescalesOptions& options) {
  ledger::SystemClock clock;
  auto calendar = LoadCalendar(common);
  if (!calendar.ok()) return Fail(calendar.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = *opened->store;
  auto loaded = LoadFamily(store, options.read);
  if (!loaded.ok()) return Fail(loaded.status());
  projections::Day on = projections::LondonDay(clock.NowMicros());
  if (!options.on.empty()) {
    auto day = projections::ParseDay(options.on, "on");
    if (!day.ok()) return Fail(day.status());
    on = *day;
  } else if (loaded->as_of_seq < store.Size()) {  // as of then: judged as on that day
    auto at = store.ReadLog(loaded->as_of_seq - 1, 1);
    if (at.ok() && !at->empty()) on = projections::LondonDay((*at)[0].recorded_at);
  }
  const projections::FamilyState state = projections::FoldFamily(loaded->events);
  const auto chronology = projections::ChronologyWithComputed(
      loaded->events, *calendar, projections::StoreNames(store, loaded->as_of_seq), on);
  projections::StepUpPackInput in;
  in.family = &state;
  in.chronology = &chronology;
  in.calendar = &*calendar;
  in.on = on;
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
  auto on = DayOrToday(options.on, clock);
  if (!on.ok()) return Fail(on.status());
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
    if (!options.from.empty()) {
      auto from = projections::ParseDay(options.from, "--from");
      auto to = projections::ParseDay(options.to, "--to");
      if (!from.ok()) return Fail(from.status());
      if (!to.ok()) return Fail(to.status());
      if (*to < *from) return Fail(Status::InvalidArgument("--to is before --from", "--to"));
      json.pop_back();  // the closing brace: the period goes inside
      json += ",\"period\":" + overview.ComplianceJson(*from, *to, *on, true) + "}";
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
