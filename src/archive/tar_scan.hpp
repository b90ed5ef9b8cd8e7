// SPDX-License-Identifier: Apache-2.0
// A watcher of the uncompressed tar stream, fed the same bytes libarchive
// parses, for what libarchive accepts without a word: a pax record that is
// malformed (libarchive ignores it and falls back to the plain header), a
// NUL inside a pax path or a GNU long name (libarchive cuts the name there),
// and sparse entries, which libarchive reports as plain files when their map
// has no hole.
#pragma once

#include <noodle/util/error.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace noodle::archive::detail {

class TarScan {
public:
  // The largest pax extended header kept to be checked; a larger one is
  // refused (archive_limit): no honest component archive needs one.
  static constexpr std::uint64_t k_max_pax_bytes = std::uint64_t{1} << 20;

  // The next bytes of the stream; an error refuses the whole archive.
  std::optional<Error> feed(std::span<const char> bytes);
  // The end of the stream: a refusal still waiting for its entry's header.
  std::optional<Error> finish();

private:
  enum class State { header, skip, pax, long_name, done };

  std::optional<Error> on_header();
  std::optional<Error> on_pax_complete();
  std::optional<Error> refuse_pending(const std::string& entry_name);

  State m_state = State::header;
  std::array<char, 512> m_block{};
  std::size_t m_block_fill = 0;
  std::uint64_t m_remaining = 0; // data bytes left in skip, pax or long_name
  std::uint64_t m_padding = 0;   // then padding to the next 512-byte block
  bool m_global_pax = false;
  std::string m_pax;             // the pax header being collected
  std::string m_header_name;     // the name in the current x/g/L/K header
  // What an x or L header said about the entry that follows it.
  std::optional<std::uint64_t> m_pax_size;
  std::optional<std::string> m_pax_path;
  std::optional<std::string> m_pending; // the refusal, without the entry name
  bool m_long_name_nul = false; // a NUL seen in a GNU long name
  bool m_long_name_bad = false; // and a byte other than NUL after it
};

} // namespace noodle::archive::detail
