// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/verify.hpp>
#include <noodle/util/unique_fd.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/archive/reader.hpp>

#include "extract_pass.hpp"
#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/loader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::archive {

namespace {

std::string errno_text()
{
  return std::strerror(errno);
}

using Fd = util::UniqueFd;

// Removes the private copy unless keep() is called.
class CopyRemover {
public:
  CopyRemover(int dir_fd, std::string name) : m_dir_fd(dir_fd), m_name(std::move(name)) {}
  ~CopyRemover()
  {
    if (!m_name.empty()) {
      ::unlinkat(m_dir_fd, m_name.c_str(), 0);
    }
  }
  CopyRemover(const CopyRemover&) = delete;
  CopyRemover& operator=(const CopyRemover&) = delete;
  void keep() { m_name.clear(); }

private:
  int m_dir_fd;
  std::string m_name;
};

std::string id_of(std::string_view name, const semver::Version& version)
{
  return fmt::format("{}@{}", name, version.to_string());
}

Result<std::string> read_signature_text(const std::filesystem::path& path)
{
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    return fail(ErrorCode::io, fmt::format("cannot open signature file '{}': {}", path.string(), errno_text()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot stat signature file '{}': {}", path.string(), errno_text()));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::signature_invalid, fmt::format("signature file '{}' is not a regular file", path.string()));
  }
  if (static_cast<std::uint64_t>(st.st_size) > k_max_signature_file_bytes) {
    return fail(
        Error(ErrorCode::signature_invalid,
              fmt::format("signature file is {} bytes, over the {}-byte limit", st.st_size, k_max_signature_file_bytes),
              SourceLocation{path.string(), 0, 0}));
  }
  // Read one byte past the limit, so a file that grew is still caught by the parser.
  std::string text(k_max_signature_file_bytes + 1, '\0');
  std::size_t have = 0;
  while (have < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorCode::io, fmt::format("cannot read signature file '{}': {}", path.string(), errno_text()));
    }
    if (n == 0) {
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  text.resize(have);
  return text;
}

// Creates `dir` 0700 or checks that it is a 0700 directory of ours; returns
// it open (O_DIRECTORY|O_NOFOLLOW), so later steps work relative to what was
// checked.
Result<int> open_staging_dir(const std::filesystem::path& dir)
{
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorCode::io, fmt::format("cannot create staging directory '{}': {}", dir.string(), errno_text()));
  }
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      return fail(ErrorCode::io,
                  fmt::format("staging directory '{}' is not a directory (or is a symbolic link)", dir.string()));
    }
    return fail(ErrorCode::io, fmt::format("cannot open staging directory '{}': {}", dir.string(), errno_text()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot stat staging directory '{}': {}", dir.string(), errno_text()));
  }
  const uid_t uid = ::geteuid();
  if ((st.st_mode & 07777) != 0700 || st.st_uid != uid) {
    return fail(ErrorCode::io,
                fmt::format("staging directory '{}' must have mode 0700 and belong to uid {}: it has mode {:04o} and "
                            "belongs to uid {}",
                            dir.string(), uid, st.st_mode & 07777, st.st_uid));
  }
  return fd.release();
}

// A new, empty, exclusive file in `dir_fd`; its name goes to `name`.
Result<int> create_private_file(int dir_fd, const std::filesystem::path& dir, const std::string& component,
                                std::string& name)
{
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::array<std::uint8_t, 8> random{};
    if (::getrandom(random.data(), random.size(), 0) != static_cast<ssize_t>(random.size())) {
      return fail(ErrorCode::io, fmt::format("cannot get random bytes for a file name: {}", errno_text()));
    }
    name = fmt::format("{}.{}.archive", component, to_hex(random));
    int fd = ::openat(dir_fd, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      return fd;
    }
    if (errno != EEXIST) {
      return fail(ErrorCode::io,
                  fmt::format("cannot create a file in staging directory '{}': {}", dir.string(), errno_text()));
    }
  }
  return fail(ErrorCode::io, fmt::format("cannot create a file in staging directory '{}'", dir.string()));
}

