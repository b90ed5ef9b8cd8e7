// SPDX-License-Identifier: Apache-2.0
// `__complete`: the candidates the shell completion scripts offer, found by
// walking the command tree, so new commands and options need no script edit.
#include "context.hpp"

#include <noodle/engine/layout.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/repo/client.hpp>
#include <noodle/util/text.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::cli {

const CLI::Option* find_option(const CLI::App* app, const std::string& name)
{
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* opt = a->get_option_no_throw(name); opt != nullptr && opt->nonpositional()) {
      return opt;
    }
  }
  return nullptr;
}

bool takes_value(const CLI::Option* opt)
{
  return opt->get_type_size_min() > 0 && opt->get_expected_min() > 0;
}

namespace {

constexpr const char* k_complete_name = "__complete";

bool starts_with(std::string_view s, std::string_view prefix)
{
  return s.substr(0, prefix.size()) == prefix;
}

bool visible(const CLI::App* sub)
{
  return !sub->get_group().empty();
}


// An IsMember check shows in the type name as "TEXT:{a,b,c}".
std::vector<std::string> fixed_values(const CLI::Option* opt)
{
  std::vector<std::string> values;
  const std::string type = opt->get_type_name();
  const auto open = type.find(":{");
  const auto close = type.find('}', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    return values;
  }
  const std::string list = type.substr(open + 2, close - open - 2);
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const auto end = comma == std::string::npos ? list.size() : comma;
    if (end > start) {
      values.push_back(list.substr(start, end - start));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return values;
}

// What the words before the cursor say: the command reached, its positional
// values, the global options given, and an option still waiting for a value.
struct Parsed {
  const CLI::App* command = nullptr;
  std::vector<std::string> positionals;
  std::map<std::string, std::string> values; // "--root" -> "/srv/rt", also of the command's options
  const CLI::Option* pending = nullptr;       // the last word was an option that needs a value
};

std::string primary_name(const CLI::Option* opt)
{
  if (!opt->get_lnames().empty()) {
    return "--" + opt->get_lnames().front();
  }
  return "-" + opt->get_snames().front();
}

Parsed parse_words(const CLI::App& app, const std::vector<std::string>& words)
{
  Parsed p;
  p.command = &app;
  bool only_positionals = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (p.pending != nullptr) {
      // bash splits "--opt=value" into "--opt", "=", "value".
      if (w == "=") {
        continue;
      }
      p.values[primary_name(p.pending)] = w;
      p.pending = nullptr;
      continue;
    }
    if (!only_positionals && w == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && w.size() > 1 && w[0] == '-') {
      std::string name = w;
      std::optional<std::string> attached;
      if (const auto eq = w.find('='); starts_with(w, "--") && eq != std::string::npos) {
        name = w.substr(0, eq);
        attached = w.substr(eq + 1);
      } else if (!starts_with(w, "--") && w.size() > 2) {
        name = w.substr(0, 2);
        attached = w.substr(2);
      }
      const CLI::Option* opt = find_option(p.command, name);
      if (opt != nullptr && takes_value(opt)) {
        if (attached) {
          p.values[primary_name(opt)] = *attached;
        } else {
          p.pending = opt;
        }
      }
      continue;
    }
    if (p.positionals.empty()) {
      const CLI::App* sub = nullptr;
      for (const auto* s : p.command->get_subcommands([](const CLI::App*) { return true; })) {
        if (visible(s) && s->check_name(w)) {
          sub = s;
        }
      }
      if (sub != nullptr) {
        p.command = sub;
        continue;
      }
    }
    p.positionals.push_back(w);
  }
  return p;
}

// The value of a global option: as typed, else its environment variable,
// else its default.
std::string global_value(const CLI::App& app, const Parsed& p, const std::string& name)
{
  if (auto it = p.values.find(name); it != p.values.end()) {
    return it->second;
  }
  const CLI::Option* opt = find_option(&app, name);
  if (opt == nullptr) {
    return {};
  }
  if (!opt->get_envname().empty()) {
    if (const char* env = std::getenv(opt->get_envname().c_str()); env != nullptr && *env != '\0') {
      return env;
    }
  }
  return opt->get_default_str();
}

class Sources {
public:
  Sources(const CLI::App& app, const Parsed& parsed) : m_app(app), m_parsed(parsed) {}
  Sources(const Sources&) = delete;
  Sources& operator=(const Sources&) = delete;
  ~Sources()
  {
    if (m_catalog) {
      keep_until_exit(std::move(*m_catalog));
    }
  }

