// The table of event kinds: for every kind of ledger/event.capnp, one row deciding its
// stream, who may record it, whether it carries third parties' information and how the
// chronology shows it. Every other place that decides by kind (the API's policy, the rules'
// stream check, subject access, the chronology) reads this table.
//
// The rows live in event_kinds.cc, one specialisation of a template per kind of
// ev::Body; the table is built from the variant's alternatives, so a kind added to the schema
// (and so to ev::Body) fails the build there until its row is written. Roles follow DOMAIN.md
// "Who reads and writes" (docs/domain.md says how it is read):
//   - practitioners record by allow-list, on the families whose team they are on (keyworker
//     or TAF member), or only as the keyworker (team changes), or about any family
//     (concerns passed on); never by default;
//   - every other role records only the kinds its row names;
//   - some kinds are written by the ledger itself (an erasure, a read), never by a request.
//
// Thread-safety: immutable data; safe from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "ledger/domain_event.h"

namespace caseledger::projections {

namespace ev = ledger::ev;

// Who is calling, as what (DOMAIN.md "Who reads and writes"). The API's tokens carry one.
enum class Role {
  kPractitioner,
  kHelpdesk,
  kTriageManager,
  kCoordinator,
  kAuditor,
  kDashboard,
  kAdmin,
};
inline constexpr Role kAllRoles[] = {Role::kPractitioner, Role::kHelpdesk, Role::kTriageManager,
                                     Role::kCoordinator,  Role::kAuditor,  Role::kDashboard,
                                     Role::kAdmin};

// A set of roles, for a row's recorders.
class Roles {
 public:
  constexpr Roles() = default;
  constexpr Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Has(Role r) const { return (bits_ & Bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }

 private:
  static constexpr uint32_t Bit(Role r) { return 1u << static_cast<unsigned>(r); }
  uint32_t bits_ = 0;
};

enum class StreamKind { kFamily, kPractitioner, kAccess };

// Which practitioners may record a kind on a family.
enum class ByPractitioner {
  kNone,       // no practitioner
  kTeam,       // the episode's keyworker or a TAF member (any episode of the family)
  kKeyworker,  // a keyworker of the family's open episode only
  kAnyFamily,  // any practitioner, about any family (a concern passed on)
};

// Whether a kind carries information supplied by someone outside the family (subject access
// reviews it before disclosure).
enum class ThirdParty {
  kNo,
  kYes,
  kWhenSupplied,  // when the entry names the agency that supplied it (a note's sourceAgency)
};

// Whether the chronology's significant-only view keeps a kind.
enum class Significance {
  kAlways,
  kNever,
  kAsMarked,  // as the entry says (a case note's `significant`)
};

struct KindInfo {
  std::string_view type;  // the JSON name, "caseNoteAdded"
  StreamKind stream;
  Roles roles;  // roles other than practitioner that may record it through a request
  ByPractitioner practitioners;
  bool by_ledger;  // written by the ledger itself (never through a request)
  ThirdParty third_party;
  // The chronology's category ("consent", "team", ...); empty for a case note (its own
  // category) and for kinds that are not on a family stream.
  std::string_view category;
  Significance significance;
};

// Every kind, in the schema's union order (ev::Body's alternatives).
std::span<const KindInfo> AllKinds();
// The row of `body`'s kind.
const KindInfo& KindOf(const ev::Body& body);
// The row of the kind named `type`, or null.
const KindInfo* FindKind(std::string_view type);

// Whether `role` may record `kind` at all through a request (for a practitioner: whether any
// practitioner may, before asking which family).
bool MayRecord(Role role, const KindInfo& kind);

}  // namespace caseledger::projections