Result<void> write_all(int fd, const std::uint8_t* data, std::size_t length, const std::filesystem::path& copy)
{
  while (length > 0) {
    ssize_t n = ::write(fd, data, length);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorCode::io, fmt::format("cannot write private copy '{}': {}", copy.string(), errno_text()));
    }
    data += n;
    length -= static_cast<std::size_t>(n);
  }
  return {};
}

// Copies everything readable from `in` to `out`, hashing it in the same pass.
Result<Digest> copy_and_hash(int in, int out, const std::filesystem::path& archive, const std::filesystem::path& copy,
                             std::uint64_t max_bytes, util::ProgressSink* progress)
{
  std::vector<std::uint8_t> buffer(std::size_t{256} * 1024);
  Sha256 hash;
  std::uint64_t total = 0;
  std::uint64_t expected = 0;
  if (struct stat st{}; progress != nullptr && ::fstat(in, &st) == 0 && st.st_size > 0) {
    expected = static_cast<std::uint64_t>(st.st_size);
  }
  const util::ProgressScope scope(progress);
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorCode::io, fmt::format("cannot read archive '{}': {}", archive.string(), errno_text()));
    }
    if (n == 0) {
      break;
    }
    auto length = static_cast<std::size_t>(n);
    total += length;
    if (total > max_bytes) {
      return fail(ErrorCode::archive_limit, fmt::format("archive '{}' grew past the {}-byte limit while being copied",
                                                        archive.string(), max_bytes));
    }
    hash.update(std::span(buffer.data(), length));
    if (auto wrote = write_all(out, buffer.data(), length, copy); !wrote) {
      return fail(wrote.error());
    }
    if (progress != nullptr) {
      progress->update("verify", total, std::max(expected, total));
    }
  }
  return hash.final();
}

Result<manifest::Manifest> parse_archive_manifest(const std::string& text, const std::filesystem::path& archive);

Result<manifest::Manifest> archive_manifest(int fd, const std::filesystem::path& archive, const Limits& limits,
                                            Sha256* hash = nullptr)
{
  auto text = detail::read_member(fd, "manifest.yaml", k_max_archive_manifest_bytes, limits, hash);
  if (!text) {
    if (text.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::archive_invalid, fmt::format("archive '{}' holds no manifest.yaml", archive.string()));
    }
    return fail(text.error());
  }
  return parse_archive_manifest(*text, archive);
}

Result<manifest::Manifest> parse_archive_manifest(const std::string& text, const std::filesystem::path& archive)
{
  manifest::LoadOptions options;
  options.check_archive_files = manifest::LoadOptions::CheckArchiveFiles::no;
  options.max_file_bytes = k_max_archive_manifest_bytes;
  std::vector<manifest::Diagnostic> diagnostics;
  const std::string file_name = archive.string() + ":manifest.yaml";
  auto manifests = manifest::parse_manifests(text, file_name, archive.parent_path(), options, diagnostics);
  if (manifest::has_errors(diagnostics)) {
    Error e(ErrorCode::archive_invalid, "");
    for (const auto& d : diagnostics) {
      if (d.severity != manifest::Diagnostic::Severity::error) {
        continue;
      }
      if (e.message.empty()) {
        e.message = fmt::format("manifest.yaml of archive '{}' is invalid: {}", archive.string(), d.message);
        e.where = d.where;
      } else {
        e.details.push_back(manifest::to_string(d));
      }
    }
    return fail(std::move(e));
  }
  if (manifests.size() != 1) {
    return fail(ErrorCode::archive_invalid,
                fmt::format("manifest.yaml of archive '{}' holds {} component versions, expected 1", archive.string(),
                            manifests.size()));
  }
  return std::move(manifests.front());
}

