// SPDX-License-Identifier: Apache-2.0
// `config show [--origin]`: the effective settings and where each came from.
#include "context.hpp"

#include <noodle/util/duration.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

namespace noodle::cli {

namespace {

struct Setting {
  std::string key;
  std::string value;
  std::string origin; // "flag --root", "env NOODLE_ROOT", "file PATH", "default"
};

// Whether `args` give one of the option's names (before any `--`).
bool given_on_command_line(const CLI::Option* opt, const std::vector<std::string>& args)
{
  for (const auto& a : args) {
    if (a == "--") {
      return false;
    }
    for (const auto& name : opt->get_lnames()) {
      if (a == "--" + name || a.rfind("--" + name + "=", 0) == 0) {
        return true;
      }
    }
    for (const auto& name : opt->get_snames()) {
      if (a.rfind("-" + name, 0) == 0) {
        return true;
      }
    }
  }
  return false;
}

std::string env_value(const CLI::Option* opt)
{
  const std::string name = opt->get_envname();
  if (name.empty()) {
    return {};
  }
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::string(value) : std::string();
}

template <typename T> std::string show(const std::optional<T>& v)
{
  if (!v) {
    return {};
  }
  if constexpr (std::is_same_v<T, std::string>) {
    return *v;
  } else {
    return fmt::format("{}", *v);
  }
}

// One setting backed by an option of `cmd`: the flag (global options only:
// `config show` takes no command's flags), else its environment variable,
// else the configuration file (already the option's default), else the
// built-in default.
Setting from_option(const Context& ctx, const CLI::App& cmd, const std::string& key, const std::string& option,
                    bool in_file, const std::string& effective)
{
  const CLI::Option* opt = cmd.get_option_no_throw(option);
  Setting s{key, effective, "default"};
  if (opt == nullptr) {
    return s;
  }
  const std::string env = env_value(opt);
  if (cmd.get_parent() == nullptr && given_on_command_line(opt, ctx.args)) {
    s.origin = "flag " + option;
  } else if (!env.empty()) {
    s.origin = "env " + opt->get_envname();
    if (s.value.empty()) {
      s.value = env;
    }
  } else if (in_file) {
    s.origin = "file " + ctx.config_path;
  }
  if (s.value.empty()) {
    s.value = opt->get_default_str();
  }
  return s;
}

const CLI::App* subcommand(const CLI::App& app, const std::string& name)
{
  const auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == name; });
  return found.empty() ? nullptr : found.front();
}

