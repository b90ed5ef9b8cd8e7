// SPDX-License-Identifier: Apache-2.0
#include <noodle/repo/index.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/archive/signature.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

namespace noodle::repo {

namespace {

using Json = nlohmann::ordered_json;

Error invalid(std::string message)
{
  return Error(ErrorCode::repo_invalid, std::move(message));
}

Json file_json(const IndexFile& f)
{
  Json j;
  j["path"] = f.path;
  j["sha256"] = f.sha256;
  j["size"] = f.size;
  return j;
}

Result<std::string> text_field(const Json& j, const char* key, const std::string& where)
{
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return fail(invalid(fmt::format("index field '{}{}' is missing or not a string", where, key)));
  }
  return it->get<std::string>();
}

Result<std::uint64_t> count_field(const Json& j, const char* key, const std::string& where)
{
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) {
    return fail(invalid(fmt::format("index field '{}{}' is missing or not a whole number", where, key)));
  }
  return it->get<std::uint64_t>();
}

Result<IndexFile> file_field(const Json& j, const char* key, const std::string& where)
{
  auto it = j.find(key);
  const std::string at = where + key;
  if (it == j.end() || !it->is_object()) {
    return fail(invalid(fmt::format("index field '{}' is missing or not an object", at)));
  }
  IndexFile f;
  auto path = text_field(*it, "path", at + ".");
  auto sha = text_field(*it, "sha256", at + ".");
  auto size = count_field(*it, "size", at + ".");
  if (!path || !sha || !size) {
    return fail(!path ? path.error() : (!sha ? sha.error() : size.error()));
  }
  if (!is_safe_relative_path(*path)) {
    return fail(invalid(fmt::format("index field '{}.path' is not a safe relative path: '{}'", at, *path)));
  }
  if (!archive::is_lower_hex(*sha, 64)) {
    return fail(invalid(fmt::format("index field '{}.sha256' is not 64 lowercase hexadecimal digits", at)));
  }
  f.path = *path;
  f.sha256 = *sha;
  f.size = *size;
  return f;
}

bool is_utc_time(std::string_view text)
{
  return parse_utc(text).has_value();
}

// Splits "key: value"; false when the line is not of that form.
bool split_field(std::string_view line, std::string_view key, std::string_view& value)
{
  if (line.size() < key.size() + 2 || line.substr(0, key.size()) != key || line.substr(key.size(), 2) != ": ") {
    return false;
  }
  value = line.substr(key.size() + 2);
  return !value.empty();
}

std::optional<std::uint64_t> whole_number(std::string_view text)
{
  if (text.empty() || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return n;
}

} // namespace

const IndexArchive* Index::find(std::string_view component, std::string_view component_version) const
{
  for (const auto& a : archives) {
    if (a.component == component && a.version == component_version) {
      return &a;
    }
  }
  return nullptr;
}

bool is_safe_relative_path(std::string_view path)
{
  if (path.empty() || path.size() > 4096 || path.front() == '/') {
    return false;
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e || c == '\\') {
      return false;
    }
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text)
{
  // YYYY-MM-DDTHH:MM:SSZ
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
      || text[19] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t len) -> int {
    int n = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return -1;
      }
      n = n * 10 + (text[i] - '0');
    }
    return n;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  // The clock counts nanoseconds in 64 bits, so it ends in 2262: a later
  // year is refused, not overflowed.
  if (tm.tm_year < 70 || tm.tm_year > 2200 - 1900 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1
      || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0
      || tm.tm_sec > 60) {
    return std::nullopt;
  }
  const int mday = tm.tm_mday;
  const int mon = tm.tm_mon;
  const std::time_t t = ::timegm(&tm);
  if (tm.tm_mday != mday || tm.tm_mon != mon) {
    return std::nullopt; // a day the month does not have (timegm moved it on): 2026-02-30
  }
  return std::chrono::system_clock::from_time_t(t);
}

std::string serialize_index(const Index& index)
{
  Json j;
  j["format"] = "noodle-repository-index";
  j["format_version"] = k_index_format;
  j["version"] = index.version;
  j["generated"] = index.generated;
  j["expires"] = index.expires;
  Json manifests = Json::array();
  for (const auto& m : index.manifests) {
    Json e;
    e["path"] = m.path;
    e["text"] = m.text;
    manifests.push_back(std::move(e));
  }
  j["manifests"] = std::move(manifests);
  Json archives = Json::array();
  for (const auto& a : index.archives) {
    Json e;
    e["component"] = a.component;
    e["version"] = a.version;
    e["archive"] = file_json(a.archive);
    e["signature"] = file_json(a.signature);
    archives.push_back(std::move(e));
  }
  j["archives"] = std::move(archives);
  return j.dump(1) + "\n";
}

