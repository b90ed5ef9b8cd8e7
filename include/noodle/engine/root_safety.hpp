// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/root_dir.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace noodle::engine {

// A path of a root the tool must not act through.
struct UnsafePath {
  std::filesystem::path path;     // under the root as given
  std::string problem;            // "is a symbolic link where a directory must be", "is owned by ..."
  std::vector<std::string> fixes; // shell commands that fix it: "chmod go-w '<path>'"
};

enum class Ownership { ignore, check };

// What of `root` is unsafe, in walk order:
//  - a symbolic link where a directory must be: .noodle-upgrade, its
//    staging/ and points/, components/, a component directory, its versions/
//    and config/, a version directory (entries of components/ whose names
//    break the catalog's rule, and plain files there, are not components and
//    are left alone);
//  - with Ownership::check, as OpenSSH's StrictModes: the root, the state
//    directory, components/ and each component directory must belong to the
//    invoking user (geteuid) or root and must not be writable by group or
//    others.
// Fails only when a directory cannot be read.
Result<std::vector<UnsafePath>> find_unsafe_paths(const RootDir& root, Ownership ownership);

// The check every changing command makes before it takes the lock: an
// unsafe_path error (exit 3) naming the first unsafe path, its owner and
// mode, and the commands that fix it, with the others in its details.
Result<void> refuse_unsafe_root(const RootDir& root);

// The user name of `uid`, "uid N" when it has none.
std::string user_name(std::int64_t uid);

} // namespace noodle::engine
