// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/archive_view.hpp>
#include <noodle/output/text.hpp>

#include <fmt/format.h>

namespace noodle::output {

ExitCode render_keygen(const archive::KeyFiles& files, Reporter& r)
{
  r.text(format_text("key id:      {}\nprivate key: {}\npublic key:  {}\n", files.key_id, files.private_file.string(),
                     files.public_file.string()));
  return r.success({{"key_id", files.key_id},
                    {"private_key", files.private_file.string()},
                    {"public_key", files.public_file.string()}});
}

ExitCode render_pack(const archive::PackResult& result, const std::string& component, const std::string& version,
                     const std::filesystem::path& out, const std::filesystem::path& manifest_dir, Reporter& r)
{
  std::error_code ec;
  auto absolute_out = std::filesystem::absolute(out, ec).lexically_normal();
  auto absolute_dir = std::filesystem::absolute(manifest_dir, ec).lexically_normal();
  auto relative = absolute_out.lexically_relative(absolute_dir);
  if (relative.empty()) {
    relative = absolute_out; // no relative form (another root name): the loader needs one, so say it plainly
  }
  // The text is ready to paste into the catalog manifest of this version.
  r.note(format_text("packed {}@{} ({} entries)\n", component, version, result.entries));
  r.text(format_text("# archive.file is relative to the manifest's directory, here '{}' (--manifest-dir)\n"
                     "archive:\n  file: {}\n  sha256: {}\n  size: {}\n",
                     absolute_dir.string(), relative.string(), result.sha256, result.size));
  return r.success({{"component", component},
                    {"version", version},
                    {"file", out.string()},
                    {"archive_file", relative.string()},
                    {"relative_to", absolute_dir.string()},
                    {"sha256", result.sha256},
                    {"size", result.size},
                    {"entries", result.entries}});
}

ExitCode render_sign(const archive::SignatureFile& sig, const std::filesystem::path& sig_path, Reporter& r)
{
  const auto& s = sig.statement;
  r.text(format_text("signed {}@{} with key {}\n  sha256:    {}\n  size:      {}\n  signed at: {}\n  signature: {}\n",
                     s.component, s.version.to_string(), sig.key_id, s.sha256, s.size, s.signed_at, sig_path.string()));
  return r.success({{"component", s.component},
                    {"version", s.version.to_string()},
                    {"key_id", sig.key_id},
                    {"sha256", s.sha256},
                    {"size", s.size},
                    {"signed_at", s.signed_at},
                    {"signature_file", sig_path.string()}});
}

ExitCode render_verify(const archive::VerifiedArchive& v, const std::filesystem::path& key_file,
                       const CatalogMatch& catalog, const archive::ExtractReport& extracted,
                       const std::filesystem::path& extracted_to, Reporter& r)
{
  std::string catalog_text;
  switch (catalog.state) {
  case CatalogMatch::State::not_checked: catalog_text = "not checked (no catalog)"; break;
  case CatalogMatch::State::no_entry:
    catalog_text = format_text("no entry for {}@{}", v.component, v.version.to_string());
    break;
  case CatalogMatch::State::matches: catalog_text = format_text("matches {}", catalog.where); break;
  }
  r.text(
      format_text("verified {} {}\n  key id:    {} ({})\n  sha256:    {}\n  size:      {} bytes\n"
                  "  signed at: {}\n  catalog:   {}\n  contents:  {} files, {} directories, {} symlinks, {} bytes{}\n",
                  v.component, v.version.to_string(), v.signature.key_id, key_file.string(), v.sha256, v.size,
                  v.signature.statement.signed_at, catalog_text, extracted.files, extracted.directories,
                  extracted.symlinks, extracted.bytes,
                  extracted_to.empty() ? std::string(" (extracted, checked, removed)")
                                       : format_text(", extracted to {}", extracted_to.string())));
  const char* state = catalog.state == CatalogMatch::State::matches
                          ? "matches"
                          : (catalog.state == CatalogMatch::State::no_entry ? "no_entry" : "not_checked");
  return r.success({{"component", v.component},
                    {"version", v.version.to_string()},
                    {"key_id", v.signature.key_id},
                    {"key_file", key_file.string()},
                    {"sha256", v.sha256},
                    {"size", v.size},
                    {"signed_at", v.signature.statement.signed_at},
                    {"catalog", {{"state", state}, {"where", catalog.where}}},
                    {"contents",
                     {{"files", extracted.files},
                      {"directories", extracted.directories},
                      {"symlinks", extracted.symlinks},
                      {"bytes", extracted.bytes},
                      {"extracted_to", extracted_to.empty() ? nlohmann::ordered_json()
                                                            : nlohmann::ordered_json(extracted_to.string())}}}});
}

} // namespace noodle::output
