// SPDX-License-Identifier: Apache-2.0
#include "help_pages.hpp"

#include "process.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace noodle::test {

namespace {

std::vector<std::string> listed_subcommands(const std::string& help)
{
  std::vector<std::string> names;
  const auto at = help.find("\nSubcommands:\n");
  if (at == std::string::npos) {
    return names;
  }
  std::istringstream lines(help.substr(at + 14));
  std::string line;
  while (std::getline(lines, line) && !line.empty()) {
    if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return names;
}

} // namespace

std::string HelpPage::words() const
{
  std::string out;
  for (const auto& p : path) {
    out += out.empty() ? p : " " + p;
  }
  return out;
}

std::string HelpPage::command() const
{
  return path.empty() ? std::string("noodle-upgrade") : "noodle-upgrade " + words();
}

std::vector<HelpPage> every_help_page()
{
  std::vector<HelpPage> pages;
  std::vector<std::vector<std::string>> todo{{}};
  while (!todo.empty()) {
    HelpPage page;
    page.path = todo.front();
    todo.erase(todo.begin());
    auto args = page.path;
    args.push_back("--help");
    auto r = run_binary(args);
    INFO(page.command() << " --help");
    REQUIRE(r.exit_code == 0);
    page.text = std::move(r.out);
    page.subcommands = listed_subcommands(page.text);
    for (const auto& sub : page.subcommands) {
      auto next = page.path;
      next.push_back(sub);
      todo.push_back(std::move(next));
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

} // namespace noodle::test
