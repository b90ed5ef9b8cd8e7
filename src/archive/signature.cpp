// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/signature.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/manifest/model.hpp>

#include <fmt/format.h>

#include <array>
#include <ctime>

namespace noodle::archive {

namespace {

constexpr std::string_view k_header = "noodle-signature 1";
constexpr std::string_view k_header_prefix = "noodle-signature ";
constexpr std::size_t k_sha256_hex = 64;
constexpr std::size_t k_signature_base64 = 88;
constexpr std::size_t k_max_shown = 64;
constexpr std::size_t k_max_component_name = 128;

// The fields after the header line, in their required order.
enum class Field { key_id, component, version, sha256, size, signed_at, signature };
constexpr std::array<std::string_view, 7> k_fields = {"key-id", "component", "version",  "sha256",
                                                      "size",   "signed-at", "signature"};

std::string shown(std::string_view value)
{
  if (value.size() <= k_max_shown) {
    return std::string(value);
  }
  return std::string(value.substr(0, k_max_shown)) + "...";
}

Error error_at(std::string_view file_name, std::size_t line, std::size_t column, std::string message)
{
  return Error(
      ErrorCode::signature_invalid, std::move(message),
      SourceLocation{std::string(file_name), static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(column)});
}

bool is_leap(int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Reads exactly `count` decimal digits at `at`.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count)
{
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

// "" when `text` is a valid "YYYY-MM-DDTHH:MM:SSZ", else why not.
std::string check_signed_at(std::string_view text)
{
  constexpr std::string_view k_expected = "expected UTC as YYYY-MM-DDTHH:MM:SSZ";
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
      || text[19] != 'Z') {
    return std::string(k_expected);
  }
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::string(k_expected);
  }
  static constexpr std::array<int, 12> k_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12) {
    return "no such date";
  }
  int days = k_days[static_cast<std::size_t>(*month - 1)] + (*month == 2 && is_leap(*year) ? 1 : 0);
  if (*day < 1 || *day > days) {
    return "no such date";
  }
  if (*hour > 23 || *minute > 59 || *second > 59) {
    return "no such time of day";
  }
  return {};
}

// "" when `text` is a canonical decimal uint64, else why not.
std::string parse_size(std::string_view text, std::uint64_t& out)
{
  if (text.empty() || text.size() > 20) {
    return "expected a decimal number of bytes";
  }
  if (text.size() > 1 && text[0] == '0') {
    return "expected a decimal number of bytes without leading zeros";
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return "expected a decimal number of bytes";
    }
    auto d = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - d) / 10) {
      return "over 18446744073709551615";
    }
    value = value * 10 + d;
  }
  out = value;
  return {};
}

std::string component_name_problem(std::string_view name)
{
  return fmt::format("invalid component name '{}': use 1 to {} lowercase letters, digits, '_', '.' and '-', "
                     "starting with a letter or digit",
                     shown(name), k_max_component_name);
}

// Checks the value of one statement field, filling `out`; "" or the message.
std::string check_field(Field field, std::string_view value, SignatureFile& out)
{
  switch (field) {
  case Field::key_id:
    if (!is_lower_hex(value, k_key_id_length)) {
      return fmt::format("invalid key id '{}': expected 16 lowercase hexadecimal digits", shown(value));
    }
    out.key_id = value;
    return {};
  case Field::component:
    if (!manifest::is_valid_component_name(value)) {
      return component_name_problem(value);
    }
    out.statement.component = value;
    return {};
  case Field::version: {
    auto v = semver::Version::parse(value);
    if (!v) {
      return v.error().message;
    }
    std::string canonical = v->to_string();
    if (canonical != value) {
      return fmt::format("version '{}' is not in canonical form '{}'", shown(value), canonical);
    }
    out.statement.version = std::move(*v);
    return {};
  }
  case Field::sha256:
    if (!is_lower_hex(value, k_sha256_hex)) {
      return fmt::format("invalid sha256 '{}': expected 64 lowercase hexadecimal digits", shown(value));
    }
    out.statement.sha256 = value;
    return {};
  case Field::size: {
    std::string why = parse_size(value, out.statement.size);
    return why.empty() ? why : fmt::format("invalid size '{}': {}", shown(value), why);
  }
  case Field::signed_at: {
    std::string why = check_signed_at(value);
    if (!why.empty()) {
      return fmt::format("invalid signed-at time '{}': {}", shown(value), why);
    }
    out.statement.signed_at = value;
    return {};
  }
  case Field::signature: {
    std::optional<std::string> raw;
    if (value.size() == k_signature_base64) {
      raw = base64_decode(value);
    }
    if (!raw || raw->size() != k_ed25519_signature_bytes) {
      return fmt::format("invalid signature '{}': expected 88 base64 characters encoding 64 bytes", shown(value));
    }
    out.signature = std::move(*raw);
    return {};
  }
  }
  return "internal error: unknown field";
}

