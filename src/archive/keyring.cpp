// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/keyring.hpp>

#include <noodle/archive/digest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::archive {

namespace {

std::string_view trim(std::string_view s)
{
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s)
{
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

// Reads `path` if it exists; nullopt when it does not.
Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& path, std::uint64_t max_bytes)
{
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>();
    }
    return fail(ErrorCode::io, fmt::format("cannot open '{}': {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = fmt::format("cannot stat '{}': {}", path.string(), std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    problem = fmt::format("'{}' is not a regular file", path.string());
  } else if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    problem = fmt::format("'{}' is {} bytes, over the {}-byte limit", path.string(), st.st_size, max_bytes);
  } else {
    std::vector<char> buffer(4096);
    for (;;) {
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        problem = fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno));
        break;
      }
      if (n == 0) {
        break;
      }
      text.append(buffer.data(), static_cast<std::size_t>(n));
      if (text.size() > max_bytes) {
        problem = fmt::format("'{}' is over the {}-byte limit", path.string(), max_bytes);
        break;
      }
    }
  }
  ::close(fd);
  if (!problem.empty()) {
    return fail(ErrorCode::io, std::move(problem));
  }
  return std::optional<std::string>(std::move(text));
}

// Like ssh's StrictModes: whoever may write the keyring may make any archive
// trusted, so it must belong to root or to us and be writable by no one else.
Result<void> check_not_open_to_others(const std::filesystem::path& path, const char* what)
{
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return {};
    }
    return fail(ErrorCode::io, fmt::format("cannot stat {} '{}': {}", what, path.string(), std::strerror(errno)));
  }
  if ((st.st_mode & 022) != 0) {
    return fail(ErrorCode::io,
                fmt::format("{} '{}' has mode {:04o}: it must not be writable by group or others, who could add or "
                            "replace a trusted key (run chmod go-w '{}')",
                            what, path.string(), st.st_mode & 07777, path.string()));
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return fail(ErrorCode::io, fmt::format("{} '{}' belongs to uid {}: it must belong to root or to uid {}", what,
                                           path.string(), st.st_uid, ::geteuid()));
  }
  return {};
}

// The `*.pub` files of `dir` (names starting with "." skipped), in name order.
Result<std::vector<std::filesystem::path>> key_files(const std::filesystem::path& dir)
{
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto& path = it->path();
    std::string name = path.filename().string();
    if (name.empty() || name[0] == '.' || path.extension() != ".pub") {
      continue;
    }
    files.push_back(path);
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot read keyring directory '{}': {}", dir.string(), ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

const KeyringEntry* Keyring::find(std::string_view key_id) const
{
  auto it = m_keys.find(key_id);
  return it == m_keys.end() ? nullptr : &it->second;
}

bool Keyring::is_revoked(std::string_view key_id) const
{
  return m_revoked.find(key_id) != m_revoked.end();
}

Result<PublicKey> Keyring::key_for(std::string_view key_id) const
{
  // A revocation holds even after the key's file is removed, and says more
  // than "unknown".
  if (auto it = m_revoked.find(key_id); it != m_revoked.end()) {
    std::string where = (m_dir / "revoked").string();
    if (it->second != 0) {
      where = fmt::format("'{}' line {}", where, it->second);
    } else {
      where = fmt::format("'{}'", where);
    }
    return fail(ErrorCode::revoked_key, fmt::format("signing key '{}' is revoked (listed in {})", key_id, where));
  }
  const KeyringEntry* entry = find(key_id);
  if (entry == nullptr) {
    return fail(ErrorCode::unknown_key,
                fmt::format("signing key '{}' is not in the keyring '{}'", key_id, m_dir.string()));
  }
  return entry->key;
}

Result<void> Keyring::add(PublicKey key, std::filesystem::path file)
{
  std::string id = key.id();
  auto it = m_keys.find(id);
  if (it != m_keys.end()) {
    auto a = it->second.key.to_pem();
    auto b = key.to_pem();
    if (a && b && *a == *b) {
      return {};
    }
    return fail(ErrorCode::io, fmt::format("key files '{}' and '{}' have the same key id '{}'",
                                           it->second.file.string(), file.string(), id));
  }
  m_keys.emplace(std::move(id), KeyringEntry{std::move(key), std::move(file)});
  return {};
}

void Keyring::revoke(std::string key_id, std::uint32_t line)
{
  m_revoked.emplace(std::move(key_id), line);
}

std::filesystem::path default_keyring_dir(const std::filesystem::path& root)
{
  return root / "keys";
}

Result<void> parse_revoked(std::string_view text, const std::string& file_name, Keyring& keyring)
{
  std::uint32_t line_number = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::string_view entry = trim(line);
    if (entry.empty()) {
      continue;
    }
    std::string id = lower(entry);
    if (!is_lower_hex(id, k_key_id_length)) {
      std::string shown = entry.size() > 64 ? std::string(entry.substr(0, 64)) + "..." : std::string(entry);
      return fail(Error(ErrorCode::io,
                        fmt::format("invalid key id '{}' in the revoked list: expected 16 hexadecimal digits", shown),
                        SourceLocation{file_name, line_number, 0}));
    }
    keyring.revoke(std::move(id), line_number);
  }
  return {};
}

Result<Keyring> load_keyring(const std::filesystem::path& dir)
{
  Keyring keyring(dir);
  auto files = key_files(dir);
  if (!files) {
    return fail(files.error());
  }
  if (auto ok = check_not_open_to_others(dir, "keyring directory"); !ok) {
    return fail(ok.error());
  }
  for (const auto& file : *files) {
    if (auto ok = check_not_open_to_others(file, "public key file"); !ok) {
      return fail(ok.error());
    }
    auto key = load_public_key(file);
    if (!key) {
      return fail(key.error());
    }
    if (auto added = keyring.add(std::move(*key), file); !added) {
      return fail(added.error());
    }
  }
  const auto revoked_path = dir / "revoked";
  if (auto ok = check_not_open_to_others(revoked_path, "revoked list"); !ok) {
    return fail(ok.error());
  }
  auto revoked = read_optional_file(revoked_path, k_max_revoked_file_bytes);
  if (!revoked) {
    return fail(revoked.error());
  }
  if (*revoked) {
    if (auto parsed = parse_revoked(**revoked, revoked_path.string(), keyring); !parsed) {
      return fail(parsed.error());
    }
  }
  return keyring;
}

Result<std::string> keyring_digest(const std::filesystem::path& dir)
{
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec) && !ec) {
    return Sha256().hex_final();
  }
  auto files = key_files(dir);
  if (!files) {
    return fail(files.error());
  }
  std::vector<std::pair<std::filesystem::path, std::uint64_t>> inputs;
  for (const auto& file : *files) {
    inputs.emplace_back(file, k_max_key_file_bytes);
  }
  inputs.emplace_back(dir / "revoked", k_max_revoked_file_bytes);
  Sha256 sha;
  // Length-prefixed, so that no two keyrings feed the same bytes.
  const auto feed = [&sha](std::string_view bytes) {
    sha.update(fmt::format("{}:", bytes.size()));
    sha.update(bytes);
  };
  for (const auto& [path, cap] : inputs) {
    auto bytes = read_optional_file(path, cap);
    if (!bytes) {
      return fail(bytes.error());
    }
    if (*bytes) {
      feed(path.filename().string());
      feed(**bytes);
    }
  }
  return sha.hex_final();
}

} // namespace noodle::archive
