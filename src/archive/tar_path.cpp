// SPDX-License-Identifier: Apache-2.0
#include "tar_path.hpp"

#include <fmt/format.h>

#include <vector>

namespace noodle::archive::detail {

namespace {

constexpr std::size_t k_printable_max = 200;

bool is_control(char c)
{
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

tl::unexpected<PathRejection> reject(ErrorCode code, std::string reason)
{
  return tl::unexpected<PathRejection>(PathRejection{code, std::move(reason)});
}

// Backslash and control characters, shared by paths and targets.
std::optional<std::string> bad_character(std::string_view text)
{
  for (char c : text) {
    if (c == '\\') {
      return "a backslash";
    }
    if (is_control(c)) {
      return "a control character";
    }
  }
  return std::nullopt;
}

} // namespace

std::vector<std::string_view> components(std::string_view path)
{
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") {
      out.push_back(part);
    }
    start = end + 1;
  }
  return out;
}

tl::expected<std::string, PathRejection> normalise_entry_path(std::string_view raw, const Limits& limits)
{
  if (raw.size() > limits.max_path_bytes) {
    return reject(ErrorCode::archive_limit, fmt::format("path is longer than {} bytes", limits.max_path_bytes));
  }
  if (raw.empty()) {
    return reject(ErrorCode::archive_invalid, "path is empty");
  }
  if (raw.front() == '/') {
    return reject(ErrorCode::archive_invalid, "absolute paths are not allowed");
  }
  if (auto bad = bad_character(raw)) {
    return reject(ErrorCode::archive_invalid, fmt::format("path contains {}", *bad));
  }
  const auto parts = components(raw);
  std::string out;
  out.reserve(raw.size());
  for (std::string_view part : parts) {
    if (part == "..") {
      return reject(ErrorCode::archive_invalid, "path escapes the component directory ('..')");
    }
    if (!out.empty()) {
      out += '/';
    }
    out += part;
  }
  if (parts.size() > limits.max_path_depth) {
    return reject(ErrorCode::archive_limit, fmt::format("path is deeper than {} components", limits.max_path_depth));
  }
  return out;
}

std::optional<PathRejection> check_symlink_target(std::string_view link_path, std::string_view target,
                                                  std::uint64_t max_path_bytes)
{
  const std::string shown = printable(target);
  if (target.empty()) {
    return PathRejection{ErrorCode::archive_invalid, "symlink target is empty"};
  }
  if (target.size() > max_path_bytes) {
    return PathRejection{ErrorCode::archive_limit,
                         fmt::format("symlink target is longer than {} bytes", max_path_bytes)};
  }
  if (target.front() == '/') {
    return PathRejection{ErrorCode::archive_invalid,
                         fmt::format("symlink target '{}' is absolute; only relative targets are allowed", shown)};
  }
  if (auto bad = bad_character(target)) {
    return PathRejection{ErrorCode::archive_invalid, fmt::format("symlink target '{}' contains {}", shown, *bad)};
  }
  // Depth of the directory holding the link, which is a real directory.
  std::size_t depth = components(link_path).size();
  depth = depth == 0 ? 0 : depth - 1;
  bool seen_name = false;
  for (std::string_view part : components(target)) {
    if (part != "..") {
      seen_name = true;
      continue;
    }
    if (seen_name) {
      return PathRejection{
          ErrorCode::archive_invalid,
          fmt::format("symlink target '{}' has '..' after a name; only leading '..' are allowed", shown)};
    }
    if (depth == 0) {
      return PathRejection{ErrorCode::archive_invalid,
                           fmt::format("symlink target '{}' escapes the component directory", shown)};
    }
    --depth;
  }
  return std::nullopt;
}

std::string printable(std::string_view path)
{
  std::string out;
  const std::size_t n = std::min(path.size(), k_printable_max);
  out.reserve(n + 8);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = path[i];
    if (is_control(c)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  if (path.size() > n) {
    out += "...";
  }
  return out;
}

} // namespace noodle::archive::detail
