// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace noodle::test {

// One `--help` text of the built binary: `path` is the command words before
// --help (empty for the top level), `text` what it printed on stdout.
struct HelpPage {
  std::vector<std::string> path;
  std::string text;
  std::vector<std::string> subcommands; // listed under "Subcommands:"

  // The words of `path` joined by spaces, e.g. "rollback list".
  std::string words() const;
  // "noodle-upgrade" followed by those words.
  std::string command() const;
};

// Every help page of the binary, the top level first, found by following
// the "Subcommands:" lists. Fails the running test when --help does not exit 0.
std::vector<HelpPage> every_help_page();

} // namespace noodle::test
