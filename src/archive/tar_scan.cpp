// SPDX-License-Identifier: Apache-2.0
#include "tar_scan.hpp"

#include "tar_path.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

namespace noodle::archive::detail {

namespace {

constexpr std::size_t k_block = 512;

// Field offsets of a ustar header.
constexpr std::size_t k_name = 0;
constexpr std::size_t k_name_len = 100;
constexpr std::size_t k_size = 124;
constexpr std::size_t k_size_len = 12;
constexpr std::size_t k_checksum = 148;
constexpr std::size_t k_checksum_len = 8;
constexpr std::size_t k_typeflag = 156;
constexpr std::size_t k_magic = 257;
constexpr std::size_t k_prefix = 345;
constexpr std::size_t k_prefix_len = 155;

std::string_view field_text(const std::array<char, 512>& block, std::size_t at, std::size_t len)
{
  const char* start = block.data() + at;
  const void* nul = std::memchr(start, '\0', len);
  return {start, nul != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nul) - start) : len};
}

// An octal field as tar writes it (leading spaces, digits, then NUL or
// space), or base-256 when the first byte has its top bit set.
std::optional<std::uint64_t> numeric_field(const std::array<char, 512>& block, std::size_t at, std::size_t len)
{
  const auto* p = reinterpret_cast<const unsigned char*>(block.data() + at);
  std::uint64_t value = 0;
  if ((p[0] & 0x80U) != 0) {
    if (p[0] == 0xffU) {
      return std::nullopt; // negative
    }
    value = p[0] & 0x7fU;
    for (std::size_t i = 1; i < len; ++i) {
      if (value > (std::numeric_limits<std::uint64_t>::max() >> 8)) {
        return std::nullopt;
      }
      value = (value << 8) | p[i];
    }
    return value;
  }
  std::size_t i = 0;
  while (i < len && p[i] == ' ') {
    ++i;
  }
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (value > (std::numeric_limits<std::uint64_t>::max() >> 3)) {
      return std::nullopt;
    }
    value = (value << 3) | (p[i] - '0');
  }
  return value;
}

bool checksum_matches(const std::array<char, 512>& block)
{
  const auto stored = numeric_field(block, k_checksum, k_checksum_len);
  if (!stored) {
    return false;
  }
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < k_block; ++i) {
    const bool in_field = i >= k_checksum && i < k_checksum + k_checksum_len;
    const char c = in_field ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

std::string header_name(const std::array<char, 512>& block)
{
  std::string name(field_text(block, k_name, k_name_len));
  if (std::memcmp(block.data() + k_magic, "ustar", 5) == 0) {
    const auto prefix = field_text(block, k_prefix, k_prefix_len);
    if (!prefix.empty()) {
      name = std::string(prefix) + "/" + name;
    }
  }
  return name;
}

std::uint64_t padding_for(std::uint64_t size)
{
  return (k_block - size % k_block) % k_block;
}

bool is_path_key(std::string_view key)
{
  return key == "path" || key == "linkpath" || key == "GNU.sparse.name";
}

} // namespace

std::optional<Error> TarScan::feed(std::span<const char> bytes)
{
  std::size_t at = 0;
  while (at < bytes.size() && m_state != State::done) {
    const std::size_t left = bytes.size() - at;
    switch (m_state) {
    case State::header: {
      const std::size_t take = std::min(left, k_block - m_block_fill);
      std::memcpy(m_block.data() + m_block_fill, bytes.data() + at, take);
      m_block_fill += take;
      at += take;
      if (m_block_fill == k_block) {
        m_block_fill = 0;
        if (auto err = on_header()) {
          return err;
        }
      }
      break;
    }
    case State::skip: {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, m_remaining + m_padding));
      const auto data = std::min<std::uint64_t>(take, m_remaining);
      m_remaining -= data;
      m_padding -= take - data;
      at += take;
      if (m_remaining == 0 && m_padding == 0) {
        m_state = State::header;
      }
      break;
    }
    case State::pax:
    case State::long_name: {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, m_remaining));
      const std::string_view chunk(bytes.data() + at, take);
      if (m_state == State::pax) {
        m_pax.append(chunk);
      } else {
        for (char c : chunk) {
          if (c == '\0') {
            m_long_name_nul = true;
          } else if (m_long_name_nul) {
            m_long_name_bad = true;
          }
        }
      }
      m_remaining -= take;
      at += take;
      if (m_remaining == 0) {
        if (m_state == State::pax) {
          if (auto err = on_pax_complete()) {
            return err;
          }
        } else if (m_long_name_bad && !m_pending) {
          m_pending = "its GNU long name contains a NUL byte";
        }
        m_remaining = 0;
        m_state = m_padding > 0 ? State::skip : State::header;
      }
      break;
    }
    case State::done: break;
    }
  }
  return std::nullopt;
}

