// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX

namespace noodle::archive {

inline constexpr std::size_t k_sha256_bytes = 32;
using Sha256Bytes = std::array<std::uint8_t, k_sha256_bytes>;

// A SHA-256 digest and the number of bytes it covers.
struct Digest {
  Sha256Bytes bytes{};
  std::uint64_t size = 0;

  // 64 lowercase hexadecimal digits.
  std::string hex() const;
};

// Streaming SHA-256 over OpenSSL's EVP interface. Feed bytes with update(),
// then call final() or hex_final() once; the object is spent afterwards.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // False when OpenSSL could not set up or update the digest (out of memory);
  // final() then fails with ErrorCode::internal.
  bool ok() const { return m_ok; }

  void update(std::span<const std::uint8_t> bytes);
  void update(std::string_view bytes);

  // The digest of everything fed so far, and how many bytes that was.
  Result<Digest> final();
  // final().hex(), or "" when the digest failed.
  std::string hex_final();

private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxFree> m_ctx;
  std::uint64_t m_size = 0;
  bool m_ok = false;
};

// One-shot SHA-256 of `bytes`.
Result<Digest> sha256(std::span<const std::uint8_t> bytes);
Result<Digest> sha256(std::string_view bytes);

// SHA-256 of everything in the file open on `fd`, read with pread() from
// offset 0 to the end (the descriptor's offset is neither used nor moved).
// Fails with ErrorCode::io when reading fails.
Result<Digest> sha256_file(int fd);

// Lowercase hexadecimal, two digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Whether `text` is exactly `length` lowercase hexadecimal digits.
bool is_lower_hex(std::string_view text, std::size_t length);

} // namespace noodle::archive