std::optional<Field> field_from_name(std::string_view name)
{
  for (std::size_t i = 0; i < k_fields.size(); ++i) {
    if (k_fields[i] == name) {
      return static_cast<Field>(i);
    }
  }
  return std::nullopt;
}

// Every statement field of `file`, checked as the parser checks them.
Result<void> check_statement(const SignatureFile& file)
{
  SignatureFile scratch;
  const Statement& s = file.statement;
  const std::pair<Field, std::string> values[] = {
      {Field::key_id, file.key_id}, {Field::component, s.component},       {Field::version, s.version.to_string()},
      {Field::sha256, s.sha256},    {Field::size, std::to_string(s.size)}, {Field::signed_at, s.signed_at},
  };
  for (const auto& [field, value] : values) {
    std::string why = check_field(field, value, scratch);
    if (!why.empty()) {
      return fail(ErrorCode::signature_invalid, std::move(why));
    }
  }
  return {};
}

constexpr std::string_view k_base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c)
{
  auto at = k_base64_alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

} // namespace

std::string statement_text(const SignatureFile& file)
{
  const Statement& s = file.statement;
  return fmt::format("{}\nkey-id: {}\ncomponent: {}\nversion: {}\nsha256: {}\nsize: {}\nsigned-at: {}\n", k_header,
                     file.key_id, s.component, s.version.to_string(), s.sha256, s.size, s.signed_at);
}

std::string serialize(const SignatureFile& file)
{
  return statement_text(file) + "signature: " + base64_encode(file.signature) + "\n";
}

Result<SignatureFile> parse_signature(std::string_view text, std::string_view file_name)
{
  if (text.size() > k_max_signature_file_bytes) {
    return fail(Error(
        ErrorCode::signature_invalid,
        fmt::format("signature file is {} bytes, over the {}-byte limit", text.size(), k_max_signature_file_bytes),
        SourceLocation{std::string(file_name), 0, 0}));
  }
  if (text.empty()) {
    return fail(
        Error(ErrorCode::signature_invalid, "signature file is empty", SourceLocation{std::string(file_name), 0, 0}));
  }
  SignatureFile out;
  std::size_t line_number = 0;
  std::size_t at = 0;
  std::size_t statement_end = 0; // where the signature line starts
  std::size_t next_field = 0;    // index into k_fields of the field expected next
  while (at < text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      if (c == '\r') {
        return fail(error_at(file_name, line_number, i + 1,
                             "line ends with a carriage return: only LF line endings are accepted"));
      }
      if (c < 0x20 || c > 0x7e) {
        return fail(error_at(file_name, line_number, i + 1,
                             fmt::format("unexpected byte 0x{:02x}: a signature file is printable ASCII", c)));
      }
    }
    if (end == std::string_view::npos) {
      // Cut mid-line: say so rather than complain about the partial value.
      return fail(error_at(file_name, line_number, line.size() + 1,
                           "signature file is truncated: the last line has no line feed"));
    }
    at = end + 1;

    if (line_number == 1) {
      if (line == k_header) {
        continue;
      }
      if (line.substr(0, k_header_prefix.size()) == k_header_prefix) {
        return fail(error_at(file_name, 1, 1,
                             fmt::format("unsupported signature format '{}': this version reads format {}", shown(line),
                                         k_signature_format)));
      }
      return fail(
          error_at(file_name, 1, 1, fmt::format("not a noodle signature file: the first line must be '{}'", k_header)));
    }
    if (next_field == k_fields.size()) {
      return fail(error_at(file_name, line_number, 1, "unexpected line after the 'signature' line"));
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(error_at(file_name, line_number, 1, fmt::format("expected 'FIELD: VALUE', found '{}'", shown(line))));
    }
    std::string_view key = line.substr(0, colon);
    if (key == "signature") {
      statement_end = at - line.size() - 1;
    }
    auto field = field_from_name(key);
    if (!field) {
      return fail(error_at(file_name, line_number, 1, fmt::format("unknown field '{}'", shown(key))));
    }
    auto index = static_cast<std::size_t>(*field);
    if (index < next_field) {
      return fail(error_at(file_name, line_number, 1, fmt::format("duplicate field '{}'", key)));
    }
    if (index > next_field) {
      return fail(error_at(file_name, line_number, 1,
                           fmt::format("missing field '{}' before '{}'", k_fields[next_field], key)));
    }
    std::string_view rest = line.substr(colon + 1);
    if (rest.size() < 2 || rest[0] != ' ' || rest[1] == ' ' || rest.back() == ' ') {
      return fail(
          error_at(file_name, line_number, colon + 2,
                   fmt::format("field '{}' must be written '{}: VALUE' with one space after the colon", key, key)));
    }
    std::string why = check_field(*field, rest.substr(1), out);
    if (!why.empty()) {
      return fail(error_at(file_name, line_number, colon + 3, std::move(why)));
    }
    ++next_field;
  }
  if (next_field < k_fields.size()) {
    return fail(
        error_at(file_name, line_number, 0,
                 fmt::format("signature file is truncated: it ends before the '{}' line", k_fields[next_field])));
  }
  // Every value has one spelling, so the statement rebuilt from the fields
  // (what check_signature verifies) is the file's own bytes; make sure.
  if (statement_text(out) != text.substr(0, statement_end)) {
    return fail(error_at(file_name, 0, 0, "internal error: the statement does not read back as written"));
  }
  return out;
}

