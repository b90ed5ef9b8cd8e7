// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/reader.hpp>

#include "extract_pass.hpp"
#include "tar_input.hpp"
#include "tar_path.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

namespace noodle::archive {

Result<std::string> read_member(int fd, std::string_view member, std::uint64_t max_bytes, const Limits& limits)
{
  return detail::read_member(fd, member, max_bytes, limits, nullptr);
}

namespace detail {

Result<std::string> read_member(int fd, std::string_view member, std::uint64_t max_bytes, const Limits& limits,
                                Sha256* hash)
{
  auto wanted = detail::normalise_entry_path(member, limits);
  if (!wanted || wanted->empty()) {
    return fail(ErrorCode::usage, fmt::format("invalid member name '{}'", detail::printable(member)));
  }
  auto input = detail::TarInput::open(fd, limits, hash);
  if (!input) {
    return fail(std::move(input.error()));
  }
  detail::TarInput& in = **input;
  const std::string shown = detail::printable(member);
  for (;;) {
    auto entry = in.next();
    if (!entry) {
      return fail(std::move(entry.error()));
    }
    if (*entry == nullptr) {
      return fail(ErrorCode::not_found, fmt::format("archive has no member '{}'", shown));
    }
    const char* raw = archive_entry_pathname(*entry);
    auto path = detail::normalise_entry_path(raw != nullptr ? raw : "", limits);
    if (!path || *path != *wanted) {
      // Other entries are not judged here (extract does that), but their
      // data is still read through the accounted reader.
      if (auto drained = in.drain(detail::printable(raw != nullptr ? raw : "")); !drained) {
        return fail(std::move(drained.error()));
      }
      continue;
    }
    if (archive_entry_hardlink(*entry) != nullptr || archive_entry_filetype(*entry) != AE_IFREG) {
      return fail(ErrorCode::archive_invalid, fmt::format("member '{}' is not a regular file", shown));
    }
    const auto too_big = [&] {
      return fail(ErrorCode::archive_limit, fmt::format("member '{}' is larger than {} bytes", shown, max_bytes));
    };
    if (archive_entry_size_is_set(*entry) != 0 && archive_entry_size(*entry) > 0
        && static_cast<std::uint64_t>(archive_entry_size(*entry)) > max_bytes) {
      return too_big();
    }
    std::string out;
    for (;;) {
      auto block = in.read_block(shown);
      if (!block) {
        return fail(std::move(block.error()));
      }
      if (block->empty()) {
        if (hash != nullptr) {
          if (auto rest = in.hash_rest(); !rest) {
            return fail(std::move(rest.error()));
          }
        }
        return out;
      }
      if (out.size() + block->size() > max_bytes) {
        return too_big();
      }
      out.append(block->data(), block->size());
    }
  }
}

} // namespace detail

} // namespace noodle::archive