std::vector<Setting> effective_settings(const Context& ctx)
{
  const manifest::Config empty;
  const manifest::Config& c = ctx.config != nullptr ? *ctx.config : empty;
  const CLI::App& app = *ctx.app;
  std::vector<Setting> out;
  out.push_back(from_option(ctx, app, "root", "--root", c.root.has_value(), ctx.root().string()));
  // A repository is shown as configured (its mirrors), not as its cache.
  const std::string catalog = is_repository(ctx) ? ctx.global.catalog : ctx.catalog_dir().string();
  out.push_back(from_option(ctx, app, "catalog", "--catalog", c.catalog.has_value(), catalog));
  out.push_back(from_option(ctx, app, "keyring", "--keyring", c.keyring.has_value(), ctx.keyring_dir().string()));
  out.push_back(from_option(ctx, app, "archives", "--archives", c.archives.has_value(), ctx.archives_dir().string()));
  out.push_back(from_option(ctx, app, "socket", "--socket", c.socket.has_value(), ctx.socket_path().string()));
  out.push_back(from_option(ctx, app, "output", "--output", c.output.has_value(), ctx.global.output));
  out.push_back(from_option(ctx, app, "lock_timeout", "--lock-timeout", c.lock_timeout.has_value(),
                            util::duration_text(ctx.global.lock_timeout)));
  out.push_back(from_option(ctx, app, "metrics_file", "--metrics-file", c.metrics_file.has_value(),
                            ctx.global.metrics_file));
  // The per-command settings, as `upgrade` (and `gc`) would run with them.
  const CLI::App* upgrade = subcommand(app, "upgrade");
  if (upgrade != nullptr) {
    out.push_back(from_option(ctx, *upgrade, "strategy", "--strategy", c.strategy.has_value(), ""));
    out.push_back(from_option(ctx, *upgrade, "timeout", "--timeout", c.timeout.has_value(), ""));
    out.push_back(from_option(ctx, *upgrade, "request_timeout", "--request-timeout",
                              c.request_timeout.has_value(), ""));
    out.push_back(from_option(ctx, *upgrade, "lease", "--lease", c.lease.has_value(), ""));
    out.push_back(from_option(ctx, *upgrade, "step_interval", "--step-interval", c.step_interval.has_value(), ""));
    out.push_back(from_option(ctx, *upgrade, "analysis", "--analysis", c.analysis.has_value(), ""));
  }
  if (const CLI::App* gc = subcommand(app, "gc"); gc != nullptr) {
    out.push_back(from_option(ctx, *gc, "gc_keep", "--keep", c.gc_keep.has_value(), ""));
  }
  const auto file_or_default = [&](bool set) { return set ? "file " + ctx.config_path : std::string("default"); };
  const auto& l = ctx.global.limits;
  const auto& cl = c.limits;
  out.push_back({"limits.max_entries", fmt::format("{}", l.max_entries), file_or_default(cl.max_entries.has_value())});
  out.push_back({"limits.max_file_bytes", fmt::format("{}", l.max_file_bytes),
                 file_or_default(cl.max_file_bytes.has_value())});
  out.push_back({"limits.max_total_bytes", fmt::format("{}", l.max_total_bytes),
                 file_or_default(cl.max_total_bytes.has_value())});
  out.push_back({"limits.max_ratio", fmt::format("{}", l.max_ratio), file_or_default(cl.max_ratio.has_value())});
  out.push_back({"limits.max_path_bytes", fmt::format("{}", l.max_path_bytes),
                 file_or_default(cl.max_path_bytes.has_value())});
  out.push_back({"limits.max_path_depth", fmt::format("{}", l.max_path_depth),
                 file_or_default(cl.max_path_depth.has_value())});
  out.push_back({"limits.max_archive_bytes", fmt::format("{}", l.max_archive_bytes),
                 file_or_default(cl.max_archive_bytes.has_value())});
  out.push_back({"point_retention_days", fmt::format("{}", ctx.global.point_retention_ms / (24LL * 3600 * 1000)),
                 file_or_default(c.point_retention_days.has_value())});
  return out;
}

// A value as a YAML scalar: plain when it is safe to read back so, else in
// double quotes with backslash escapes.
std::string yaml_scalar(const std::string& value)
{
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '/' || c == '-';
  });
  if (plain) {
    return value;
  }
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      quoted += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

} // namespace

void add_config_commands(CLI::App& app, Registry& registry)
{
  auto origin = std::make_shared<bool>(false);
  auto* config = add_command(app, "config", "Show the effective configuration", "",
                             "noodle-upgrade config show --origin");
  config->require_subcommand(1);
  auto* show = add_command(*config, "show", "Print every setting as the commands see it, and where it came from",
                           "Settings come from the configuration file, then NOODLE_* variables, then flags, each "
                           "overriding the one before. Without --origin the output is itself a configuration file.",
                           "noodle-upgrade --config /etc/noodle-upgrade/config.yaml config show --origin");
  show->add_flag("--origin", *origin, "Also say where each setting came from (default, file, env or flag)");
  on_run(show, registry, [origin](Context& ctx) {
    const auto settings = effective_settings(ctx);
    std::size_t width = 0;
    for (const auto& s : settings) {
      width = std::max(width, s.key.size());
    }
    std::string text;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    bool in_limits = false;
    for (const auto& s : settings) {
      if (*origin) {
        text += fmt::format("{:<{}}  {:<40}  {}\n", s.key, width, s.value, s.origin);
      } else if (s.key.rfind("limits.", 0) == 0) {
        // As the configuration file spells it: one nested mapping.
        if (!in_limits) {
          text += "limits:\n";
          in_limits = true;
        }
        text += fmt::format("  {}: {}\n", s.key.substr(7), yaml_scalar(s.value));
      } else if (s.value.empty()) {
        // Not set (metrics_file): a comment, so the output still reads back.
        in_limits = false;
        text += fmt::format("# {}: not set\n", s.key);
      } else {
        in_limits = false;
        text += fmt::format("{}: {}\n", s.key, yaml_scalar(s.value));
      }
      list.push_back({{"key", s.key}, {"value", s.value}, {"origin", s.origin}});
    }
    ctx.reporter.text(text);
    return ctx.reporter.success({{"config_file", ctx.config_path.empty() ? nlohmann::ordered_json()
                                                                        : nlohmann::ordered_json(ctx.config_path)},
                                 {"settings", std::move(list)}});
  });
}

} // namespace noodle::cli