Result<int> open_archive(const std::filesystem::path& archive, const Limits& limits)
{
  Fd in(::open(archive.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (in.get() < 0) {
    if (errno == ELOOP) {
      return fail(ErrorCode::archive_invalid,
                  fmt::format("archive '{}' is a symbolic link: give the file itself", archive.string()));
    }
    return fail(ErrorCode::io, fmt::format("cannot open archive '{}': {}", archive.string(), errno_text()));
  }
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot stat archive '{}': {}", archive.string(), errno_text()));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::archive_invalid, fmt::format("archive '{}' is not a regular file", archive.string()));
  }
  if (static_cast<std::uint64_t>(st.st_size) > limits.max_archive_bytes) {
    return fail(ErrorCode::archive_limit, fmt::format("archive '{}' is {} bytes, over the {}-byte limit",
                                                      archive.string(), st.st_size, limits.max_archive_bytes));
  }
  return in.release();
}

} // namespace

VerifiedArchive::~VerifiedArchive()
{
  if (fd >= 0) {
    ::close(fd);
  }
}

VerifiedArchive::VerifiedArchive(VerifiedArchive&& other) noexcept
  : private_copy(std::move(other.private_copy)), fd(std::exchange(other.fd, -1)), sha256(std::move(other.sha256)),
    size(other.size), signature(std::move(other.signature)), component(std::move(other.component)),
    version(std::move(other.version)), manifest(std::move(other.manifest)), is_signed(other.is_signed)
{
}

VerifiedArchive& VerifiedArchive::operator=(VerifiedArchive&& other) noexcept
{
  if (this != &other) {
    if (fd >= 0) {
      ::close(fd);
    }
    private_copy = std::move(other.private_copy);
    fd = std::exchange(other.fd, -1);
    sha256 = std::move(other.sha256);
    size = other.size;
    signature = std::move(other.signature);
    component = std::move(other.component);
    version = std::move(other.version);
    manifest = std::move(other.manifest);
    is_signed = other.is_signed;
  }
  return *this;
}

Result<SignatureFile> verify_signature_file(const std::filesystem::path& signature_path, const Keyring& keyring)
{
  auto text = read_signature_text(signature_path);
  if (!text) {
    return fail(text.error());
  }
  auto file = parse_signature(*text, signature_path.string());
  if (!file) {
    return fail(file.error());
  }
  auto key = keyring.key_for(file->key_id);
  if (!key) {
    return fail(key.error());
  }
  if (auto checked = check_signature(*file, *key); !checked) {
    return fail(checked.error());
  }
  return file;
}

