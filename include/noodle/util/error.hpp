// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/shared_path.hpp>

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle {

// Stable error codes. The JSON name (error_code_name) is part of the public
// output contract; never rename one, only add.
enum class ErrorCode {
  usage,                  // wrong command-line usage
  io,                     // a file could not be read or written
  not_found,              // a named component, version or file does not exist
  invalid_version,        // not a SemVer 2.0.0 version
  invalid_range,          // not a valid version range
  manifest_parse,         // YAML syntax error or input limit exceeded
  manifest_invalid,       // well-formed YAML that breaks the manifest schema
  duplicate_version,      // the same name@version defined twice
  dependency_cycle,       // the dependency graph has a cycle
  missing_dependency,     // a dependency names no known component
  unsatisfiable,          // no version meets every range demanded of it
  no_upgrade_path,        // upgrade_from / required_stop leave no route
  incompatible,           // a compatibility rule fails against installed versions
  infeasible,             // the plan is refused (aggregate of the above)
  internal,               // a bug: an invariant did not hold
  corrupt_state,          // the installed-state directory tree is malformed
  downgrade_refused,      // a version would go down without permission
  insufficient_resources, // the machine lacks memory, cores or disk
  archive_invalid,        // malformed archive, disallowed format or entry (traversal, device, ...)
  archive_limit,          // an extraction limit was exceeded (entries, bytes, ratio)
  integrity,              // digest or size mismatch between catalog, archive and signature
  signature_invalid,      // malformed, truncated, oversized signature file, or a bad signature
  unknown_key,            // the signature's key id is not in the keyring
  revoked_key,            // the signing key is revoked
  key_exists,             // keygen would overwrite a key
  locked,                 // another invocation holds the root's lock
  interrupted,            // stopped by SIGINT (Ctrl-C); what was done is rolled back
  terminated,             // stopped by SIGTERM or `cancel`; what was done is rolled back
  rollback_failed,        // undoing a failed change failed too: the operator must act
  drift,                  // a saved plan no longer matches what it was computed from
  timeout,                // an operation ran past its --timeout
  runtime_unreachable,    // the runtime's control socket does not answer
  runtime_protocol,       // the runtime's reply breaks the protocol (garbage, oversized, wrong id)
  runtime_refused,        // the runtime answered a request with ok=false
  runtime_untrusted,      // the socket or its peer belongs to an untrusted uid
  unhealthy,              // a health gate failed
  unsafe_path,            // a root path another user could change, or a symlink where a directory must be
  hangup,                 // stopped by SIGHUP (the terminal or SSH session went away); what was done is rolled back
  repo_unreachable,       // no mirror of a repository answered, and no usable cached index
  repo_invalid,           // a repository index or its signature file is malformed
  repo_rollback,          // a repository index older than the last one seen under the root (rollback attack)
  repo_expired,           // a repository index past its expiry time (freeze attack)
  repo_too_large,         // a repository file over its size cap (endless-data attack)
  repo_digest_mismatch,   // a mirror served bytes whose sha256 or size differ from the index's
};

std::string_view error_code_name(ErrorCode code);

// Where in a source file something is; line and column are 1-based, 0 = unknown.
struct SourceLocation {
  // Shared by the copies: every location read from one file names it, and
  // the files of one directory read by the catalog loader share its path.
  util::SharedPath file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool known() const { return !file.empty(); }
  // "file:line:col", "file:line" or "file", as much as is known.
  std::string to_string() const;

  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message; // lowercase, no trailing period
  std::optional<SourceLocation> where;
  std::vector<std::string> details; // extra lines that explain why

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(ErrorCode c, std::string msg, SourceLocation loc) : code(c), message(std::move(msg)), where(std::move(loc)) {}
};

template <typename T> using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message)
{
  return tl::unexpected<Error>(Error(code, std::move(message)));
}

inline tl::unexpected<Error> fail(Error e)
{
  return tl::unexpected<Error>(std::move(e));
}

} // namespace noodle
