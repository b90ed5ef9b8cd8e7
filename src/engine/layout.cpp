// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/layout.hpp>

#include <fmt/format.h>

namespace noodle::engine {

Result<std::optional<std::string>> current_version(const RootDir& root, std::string_view name)
{
  const auto link = rel::current(name);
  auto target = read_link(root, link);
  if (!target) {
    return fail(target.error());
  }
  if (!*target) {
    return std::optional<std::string>();
  }
  const std::string prefix = Layout::link_target("");
  if ((*target)->rfind(prefix, 0) != 0 || (*target)->size() == prefix.size()) {
    return fail(ErrorCode::corrupt_state,
                fmt::format("'{}' points at '{}', not at versions/<version>", root.shown(link).string(), **target));
  }
  return std::optional<std::string>((*target)->substr(prefix.size()));
}

} // namespace noodle::engine
