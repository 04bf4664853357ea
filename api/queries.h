// The queries the HTTP API and the command line share, each parsed in one place: the moment
// a family is read as of, a day, a reporting period, and the chronology's filters.
//
// A query is plain name -> value pairs under the API's parameter names (asOf, asOfSeq,
// category, ...): the API passes its URL's query as it is, and the command line puts each
// option it was given under the same name (--as-of-seq -> asOfSeq; tools/main.cc). A name
// not given is absent; a name given empty is a value, and refused like any other bad one.
//
// Every parser fails with kInvalidArgument whose field() and message name the parameter as
// the person asking wrote it (Naming): the query parameter for the API ("asOfSeq"), the
// option for the command line ("--as-of-seq"). A refused value is never repeated: it may be
// personal data typed in the wrong place.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "ledger/store.h"
#include "projections/calendar.h"
#include "projections/chronology.h"
#include "projections/views.h"

namespace caseledger::api {

// Name -> value; of a name given twice, the first counts (httplib::Params is this type).
using QueryValues = std::multimap<std::string, std::string>;

enum class Naming {
  kApi,  // the query parameter: "asOfSeq"
  kCli,  // the command line's option: "--as-of-seq"
};

// How `param` (an API name) is named to the person asking: as is, or "--" and the name in
// kebab case ("asOfSeq" -> "--as-of-seq", "from" -> "--from").
std::string ParamName(std::string_view param, Naming naming);

// `param` as a whole number from `min` to `max` (decimal digits only), or `fallback` when
// not given.
Result<uint64_t> ParseUint(const QueryValues& query, std::string_view param, uint64_t fallback,
                           uint64_t min, uint64_t max, Naming naming = Naming::kApi);

// `param` as true or false, or `fallback` when not given; nothing else is taken.
Result<bool> ParseBool(const QueryValues& query, std::string_view param, bool fallback,
                       Naming naming = Naming::kApi);

// The day `param` names (YYYY-MM-DD, a date that exists), or nullopt when not given.
Result<std::optional<projections::Day>> ParseDayParam(const QueryValues& query,
                                                      std::string_view param,
                                                      Naming naming = Naming::kApi);

// A reporting period: from and to (YYYY-MM-DD, both or neither, from <= to), or nullopt.
struct Period {
  projections::Day from, to;
};
Result<std::optional<Period>> ParsePeriod(const QueryValues& query, Naming naming = Naming::kApi);

// The moment a read is as of: asOf (an RFC 3339 recorded time with an offset) or asOfSeq (a
// seq from 1), not both; neither is the current record.
struct AsOfQuery {
  projections::AsOf as_of;  // as_of.now() when neither is given
  // For people: "current record", "as recorded at 2026-03-03T10:00:00Z" or "as recorded up
  // to seq 42".
  std::string text = "current record";
};
Result<AsOfQuery> ParseAsOf(const QueryValues& query, Naming naming = Naming::kApi);

// The last seq the read includes in `store` (projections::ResolveAsOf); kInvalidArgument
// naming asOfSeq for a seq beyond the log.
Result<uint64_t> ResolveAsOf(ledger::Store& store, const AsOfQuery& as_of,
                             Naming naming = Naming::kApi);

// The chronology's formats.
enum class ChronologyFormat { kJson, kCsv, kHtml };
// "json", "csv", "html".
std::string_view FormatName(ChronologyFormat format);

// The chronology's query:
//   episode      an id: only that episode's entries (and the family's own);
//   from, to     YYYY-MM-DD, London days of occurredAt, inclusive (from <= to when both);
//   category     a comma-separated list of ChronologyCategories(); a category not among them
//                is refused with the list;
//   significant  true or false (default false): significant entries only;
//   computed     true or false (default true): with the computed entries;
//   on           YYYY-MM-DD: the day the computed entries are judged on (default: the as-of
//                day, or today; the caller decides);
//   format       json (default), csv or html.
// The as-of parameters are ParseAsOf's.
struct ChronologyQuery {
  projections::ChronologyFilter filter;
  bool computed = true;
  std::optional<projections::Day> on;
  ChronologyFormat format = ChronologyFormat::kJson;
};
Result<ChronologyQuery> ParseChronologyQuery(const QueryValues& query,
                                             Naming naming = Naming::kApi);

// ChronologyCategories() joined with ", " (for messages and descriptions).
std::string ChronologyCategoryList();

}  // namespace caseledger::api
