// SPDX-License-Identifier: Apache-2.0
// The manifest loader on one in-memory file, then catalog validation of what
// it accepted. Properties: strict mode accepts no more documents than normal
// mode, and every accepted manifest names a valid version that prints and
// re-parses to itself.

#include "check.hpp"

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/manifest/validate.hpp>
#include <noodle/semver/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using namespace noodle;

namespace {

std::vector<manifest::Manifest> parse(std::string_view text, manifest::Strictness strictness,
                                      std::vector<manifest::Diagnostic>& diagnostics)
{
  manifest::LoadOptions options;
  options.strictness = strictness;
  // Small limits keep each input fast; the checks themselves are what is fuzzed.
  options.max_file_bytes = 64 * 1024;
  options.max_documents = 64;
  options.max_nodes = 20000;
  options.check_archive_files = manifest::LoadOptions::CheckArchiveFiles::no;
  return manifest::parse_manifests(text, "fuzz.yaml", "/nonexistent-fuzz-dir", options, diagnostics);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<manifest::Diagnostic> diagnostics;
  auto manifests = parse(text, manifest::Strictness::normal, diagnostics);
  for (const auto& d : diagnostics) {
    (void)manifest::to_string(d);
  }

  std::vector<manifest::Diagnostic> strict_diagnostics;
  const auto strict = parse(text, manifest::Strictness::strict, strict_diagnostics);
  NOODLE_FUZZ_CHECK(strict.size() <= manifests.size());
  NOODLE_FUZZ_CHECK(manifest::has_errors(strict_diagnostics) || !manifest::has_errors(diagnostics));

  manifest::Catalog catalog;
  for (auto& m : manifests) {
    auto again = semver::Version::parse(m.version.to_string());
    NOODLE_FUZZ_CHECK(again.has_value() && *again == m.version);
    (void)catalog.add(std::move(m)); // a duplicate name@version is refused, which is fine here
  }
  const auto findings = manifest::validate_catalog(catalog);
  for (const auto& d : findings) {
    (void)manifest::to_string(d);
  }
  return 0;
}
