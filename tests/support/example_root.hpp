// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace noodle::test {

// Every version of the example catalog (manifests/) packed and signed once
// per test run: <dir>/archives and <dir>/keyring.
const std::filesystem::path& example_archives();

// A root in the demo's starting state, installed by the tool itself from the
// example catalog's real signed archives.
struct ExampleRoot {
  TempDir dir;
  std::filesystem::path root = dir / "root";
  std::filesystem::path archives = dir / "archives";

  ExampleRoot();

  // The binary with --root, --catalog, --keyring and --archives of this root.
  ProcessResult nu(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) const;
  // `-o json` and the one document it prints (the test fails when it does not parse).
  nlohmann::json json(std::vector<std::string> args) const;
  // Where <name>/current points ("" when it does not exist).
  std::string current(const std::string& name) const;
};

} // namespace noodle::test
