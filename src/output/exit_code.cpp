// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/exit_code.hpp>

namespace noodle::output {

int to_int(ExitCode code)
{
  return static_cast<int>(code);
}

ExitCode exit_code_for(ErrorCode code)
{
  switch (code) {
  case ErrorCode::usage:
  case ErrorCode::not_found:
  case ErrorCode::invalid_version:
  case ErrorCode::invalid_range:
  case ErrorCode::manifest_parse:
  case ErrorCode::manifest_invalid:
  case ErrorCode::duplicate_version: return ExitCode::usage;
  case ErrorCode::dependency_cycle:
  case ErrorCode::missing_dependency:
  case ErrorCode::unsatisfiable:
  case ErrorCode::no_upgrade_path:
  case ErrorCode::incompatible:
  case ErrorCode::infeasible:
  case ErrorCode::downgrade_refused:
  case ErrorCode::insufficient_resources:
  case ErrorCode::unsafe_path: return ExitCode::refused;
  case ErrorCode::archive_invalid:
  case ErrorCode::archive_limit:
  case ErrorCode::integrity:
  case ErrorCode::signature_invalid:
  case ErrorCode::unknown_key:
  case ErrorCode::revoked_key: return ExitCode::integrity;
  case ErrorCode::key_exists: return ExitCode::failed;
  case ErrorCode::drift: return ExitCode::refused;
  case ErrorCode::locked: return ExitCode::locked;
  case ErrorCode::runtime_unreachable: return ExitCode::unreachable;
  case ErrorCode::runtime_protocol:
  case ErrorCode::runtime_refused:
  case ErrorCode::unhealthy: return ExitCode::failed;
  case ErrorCode::runtime_untrusted: return ExitCode::unreachable;
  case ErrorCode::rollback_failed: return ExitCode::rollback_failed;
  case ErrorCode::interrupted: return ExitCode::interrupted;
  case ErrorCode::terminated: return ExitCode::terminated;
  case ErrorCode::hangup: return ExitCode::hangup;
  case ErrorCode::repo_unreachable: return ExitCode::repo_unreachable;
  case ErrorCode::repo_invalid:
  case ErrorCode::repo_rollback:
  case ErrorCode::repo_expired:
  case ErrorCode::repo_too_large:
  case ErrorCode::repo_digest_mismatch: return ExitCode::integrity;
  case ErrorCode::timeout: return ExitCode::failed;
  case ErrorCode::io:
  case ErrorCode::corrupt_state:
  case ErrorCode::internal: return ExitCode::failed;
  }
  return ExitCode::failed;
}

} // namespace noodle::output
