// Status and Result: expected failures as values.
//
// Every operation of the ledger that can fail for a reason a caller should handle returns a
// Status (or a Result<T>, which holds either a T or a non-ok Status). Exceptions are kept for
// bugs and a broken environment. The codes are few and map one to one onto the HTTP answers
// of EVENTS.md (api/ owns that table):
//
//   kInvalidArgument     malformed input; field() names the offending field          400
//   kNotFound            the thing asked for does not exist                           404
//   kFailedPrecondition  a domain rule refused it; rule() is the DOMAIN.md rule id    422
//   kAborted             the stream's version is not the expected one;
//                        current_version() holds the stream's version                 409
//   kAlreadyExists       an eventId was already used for different content            409
//   kPermissionDenied    the caller's role may not do this                            403
//   kUnauthenticated     no or bad credentials                                        401
//   kResourceExhausted   too large                                                    413
//   kUnavailable         the store cannot take writes now (closing, I/O failure)      503
//   kDataLoss            stored data is damaged; seq() names the first bad event      500
//   kInternal            a bug                                                        500
//
// Thread-safety: values; copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace caseledger {

enum class Code {
  kOk,
  kInvalidArgument,
  kNotFound,
  kFailedPrecondition,
  kAborted,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kUnavailable,
  kDataLoss,
  kInternal,
};

// The code's name as used in JSON errors (camelCase), e.g. "invalidArgument".
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status InvalidArgument(std::string message, std::string field = {});
  static Status NotFound(std::string message);
  // `details_json`, when given, is a JSON object with what the caller needs to act on the
  // refusal (e.g. the open episode's keyworker and contact).
  static Status RuleViolated(std::string rule, std::string message, std::string details_json = {});
  static Status Conflict(std::string message, uint64_t current_version);
  static Status AlreadyExists(std::string message);
  static Status PermissionDenied(std::string message);
  static Status Unauthenticated(std::string message);
  static Status ResourceExhausted(std::string message);
  static Status Unavailable(std::string message);
  static Status DataLoss(std::string message, uint64_t seq = 0);
  static Status Internal(std::string message);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The offending request field (kInvalidArgument), or empty.
  const std::string& field() const { return field_; }
  // The DOMAIN.md rule id (kFailedPrecondition), or empty.
  const std::string& rule() const { return rule_; }
  // A JSON object with the refusal's details (kFailedPrecondition), or empty.
  const std::string& details() const { return details_; }
  // The stream's current version (kAborted).
  std::optional<uint64_t> current_version() const { return number_; }
  // The first bad seq (kDataLoss), 0 when not known.
  uint64_t seq() const { return number_.value_or(0); }

  // "invalidArgument: message (field x)" for logs and the command line.
  std::string ToString() const;
  // The same status with "prefix: " before its message.
  Status Annotate(const std::string& prefix) const {
    Status s = *this;
    s.message_ = prefix + ": " + message_;
    return s;
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
  std::string rule_;
  std::string details_;
  std::optional<uint64_t> number_;
};

// Either a value or a non-ok Status. Constructing a Result from an ok Status is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace caseledger

// Returns early with the status when it is not ok.
#define CL_RETURN_IF_ERROR(expr)       \
  do {                                 \
    ::caseledger::Status _st = (expr); \
    if (!_st.ok()) return _st;         \
  } while (0)

#define CL_CONCAT_INNER(a, b) a##b
#define CL_CONCAT(a, b) CL_CONCAT_INNER(a, b)
// Declares `lhs` from a Result's value, or returns its status.
#define CL_ASSIGN_OR_RETURN(lhs, expr) \
  CL_ASSIGN_OR_RETURN_IMPL(CL_CONCAT(_res_, __LINE__), lhs, expr)
#define CL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
