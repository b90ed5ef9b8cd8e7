// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/error.hpp>

#include <fmt/format.h>

namespace noodle {

std::string_view error_code_name(ErrorCode code)
{
  switch (code) {
  case ErrorCode::usage: return "usage";
  case ErrorCode::io: return "io";
  case ErrorCode::not_found: return "not_found";
  case ErrorCode::invalid_version: return "invalid_version";
  case ErrorCode::invalid_range: return "invalid_range";
  case ErrorCode::manifest_parse: return "manifest_parse";
  case ErrorCode::manifest_invalid: return "manifest_invalid";
  case ErrorCode::duplicate_version: return "duplicate_version";
  case ErrorCode::dependency_cycle: return "dependency_cycle";
  case ErrorCode::missing_dependency: return "missing_dependency";
  case ErrorCode::unsatisfiable: return "unsatisfiable";
  case ErrorCode::no_upgrade_path: return "no_upgrade_path";
  case ErrorCode::incompatible: return "incompatible";
  case ErrorCode::infeasible: return "infeasible";
  case ErrorCode::internal: return "internal";
  case ErrorCode::corrupt_state: return "corrupt_state";
  case ErrorCode::downgrade_refused: return "downgrade_refused";
  case ErrorCode::insufficient_resources: return "insufficient_resources";
  case ErrorCode::archive_invalid: return "archive_invalid";
  case ErrorCode::archive_limit: return "archive_limit";
  case ErrorCode::integrity: return "integrity";
  case ErrorCode::signature_invalid: return "signature_invalid";
  case ErrorCode::unknown_key: return "unknown_key";
  case ErrorCode::revoked_key: return "revoked_key";
  case ErrorCode::key_exists: return "key_exists";
  case ErrorCode::locked: return "locked";
  case ErrorCode::interrupted: return "interrupted";
  case ErrorCode::terminated: return "terminated";
  case ErrorCode::hangup: return "hangup";
  case ErrorCode::repo_unreachable: return "repo_unreachable";
  case ErrorCode::repo_invalid: return "repo_invalid";
  case ErrorCode::repo_rollback: return "repo_rollback";
  case ErrorCode::repo_expired: return "repo_expired";
  case ErrorCode::repo_too_large: return "repo_too_large";
  case ErrorCode::repo_digest_mismatch: return "repo_digest_mismatch";
  case ErrorCode::rollback_failed: return "rollback_failed";
  case ErrorCode::drift: return "drift";
  case ErrorCode::timeout: return "timeout";
  case ErrorCode::runtime_unreachable: return "runtime_unreachable";
  case ErrorCode::runtime_protocol: return "runtime_protocol";
  case ErrorCode::runtime_refused: return "runtime_refused";
  case ErrorCode::runtime_untrusted: return "runtime_untrusted";
  case ErrorCode::unhealthy: return "unhealthy";
  case ErrorCode::unsafe_path: return "unsafe_path";
  }
  return "internal";
}

std::string SourceLocation::to_string() const
{
  if (line == 0) {
    return file.string();
  }
  if (column == 0) {
    return fmt::format("{}:{}", file, line);
  }
  return fmt::format("{}:{}:{}", file, line, column);
}

} // namespace noodle
