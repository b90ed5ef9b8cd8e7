// SPDX-License-Identifier: Apache-2.0
// Working from directory descriptors: opening a path below a directory
// without leaving it and without following a symbolic link (the primitive
// every walk of a root is built on), listing, reading links.
#pragma once

#include <noodle/util/error.hpp>

#include <tl/expected.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>
#include <sys/types.h>

namespace noodle::util {

// How open_beneath resolves a path.
enum class Resolution {
  automatic,     // openat2(2) RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; per_component where the kernel lacks it
  per_component, // one openat(2) with O_NOFOLLOW per component, as on a kernel without openat2
};

// The seam: how every later open_beneath of this process resolves. Tests
// force Resolution::per_component to prove the fallback on a kernel that has
// openat2.
void set_resolution(Resolution resolution);
Resolution resolution();

// Whether `rel` is a path open_beneath accepts: relative and made only of
// names, each non-empty, not "." or "..", without a control character and
// at most NAME_MAX bytes, joined by single '/' (none leading or trailing).
bool is_plain_relative(std::string_view rel);

// Opens `rel` below the directory open on `dir_fd` with `flags` (O_CLOEXEC
// is added; `mode` only with O_CREAT). Returns the descriptor, or -1 with
// errno: ELOOP when any component, the last included, is a symbolic link
// (with O_PATH | O_NOFOLLOW the last may be one: the link itself is opened);
// EINVAL when `rel` is not plain; otherwise what openat2(2) or openat(2)
// set (ENOENT, ENOTDIR, EEXIST, ...).
int open_beneath(int dir_fd, std::string_view rel, int flags, mode_t mode = 0);

// The names in the directory open on `fd` (read through a descriptor of its
// own, so `fd` is left as it was), "." and ".." left out, in directory
// order; errno on failure.
tl::expected<std::vector<std::string>, int> names_in(int fd);

// The target of symlink `name` in the directory open on `dir_fd`, however
// long; errno on failure (EINVAL: not a symlink).
tl::expected<std::string, int> link_target_at(int dir_fd, const char* name);

// The unsafe_path error for a symbolic link found at `shown` where a
// directory must be: "'<shown>' is a symbolic link where a directory must
// be: never followed", with what to do about it.
Error symlink_error(const std::filesystem::path& shown);

} // namespace noodle::util