Result<Index> parse_index(std::string_view text)
{
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(invalid("the repository index is not a JSON object"));
  }
  auto format = text_field(j, "format", "");
  if (!format || *format != "noodle-repository-index") {
    return fail(invalid("not a noodle repository index: 'format' must be \"noodle-repository-index\""));
  }
  auto format_version = count_field(j, "format_version", "");
  if (!format_version || *format_version != static_cast<std::uint64_t>(k_index_format)) {
    return fail(
        invalid(fmt::format("unsupported repository index format: this version reads format {}", k_index_format)));
  }
  Index index;
  auto version = count_field(j, "version", "");
  if (!version) {
    return fail(version.error());
  }
  index.version = *version;
  for (const char* key : {"generated", "expires"}) {
    auto t = text_field(j, key, "");
    if (!t) {
      return fail(t.error());
    }
    if (!is_utc_time(*t)) {
      return fail(invalid(fmt::format("index field '{}' is not a UTC time YYYY-MM-DDTHH:MM:SSZ: '{}'", key, *t)));
    }
    (std::string_view(key) == "generated" ? index.generated : index.expires) = *t;
  }
  auto manifests = j.find("manifests");
  auto archives = j.find("archives");
  if (manifests == j.end() || !manifests->is_array() || archives == j.end() || !archives->is_array()) {
    return fail(invalid("index fields 'manifests' and 'archives' must be arrays"));
  }
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    const auto& e = (*manifests)[i];
    const std::string at = fmt::format("manifests[{}].", i);
    if (!e.is_object()) {
      return fail(invalid(fmt::format("index field 'manifests[{}]' is not an object", i)));
    }
    auto path = text_field(e, "path", at);
    auto body = text_field(e, "text", at);
    if (!path || !body) {
      return fail(!path ? path.error() : body.error());
    }
    const bool yaml = path->size() > 5 && (path->ends_with(".yaml") || path->ends_with(".yml"));
    if (!is_safe_relative_path(*path) || !yaml) {
      return fail(invalid(fmt::format("index field '{}path' is not a safe relative .yaml path: '{}'", at, *path)));
    }
    index.manifests.push_back({*path, *body});
  }
  for (std::size_t i = 0; i < archives->size(); ++i) {
    const auto& e = (*archives)[i];
    const std::string at = fmt::format("archives[{}].", i);
    if (!e.is_object()) {
      return fail(invalid(fmt::format("index field 'archives[{}]' is not an object", i)));
    }
    IndexArchive a;
    auto component = text_field(e, "component", at);
    auto v = text_field(e, "version", at);
    auto file = file_field(e, "archive", at);
    auto sig = file_field(e, "signature", at);
    if (!component || !v || !file || !sig) {
      return fail(!component ? component.error() : (!v ? v.error() : (!file ? file.error() : sig.error())));
    }
    a.component = *component;
    a.version = *v;
    a.archive = *file;
    a.signature = *sig;
    index.archives.push_back(std::move(a));
  }
  return index;
}

std::string index_statement_text(const IndexSignature& sig)
{
  return fmt::format("noodle-repository-index {}\nkey-id: {}\nindex-version: {}\nexpires: {}\nsha256: {}\nsize: {}\n",
                     k_index_format, sig.key_id, sig.index_version, sig.expires, sig.sha256, sig.size);
}

std::string serialize_index_signature(const IndexSignature& sig)
{
  return index_statement_text(sig) + "signature: " + archive::base64_encode(sig.signature) + "\n";
}