std::optional<Error> TarScan::on_header()
{
  const bool zero = std::all_of(m_block.begin(), m_block.end(), [](char c) { return c == '\0'; });
  if (zero || !checksum_matches(m_block)) {
    // The end of the archive, or a header libarchive refuses on its own.
    m_state = State::done;
    return std::nullopt;
  }
  const auto size = numeric_field(m_block, k_size, k_size_len);
  if (!size) {
    m_state = State::done; // libarchive refuses a negative or huge size
    return std::nullopt;
  }
  const char type = m_block[k_typeflag];
  const std::string name = header_name(m_block);
  switch (type) {
  case 'x':
  case 'g':
    if (*size > k_max_pax_bytes) {
      return Error(ErrorCode::archive_limit, fmt::format("entry '{}': pax header of {} bytes is larger than the {}-byte limit",
                                                         printable(name), *size, k_max_pax_bytes));
    }
    m_global_pax = type == 'g';
    m_header_name = name;
    m_pax.clear();
    m_remaining = *size;
    m_padding = padding_for(*size);
    if (*size == 0) {
      m_state = State::header;
      return on_pax_complete();
    }
    m_state = State::pax;
    return std::nullopt;
  case 'L':
  case 'K':
    m_header_name = name;
    m_long_name_nul = false;
    m_long_name_bad = false;
    m_remaining = *size;
    m_padding = padding_for(*size);
    m_state = *size > 0 ? State::long_name : State::header;
    return std::nullopt;
  case 'S':
    return Error(ErrorCode::archive_invalid,
                 fmt::format("entry '{}': sparse files are not allowed, even without holes (GNU sparse header)",
                             printable(m_pax_path.value_or(name))));
  case '1':
    // A hard link: the extractor refuses it by name; what follows is not
    // needed to judge this archive.
    m_state = State::done;
    return refuse_pending(m_pax_path.value_or(name));
  default: break;
  }
  if (auto err = refuse_pending(m_pax_path.value_or(name))) {
    return err;
  }
  // Links, devices, directories and FIFOs carry no data whatever their size
  // field says; every other entry carries its (pax-overridden) size.
  const bool no_data = type == '2' || type == '3' || type == '4' || type == '5' || type == '6';
  const std::uint64_t data = no_data ? 0 : m_pax_size.value_or(*size);
  m_pax_size.reset();
  m_pax_path.reset();
  m_remaining = data;
  m_padding = padding_for(data);
  m_state = data > 0 ? State::skip : State::header;
  return std::nullopt;
}

std::optional<Error> TarScan::on_pax_complete()
{
  const std::string_view text = m_pax;
  std::size_t at = 0;
  const auto malformed = [&](std::string_view why) {
    if (!m_pending) {
      m_pending = fmt::format("its pax header has a malformed record at byte {} ({})", at, why);
    }
  };
  while (at < text.size()) {
    std::size_t digits_end = at;
    std::uint64_t length = 0;
    while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9'
           && length <= k_max_pax_bytes) {
      length = length * 10 + static_cast<std::uint64_t>(text[digits_end] - '0');
      ++digits_end;
    }
    if (digits_end == at || digits_end >= text.size() || text[digits_end] != ' ') {
      malformed("no length field");
      break;
    }
    if (length <= digits_end - at + 1 || length > text.size() - at) {
      malformed("its length does not fit the header");
      break;
    }
    const std::string_view record = text.substr(at, static_cast<std::size_t>(length));
    if (record.back() != '\n') {
      malformed("it does not end with a newline");
      break;
    }
    const std::string_view body = record.substr(digits_end - at + 1, record.size() - (digits_end - at + 1) - 1);
    const auto eq = body.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      malformed("it has no keyword");
      break;
    }
    const std::string_view key = body.substr(0, eq);
    const std::string_view value = body.substr(eq + 1);
    if (!m_global_pax) {
      if (is_path_key(key)) {
        if (value.find('\0') != std::string_view::npos && !m_pending) {
          m_pending = fmt::format("its pax '{}' record contains a NUL byte", key);
        }
        if (key == "path") {
          m_pax_path = std::string(value);
        }
      } else if (key == "size") {
        std::uint64_t parsed = 0;
        const bool digits = !value.empty() && value.size() <= 19
                            && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
          malformed("the size is not a number");
          break;
        }
        for (char c : value) {
          parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
        }
        m_pax_size = parsed;
      }
    }
    if (key.substr(0, 11) == "GNU.sparse." && !m_pending) {
      m_pending = "sparse files are not allowed, even without holes (pax GNU.sparse records)";
    }
    at += static_cast<std::size_t>(length);
  }
  m_pax.clear();
  if (m_global_pax && m_pending) {
    // A global header belongs to no entry: name the header itself.
    return refuse_pending(m_header_name);
  }
  return std::nullopt;
}

std::optional<Error> TarScan::refuse_pending(const std::string& entry_name)
{
  if (!m_pending) {
    return std::nullopt;
  }
  Error e(ErrorCode::archive_invalid, fmt::format("entry '{}': {}", printable(entry_name), *m_pending));
  m_pending.reset();
  m_state = State::done;
  return e;
}

std::optional<Error> TarScan::finish()
{
  if (m_pending) {
    return refuse_pending(m_header_name);
  }
  return std::nullopt;
}

} // namespace noodle::archive::detail
