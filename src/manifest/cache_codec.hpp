// SPDX-License-Identifier: Apache-2.0
// The compiled catalog cache's encoding of manifests and diagnostics: a
// little-endian byte stream written by Writer and read back by Reader, which
// throws Damaged at anything that is not such a stream.
#pragma once

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/model.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace noodle::manifest::detail {

class Writer {
public:
  std::string bytes;

  void u8(std::uint8_t v) { bytes.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(std::string_view s)
  {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes.append(s.data(), s.size());
  }
  void where(const SourceLocation& w)
  {
    u32(w.line);
    u32(w.column);
  }

private:
  void raw(const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); }
};

struct Damaged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
public:
  Reader(std::string_view data) : m_data(data) {}

  std::uint8_t u8()
  {
    need(1);
    return static_cast<std::uint8_t>(m_data[m_at++]);
  }
  std::uint32_t u32() { return fixed<std::uint32_t>(); }
  std::uint64_t u64() { return fixed<std::uint64_t>(); }
  double f64() { return fixed<double>(); }
  std::string_view view()
  {
    const std::uint32_t n = u32();
    need(n);
    std::string_view s = m_data.substr(m_at, n);
    m_at += n;
    return s;
  }
  std::string str() { return std::string(view()); }
  SourceLocation where(const util::SharedPath& file)
  {
    SourceLocation w;
    w.file = file;
    w.line = u32();
    w.column = u32();
    return w;
  }
  std::size_t at() const { return m_at; }
  bool done() const { return m_at == m_data.size(); }
  void skip(std::size_t n)
  {
    need(n);
    m_at += n;
  }
  // A count of items each at least `min_size` bytes long, checked against
  // what is left so that a damaged count cannot ask for a huge allocation.
  std::uint32_t count(std::size_t min_size)
  {
    const std::uint32_t n = u32();
    if (static_cast<std::uint64_t>(n) * min_size > m_data.size() - m_at) {
      throw Damaged("count past the end");
    }
    return n;
  }

private:
  template <typename T>
  T fixed()
  {
    need(sizeof(T));
    T v;
    std::memcpy(&v, m_data.data() + m_at, sizeof(T));
    m_at += sizeof(T);
    return v;
  }
  void need(std::size_t n) const
  {
    if (n > m_data.size() - m_at) {
      throw Damaged("truncated");
    }
  }
  std::string_view m_data;
  std::size_t m_at = 0;
};

// The ranges decoded so far, by their text: a catalog spells few distinct
// ranges many times, and a copy costs less than a parse. The texts are
// copied in: the bytes they were read from may be gone by the next lookup.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using RangeMemo = std::unordered_map<std::string, semver::Range, TextHash, std::equal_to<>>;

void encode_manifest(Writer& w, const Manifest& m);
// Throws Damaged.
// Every location it holds shares `file`.
Manifest decode_manifest(Reader& r, const util::SharedPath& file, RangeMemo& memo);
void encode_diagnostic(Writer& w, const Diagnostic& d);
// Throws Damaged.
Diagnostic decode_diagnostic(Reader& r);

} // namespace noodle::manifest::detail