Result<IndexSignature> parse_index_signature(std::string_view text)
{
  if (text.size() > k_max_index_signature_bytes) {
    return fail(invalid(fmt::format("index signature file is {} bytes, over the {}-byte limit", text.size(),
                                    k_max_index_signature_bytes)));
  }
  if (text.empty() || text.back() != '\n') {
    return fail(invalid("index signature file is empty or its last line has no line feed"));
  }
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.empty() || lines[0] != fmt::format("noodle-repository-index {}", k_index_format)) {
    return fail(invalid(fmt::format("not a repository index signature: the first line must be "
                                    "'noodle-repository-index {}'",
                                    k_index_format)));
  }
  static constexpr const char* k_fields[] = {"key-id", "index-version", "expires", "sha256", "size", "signature"};
  if (lines.size() != 1 + std::size(k_fields)) {
    return fail(
        invalid(fmt::format("index signature file has {} lines, expected {}", lines.size(), 1 + std::size(k_fields))));
  }
  std::string_view values[std::size(k_fields)];
  for (std::size_t i = 0; i < std::size(k_fields); ++i) {
    if (!split_field(lines[i + 1], k_fields[i], values[i])) {
      return fail(invalid(fmt::format("index signature line {}: expected '{}: VALUE'", i + 2, k_fields[i])));
    }
  }
  IndexSignature sig;
  sig.key_id = std::string(values[0]);
  auto version = whole_number(values[1]);
  sig.expires = std::string(values[2]);
  sig.sha256 = std::string(values[3]);
  auto size = whole_number(values[4]);
  auto raw = archive::base64_decode(values[5]);
  if (!archive::is_lower_hex(sig.key_id, archive::k_key_id_length) || !version || !is_utc_time(sig.expires)
      || !archive::is_lower_hex(sig.sha256, 64) || !size || !raw || raw->size() != archive::k_ed25519_signature_bytes) {
    return fail(invalid("index signature file has a malformed value (key id, version, expiry, sha256, size or "
                        "signature)"));
  }
  sig.index_version = *version;
  sig.size = *size;
  sig.signature = std::move(*raw);
  return sig;
}

Result<IndexSignature> sign_index(const Index& index, std::string_view index_text, const archive::PrivateKey& key)
{
  IndexSignature sig;
  sig.key_id = key.id();
  sig.index_version = index.version;
  sig.expires = index.expires;
  auto digest = archive::sha256(index_text);
  if (!digest) {
    return fail(digest.error());
  }
  sig.sha256 = digest->hex();
  sig.size = index_text.size();
  auto signature = archive::sign_message(key, index_statement_text(sig));
  if (!signature) {
    return fail(signature.error());
  }
  sig.signature = std::move(*signature);
  return sig;
}

Result<Index> verify_index(std::string_view index_text, std::string_view signature_text,
                           const archive::Keyring& keyring)
{
  auto sig = parse_index_signature(signature_text);
  if (!sig) {
    return fail(sig.error());
  }
  auto key = keyring.key_for(sig->key_id);
  if (!key) {
    return fail(key.error());
  }
  if (!archive::verify_message(*key, index_statement_text(*sig), sig->signature)) {
    return fail(ErrorCode::signature_invalid,
                fmt::format("repository index signature does not verify with key '{}'", sig->key_id));
  }
  auto digest = archive::sha256(index_text);
  if (!digest) {
    return fail(digest.error());
  }
  if (digest->hex() != sig->sha256 || index_text.size() != sig->size) {
    Error e(ErrorCode::repo_digest_mismatch,
            fmt::format("repository index sha256 {} does not match the signed {}", digest->hex(), sig->sha256));
    e.details.push_back(fmt::format("the index is {} bytes, the signed size is {}", index_text.size(), sig->size));
    return fail(std::move(e));
  }
  auto index = parse_index(index_text);
  if (!index) {
    return fail(index.error());
  }
  if (index->version != sig->index_version || index->expires != sig->expires) {
    return fail(invalid(fmt::format("repository index version {} (expires {}) is not the signed version {} "
                                    "(expires {})",
                                    index->version, index->expires, sig->index_version, sig->expires)));
  }
  return index;
}

Result<void> check_freshness(const Index& index, std::chrono::system_clock::time_point now, std::uint64_t seen_version,
                             AllowExpired allow_expired)
{
  if (index.version < seen_version) {
    Error e(ErrorCode::repo_rollback, fmt::format("repository index version {} is older than version {}, the last "
                                                  "one seen under this root: refusing a rollback",
                                                  index.version, seen_version));
    e.details.push_back("a mirror may be stale or replaying an old index; try another mirror");
    return fail(std::move(e));
  }
  auto expires = parse_utc(index.expires);
  if (allow_expired == AllowExpired::no && (!expires || now > *expires)) {
    Error e(ErrorCode::repo_expired, fmt::format("repository index version {} expired at {}: refusing a frozen index",
                                                 index.version, index.expires));
    e.details.push_back("publish a new index (repo index --expires), or pass --allow-expired to use it anyway");
    return fail(std::move(e));
  }
  return {};
}

} // namespace noodle::repo