  std::filesystem::path root() const { return global_value(m_app, m_parsed, "--root"); }
  bool no_cache() const
  {
    const std::string v = global_value(m_app, m_parsed, "--no-catalog-cache");
    return !v.empty() && v != "false" && v != "0";
  }

  const manifest::Catalog* catalog()
  {
    if (!m_loaded) {
      m_loaded = true;
      const std::string value = global_value(m_app, m_parsed, "--catalog");
      std::filesystem::path dir = value;
      if (dir.empty()) {
        dir = root() / "manifests";
      } else if (repo::classify_catalog(value).kind == repo::CatalogSource::Kind::repository) {
        dir = repo::cache_dir(root()) / "catalog"; // what the last verified index carried; never fetched here
      }
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        return nullptr;
      }
      auto loaded = load_catalog_files(root(), dir, manifest::LoadOptions{}, no_cache());
      if (!loaded.has_errors()) {
        m_catalog = std::move(loaded);
      }
    }
    return m_catalog ? &m_catalog->catalog : nullptr;
  }

  std::vector<std::string> names()
  {
    const auto* c = catalog();
    return c != nullptr ? c->names() : std::vector<std::string>{};
  }

  std::vector<std::string> versions(const std::string& name)
  {
    std::vector<std::string> out;
    const auto* c = catalog();
    const auto* vs = c != nullptr ? c->versions(name) : nullptr;
    if (vs != nullptr) {
      for (const auto& m : *vs) {
        out.push_back(m.version.to_string());
      }
    }
    return out;
  }

  std::optional<engine::Session> session()
  {
    std::error_code ec;
    const engine::Layout layout(root());
    if (!std::filesystem::exists(layout.database(), ec)) {
      return std::nullopt;
    }
    auto s = engine::Session::open_for_reading(layout, std::chrono::system_clock::now);
    if (!s || s->store() == nullptr) {
      return std::nullopt;
    }
    return std::move(*s);
  }

  std::vector<std::string> running_upgrades()
  {
    std::vector<std::string> out;
    auto s = session();
    if (!s) {
      return out;
    }
    auto records = s->store()->unfinished();
    if (records) {
      for (const auto& r : *records) {
        out.push_back(std::to_string(r.id));
      }
    }
    return out;
  }

  std::vector<std::string> points(const std::string& name)
  {
    std::vector<std::string> out;
    auto s = session();
    if (!s || name.empty()) {
      return out;
    }
    auto ps = s->store()->points(name);
    if (ps) {
      for (const auto& pt : *ps) {
        out.push_back(std::to_string(pt.id));
      }
    }
    return out;
  }

private:
  const CLI::App& m_app;
  const Parsed& m_parsed;
  bool m_loaded = false;
  std::optional<manifest::LoadResult> m_catalog;
};

std::vector<const CLI::Option*> positional_options(const CLI::App* cmd)
{
  return cmd->get_options([](const CLI::Option* o) { return !o->nonpositional(); });
}

// The NAME the command was given (its first positional, when it is one).
std::string named_component(const Parsed& p)
{
  const auto pos = positional_options(p.command);
  if (pos.empty() || p.positionals.empty() || !starts_with(pos.front()->get_name(), "NAME")) {
    return {};
  }
  const std::string& name = p.positionals.front();
  return name.substr(0, name.find('@'));
}

std::vector<std::string> option_values(const CLI::Option* opt, const Parsed& p, Sources& sources)
{
  auto values = fixed_values(opt);
  if (!values.empty()) {
    return values;
  }
  const std::string name = primary_name(opt);
  const std::string component = named_component(p);
  if ((name == "--to" || name == "--from") && !component.empty()) {
    return sources.versions(component);
  }
  if (name == "--point") {
    return sources.points(component);
  }
  return {};
}

std::vector<std::string> option_names(const CLI::App* cmd)
{
  std::vector<std::string> out;
  for (const CLI::App* a = cmd; a != nullptr; a = a->get_parent()) {
    for (const auto* opt : a->get_options()) {
      if (!opt->nonpositional()) {
        continue;
      }
      for (const auto& l : opt->get_lnames()) {
        out.push_back("--" + l);
      }
      for (const auto& s : opt->get_snames()) {
        out.push_back("-" + s);
      }
    }
  }
  return out;
}

