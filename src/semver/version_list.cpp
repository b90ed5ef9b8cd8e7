// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/order.hpp>
#include <noodle/semver/detail/scan.hpp>
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/version_list.hpp>
#include <noodle/util/prefault.hpp>

#include <bit>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

namespace noodle::semver {

// Entry layout.
//
// loc: offset of the canonical text in base() << 16 | its length << 4 | flags.
// A canonical version is ASCII and at most k_max_version_length bytes, so
// its length fits 12 bits.
//
// key: while parsing, MAJOR << 42 | MINOR << 21 | PATCH when all three are
// below 2^21 (else the list turns wide); pack_keys() then repacks each as
// MAJOR << m_major_shift | MINOR << m_minor_shift | PATCH << 2 | class, the
// fields as narrow as the largest value needs, so that sorting the keys as
// integers orders by precedence up to ties within one class:
//   0  prerelease: ties settled by the prerelease, the build, the input order
//   2  release without build metadata: ties settled by the input order
//   3  release with build metadata: ties settled by the build, the input order
// Wide lists (numbers too large to pack) ignore keys and read the numbers
// back from the text.

namespace {

constexpr std::uint64_t k_flag_prerelease = 1;
constexpr std::uint64_t k_flag_build = 2;
constexpr std::uint64_t k_class_prerelease = 0;
constexpr std::uint64_t k_class_plain = 2;
constexpr std::uint64_t k_class_build = 3;
constexpr unsigned k_class_bits = 2;
constexpr unsigned k_raw_bits = 21;
constexpr std::uint64_t k_raw_limit = std::uint64_t{1} << k_raw_bits;
// The fast scanner takes numbers of at most this many digits, all below
// 2^53; longer ones go through the full scanner.
constexpr std::size_t k_fast_digits = 15;
// How far ahead to prefetch the text of entries visited in sorted order.
constexpr std::size_t k_prefetch_ahead = 16;
constexpr std::size_t k_tie_prefetch_ahead = 64;

static_assert(k_max_version_length < (1u << 12), "the length field of Entry::loc holds 12 bits");

// Character classes for the fast scanner.
constexpr unsigned char k_digit = 1;
constexpr unsigned char k_ident = 2; // [0-9A-Za-z-]

struct CharTable {
  unsigned char cls[256] = {};
  constexpr CharTable()
  {
    for (int c = 0; c < 256; ++c) {
      const char ch = static_cast<char>(c);
      if (detail::is_digit(ch)) {
        cls[c] = k_digit | k_ident;
      } else if (detail::is_identifier_char(ch)) {
        cls[c] = k_ident;
      }
    }
  }
};
constexpr CharTable k_chars;

inline unsigned char char_class(char c)
{
  return k_chars.cls[static_cast<unsigned char>(c)];
}

// v << shift, where a field shifted out entirely (shift 64) only ever holds 0.
std::uint64_t shl(std::uint64_t v, unsigned shift)
{
  return shift < 64 ? v << shift : 0;
}

std::uint64_t shr(std::uint64_t v, unsigned shift)
{
  return shift < 64 ? v >> shift : 0;
}

// What the fast scanner found on a line of the common shape.
struct FastScan {
  std::uint64_t major;
  std::uint64_t minor;
  std::uint64_t patch;
  const char* start; // of the canonical text (after a leading 'v')
  const char* stop;  // just past the version
  std::uint64_t flags;
};

// How the fast scanner knows where the text ends: by checking, or because
// a character that ends every version ('\n') is known to come before `end`.
enum class Bounds { checked, stopper_ahead };

template <Bounds B>
inline bool more(const char* p, const char* end)
{
  if constexpr (B == Bounds::checked) {
    return p != end;
  } else {
    return true;
  }
}

// The decimal digit at p, or a value above 9.
inline unsigned digit_at(const char* p)
{
  return static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
}

// A number without leading zeros and of at most k_fast_digits digits at p.
template <Bounds B>
inline bool fast_number(const char*& p, const char* end, std::uint64_t& out)
{
  const char* start = p;
  unsigned d = 0;
  if (!more<B>(p, end) || (d = digit_at(p)) > 9) {
    return false;
  }
  std::uint64_t v = d;
  ++p;
  if (v == 0) {
    out = 0;
    return !more<B>(p, end) || digit_at(p) > 9;
  }
  while (more<B>(p, end) && (d = digit_at(p)) <= 9) {
    v = v * 10 + d;
    ++p;
  }
  out = v;
  return static_cast<std::size_t>(p - start) <= k_fast_digits;
}

// Reads a version of the plain shape "[v]N.N.N[-pre][+build]" (numbers of
// at most k_fast_digits digits) from `begin` up to the first character that
// cannot continue it, which the caller checks ends the line. When it accepts,
// the text [begin, out.stop) is a valid version and `out` describes it.
// Anything else (valid or not) is left to the full scanner, whose verdict and
// message are the rule.
template <Bounds B>
bool fast_scan(const char* const begin, const char* const end, FastScan& out)
{
  const char* p = begin;
  if (more<B>(p, end) && *p == 'v') {
    ++p;
  }
  out.start = p;
  if (!fast_number<B>(p, end, out.major) || !more<B>(p, end) || *p != '.') {
    return false;
  }
  ++p;
  if (!fast_number<B>(p, end, out.minor) || !more<B>(p, end) || *p != '.') {
    return false;
  }
  ++p;
  if (!fast_number<B>(p, end, out.patch)) {
    return false;
  }
  out.flags = 0;
  if (more<B>(p, end) && *p == '-') {
    out.flags |= k_flag_prerelease;
    ++p;
    for (;;) {
      const char* id = p;
      unsigned char all = k_digit | k_ident;
      while (more<B>(p, end)) {
        const unsigned char c = char_class(*p);
        if ((c & k_ident) == 0) {
          break;
        }
        all &= c;
        ++p;
      }
      if (p == id) {
        return false;
      }
      if ((all & k_digit) != 0 && *id == '0' && p - id > 1) {
        return false; // leading zero in a numeric identifier
      }
      if (!more<B>(p, end) || *p != '.') {
        break;
      }
      ++p;
    }
  }
  if (more<B>(p, end) && *p == '+') {
    out.flags |= k_flag_build;
    ++p;
    for (;;) {
      const char* id = p;
      while (more<B>(p, end) && (char_class(*p) & k_ident) != 0) {
        ++p;
      }
      if (p == id) {
        return false;
      }
      if (!more<B>(p, end) || *p != '.') {
        break;
      }
      ++p;
    }
  }
  out.stop = p;
  return static_cast<std::size_t>(p - begin) <= k_max_version_length;
}

// The parts of a canonical version text.
struct Parts {
  std::string_view prerelease; // without '-', empty when none
  std::string_view build;      // without '+', empty when none
};

Parts split(std::string_view text)
{
  Parts parts;
  std::size_t i = 0;
  while (i < text.size() && text[i] != '-' && text[i] != '+') {
    ++i;
  }
  if (i < text.size() && text[i] == '-') {
    const auto plus = text.find('+', i + 1);
    parts.prerelease = text.substr(i + 1, plus == std::string_view::npos ? std::string_view::npos : plus - i - 1);
    i = plus == std::string_view::npos ? text.size() : plus;
  }
  if (i < text.size()) {
    parts.build = text.substr(i + 1);
  }
  return parts;
}

// The next dot-separated identifier of `rest`, consumed.
std::string_view next_identifier(std::string_view& rest)
{
  std::size_t i = 0;
  while (i < rest.size() && rest[i] != '.') {
    ++i;
  }
  const auto id = rest.substr(0, i);
  rest.remove_prefix(i < rest.size() ? i + 1 : i);
  return id;
}

// Precedence of two non-empty prerelease parts.
int compare_prerelease_text(std::string_view a, std::string_view b)
{
  while (!a.empty() && !b.empty()) {
    const auto x = next_identifier(a);
    const auto y = next_identifier(b);
    if (const int c = detail::compare_prerelease_identifier(x, y); c != 0) {
      return c;
    }
  }
  if (a.empty() == b.empty()) {
    return 0;
  }
  return a.empty() ? -1 : 1;
}

// semver::sort's build order on build parts (empty when none): npm's
// compareBuild, except that identifiers equal as numbers do not end it.
int compare_build_text(std::string_view a, std::string_view b)
{
  while (!a.empty() && !b.empty()) {
    const auto x = next_identifier(a);
    const auto y = next_identifier(b);
    if (x == y) {
      continue;
    }
    if (const int c = detail::compare_build_identifier(x, y); c != 0) {
      return c;
    }
  }
  if (a.empty() == b.empty()) {
    return 0;
  }
  return a.empty() ? -1 : 1;
}

std::uint64_t loc_offset(std::uint64_t loc)
{
  return loc >> 16;
}

std::size_t loc_length(std::uint64_t loc)
{
  return static_cast<std::size_t>((loc >> 4) & 0xfff);
}

std::uint64_t loc_flags(std::uint64_t loc)
{
  return loc & 0xf;
}

// Stable LSD radix sort of entries on the low `bits` bits of their keys, in
// passes of at most 11 bits; passes whose digit is the same for every key
// are skipped. All histograms come from one read of the entries.
template <typename Entry>
void radix_sort(std::vector<Entry>& entries, unsigned bits)
{
  const std::size_t n = entries.size();
  const unsigned passes = (bits + 10) / 11;
  if (passes == 0 || n < 2) {
    return;
  }
  const unsigned digit = (bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << digit;
  const std::uint64_t mask = buckets - 1;
  std::vector<std::size_t> count(buckets * passes);
  for (const auto& e : entries) {
    for (unsigned p = 0; p < passes; ++p) {
      ++count[p * buckets + ((e.key >> (p * digit)) & mask)];
    }
  }
  auto buffer = std::make_unique_for_overwrite<Entry[]>(n);
  util::prefault(buffer.get(), n * sizeof(Entry));
  Entry* src = entries.data();
  Entry* dst = buffer.get();
  for (unsigned p = 0; p < passes; ++p) {
    const unsigned shift = p * digit;
    std::size_t* c = count.data() + p * buckets;
    if (c[(src[0].key >> shift) & mask] == n) {
      continue;
    }
    std::size_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const auto k = c[b];
      c[b] = sum;
      sum += k;
    }
    for (std::size_t i = 0; i < n; ++i) {
      dst[c[(src[i].key >> shift) & mask]++] = src[i];
    }
    std::swap(src, dst);
  }
  if (src != entries.data()) {
    std::copy(src, src + n, entries.data());
  }
}

// MAJOR.MINOR.PATCH read back from a canonical version text.
std::uint64_t read_number(std::string_view text, std::size_t& pos)
{
  std::uint64_t v = 0;
  while (pos < text.size() && detail::is_digit(text[pos])) {
    v = v * 10 + static_cast<std::uint64_t>(text[pos] - '0');
    ++pos;
  }
  ++pos; // the '.' after it, or whatever ends the patch
  return v;
}

// A version's precedence against a release's as one integer: MAJOR.MINOR.PATCH
// (each below k_raw_limit) then 1 for a release, 0 for a prerelease, which
// sorts below the release of the same numbers. Exact when one side is a
// release: two prereleases of the same numbers would compare equal here.
std::uint64_t release_key(std::uint64_t major, std::uint64_t minor, std::uint64_t patch, bool prerelease)
{
  return (major << (2 * k_raw_bits) | minor << k_raw_bits | patch) << 1 | (prerelease ? 0 : 1);
}

} // namespace

std::string_view VersionList::entry_text(const Entry& e) const
{
  return base().substr(loc_offset(e.loc), loc_length(e.loc));
}

std::string_view VersionList::text(std::size_t i) const
{
  return entry_text(m_entries[i]);
}

Version VersionList::version(std::size_t i) const
{
  // The text was accepted by the scanner when the list was built, so this
  // cannot fail.
  Version v;
  std::string why;
  detail::scan_version(text(i), v, why);
  return v;
}

VersionList::Tuple VersionList::tuple(const Entry& e) const
{
  if (m_wide) {
    const auto t = entry_text(e);
    std::size_t pos = 0;
    Tuple r{};
    r.major = read_number(t, pos);
    r.minor = read_number(t, pos);
    r.patch = read_number(t, pos);
    return r;
  }
  const std::uint64_t minor_mask = (std::uint64_t{1} << (m_major_shift - m_minor_shift)) - 1;
  const std::uint64_t patch_mask = (std::uint64_t{1} << (m_minor_shift - m_patch_shift)) - 1;
  return Tuple{shr(e.key, m_major_shift), shr(e.key, m_minor_shift) & minor_mask, shr(e.key, m_patch_shift) & patch_mask};
}

void VersionList::push(std::uint64_t major, std::uint64_t minor, std::uint64_t patch, std::uint64_t flags,
                       std::size_t offset, std::size_t length)
{
  m_max_major = std::max(m_max_major, major);
  m_max_minor = std::max(m_max_minor, minor);
  m_max_patch = std::max(m_max_patch, patch);
  std::uint64_t key = 0;
  if (major < k_raw_limit && minor < k_raw_limit && patch < k_raw_limit) {
    key = major << (2 * k_raw_bits) | minor << k_raw_bits | patch;
  } else {
    m_wide = true;
  }
  m_entries.push_back(Entry{key, static_cast<std::uint64_t>(offset) << 16 | std::uint64_t{length} << 4 | flags});
}

// One line (or argument) at `offset` in base(), through the full scanner:
// whitespace, non-ASCII text, long numbers, errors. False with `why` set
// when it is not a valid version.
bool VersionList::add_general(std::string_view line, std::size_t offset, std::string& why)
{
  detail::VersionShape shape;
  if (!detail::scan_version_shape(line, m_scratch, shape, why)) {
    return false;
  }
  const auto token = detail::js_trim(line);
  const std::size_t start = static_cast<std::size_t>(token.data() - line.data()) + (token[0] == 'v' ? 1 : 0);
  const std::size_t length = static_cast<std::size_t>(token.data() + token.size() - line.data()) - start;
  const auto& v = m_scratch;
  push(v.major, v.minor, v.patch,
       (shape.prerelease ? k_flag_prerelease : 0) | (shape.build ? k_flag_build : 0), offset + start,
       length);
  return true;
}

void VersionList::pack_keys()
{
  const unsigned patch_bits = static_cast<unsigned>(std::bit_width(m_max_patch));
  const unsigned minor_bits = static_cast<unsigned>(std::bit_width(m_max_minor));
  const unsigned major_bits = static_cast<unsigned>(std::bit_width(m_max_major));
  m_patch_shift = k_class_bits;
  m_minor_shift = m_patch_shift + patch_bits;
  m_major_shift = m_minor_shift + minor_bits;
  if (m_wide || m_major_shift + major_bits > 64) {
    m_wide = true;
    return;
  }
  constexpr std::uint64_t k_raw_mask = k_raw_limit - 1;
  for (auto& e : m_entries) {
    const std::uint64_t flags = loc_flags(e.loc);
    std::uint64_t cls = k_class_prerelease;
    if ((flags & k_flag_prerelease) == 0) {
      cls = (flags & k_flag_build) != 0 ? k_class_build : k_class_plain;
    }
    e.key = shl(e.key >> (2 * k_raw_bits), m_major_shift) | shl((e.key >> k_raw_bits) & k_raw_mask, m_minor_shift) |
            shl(e.key & k_raw_mask, m_patch_shift) | cls;
  }
}

// Parses base() line by line.
Result<void> VersionList::add_lines(std::string_view source)
{
  const std::string_view text = base();
  // One entry per line at most; the lines are counted so that the entries
  // can be faulted in at once, which on a virtual machine costs much less
  // than one page fault after another.
  m_entries.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  util::prefault(m_entries.data(), m_entries.capacity() * sizeof(Entry));
  const char* const data = text.data();
  const char* const end = data + text.size();
  std::string why;
  std::size_t line_no = 0;
  // Before the last '\n' the scanner need not check for the end.
  const auto last_nl = text.rfind('\n');
  const char* const unchecked_end = last_nl == std::string_view::npos ? data : data + last_nl;
  const char* p = data;
  while (p != end) {
    ++line_no;
    // The common case: a plain version and the end of its line, found in
    // one pass.
    FastScan f;
    if (p < unchecked_end ? fast_scan<Bounds::stopper_ahead>(p, end, f) : fast_scan<Bounds::checked>(p, end, f)) {
      const char* q = f.stop;
      if (q != end && *q == '\r') {
        ++q;
      }
      if (q == end || *q == '\n') {
        push(f.major, f.minor, f.patch, f.flags, static_cast<std::size_t>(f.start - data),
             static_cast<std::size_t>(f.stop - f.start));
        p = q == end ? end : q + 1;
        continue;
      }
    }
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl == nullptr ? end : nl;
    std::string_view line(p, static_cast<std::size_t>(line_end - p));
    const std::size_t offset = static_cast<std::size_t>(p - data);
    p = nl == nullptr ? end : nl + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (add_general(line, offset, why) || line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    Error e = Version::parse(line).error();
    e.where = SourceLocation{std::string(source), static_cast<std::uint32_t>(line_no), 0};
    return fail(std::move(e));
  }
  pack_keys();
  return {};
}

Result<VersionList> VersionList::parse_lines(std::string text, std::string_view source)
{
  VersionList list;
  list.m_owned = std::move(text);
  if (auto r = list.add_lines(source); !r) {
    return fail(std::move(r.error()));
  }
  return list;
}

Result<VersionList> VersionList::parse_lines_borrowed(std::string_view text, std::string_view source)
{
  VersionList list;
  list.m_text = text;
  if (auto r = list.add_lines(source); !r) {
    return fail(std::move(r.error()));
  }
  return list;
}

Result<VersionList> VersionList::parse_each(const std::vector<std::string>& texts)
{
  VersionList list;
  std::size_t total = 0;
  for (const auto& t : texts) {
    total += t.size() + 1;
  }
  list.m_owned.reserve(total);
  for (const auto& t : texts) {
    list.m_owned += t;
    list.m_owned += '\n';
  }
  list.m_entries.reserve(texts.size());
  const std::string_view all(list.m_owned);
  std::string why;
  std::size_t offset = 0;
  for (const auto& t : texts) {
    const char* begin = all.data() + offset;
    FastScan f;
    if (fast_scan<Bounds::checked>(begin, begin + t.size(), f) && f.stop == begin + t.size()) {
      list.push(f.major, f.minor, f.patch, f.flags, static_cast<std::size_t>(f.start - all.data()),
                static_cast<std::size_t>(f.stop - f.start));
    } else if (!list.add_general(all.substr(offset, t.size()), offset, why)) {
      return fail(Version::parse(t).error());
    }
    offset += t.size() + 1;
  }
  list.pack_keys();
  return list;
}

namespace {

// Versions of equal MAJOR.MINOR.PATCH: prerelease, build metadata, then input
// order (the offset).
bool tie_order(const Parts& a, std::uint64_t a_offset, const Parts& b, std::uint64_t b_offset)
{
  if (a.prerelease.empty() != b.prerelease.empty()) {
    return !a.prerelease.empty();
  }
  if (!a.prerelease.empty()) {
    if (const int c = compare_prerelease_text(a.prerelease, b.prerelease); c != 0) {
      return c < 0;
    }
  }
  if (const int c = compare_build_text(a.build, b.build); c != 0) {
    return c < 0;
  }
  return a_offset < b_offset;
}

} // namespace

bool VersionList::tie_less(const Entry& a, const Entry& b) const
{
  return tie_order(split(entry_text(a)), loc_offset(a.loc), split(entry_text(b)), loc_offset(b.loc));
}

void VersionList::sort_wide()
{
  struct Wide {
    Tuple tuple;
    Entry entry;
  };
  std::vector<Wide> wide;
  wide.reserve(m_entries.size());
  for (const auto& e : m_entries) {
    wide.push_back(Wide{tuple(e), e});
  }
  std::sort(wide.begin(), wide.end(), [&](const Wide& x, const Wide& y) {
    const auto& a = x.tuple;
    const auto& b = y.tuple;
    if (a.major != b.major) {
      return a.major < b.major;
    }
    if (a.minor != b.minor) {
      return a.minor < b.minor;
    }
    if (a.patch != b.patch) {
      return a.patch < b.patch;
    }
    return tie_less(x.entry, y.entry);
  });
  for (std::size_t i = 0; i < wide.size(); ++i) {
    m_entries[i] = wide[i].entry;
  }
}

void VersionList::sort()
{
  if (m_entries.size() < 2) {
    return;
  }
  if (m_wide) {
    sort_wide();
    return;
  }
  radix_sort(m_entries, m_major_shift + static_cast<unsigned>(std::bit_width(m_max_major)));
  // Equal keys are one MAJOR.MINOR.PATCH and one class; plain releases are
  // already in input order (the radix sort is stable and the entries were in
  // input order or already sorted), the other classes need a closer look.
  struct Tied {
    Entry entry;
    Parts parts;
  };
  std::vector<Tied> tied;
  const auto n = m_entries.size();
  // Tied texts are read in sorted order, all over the text: fetch those of
  // the entries a little ahead.
  const char* const data = base().data();
  std::size_t fetched = 0;
  for (std::size_t b = 0; b < n;) {
    for (const auto limit = std::min(n, b + k_tie_prefetch_ahead); fetched < limit; ++fetched) {
      if ((m_entries[fetched].key & 3) != k_class_plain) {
        __builtin_prefetch(data + loc_offset(m_entries[fetched].loc));
      }
    }
    std::size_t e = b + 1;
    while (e < n && m_entries[e].key == m_entries[b].key) {
      ++e;
    }
    if (e - b > 1 && (m_entries[b].key & 3) != k_class_plain) {
      // Split each text once, not at every comparison.
      tied.clear();
      for (std::size_t i = b; i < e; ++i) {
        tied.push_back(Tied{m_entries[i], split(entry_text(m_entries[i]))});
      }
      std::sort(tied.begin(), tied.end(), [](const Tied& x, const Tied& y) {
        return tie_order(x.parts, loc_offset(x.entry.loc), y.parts, loc_offset(y.entry.loc));
      });
      for (std::size_t i = b; i < e; ++i) {
        m_entries[i] = tied[i - b].entry;
      }
    }
    b = e;
  }
}

void VersionList::keep_satisfying(const Range& range)
{
  // Without include_prerelease, a prerelease can satisfy the range only
  // through a comparator naming a prerelease of its own MAJOR.MINOR.PATCH;
  // others are refused unread.
  std::vector<Tuple> prerelease_tuples;
  for (const auto& set : range.sets()) {
    for (const auto& c : set) {
      if (!c.any_version && c.version.is_prerelease()) {
        prerelease_tuples.push_back(Tuple{c.version.major, c.version.minor, c.version.patch});
      }
    }
  }
  // Releases are tested against the range compiled to integer bounds (see
  // release_key), when its versions fit.
  struct Bound {
    Op op;
    std::uint64_t key;
  };
  std::vector<std::vector<Bound>> bounds;
  bool compiled = true;
  for (const auto& set : range.sets()) {
    auto& b = bounds.emplace_back();
    for (const auto& c : set) {
      if (c.any_version) {
        continue;
      }
      const auto& v = c.version;
      compiled = compiled && v.major < k_raw_limit && v.minor < k_raw_limit && v.patch < k_raw_limit;
      b.push_back(Bound{c.op, release_key(v.major, v.minor, v.patch, v.is_prerelease())});
    }
  }
  const auto release_satisfies = [&](std::uint64_t key) {
    for (const auto& set : bounds) {
      bool ok = true;
      for (const auto& b : set) {
        const bool pass = b.op == Op::lt ? key < b.key
                          : b.op == Op::le ? key <= b.key
                          : b.op == Op::gt ? key > b.key
                          : b.op == Op::ge ? key >= b.key
                                           : key == b.key;
        if (!pass) {
          ok = false;
          break;
        }
      }
      if (ok) {
        return true;
      }
    }
    return false;
  };
  Version release;
  Version scratch;
  std::string why;
  std::size_t kept = 0;
  for (const auto& e : m_entries) {
    const Tuple t = tuple(e);
    bool ok = false;
    if ((loc_flags(e.loc) & k_flag_prerelease) == 0) {
      if (compiled && t.major < k_raw_limit && t.minor < k_raw_limit && t.patch < k_raw_limit) {
        ok = release_satisfies(release_key(t.major, t.minor, t.patch, false));
      } else {
        release.major = t.major;
        release.minor = t.minor;
        release.patch = t.patch;
        ok = range.satisfies(release);
      }
    } else if (range.options().include_prerelease ||
               std::any_of(prerelease_tuples.begin(), prerelease_tuples.end(), [&](const Tuple& p) {
                 return p.major == t.major && p.minor == t.minor && p.patch == t.patch;
               })) {
      ok = detail::scan_version(entry_text(e), scratch, why) && range.satisfies(scratch);
    }
    if (ok) {
      m_entries[kept++] = e;
    }
  }
  m_entries.resize(kept);
}

void VersionList::append_lines(std::string& out, std::size_t first, std::size_t count) const
{
  const std::size_t last = first + std::min(count, m_entries.size() - std::min(first, m_entries.size()));
  std::size_t bytes = 0;
  for (std::size_t i = first; i < last; ++i) {
    bytes += loc_length(m_entries[i].loc) + 1;
  }
  const std::size_t at = out.size();
  out.resize(at + bytes);
  char* p = out.data() + at;
  const char* const data = base().data();
  for (std::size_t i = first; i < last; ++i) {
    // Sorted entries point all over the text: fetch a few ahead.
    if (i + k_prefetch_ahead < last) {
      __builtin_prefetch(data + loc_offset(m_entries[i + k_prefetch_ahead].loc));
    }
    const auto loc = m_entries[i].loc;
    const std::size_t len = loc_length(loc);
    std::memcpy(p, data + loc_offset(loc), len);
    p[len] = '\n';
    p += len + 1;
  }
}

} // namespace noodle::semver
