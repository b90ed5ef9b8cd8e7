// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace noodle::test {

// A fresh directory under the system temporary directory, removed on
// destruction unless NOODLE_KEEP_TEMP is set (to inspect a failing test).
class TempDir {
public:
  TempDir()
  {
    std::random_device entropy;
    const auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto candidate = base / ("noodle-test-" + std::to_string(entropy()));
      std::error_code ec;
      if (std::filesystem::create_directory(candidate, ec)) {
        m_path = candidate;
        return;
      }
    }
    throw std::runtime_error("cannot create a temporary directory");
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir()
  {
    if (std::getenv("NOODLE_KEEP_TEMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(m_path, ec);
    }
  }

  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

} // namespace noodle::test
