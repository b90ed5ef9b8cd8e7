// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/model.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace noodle::manifest {

bool is_valid_component_name(std::string_view name)
{
  constexpr std::size_t k_max_name = 128;
  if (name.empty() || name.size() > k_max_name) {
    return false;
  }
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!lower_or_digit(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string_view to_string(ComponentType type)
{
  switch (type) {
  case ComponentType::runtime: return "runtime";
  case ComponentType::compiler: return "compiler";
  case ComponentType::ai_agent: return "ai_agent";
  case ComponentType::deployment: return "deployment";
  case ComponentType::system: return "system";
  }
  return "runtime";
}

std::optional<ComponentType> component_type_from_string(std::string_view text)
{
  for (auto t : {ComponentType::runtime, ComponentType::compiler, ComponentType::ai_agent,
                 ComponentType::deployment, ComponentType::system}) {
    if (to_string(t) == text) {
      return t;
    }
  }
  return std::nullopt;
}

std::string Manifest::id() const
{
  return fmt::format("{}@{}", name, version.to_string());
}

const SourceLocation& Manifest::location_of(std::string_view field) const
{
  auto it = field_where.find(field);
  return it == field_where.end() ? where : it->second;
}

Result<void> Catalog::add(Manifest m)
{
  auto& list = m_components[m.name];
  auto it = std::lower_bound(list.begin(), list.end(), m.version,
                             [](const Manifest& a, const semver::Version& v) { return a.version < v; });
  if (it != list.end() && it->version == m.version) {
    Error e(ErrorCode::duplicate_version,
            fmt::format("duplicate component version '{}' (first defined at {})", m.id(), it->where.to_string()),
            m.where);
    return tl::unexpected<Error>(std::move(e));
  }
  list.insert(it, std::move(m));
  return {};
}

const std::vector<Manifest>* Catalog::versions(std::string_view name) const
{
  auto it = m_components.find(name);
  return it == m_components.end() ? nullptr : &it->second;
}

const Manifest* Catalog::find(std::string_view name, const semver::Version& version) const
{
  const auto* list = versions(name);
  if (list == nullptr) {
    return nullptr;
  }
  auto it = std::lower_bound(list->begin(), list->end(), version,
                             [](const Manifest& a, const semver::Version& v) { return a.version < v; });
  return (it != list->end() && it->version == version) ? &*it : nullptr;
}

const Manifest* Catalog::latest(std::string_view name) const
{
  const auto* list = versions(name);
  return (list == nullptr || list->empty()) ? nullptr : &list->back();
}

std::vector<std::string> Catalog::names() const
{
  std::vector<std::string> out;
  out.reserve(m_components.size());
  for (const auto& [name, _] : m_components) {
    out.push_back(name);
  }
  return out;
}

std::size_t Catalog::manifest_count() const
{
  std::size_t n = 0;
  for (const auto& [_, list] : m_components) {
    n += list.size();
  }
  return n;
}

} // namespace noodle::manifest
