// SPDX-License-Identifier: Apache-2.0
// A temporary root built from the example catalog and its real signed
// archives, installed by the tool itself, for the tests that drive the
// binary through upgrades, rollbacks and the history.
#pragma once

#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace noodle::test {

// Every example catalog version packed and signed once per test run:
// archives/ and keyring/ under the returned directory.
const std::filesystem::path& example_archives();
// The same for the live tests' catalog (tests/data/live-catalog).
const std::filesystem::path& live_archives();

// Versions to install, one (component, version) each.
using Versions = std::vector<std::pair<std::string, std::string>>;

// The versions the demo starts from.
const Versions& demo_start_versions();

struct ExampleRoot {
  TempDir dir;
  std::filesystem::path root = dir / "root";
  std::filesystem::path archives = dir / "archives";

  // Installs `versions` (offline) in turn; the demo's starting state by default.
  explicit ExampleRoot(const Versions& versions = demo_start_versions());

  // The binary with --root, --catalog (the example catalog), --keyring and
  // --archives of this root, then `args`.
  ProcessResult nu(std::vector<std::string> args, const std::map<std::string, std::string>& env = {});
  // nu with -o json, its stdout parsed.
  nlohmann::json json(std::vector<std::string> args);
  // Where components/NAME/current points, relative ("versions/1.0.0"); "" when absent.
  std::string current(const std::string& name) const;
  // current() of every component.
  std::map<std::string, std::string> links() const;
  std::filesystem::path config(const std::string& name) const { return root / "components" / name / "config"; }
};

// Replaces NAME-VERSION's archive in `archives` with one that is signed and
// matches its catalog entry but holds a character device, which only the
// extraction rules refuse.
void plant_unextractable(const std::filesystem::path& archives, const std::string& name, const std::string& version);

} // namespace noodle::test