std::vector<std::string> positional_values(const Parsed& p, Sources& sources, const std::string& current)
{
  std::vector<std::string> out;
  if (p.positionals.empty()) {
    for (const auto* sub : p.command->get_subcommands([](const CLI::App*) { return true; })) {
      if (visible(sub)) {
        out.push_back(sub->get_name());
      }
    }
  }
  const auto pos = positional_options(p.command);
  // A positional taking several values (validate PATH...) keeps the last slot.
  std::size_t slot = p.positionals.size();
  if (slot >= pos.size()) {
    if (pos.empty() || pos.back()->get_expected_max() <= 1) {
      return out;
    }
    slot = pos.size() - 1;
  }
  const std::string kind = pos[slot]->get_name();
  if (kind == "NAME") {
    auto names = sources.names();
    out.insert(out.end(), names.begin(), names.end());
  } else if (kind == "NAME[@VERSION]") {
    if (const auto at = current.find('@'); at != std::string::npos) {
      const std::string name = current.substr(0, at);
      for (const auto& v : sources.versions(name)) {
        out.push_back(name + "@" + v);
      }
    } else {
      auto names = sources.names();
      out.insert(out.end(), names.begin(), names.end());
    }
  } else if (kind == "VERSION" && slot > 0 && pos.front()->get_name() == "NAME") {
    auto versions = sources.versions(named_component(p));
    out.insert(out.end(), versions.begin(), versions.end());
  } else if (kind == "UPGRADE_ID") {
    auto ids = sources.running_upgrades();
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

void print_matching(std::ostream& out, const std::vector<std::string>& candidates, const std::string& current,
                    const std::string& prepend = {})
{
  std::vector<std::string> seen;
  for (const auto& c : candidates) {
    // One candidate a line: a name that would need escaping (a newline, a
    // control character; say a directory name on disk) is no candidate.
    if (!starts_with(c, current) || util::needs_escape(c) || std::find(seen.begin(), seen.end(), c) != seen.end()) {
      continue;
    }
    seen.push_back(c);
    out << prepend << c << '\n';
  }
}

void complete(const CLI::App& app, std::vector<std::string> words, std::ostream& out)
{
  const std::string current = words.empty() ? std::string() : words.back();
  if (!words.empty()) {
    words.pop_back();
  }
  Parsed p = parse_words(app, words);
  Sources sources(app, p);

  if (p.pending != nullptr) {
    // bash: the cursor right after "--opt=" is the word "=".
    print_matching(out, option_values(p.pending, p, sources), current == "=" ? std::string() : current);
    return;
  }
  if (current.size() > 1 && current[0] == '-') {
    // zsh and fish keep "--opt=va" one word: complete the value in place.
    if (const auto eq = current.find('='); starts_with(current, "--") && eq != std::string::npos) {
      const CLI::Option* opt = find_option(p.command, current.substr(0, eq));
      if (opt != nullptr && takes_value(opt)) {
        print_matching(out, option_values(opt, p, sources), current.substr(eq + 1), current.substr(0, eq + 1));
      }
      return;
    }
  }
  if (!current.empty() && current[0] == '-') {
    print_matching(out, option_names(p.command), current);
    return;
  }
  print_matching(out, positional_values(p, sources, current), current);
}

} // namespace

void add_complete_command(CLI::App& app, Registry& registry)
{
  // Hidden (no group): run() hands its words to complete_words() unparsed.
  auto* cmd = app.add_subcommand(k_complete_name, "Print completion candidates for the words of a command line");
  cmd->group("");
  cmd->allow_extras();
  cmd->prefix_command();
  on_run(cmd, registry, [](Context&) { return output::ExitCode::ok; });
}

bool is_complete_request(const std::vector<std::string>& args)
{
  return !args.empty() && args.front() == k_complete_name;
}

void complete_words(const CLI::App& app, const std::vector<std::string>& words, std::ostream& out)
{
  try {
    complete(app, words, out);
  } catch (const std::exception&) {
    // A completion never reports anything: no candidates is the answer.
  }
}

} // namespace noodle::cli
