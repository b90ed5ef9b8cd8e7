// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <unistd.h>

namespace noodle::archive {

std::string Digest::hex() const
{
  return to_hex(bytes);
}

void Sha256::CtxFree::operator()(evp_md_ctx_st* ctx) const
{
  EVP_MD_CTX_free(ctx);
}

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new())
{
  m_ok = m_ctx && EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) == 1;
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::uint8_t> bytes)
{
  if (!m_ok || bytes.empty()) {
    return;
  }
  m_ok = EVP_DigestUpdate(m_ctx.get(), bytes.data(), bytes.size()) == 1;
  m_size += bytes.size();
}

void Sha256::update(std::string_view bytes)
{
  update(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Result<Digest> Sha256::final()
{
  Digest d;
  unsigned int length = 0;
  if (!m_ok || EVP_DigestFinal_ex(m_ctx.get(), d.bytes.data(), &length) != 1 || length != d.bytes.size()) {
    m_ok = false;
    return fail(ErrorCode::internal, "sha256 digest failed in OpenSSL");
  }
  m_ok = false; // spent
  d.size = m_size;
  return d;
}

std::string Sha256::hex_final()
{
  auto d = final();
  return d ? d->hex() : std::string();
}

Result<Digest> sha256(std::span<const std::uint8_t> bytes)
{
  Sha256 h;
  h.update(bytes);
  return h.final();
}

Result<Digest> sha256(std::string_view bytes)
{
  Sha256 h;
  h.update(bytes);
  return h.final();
}

Result<Digest> sha256_file(int fd)
{
  constexpr std::size_t k_block = std::size_t{64} * 1024;
  std::vector<std::uint8_t> buffer(k_block);
  Sha256 h;
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorCode::io, fmt::format("cannot read the file to hash: {}", std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    h.update(std::span(buffer.data(), static_cast<std::size_t>(n)));
    offset += n;
  }
  return h.final();
}

std::string to_hex(std::span<const std::uint8_t> bytes)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(k_digits[b >> 4]);
    out.push_back(k_digits[b & 0x0f]);
  }
  return out;
}

bool is_lower_hex(std::string_view text, std::size_t length)
{
  if (text.size() != length) {
    return false;
  }
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

} // namespace noodle::archive
