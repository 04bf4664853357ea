#include "ledger/status.h"

namespace caseledger {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalidArgument";
    case Code::kNotFound:
      return "notFound";
    case Code::kFailedPrecondition:
      return "ruleViolated";
    case Code::kAborted:
      return "conflict";
    case Code::kAlreadyExists:
      return "eventIdReused";
    case Code::kPermissionDenied:
      return "permissionDenied";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kResourceExhausted:
      return "tooLarge";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDataLoss:
      return "dataLoss";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

Status Status::InvalidArgument(std::string message, std::string field) {
  Status s(Code::kInvalidArgument, std::move(message));
  s.field_ = std::move(field);
  return s;
}
Status Status::NotFound(std::string message) { return Status(Code::kNotFound, std::move(message)); }
Status Status::RuleViolated(std::string rule, std::string message, std::string details_json) {
  Status s(Code::kFailedPrecondition, std::move(message));
  s.rule_ = std::move(rule);
  s.details_ = std::move(details_json);
  return s;
}
Status Status::Conflict(std::string message, uint64_t current_version) {
  Status s(Code::kAborted, std::move(message));
  s.number_ = current_version;
  return s;
}
Status Status::AlreadyExists(std::string message) {
  return Status(Code::kAlreadyExists, std::move(message));
}
Status Status::PermissionDenied(std::string message) {
  return Status(Code::kPermissionDenied, std::move(message));
}
Status Status::Unauthenticated(std::string message) {
  return Status(Code::kUnauthenticated, std::move(message));
}
Status Status::ResourceExhausted(std::string message) {
  return Status(Code::kResourceExhausted, std::move(message));
}
Status Status::Unavailable(std::string message) {
  return Status(Code::kUnavailable, std::move(message));
}
Status Status::DataLoss(std::string message, uint64_t seq) {
  Status s(Code::kDataLoss, std::move(message));
  if (seq != 0) s.number_ = seq;
  return s;
}
Status Status::Internal(std::string message) { return Status(Code::kInternal, std::move(message)); }

std::string Status::ToString() const {
  std::string out = CodeName(code_);
  if (!message_.empty()) out += ": " + message_;
  if (!field_.empty()) out += " (field " + field_ + ")";
  if (!rule_.empty()) out += " (rule " + rule_ + ")";
  return out;
}

}  // namespace caseledger
