// SPDX-License-Identifier: Apache-2.0
// `help [COMMAND...]` and `completion SHELL`.
#include "context.hpp"

#include <noodle/util/spellcheck.hpp>

#include <completion_scripts.hpp>

#include <fmt/format.h>

#include <memory>

namespace noodle::cli {

namespace {

struct HelpOptions {
  std::vector<std::string> command;
  std::string shell;
};

const CLI::App* subcommand_named(const CLI::App& app, const std::string& name);

} // namespace

void add_help_commands(CLI::App& app, Registry& registry)
{
  auto o = std::make_shared<HelpOptions>();
  // run() turns `help A B` into `A B --help` before parsing; this entry is
  // what --help and the man page list.
  auto* help = add_command(app, "help", "Show the help of a command (the same as COMMAND --help)", "",
                           "noodle-upgrade help rollback list");
  help->add_option("COMMAND", o->command, "The command, and a subcommand of it");
  // Reached only when the words name no command (see rewrite_help_request).
  on_run(help, registry, [o](Context& ctx) {
    const CLI::App* at = ctx.app;
    std::string path;
    for (const auto& word : o->command) {
      const CLI::App* next = subcommand_named(*at, word);
      if (next == nullptr) {
        std::vector<std::string> names;
        for (const auto* sub : at->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
          names.push_back(sub->get_name());
        }
        std::string message = fmt::format("unknown command '{}'{}", word, path.empty() ? "" : " for '" + path + "'");
        if (auto suggestion = util::suggest(word, names)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        }
        return ctx.reporter.failure(Error(ErrorCode::usage, message + fmt::format("; expected one of: {}",
                                                                                 fmt::join(names, ", "))));
      }
      path += path.empty() ? word : " " + word;
      at = next;
    }
    return ctx.reporter.failure(Error(ErrorCode::usage, "expected 'help COMMAND...'"));
  });

  auto* completion =
      add_command(app, "completion", "Print the shell completion script for bash, zsh or fish",
                  "The script asks the binary itself for candidates (commands, options, component names, versions, "
                  "upgrade ids), so it never goes stale. Installed packages already put it in place.",
                  "noodle-upgrade completion bash > /etc/bash_completion.d/noodle-upgrade");
  completion->add_option("SHELL", o->shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  on_run(completion, registry, [o](Context& ctx) {
    const char* script = o->shell == "bash"  ? generated::k_bash_completion
                         : o->shell == "zsh" ? generated::k_zsh_completion
                                             : generated::k_fish_completion;
    ctx.reporter.text(script);
    return ctx.reporter.success({{"shell", o->shell}, {"script", script}});
  });
}

namespace {

const CLI::App* subcommand_named(const CLI::App& app, const std::string& name)
{
  const auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == name; });
  return found.empty() ? nullptr : found.front();
}

} // namespace

std::vector<std::string> rewrite_help_request(const CLI::App& app, const std::vector<std::string>& args)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') == std::string::npos) {
        if (const CLI::Option* opt = find_option(&app, word); opt != nullptr && takes_value(opt)) {
          ++i; // its value
        }
      }
      continue;
    }
    if (word != "help") {
      return args; // the first command word is another command
    }
    // `help --help` is the help of `help`; only a path of real commands is
    // turned into --help, and an unknown word is left for the help command
    // itself to report.
    if (i + 1 < args.size() && args[i + 1].rfind('-', 0) == 0) {
      return args;
    }
    const CLI::App* at = &app;
    for (std::size_t k = i + 1; k < args.size() && at != nullptr; ++k) {
      at = args[k].rfind('-', 0) == 0 ? at : subcommand_named(*at, args[k]);
    }
    if (at == nullptr) {
      return args;
    }
    std::vector<std::string> rewritten(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(i));
    rewritten.insert(rewritten.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    rewritten.emplace_back("--help");
    return rewritten;
  }
  return args;
}

} // namespace noodle::cli
