// SPDX-License-Identifier: Apache-2.0
// Path rules shared by extraction, member lookup and packing, so that pack
// never produces an archive that extract refuses.
#pragma once

#include <noodle/archive/limits.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::archive::detail {

// Why a path or symlink target is refused: the code and the reason text
// ("path escapes the component directory ('..')"), without the entry name.
struct PathRejection {
  ErrorCode code = ErrorCode::archive_invalid;
  std::string reason;
};

// The entry path as written to disk: no leading "./", no "." or empty
// components, "a/b" form. Empty for the component root itself ("." or "./").
// Refuses empty, absolute, '..', backslash and control characters, and
// paths longer than limits.max_path_bytes or deeper than max_path_depth.
tl::expected<std::string, PathRejection> normalise_entry_path(std::string_view raw, const Limits& limits);

// Splits a path on '/', dropping empty and "." components.
std::vector<std::string_view> components(std::string_view path);

// Checks the target of the symlink at the normalised `link_path`: relative,
// '..' only as leading components, and resolving (from the link's own
// directory) to a place inside the component. Leading '..' only pop real
// directories (extraction never creates anything through a symlink), so the
// lexical resolution is exact; a '..' after a name could pop out of a symlink.
std::optional<PathRejection> check_symlink_target(std::string_view link_path, std::string_view target,
                                                  std::uint64_t max_path_bytes);

// `path` made printable for a message: control bytes as \xNN, cut after
// 200 bytes with "..." so a 4 KiB hostile name does not flood the output.
std::string printable(std::string_view path);

} // namespace noodle::archive::detail
