// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/layout.hpp>
#include <noodle/engine/root_safety.hpp>
#include <noodle/manifest/names.hpp>

#include <fmt/format.h>

#include <pwd.h>
#include <unistd.h>

namespace noodle::engine {

namespace {

namespace fs = std::filesystem;

class Walk {
public:
  Walk(const RootDir& root, Ownership ownership) : m_root(root), m_ownership(ownership) {}

  // Looks at `rel`, which must be a directory if it is there at all: a
  // symlink is reported; with `owned`, so is a foreign owner or a mode that
  // lets others write. Returns whether `rel` is a directory to walk into.
  Result<bool> look(const fs::path& rel, bool owned)
  {
    auto st = m_root.stat(rel);
    if (!st) {
      return fail(st.error());
    }
    if (!*st) {
      return false;
    }
    if (S_ISLNK((*st)->st_mode)) {
      const std::string shown = m_root.shown(rel).string();
      m_found.push_back({m_root.shown(rel), "is a symbolic link where a directory must be: never followed",
                         {fmt::format("rm '{}'", shown)}});
      return false;
    }
    if (!S_ISDIR((*st)->st_mode)) {
      return false;
    }
    if (owned) {
      owner_and_mode(m_root.shown(rel), **st);
    }
    return true;
  }

  void owner_and_mode(const fs::path& shown, const struct stat& st)
  {
    if (m_ownership != Ownership::check) {
      return;
    }
    const auto me = static_cast<std::int64_t>(::geteuid());
    const bool foreign = st.st_uid != 0 && static_cast<std::int64_t>(st.st_uid) != me;
    const bool writable = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (!foreign && !writable) {
      return;
    }
    const auto mode = st.st_mode & 07777;
    const std::string owner = fmt::format("{} (uid {})", user_name(st.st_uid), st.st_uid);
    const std::string allowed = me == 0 ? "root" : fmt::format("root or {}", user_name(me));
    UnsafePath found{shown, "", {}};
    if (foreign && writable) {
      found.problem = fmt::format("is owned by {}, not by {}, and writable by group or others (mode {:04o})", owner,
                                  allowed, mode);
    } else if (foreign) {
      found.problem = fmt::format("is owned by {}, not by {} (mode {:04o})", owner, allowed, mode);
    } else {
      found.problem = fmt::format("is writable by group or others (owner {}, mode {:04o})", owner, mode);
    }
    if (foreign) {
      found.fixes.push_back(fmt::format("chown {} '{}'", user_name(me), shown.string()));
    }
    if (writable) {
      found.fixes.push_back(fmt::format("chmod go-w '{}'", shown.string()));
    }
    m_found.push_back(std::move(found));
  }

  Result<void> run()
  {
    auto top = m_root.open_dir("");
    struct stat st {};
    if (!top || ::fstat(top->get(), &st) != 0) {
      return fail(top ? m_root.error("stat", "", errno) : top.error());
    }
    owner_and_mode(m_root.path(), st);
    auto state = look(rel::state(), true);
    if (!state) {
      return fail(state.error());
    }
    if (*state) {
      for (const auto& inside : {rel::staging(), rel::points()}) {
        if (auto seen = look(inside, false); !seen) {
          return fail(seen.error());
        }
      }
    }
    auto components = look(rel::components(), true);
    if (!components || !*components) {
      return components ? Result<void>() : fail(components.error());
    }
    auto names = list_names(m_root, rel::components());
    if (!names) {
      return fail(names.error());
    }
    for (const auto& name : *names) {
      if (manifest::name_problem(name)) {
        continue; // not a component: the engine never turns it into a path
      }
      auto component = look(rel::component(name), true);
      if (!component) {
        return fail(component.error());
      }
      if (!*component) {
        continue;
      }
      if (auto config = look(rel::config(name), false); !config) {
        return fail(config.error());
      }
      auto versions = look(rel::versions(name), false);
      if (!versions) {
        return fail(versions.error());
      }
      if (!*versions) {
        continue;
      }
      auto entries = list_names(m_root, rel::versions(name));
      if (!entries) {
        return fail(entries.error());
      }
      for (const auto& version : *entries) {
        if (manifest::version_problem(version)) {
          continue;
        }
        if (auto seen = look(rel::version(name, version), false); !seen) {
          return fail(seen.error());
        }
      }
    }
    return {};
  }

  std::vector<UnsafePath> take() { return std::move(m_found); }

private:
  const RootDir& m_root;
  Ownership m_ownership;
  std::vector<UnsafePath> m_found;
};

} // namespace

std::string user_name(std::int64_t uid)
{
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::string buffer(4096, '\0');
  if (::getpwuid_r(static_cast<uid_t>(uid), &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return fmt::format("uid {}", uid);
}

Result<std::vector<UnsafePath>> find_unsafe_paths(const RootDir& root, Ownership ownership)
{
  Walk walk(root, ownership);
  if (auto walked = walk.run(); !walked) {
    return fail(walked.error());
  }
  return walk.take();
}

Result<void> refuse_unsafe_root(const RootDir& root)
{
  auto found = find_unsafe_paths(root, Ownership::check);
  if (!found) {
    return fail(found.error());
  }
  if (found->empty()) {
    return {};
  }
  const UnsafePath& first = found->front();
  Error e(ErrorCode::unsafe_path, fmt::format("'{}' {}", first.path.string(), first.problem));
  for (const auto& fix : first.fixes) {
    e.details.push_back("fix: " + fix);
  }
  for (std::size_t i = 1; i < found->size(); ++i) {
    e.details.push_back(fmt::format("also: '{}' {}", (*found)[i].path.string(), (*found)[i].problem));
  }
  e.details.push_back(
      "noodle-upgrade changes no root that another user could change, and follows no link below it (see SECURITY "
      "in noodle-upgrade(1))");
  return fail(std::move(e));
}

} // namespace noodle::engine
