// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/extract.hpp>
#include <noodle/archive/keys.hpp>
#include <noodle/archive/pack.hpp>
#include <noodle/archive/signature.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/output/reporter.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace noodle::output {

ExitCode render_keygen(const archive::KeyFiles& files, Reporter& r);
// The archive section for the catalog manifest, its file relative to
// `manifest_dir` (where that manifest lives) and saying so.
ExitCode render_pack(const archive::PackResult& result, const std::string& component, const std::string& version,
                     const std::filesystem::path& out, const std::filesystem::path& manifest_dir, Reporter& r);
ExitCode render_sign(const archive::SignatureFile& sig, const std::filesystem::path& sig_path, Reporter& r);

// What the catalog says about a verified archive.
struct CatalogMatch {
  enum class State { not_checked, no_entry, matches } state = State::not_checked;
  std::string where; // the catalog entry's location when it matches
};
// `extracted_to` is empty when the extraction was only a check.
ExitCode render_verify(const archive::VerifiedArchive& v, const std::filesystem::path& key_file,
                       const CatalogMatch& catalog, const archive::ExtractReport& extracted,
                       const std::filesystem::path& extracted_to, Reporter& r);

} // namespace noodle::output
