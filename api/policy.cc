#include "api/policy.h"

namespace caseledger::api {

bool MayReadFamily(const Principal& p, const projections::FamilyState& family, int64_t now) {
  return projections::MayReadFamily(p.role, p.actor_id, family, now);
}

Status MayAppendToFamily(const Principal& p, const projections::FamilyState& family,
                         const std::vector<Recording>& events, int64_t now) {
  return projections::MayAppendToFamily(p.role, p.actor_id, family, events, now);
}

Status MayAppendToPractitioner(const Principal& p) {
  if (p.role == Role::kAdmin) return Status();
  return Status::PermissionDenied(std::string("role ") + RoleName(p.role) +
                                  " may not write practitioner records: an admin registers "
                                  "practitioners and their training");
}

}  // namespace caseledger::api
