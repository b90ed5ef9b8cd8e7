// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/plan.hpp>

#include <noodle/graph/suggest.hpp>

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace noodle::graph {

std::string_view to_string(Validation validation)
{
  switch (validation) {
  case Validation::strict: return "strict";
  case Validation::normal: return "normal";
  case Validation::permissive: return "permissive";
  }
  return "normal";
}

std::string_view to_string(Check::Status status)
{
  switch (status) {
  case Check::Status::pass: return "pass";
  case Check::Status::warn: return "warn";
  case Check::Status::fail: return "fail";
  }
  return "fail";
}

const Check* Plan::check(std::string_view name) const
{
  auto it = std::find_if(checks.begin(), checks.end(), [&](const Check& c) { return c.name == name; });
  return it == checks.end() ? nullptr : &*it;
}

namespace {

// Headroom below this share of what the machine has is a warning.
constexpr double k_headroom = 0.10;

using Status = Check::Status;

Check passed(std::string name, std::string message, std::vector<std::string> details = {})
{
  return Check{std::move(name), Status::pass, std::move(message), std::move(details), std::nullopt};
}

Check flagged(std::string name, Status status, ErrorCode code, std::string message, std::vector<std::string> details)
{
  return Check{std::move(name), status, std::move(message), std::move(details), code};
}

Check from_error(std::string name, const Error& error)
{
  Check c = flagged(std::move(name), Status::fail, error.code, error.message, {});
  if (error.where && error.where->known()) {
    c.details.push_back(fmt::format("at {}", error.where->to_string()));
  }
  c.details.insert(c.details.end(), error.details.begin(), error.details.end());
  return c;
}

std::string_view check_for(ErrorCode code)
{
  switch (code) {
  case ErrorCode::not_found: return "request";
  case ErrorCode::dependency_cycle: return "cycles";
  case ErrorCode::downgrade_refused: return "downgrade";
  default: return "dependencies";
  }
}

Check check_constraints_known(const manifest::Catalog& catalog, const state::InstalledState& installed,
                              const std::vector<Constraint>& constraints)
{
  std::vector<std::string> details;
  for (const auto& c : constraints) {
    if (!catalog.contains(c.name) && installed.find(c.name) == nullptr) {
      details.push_back(fmt::format("constraint '{}@{}' names unknown component '{}'", c.name, c.range.raw(), c.name));
      if (auto hint = did_you_mean(catalog, c.name); !hint.empty()) {
        details.push_back(hint);
      }
    }
  }
  if (details.empty()) {
    return passed("constraints", constraints.empty() ? "no constraints" : "every constraint names a known component");
  }
  return flagged("constraints", Status::fail, ErrorCode::not_found, "a constraint names an unknown component",
                 std::move(details));
}

// Final version of every component: installed, overridden by the steps.
std::map<std::string_view, const semver::Version*> final_versions(const state::InstalledState& installed,
                                                                  const std::vector<PlanStep>& steps)
{
  std::map<std::string_view, const semver::Version*> out;
  for (const auto& [name, component] : installed.components) {
    out[name] = &component.version;
  }
  for (const auto& step : steps) {
    out[step.name] = &step.to;
  }
  return out;
}

Check check_constraints_final(const std::vector<Constraint>& constraints,
                              const std::map<std::string_view, const semver::Version*>& final_state)
{
  if (constraints.empty()) {
    return passed("constraints", "no constraints");
  }
  std::vector<std::string> lines;
  std::vector<std::string> outside;
  for (const auto& c : constraints) {
    auto it = final_state.find(c.name);
    if (it == final_state.end()) {
      lines.push_back(fmt::format("'{}@{}': not installed", c.name, c.range.raw()));
    } else if (c.range.satisfies(*it->second)) {
      lines.push_back(fmt::format("'{}@{}': ends at {}", c.name, c.range.raw(), it->second->to_string()));
    } else {
      // Only an untouched installed version can lie outside: the resolver
      // never chooses one.
      outside.push_back(fmt::format("'{}@{}': installed {} lies outside and is left unchanged", c.name, c.range.raw(),
                                    it->second->to_string()));
    }
  }
  if (outside.empty()) {
    return passed("constraints", "every constraint holds", std::move(lines));
  }
  outside.insert(outside.end(), lines.begin(), lines.end());
  return flagged("constraints", Status::warn, ErrorCode::unsatisfiable,
                 "an installed version lies outside its constraint", std::move(outside));
}

Check check_downgrades(const std::vector<PlanStep>& steps)
{
  std::vector<std::string> details;
  for (const auto& s : steps) {
    if (s.downgrade) {
      details.push_back(fmt::format("{} goes down from {} to {}", s.name, s.from->to_string(), s.to.to_string()));
    }
  }
  if (details.empty()) {
    return passed("downgrade", "no component goes down");
  }
  // The message is formatted before `details` is moved from.
  auto message = fmt::format("{} component(s) go down, as permitted", details.size());
  return flagged("downgrade", Status::warn, ErrorCode::downgrade_refused, std::move(message), std::move(details));
}

Check check_paths(const manifest::Catalog& catalog, std::vector<PlanStep>& steps, AllowDowngrade allow_downgrade)
{
  std::vector<std::string> lines;
  std::vector<std::string> problems;
  std::size_t failures = 0;
  std::string first_message;
  for (auto& s : steps) {
    if (!s.from) {
      s.hops = {s.to};
      lines.push_back(fmt::format("{}: new install of {}", s.name, s.to.to_string()));
      continue;
    }
    auto path = find_upgrade_path(catalog, s.name, *s.from, s.to, allow_downgrade);
    if (!path) {
      if (++failures == 1) {
        first_message = path.error().message;
      }
      problems.push_back(path.error().message);
      if (path.error().where && path.error().where->known()) {
        problems.push_back(fmt::format("at {}", path.error().where->to_string()));
      }
      problems.insert(problems.end(), path.error().details.begin(), path.error().details.end());
      continue;
    }
    std::string route = s.from->to_string();
    for (const auto& hop : path->hops) {
      s.hops.push_back(hop.to);
      route += " -> " + hop.to.to_string();
    }
    lines.push_back(fmt::format("{}: {}", s.name, route));
  }
  if (failures == 0) {
    return passed("upgrade_path", "every change has an upgrade path", std::move(lines));
  }
  return flagged("upgrade_path", Status::fail, ErrorCode::no_upgrade_path,
                 failures == 1 ? first_message : fmt::format("no upgrade path for {} components", failures),
                 std::move(problems));
}

Check check_compatibility(const manifest::Catalog& catalog, const state::InstalledState& installed,
                          const std::vector<PlanStep>& steps,
                          const std::map<std::string_view, const semver::Version*>& final_state)
{
  std::map<std::string_view, const manifest::Manifest*> changed;
  for (const auto& s : steps) {
    changed[s.name] = s.manifest;
  }
  // Every manifest of the final state: the new ones, and the untouched
  // installed ones the catalog knows.
  std::vector<const manifest::Manifest*> manifests;
  manifests.reserve(steps.size() + installed.components.size());
  for (const auto& s : steps) {
    manifests.push_back(s.manifest);
  }
  for (const auto& [name, component] : installed.components) {
    if (changed.count(name) == 0) {
      if (const auto* m = catalog.find(name, component.version)) {
        manifests.push_back(m);
      }
    }
  }
  std::vector<std::string> failures;
  std::vector<std::string> already; // broken before the plan, between untouched components
  std::size_t rules = 0;
  for (const auto* m : manifests) {
    const bool owner_changed = changed.count(m->name) != 0;
    for (const auto& rule : m->extras->compatibility) {
      auto it = final_state.find(rule.component);
      if (it == final_state.end()) {
        continue; // not installed: nothing to be compatible with
      }
      ++rules;
      const bool ok = std::any_of(rule.ranges.begin(), rule.ranges.end(),
                                  [&](const semver::Range& r) { return r.satisfies(*it->second); });
      if (ok) {
        continue;
      }
      auto line = fmt::format("{} requires {} at {}{}, but it will be at {}", m->id(), rule.component,
                              detail::list_ranges(rule.ranges), detail::at(rule.where), it->second->to_string());
      if (owner_changed || changed.count(rule.component) != 0) {
        failures.push_back(std::move(line));
      } else {
        already.push_back(line + " (already so before this plan)");
      }
    }
  }
  if (failures.empty() && already.empty()) {
    return passed("compatibility", fmt::format("{} compatibility rule(s) hold in the final state", rules));
  }
  const std::size_t broken = failures.size() + already.size();
  const Status status = failures.empty() ? Status::warn : Status::fail;
  failures.insert(failures.end(), already.begin(), already.end());
  return flagged("compatibility", status, ErrorCode::incompatible,
                 fmt::format("{} of {} compatibility rule(s) fail in the final state", broken, rules),
                 std::move(failures));
}

Check check_breaking(const std::vector<PlanStep>& steps)
{
  std::vector<std::string> details;
  for (const auto& s : steps) {
    if (s.breaking) {
      details.push_back(
          fmt::format("{}: {} -> {}: {}", s.name, s.from->to_string(), s.to.to_string(), s.breaking_reason));
    }
  }
  if (details.empty()) {
    return passed("breaking_changes", "no breaking version change");
  }
  auto message = fmt::format("{} breaking version change(s)", details.size());
  return flagged("breaking_changes", Status::warn, ErrorCode::incompatible, std::move(message), std::move(details));
}

Check check_resources(const std::vector<PlanStep>& steps, ResourceTotals& totals)
{
  for (const auto& s : steps) {
    totals.memory_mb += s.manifest->resources.memory_mb;
    totals.cpu_cores = std::max(totals.cpu_cores, s.manifest->resources.cpu_cores);
    totals.disk_mb += s.manifest->resources.disk_mb;
  }
  const auto& machine = totals.machine;
  std::vector<std::string> failures;
  std::vector<std::string> warnings;
  std::vector<std::string> lines;
  auto judge = [&](std::string_view what, double need, double have, std::string_view unit) {
    const std::string line = fmt::format("{}: {} {} needed, {} {} available", what, need, unit, have, unit);
    if (need <= 0 || (need <= have && have - need >= have * k_headroom)) {
      lines.push_back(line);
    } else if (have <= 0) {
      warnings.push_back(
          fmt::format("{}: {} {} needed, but the machine's {} could not be measured", what, need, unit, what));
    } else if (need > have) {
      failures.push_back(line);
    } else {
      warnings.push_back(line + ": less than 10% headroom");
    }
  };
  judge("memory", static_cast<double>(totals.memory_mb), static_cast<double>(machine.memory_mb), "MB");
  judge("cpu", totals.cpu_cores, machine.cpu_cores, "cores");
  judge("disk", static_cast<double>(totals.disk_mb), static_cast<double>(machine.disk_free_mb), "MB");

  std::vector<std::string> details = failures;
  details.insert(details.end(), warnings.begin(), warnings.end());
  details.insert(details.end(), lines.begin(), lines.end());
  if (!failures.empty()) {
    return flagged("resources", Status::fail, ErrorCode::insufficient_resources,
                   "the machine lacks resources for the new versions", std::move(details));
  }
  if (!warnings.empty()) {
    return flagged("resources", Status::warn, ErrorCode::insufficient_resources,
                   "resources are tight for the new versions", std::move(details));
  }
  return passed("resources", "the machine has room for the new versions", std::move(details));
}

// A component that cannot be hot-swapped is restarted whatever the strategy:
// a warning (a failure under strict validation), never silently live.
Check check_hot_swap(const std::vector<PlanStep>& steps)
{
  std::vector<std::string> warnings;
  for (const auto& s : steps) {
    if (!s.from || s.hot_swappable) {
      continue;
    }
    warnings.push_back(fmt::format("{}@{} is not hot-swappable{}: it will be restarted", s.name, s.to.to_string(),
                                   detail::at(s.manifest->location_of("hot_swappable"))));
  }
  if (!warnings.empty()) {
    // Formatted first: argument evaluation order would let the move win.
    auto message = fmt::format("{} component(s) need a restart", warnings.size());
    return flagged("hot_swap", Status::warn, ErrorCode::infeasible, std::move(message), std::move(warnings));
  }
  return passed("hot_swap", "every upgrade can be hot-swapped");
}

// Applies the validation level to one check.
void judge(Check& c, Validation validation)
{
  if (validation == Validation::strict && c.status == Status::warn) {
    c.status = Status::fail;
    c.details.push_back("strict validation treats this warning as a failure");
  } else if (validation == Validation::permissive && c.status == Status::fail
             && (c.name == "compatibility" || c.name == "resources")) {
    c.status = Status::warn;
    c.details.push_back("permissive validation treats this failure as a warning");
  }
}

std::vector<PlanStep> make_steps(const Resolution& resolution, const std::vector<PlanItem>& items,
                                 const std::string& default_strategy)
{
  std::vector<PlanStep> steps;
  steps.reserve(resolution.changes.size());
  for (const auto& c : resolution.changes) {
    PlanStep s;
    s.name = c.name;
    s.from = c.from;
    s.to = c.to;
    s.hot_swappable = c.manifest->hot_swappable;
    s.reason = c.reason;
    s.explanation = c.explanation();
    s.priority = c.priority;
    s.manifest = c.manifest;
    if (c.from) {
      s.downgrade = c.to < *c.from;
      const auto compat = semver::compatibility(*c.from, c.to);
      s.breaking = compat.breaking;
      s.breaking_reason = compat.reason;
    }
    auto item = std::find_if(items.begin(), items.end(),
                             [&](const PlanItem& i) { return i.component == c.name && i.strategy; });
    if (!c.from) {
      s.strategy = "install";
    } else if (!s.hot_swappable) {
      s.strategy = "restart";
    } else {
      s.strategy = item != items.end() ? *item->strategy : default_strategy;
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

} // namespace

Plan make_plan(const manifest::Catalog& catalog, const state::InstalledState& installed, const PlanRequest& request,
               const state::MachineInfo& machine)
{
  Plan plan;
  plan.validation = request.validation;
  plan.resources.machine = machine;

  auto finish = [&]() {
    for (auto& c : plan.checks) {
      judge(c, request.validation);
    }
    plan.feasible =
        std::none_of(plan.checks.begin(), plan.checks.end(), [](const Check& c) { return c.status == Status::fail; });
  };

  Check known = check_constraints_known(catalog, installed, request.constraints);
  if (known.status == Status::fail) {
    plan.checks.push_back(std::move(known));
    plan.notes.push_back("the other checks need a valid request and were not run");
    finish();
    return plan;
  }

  std::vector<Request> requests;
  requests.reserve(request.items.size());
  for (const auto& item : request.items) {
    requests.push_back(Request{item.component, item.version, item.priority});
  }
  auto resolution = resolve(catalog, installed, requests, ResolveOptions{request.constraints, request.allow_downgrade});
  if (!resolution) {
    // In the fixed order: request, constraints, then the one that failed.
    const auto name = check_for(resolution.error().code);
    if (name == "request") {
      plan.checks.push_back(from_error(std::string(name), resolution.error()));
      plan.checks.push_back(std::move(known));
    } else {
      plan.checks.push_back(passed("request", fmt::format("{} component(s) requested", request.items.size())));
      plan.checks.push_back(std::move(known));
      plan.checks.push_back(from_error(std::string(name), resolution.error()));
    }
    plan.notes.push_back("the other checks need a dependency resolution and were not run");
    finish();
    return plan;
  }
  plan.notes = resolution->notes;
  plan.steps = make_steps(*resolution, request.items, request.default_strategy);
  if (plan.steps.empty()) {
    plan.notes.push_back("nothing to change");
  }
  const auto final_state = final_versions(installed, plan.steps);

  plan.checks.push_back(passed("request", fmt::format("{} component(s) requested", request.items.size())));
  plan.checks.push_back(check_constraints_final(request.constraints, final_state));
  plan.checks.push_back(
      passed("dependencies", fmt::format("every dependency of the {} change(s) is satisfied", plan.steps.size())));
  plan.checks.push_back(passed("cycles", "no dependency cycle among the changes"));
  plan.checks.push_back(check_downgrades(plan.steps));
  plan.checks.push_back(check_paths(catalog, plan.steps, request.allow_downgrade));
  plan.checks.push_back(check_compatibility(catalog, installed, plan.steps, final_state));
  plan.checks.push_back(check_breaking(plan.steps));
  plan.checks.push_back(check_resources(plan.steps, plan.resources));
  plan.checks.push_back(check_hot_swap(plan.steps));
  finish();
  return plan;
}

} // namespace noodle::graph
