// SPDX-License-Identifier: Apache-2.0
// Reading, writing and inspecting files in a test's temporary directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::test {

// The bytes of a file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& p);
// Writes `text` to `p`, creating its parent directories.
void write_file(const std::filesystem::path& p, const std::string& text);
// The permission bits (07777) of `path`, not followed; fails the test when
// there is nothing at `path`.
unsigned mode_of(const std::filesystem::path& path);
// chmod(2), failing the test when it fails.
void set_mode(const std::filesystem::path& path, unsigned mode);
// Whether `line` is one of `lines`.
bool has_line(const std::vector<std::string>& lines, std::string_view line);

} // namespace noodle::test