namespace {

// Steps 3-6 of verify_archive: the private copy of the open archive `in`,
// checked against `statement` when there is one (a signed archive), else
// only read (an unsigned one).
Result<VerifiedArchive> copy_privately(Fd in, const std::filesystem::path& archive, const Statement* statement,
                                       const std::filesystem::path& private_staging_dir, const Limits& limits)
{
  // 3. The private staging directory.
  auto dir_fd_raw = open_staging_dir(private_staging_dir);
  if (!dir_fd_raw) {
    return fail(dir_fd_raw.error());
  }
  Fd dir_fd(*dir_fd_raw);

  // 4. Copy and hash in one pass.
  std::string name;
  auto out_raw =
      create_private_file(dir_fd.get(), private_staging_dir, statement ? statement->component : "unsigned", name);
  if (!out_raw) {
    return fail(out_raw.error());
  }
  Fd out(*out_raw);
  CopyRemover remover(dir_fd.get(), name);
  const std::filesystem::path copy = private_staging_dir / name;
  auto digest = copy_and_hash(in.get(), out.get(), archive, copy, limits.max_archive_bytes, limits.progress);
  if (!digest) {
    return fail(digest.error());
  }
  in.reset(); // done with the original, for good
  if (::fchmod(out.get(), 0400) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot make private copy '{}' read-only: {}", copy.string(), errno_text()));
  }
  Fd reader(::openat(dir_fd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat written {};
  struct stat opened {};
  if (reader.get() < 0 || ::fstat(out.get(), &written) != 0 || ::fstat(reader.get(), &opened) != 0
      || written.st_dev != opened.st_dev || written.st_ino != opened.st_ino) {
    return fail(ErrorCode::io, fmt::format("cannot reopen private copy '{}' read-only", copy.string()));
  }
  out.reset();

  // 5. The copied bytes are the signed bytes.
  const std::string hex = digest->hex();
  if (statement != nullptr && hex != statement->sha256) {
    Error e(ErrorCode::integrity,
            fmt::format("archive sha256 {} does not match the signed {}", hex, statement->sha256));
    if (digest->size != statement->size) {
      e.details.push_back(fmt::format("the archive is {} bytes, the signed size is {}", digest->size, statement->size));
    }
    return fail(std::move(e));
  }
  if (statement != nullptr && digest->size != statement->size) {
    return fail(ErrorCode::integrity,
                fmt::format("archive size {} does not match the signed size {}", digest->size, statement->size));
  }

  // 6. The archive is the component version the signature names.
  auto found = archive_manifest(reader.get(), archive, limits);
  if (!found) {
    return fail(found.error());
  }
  if (statement != nullptr
      && (found->name != statement->component || found->version.to_string() != statement->version.to_string())) {
    return fail(ErrorCode::integrity,
                fmt::format("archive holds {} but the signature is for {}", id_of(found->name, found->version),
                            id_of(statement->component, statement->version)));
  }

  VerifiedArchive verified;
  verified.private_copy = copy;
  verified.sha256 = hex;
  verified.size = digest->size;
  verified.component = found->name;
  verified.version = found->version;
  verified.manifest = std::move(*found);
  verified.fd = reader.release();
  remover.keep();
  return verified;
}

} // namespace

Result<VerifiedArchive> verify_archive(const std::filesystem::path& archive,
                                       const std::filesystem::path& signature_path, const Keyring& keyring,
                                       const std::filesystem::path& private_staging_dir, const Limits& limits)
{
  // 1. The one and only open of the archive's path.
  auto archive_fd = open_archive(archive, limits);
  if (!archive_fd) {
    return fail(archive_fd.error());
  }
  Fd in(*archive_fd);

  // 2. The signature, before copying anything: a bad one costs no copy.
  auto signature = verify_signature_file(signature_path, keyring);
  if (!signature) {
    return fail(signature.error());
  }
  auto verified = copy_privately(std::move(in), archive, &signature->statement, private_staging_dir, limits);
  if (!verified) {
    return fail(verified.error());
  }
  verified->signature = std::move(*signature);
  return verified;
}

Result<VerifiedArchive> copy_unsigned_archive(const std::filesystem::path& archive,
                                              const std::filesystem::path& private_staging_dir, const Limits& limits)
{
  auto archive_fd = open_archive(archive, limits);
  if (!archive_fd) {
    return fail(archive_fd.error());
  }
  auto copied = copy_privately(Fd(*archive_fd), archive, nullptr, private_staging_dir, limits);
  if (copied) {
    copied->is_signed = false;
  }
  return copied;
}

namespace {

// Step 5: the bytes read are the signed bytes.
Result<void> check_digest(const Digest& digest, const Statement& statement)
{
  const std::string hex = digest.hex();
  if (hex != statement.sha256) {
    Error e(ErrorCode::integrity, fmt::format("archive sha256 {} does not match the signed {}", hex, statement.sha256));
    if (digest.size != statement.size) {
      e.details.push_back(fmt::format("the archive is {} bytes, the signed size is {}", digest.size, statement.size));
    }
    return fail(std::move(e));
  }
  if (digest.size != statement.size) {
    return fail(ErrorCode::integrity,
                fmt::format("archive size {} does not match the signed size {}", digest.size, statement.size));
  }
  return {};
}

// Step 6: the archive is the component version the signature names.
Result<void> check_named(const manifest::Manifest& found, const Statement& statement)
{
  if (found.name != statement.component || found.version.to_string() != statement.version.to_string()) {
    return fail(ErrorCode::integrity,
                fmt::format("archive holds {} but the signature is for {}", id_of(found.name, found.version),
                            id_of(statement.component, statement.version)));
  }
  return {};
}

// The verified signature file of `source`, or none for an unsigned archive.
Result<std::optional<SignatureFile>> signature_of(const SignatureSource& source)
{
  if (source.path.empty()) {
    return std::optional<SignatureFile>();
  }
  if (source.keyring == nullptr) {
    return fail(ErrorCode::internal, "a signature is checked without a keyring");
  }
  auto file = verify_signature_file(source.path, *source.keyring);
  if (!file) {
    return fail(file.error());
  }
  return std::optional<SignatureFile>(std::move(*file));
}

// The pass's checks once the whole file is hashed: steps 5 and 6 over the
// digest and the manifest bytes read in that pass; fills `verified`.
Result<void> finish_pass(Sha256& hash, const std::string& manifest_text, const std::optional<SignatureFile>& signature,
                         const std::filesystem::path& archive, VerifiedArchive& verified)
{
  auto digest = hash.final();
  if (!digest) {
    return fail(digest.error());
  }
  if (signature) {
    if (auto same = check_digest(*digest, signature->statement); !same) {
      return same;
    }
  }
  auto found = parse_archive_manifest(manifest_text, archive);
  if (!found) {
    return fail(found.error());
  }
  if (signature) {
    if (auto named = check_named(*found, signature->statement); !named) {
      return named;
    }
    verified.signature = *signature;
  }
  verified.is_signed = signature.has_value();
  verified.sha256 = digest->hex();
  verified.size = digest->size;
  verified.component = found->name;
  verified.version = found->version;
  verified.manifest = std::move(*found);
  return {};
}

// The error for a pass that failed before its checks: an archive that is not
// the signed one says so (its digest read again, on this failure path only),
// else the pass's own error.
Error pass_error(Error error, int fd, const std::optional<SignatureFile>& signature, bool checked)
{
  if (!signature || checked || (error.code != ErrorCode::archive_invalid && error.code != ErrorCode::archive_limit)) {
    return error;
  }
  auto whole = sha256_file(fd);
  if (whole) {
    if (auto same = check_digest(*whole, signature->statement); !same) {
      return same.error();
    }
  }
  return error;
}

} // namespace

namespace {

// One pass over an archive against its signature: the archive opened once,
// the signature (if any) verified, and what the pass fills as it reads.
struct SignedPass {
  Fd in;
  std::optional<SignatureFile> signature;
  Sha256 hash;
  std::string manifest_text;
  bool checked = false;

  // The extractor's pass: every byte into the hash, manifest.yaml kept, and
  // steps 5 and 6 (finish_pass) once the whole file is read.
  detail::ExtractPass extract_pass(const std::filesystem::path& archive, VerifiedArchive& verified)
  {
    detail::ExtractPass pass;
    pass.input_hash = &hash;
    pass.manifest = &manifest_text;
    pass.manifest_limit = k_max_archive_manifest_bytes;
    pass.check = [this, &archive, &verified]() -> Result<void> {
      checked = true;
      return finish_pass(hash, manifest_text, signature, archive, verified);
    };
    return pass;
  }
  Error error(Error e) { return pass_error(std::move(e), in.get(), signature, checked); }
};

Result<std::unique_ptr<SignedPass>> open_signed(const std::filesystem::path& archive, const SignatureSource& source,
                                                const Limits& limits)
{
  auto archive_fd = open_archive(archive, limits);
  if (!archive_fd) {
    return fail(archive_fd.error());
  }
  auto pass = std::make_unique<SignedPass>();
  pass->in = Fd(*archive_fd);
  auto signature = signature_of(source);
  if (!signature) {
    return fail(signature.error());
  }
  pass->signature = std::move(*signature);
  return pass;
}

} // namespace

Result<VerifiedExtraction> verify_and_extract(const std::filesystem::path& archive, const SignatureSource& source,
                                              int dir_fd, const std::filesystem::path& shown, const Limits& limits)
{
  auto signed_pass = open_signed(archive, source, limits);
  if (!signed_pass) {
    return fail(signed_pass.error());
  }
  SignedPass& sp = **signed_pass;
  VerifiedExtraction out;
  auto report = detail::extract(sp.in.get(), dir_fd, shown, limits, sp.extract_pass(archive, out.archive));
  if (!report) {
    return fail(sp.error(std::move(report.error())));
  }
  out.report = std::move(*report);
  return out;
}

Result<VerifiedArchive> inspect_archive(const std::filesystem::path& archive, const SignatureSource& source,
                                        InspectDepth depth, const Limits& limits, ExtractReport* judged)
{
  auto signed_pass = open_signed(archive, source, limits);
  if (!signed_pass) {
    return fail(signed_pass.error());
  }
  SignedPass& sp = **signed_pass;
  VerifiedArchive verified;
  if (depth == InspectDepth::every_entry) {
    auto report = detail::check_extraction(sp.in.get(), limits, sp.extract_pass(archive, verified));
    if (!report) {
      return fail(sp.error(std::move(report.error())));
    }
    if (judged != nullptr) {
      *judged = std::move(*report);
    }
    return verified;
  }
  auto text = detail::read_member(sp.in.get(), "manifest.yaml", k_max_archive_manifest_bytes, limits, &sp.hash);
  if (!text) {
    Error e = std::move(text.error());
    if (e.code == ErrorCode::not_found) {
      e = Error(ErrorCode::archive_invalid, fmt::format("archive '{}' holds no manifest.yaml", archive.string()));
    }
    return fail(sp.error(std::move(e)));
  }
  if (auto done = finish_pass(sp.hash, *text, sp.signature, archive, verified); !done) {
    return fail(done.error());
  }
  return verified;
}

Result<void> check_catalog_entry(const VerifiedArchive& verified, const manifest::Manifest& catalog_entry)
{
  const std::string archive_id = id_of(verified.component, verified.version);
  const std::string catalog_id = id_of(catalog_entry.name, catalog_entry.version);
  if (catalog_entry.name != verified.component || catalog_id != archive_id) {
    return fail(ErrorCode::integrity,
                fmt::format("catalog entry {} does not match the verified archive {}", catalog_id, archive_id));
  }
  if (!catalog_entry.extras->archive) {
    return {};
  }
  const manifest::ArchiveRef& ref = *catalog_entry.extras->archive;
  if (!ref.sha256.empty()) {
    std::string wanted = ref.sha256;
    for (char& c : wanted) {
      c = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (wanted != verified.sha256) {
      return fail(ErrorCode::integrity, fmt::format("catalog sha256 {} for {} does not match the verified archive's {}",
                                                    wanted, catalog_id, verified.sha256));
    }
  }
  // The loader refuses size 0, so 0 means the catalog gives no size.
  if (ref.size != 0 && ref.size != verified.size) {
    return fail(ErrorCode::integrity,
                fmt::format("catalog size {} for {} does not match the verified archive's {} bytes", ref.size,
                            catalog_id, verified.size));
  }
  return {};
}

} // namespace noodle::archive

namespace noodle::archive {

Result<Statement> statement_for_archive(const std::filesystem::path& archive, const Limits& limits,
                                        std::chrono::system_clock::time_point now)
{
  auto opened = open_archive(archive, limits);
  if (!opened) {
    return fail(opened.error());
  }
  Fd fd(*opened);
  auto digest = sha256_file(fd.get());
  if (!digest) {
    return fail(digest.error());
  }
  // The manifest comes from the same open file as the digest.
  auto found = archive_manifest(fd.get(), archive, limits);
  if (!found) {
    return fail(found.error());
  }
  Statement statement;
  statement.component = found->name;
  statement.version = found->version;
  statement.sha256 = digest->hex();
  statement.size = digest->size;
  statement.signed_at = format_signed_at(now);
  return statement;
}

} // namespace noodle::archive