Result<SignatureFile> sign(const Statement& statement, const PrivateKey& key)
{
  if (key.empty() || key.id().empty()) {
    return fail(ErrorCode::internal, "cannot sign without a private key");
  }
  SignatureFile file;
  file.key_id = key.id();
  file.statement = statement;
  if (auto ok = check_statement(file); !ok) {
    return fail(ok.error());
  }
  auto signature = sign_message(key, statement_text(file));
  if (!signature) {
    return fail(signature.error());
  }
  file.signature = std::move(*signature);
  return file;
}

Result<void> check_signature(const SignatureFile& file, const PublicKey& key)
{
  if (!verify_message(key, statement_text(file), file.signature)) {
    return fail(ErrorCode::signature_invalid, fmt::format("signature does not verify with key '{}'", file.key_id));
  }
  return {};
}

std::string format_signed_at(std::chrono::system_clock::time_point when)
{
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string base64_encode(std::string_view bytes)
{
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(k_base64_alphabet[(n >> 18) & 63]);
    out.push_back(k_base64_alphabet[(n >> 12) & 63]);
    out.push_back(k_base64_alphabet[(n >> 6) & 63]);
    out.push_back(k_base64_alphabet[n & 63]);
  }
  std::size_t left = bytes.size() - i;
  if (left == 1) {
    std::uint32_t n = byte(i) << 16;
    out.push_back(k_base64_alphabet[(n >> 18) & 63]);
    out.push_back(k_base64_alphabet[(n >> 12) & 63]);
    out += "==";
  } else if (left == 2) {
    std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(k_base64_alphabet[(n >> 18) & 63]);
    out.push_back(k_base64_alphabet[(n >> 12) & 63]);
    out.push_back(k_base64_alphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text)
{
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::size_t pad_here = last ? padding : 0;
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int v = 0;
      if (k >= 4 - pad_here) {
        v = 0; // a padding character
      } else {
        v = base64_value(text[i + k]);
        if (v < 0) {
          return std::nullopt;
        }
      }
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad_here < 2) {
      out.push_back(static_cast<char>((n >> 8) & 0xff));
    } else if (((n >> 8) & 0xff) != 0) {
      return std::nullopt; // non-zero unused bits: not the canonical encoding
    }
    if (pad_here < 1) {
      out.push_back(static_cast<char>(n & 0xff));
    } else if ((n & 0xff) != 0) {
      return std::nullopt;
    }
  }
  return out;
}

} // namespace noodle::archive
