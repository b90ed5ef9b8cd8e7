// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

namespace noodle::test {

// A fresh directory under the system temp dir, removed on destruction unless
// NOODLE_KEEP_TEST_DIRS is set (for looking at what a failing test left).
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& child) const { return m_path / child; }

  // Writes `content` to `relative` (creating parent directories).
  std::filesystem::path write(const std::string& relative, const std::string& content) const;

private:
  std::filesystem::path m_path;
};

// Makes <root>/components/<name>/versions/<version> and the `current` link.
void install_fake_version(const std::filesystem::path& root, const std::string& name, const std::string& version);

// Installs the demo runtime's state (examples/demo-installed.txt) under `root`.
void install_demo_state(const std::filesystem::path& root);

} // namespace noodle::test
