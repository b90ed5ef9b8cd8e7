// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/version_view.hpp>
#include <noodle/output/text.hpp>

#include <fmt/format.h>

namespace noodle::output {

namespace {

// Numeric identifiers as JSON numbers, except those past 2^53-1: a
// JavaScript reader would get a different number, so they are written as
// strings, as node-semver keeps them.
nlohmann::ordered_json identifiers_json(const std::vector<semver::Identifier>& ids)
{
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& id : ids) {
    if (id.numeric && id.text.size() <= 16 && id.number <= semver::k_max_safe_integer) {
      j.push_back(id.number);
    } else {
      j.push_back(id.text);
    }
  }
  return j;
}

std::string dotted(const std::vector<semver::Identifier>& ids)
{
  std::string s;
  for (const auto& id : ids) {
    s += s.empty() ? id.text : "." + id.text;
  }
  return s;
}

} // namespace

ExitCode render_version(const semver::Version& v, Reporter& r)
{
  if (!r.json()) {
    std::string text = format_text("version:    {}\nmajor:      {}\nminor:      {}\npatch:      {}\n", v.to_string(),
                                   v.major, v.minor, v.patch);
    text += format_text("prerelease: {}\nbuild:      {}\n", dotted(v.prerelease()), fmt::join(v.build(), "."));
    r.text(text);
  }
  return r.success({{"version", v.to_string()},
                    {"major", v.major},
                    {"minor", v.minor},
                    {"patch", v.patch},
                    {"prerelease", identifiers_json(v.prerelease())},
                    {"build", v.build()}});
}

ExitCode render_compare(const semver::Version& a, const semver::Version& b, int result, Reporter& r)
{
  r.text(format_text("{}\n", result));
  return r.success({{"a", a.to_string()}, {"b", b.to_string()}, {"result", result}});
}

ExitCode render_version_list(const semver::VersionList& versions, const semver::Range* range, Reporter& r)
{
  nlohmann::json list = nlohmann::json::array();
  if (r.json()) {
    for (std::size_t i = 0; i < versions.size(); ++i) {
      list.push_back(versions.text(i));
    }
  } else {
    // Blocks small enough to stay in cache, large enough for few writes.
    constexpr std::size_t k_block = 8192;
    std::string text;
    for (std::size_t i = 0; i < versions.size(); i += k_block) {
      text.clear();
      versions.append_lines(text, i, k_block);
      r.text(text);
    }
  }
  if (range == nullptr) {
    return r.success({{"versions", std::move(list)}});
  }
  const ExitCode code = versions.empty() ? ExitCode::failed : ExitCode::ok;
  return r.success({{"range", range->to_string()}, {"matches", std::move(list)}}, code);
}

ExitCode render_compat(const semver::Version& from, const semver::Version& to, const semver::Compatibility& c,
                       Reporter& r)
{
  if (c.breaking) {
    r.text(format_text("breaking: {}\n", c.reason));
  } else {
    r.text(format_text("compatible{}\n", c.reason.empty() ? "" : ": " + c.reason));
  }
  return r.success({{"from", from.to_string()},
                    {"to", to.to_string()},
                    {"compatible", c.compatible},
                    {"breaking", c.breaking},
                    {"reason", c.reason}},
                   c.breaking ? ExitCode::failed : ExitCode::ok);
}

ExitCode render_increment(const semver::Version& from, const semver::Increment& how, const semver::Version& to,
                          Reporter& r)
{
  r.text(format_text("{}\n", to.to_string()));
  return r.success({{"version", from.to_string()},
                    {"release", semver::release_name(how.release)},
                    {"preid", how.preid ? nlohmann::json(*how.preid) : nlohmann::json(nullptr)},
                    {"result", to.to_string()}});
}

ExitCode render_difference(const semver::Version& a, const semver::Version& b, std::optional<semver::Release> kind,
                           Reporter& r)
{
  if (kind) {
    r.text(format_text("{}\n", semver::release_name(*kind)));
  }
  return r.success({{"a", a.to_string()},
                    {"b", b.to_string()},
                    {"difference", kind ? nlohmann::json(semver::release_name(*kind)) : nlohmann::json(nullptr)}},
                   kind ? ExitCode::ok : ExitCode::failed);
}

ExitCode render_coerce(const std::string& text, const std::optional<semver::Version>& found, Reporter& r)
{
  // npm's semver command prints coerce()'s `version`: no build metadata.
  const auto version = found ? found->to_string(semver::BuildMetadata::omit) : std::string();
  if (found) {
    r.text(format_text("{}\n", version));
  }
  return r.success({{"text", text}, {"version", found ? nlohmann::json(version) : nlohmann::json(nullptr)}},
                   found ? ExitCode::ok : ExitCode::failed);
}

ExitCode render_answer(bool answer, const char* answer_key, nlohmann::ordered_json fields, Reporter& r)
{
  r.text(answer ? "true\n" : "false\n");
  fields[answer_key] = answer;
  return r.success(std::move(fields), answer ? ExitCode::ok : ExitCode::failed);
}

ExitCode render_found_version(const semver::Range& range, const std::optional<semver::Version>& found, Reporter& r)
{
  if (found) {
    r.text(format_text("{}\n", found->to_string()));
  }
  return r.success({{"range", range.to_string()},
                    {"version", found ? nlohmann::json(found->to_string()) : nlohmann::json(nullptr)}},
                   found ? ExitCode::ok : ExitCode::failed);
}

} // namespace noodle::output
