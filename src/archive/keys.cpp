// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/keys.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/archive/signature.hpp>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::archive {

namespace {

constexpr std::size_t k_ed25519_raw_bytes = 32;

// An Ed25519 SubjectPublicKeyInfo in DER is always these 12 bytes (SEQUENCE,
// AlgorithmIdentifier with OID 1.3.101.112, BIT STRING of 33 bytes) and then
// the 32 raw key bytes.
constexpr std::array<unsigned char, 12> k_ed25519_spki_prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                                 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::string_view k_public_pem_begin = "-----BEGIN PUBLIC KEY-----\n";
constexpr std::string_view k_public_pem_end = "\n-----END PUBLIC KEY-----\n";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::shared_ptr<evp_pkey_st> own(EVP_PKEY* key)
{
  return std::shared_ptr<evp_pkey_st>(key, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
}

// The newest OpenSSL error as text, clearing the queue; "" when there is none.
std::string openssl_error()
{
  unsigned long code = ERR_peek_last_error();
  std::string text;
  if (code != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text = buffer.data();
  }
  ERR_clear_error();
  return text;
}

std::string with_openssl_reason(std::string message)
{
  std::string reason = openssl_error();
  if (!reason.empty()) {
    message += fmt::format(" ({})", reason);
  }
  return message;
}

// Never prompt for a passphrase: an encrypted key is an error.
int no_passphrase(char*, int, int, void*)
{
  return -1;
}

Result<std::string> pem_from_bio(BIO* bio)
{
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) {
    return fail(ErrorCode::internal, with_openssl_reason("cannot encode the key as PEM"));
  }
  return std::string(data, static_cast<std::size_t>(length));
}

BioPtr mem_bio(std::string_view text)
{
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    return nullptr;
  }
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string key_type_name(const EVP_PKEY* key)
{
  const char* name = EVP_PKEY_get0_type_name(key);
  return name != nullptr ? name : "unknown";
}

// The public half of a private key as a key object of its own, so that a
// PublicKey never carries private material.
std::shared_ptr<evp_pkey_st> public_half(EVP_PKEY* key)
{
  std::array<unsigned char, k_ed25519_raw_bytes> raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    ERR_clear_error();
    return nullptr;
  }
  EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  if (pub == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  return own(pub);
}

// Reads a whole key file of at most k_max_key_file_bytes from an open fd.
Result<std::string> read_key_fd(int fd, const std::filesystem::path& path)
{
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorCode::io, fmt::format("cannot read key file '{}': {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) {
      return text;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
    if (text.size() > k_max_key_file_bytes) {
      OPENSSL_cleanse(text.data(), text.size());
      return fail(ErrorCode::io,
                  fmt::format("key file '{}' is over the {}-byte limit", path.string(), k_max_key_file_bytes));
    }
  }
}

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

private:
  int m_fd;
};

enum class KeyKind { private_key, public_key };

Result<std::string> read_key_file(const std::filesystem::path& path, KeyKind kind)
{
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    return fail(ErrorCode::io, fmt::format("cannot open key file '{}': {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot stat key file '{}': {}", path.string(), std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::io, fmt::format("key file '{}' is not a regular file", path.string()));
  }
  if (kind == KeyKind::private_key && (st.st_mode & 077) != 0) {
    return fail(ErrorCode::io,
                fmt::format("private key file '{}' has mode {:04o}: it must not be accessible by group or others "
                            "(run chmod 600 '{}')",
                            path.string(), st.st_mode & 07777, path.string()));
  }
  if (static_cast<std::uint64_t>(st.st_size) > k_max_key_file_bytes) {
    return fail(ErrorCode::io, fmt::format("key file '{}' is {} bytes, over the {}-byte limit", path.string(),
                                           st.st_size, k_max_key_file_bytes));
  }
  return read_key_fd(fd.get(), path);
}

class FileRemover {
public:
  explicit FileRemover(std::filesystem::path path) : m_path(std::move(path)) {}
  ~FileRemover()
  {
    if (!m_path.empty()) {
      ::unlink(m_path.c_str());
    }
  }
  FileRemover(const FileRemover&) = delete;
  FileRemover& operator=(const FileRemover&) = delete;
  void keep() { m_path.clear(); }

private:
  std::filesystem::path m_path;
};

Result<void> key_path_free(const std::filesystem::path& path)
{
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return fail(ErrorCode::key_exists,
                fmt::format("key file '{}' already exists, refusing to overwrite it", path.string()));
  }
  if (errno != ENOENT) {
    return fail(ErrorCode::io, fmt::format("cannot check key file '{}': {}", path.string(), std::strerror(errno)));
  }
  return {};
}

// Creates `path` exclusively with exactly `mode` and writes `content`.
Result<void> create_key_file(const std::filesystem::path& path, std::string_view content, mode_t mode)
{
  int raw = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (raw < 0) {
    if (errno == EEXIST) {
      return fail(ErrorCode::key_exists,
                  fmt::format("key file '{}' already exists, refusing to overwrite it", path.string()));
    }
    return fail(ErrorCode::io, fmt::format("cannot create key file '{}': {}", path.string(), std::strerror(errno)));
  }
  Fd fd(raw);
  FileRemover remover(path);
  // The umask can only clear bits; set the exact mode (0644 for the public key).
  if (::fchmod(fd.get(), mode) != 0) {
    return fail(ErrorCode::io,
                fmt::format("cannot set the mode of key file '{}': {}", path.string(), std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorCode::io, fmt::format("cannot write key file '{}': {}", path.string(), std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot write key file '{}': {}", path.string(), std::strerror(errno)));
  }
  remover.keep();
  return {};
}

std::filesystem::path with_suffix(const std::filesystem::path& prefix, const char* suffix)
{
  std::filesystem::path p = prefix;
  p += suffix;
  return p;
}

// The key of a public key file exactly as write_key_pair writes it (one
// Ed25519 SubjectPublicKeyInfo, base64 on one line, canonical padding), read
// without OpenSSL's PEM decoders, whose set-up costs about 2 ms of a process;
// nullptr for any other text, which then goes to OpenSSL as it is.
std::shared_ptr<evp_pkey_st> canonical_ed25519_key(std::string_view pem)
{
  if (pem.size() <= k_public_pem_begin.size() + k_public_pem_end.size() || !pem.starts_with(k_public_pem_begin)
      || !pem.ends_with(k_public_pem_end)) {
    return nullptr;
  }
  const std::string_view body =
      pem.substr(k_public_pem_begin.size(), pem.size() - k_public_pem_begin.size() - k_public_pem_end.size());
  const auto der = base64_decode(body);
  if (!der || der->size() != k_ed25519_spki_prefix.size() + k_ed25519_raw_bytes
      || !std::equal(k_ed25519_spki_prefix.begin(), k_ed25519_spki_prefix.end(), der->begin(),
                     [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); })
      || base64_encode(*der) != body) {
    return nullptr;
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(der->data()) + k_ed25519_spki_prefix.size(),
      k_ed25519_raw_bytes);
  if (key == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  return own(key);
}

} // namespace

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key) : m_key(std::move(key))
{
  m_id = key_id(*this);
}

Result<std::string> PublicKey::to_pem() const
{
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !m_key || PEM_write_bio_PUBKEY(bio.get(), m_key.get()) != 1) {
    return fail(ErrorCode::internal, with_openssl_reason("cannot encode the public key as PEM"));
  }
  return pem_from_bio(bio.get());
}

PrivateKey::PrivateKey(std::shared_ptr<evp_pkey_st> key) : m_key(std::move(key))
{
  if (m_key) {
    if (auto pub = public_half(m_key.get())) {
      m_public = PublicKey(std::move(pub));
    }
  }
}

Result<std::string> PrivateKey::to_pem() const
{
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) {
    bio.reset(BIO_new(BIO_s_mem()));
  }
  if (!bio || !m_key || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(ErrorCode::internal, with_openssl_reason("cannot encode the private key as PEM"));
  }
  return pem_from_bio(bio.get());
}

Result<KeyPair> generate_key()
{
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) {
    return fail(ErrorCode::internal, with_openssl_reason("cannot generate an Ed25519 key"));
  }
  PrivateKey priv(own(raw));
  if (priv.public_key().empty() || priv.id().empty()) {
    return fail(ErrorCode::internal, with_openssl_reason("cannot derive the public key of a new Ed25519 key"));
  }
  KeyPair pair{priv, priv.public_key()};
  return pair;
}

Result<KeyFiles> write_key_pair(const KeyPair& keys, const std::filesystem::path& prefix)
{
  KeyFiles files{with_suffix(prefix, ".key"), with_suffix(prefix, ".pub"), keys.public_key.id()};
  // Check both names first so that a refusal leaves nothing behind.
  if (auto free = key_path_free(files.private_file); !free) {
    return fail(free.error());
  }
  if (auto free = key_path_free(files.public_file); !free) {
    return fail(free.error());
  }
  auto private_pem = keys.private_key.to_pem();
  if (!private_pem) {
    return fail(private_pem.error());
  }
  auto public_pem = keys.public_key.to_pem();
  if (!public_pem) {
    OPENSSL_cleanse(private_pem->data(), private_pem->size());
    return fail(public_pem.error());
  }
  auto wrote_private = create_key_file(files.private_file, *private_pem, 0600);
  OPENSSL_cleanse(private_pem->data(), private_pem->size());
  if (!wrote_private) {
    return fail(wrote_private.error());
  }
  FileRemover remove_private(files.private_file);
  if (auto wrote_public = create_key_file(files.public_file, *public_pem, 0644); !wrote_public) {
    return fail(wrote_public.error());
  }
  remove_private.keep();
  return files;
}

Result<KeyFiles> write_key_pair(const std::filesystem::path& prefix)
{
  auto keys = generate_key();
  if (!keys) {
    return fail(keys.error());
  }
  return write_key_pair(*keys, prefix);
}

Result<PrivateKey> parse_private_key(std::string_view pem, std::string_view origin)
{
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return fail(ErrorCode::io, fmt::format("{} is encrypted: only unencrypted PKCS#8 keys are read", origin));
  }
  BioPtr bio = mem_bio(pem);
  if (!bio) {
    return fail(ErrorCode::internal, "cannot allocate a memory buffer");
  }
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    return fail(ErrorCode::io, with_openssl_reason(fmt::format("{} is not a PEM private key", origin)));
  }
  auto key = own(raw);
  if (EVP_PKEY_is_a(raw, "ED25519") != 1) {
    return fail(ErrorCode::io,
                fmt::format("{} is a {} key: only Ed25519 keys are supported", origin, key_type_name(raw)));
  }
  PrivateKey priv(std::move(key));
  if (priv.id().empty()) {
    return fail(ErrorCode::io, with_openssl_reason(fmt::format("{}: cannot derive its public key", origin)));
  }
  return priv;
}

Result<PublicKey> parse_public_key(std::string_view pem, std::string_view origin)
{
  if (auto key = canonical_ed25519_key(pem)) {
    return PublicKey(std::move(key));
  }
  BioPtr bio = mem_bio(pem);
  if (!bio) {
    return fail(ErrorCode::internal, "cannot allocate a memory buffer");
  }
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    return fail(ErrorCode::io,
                with_openssl_reason(fmt::format("{} is not a PEM public key (SubjectPublicKeyInfo)", origin)));
  }
  auto key = own(raw);
  if (EVP_PKEY_is_a(raw, "ED25519") != 1) {
    return fail(ErrorCode::io,
                fmt::format("{} is a {} key: only Ed25519 keys are supported", origin, key_type_name(raw)));
  }
  PublicKey pub(std::move(key));
  if (pub.id().empty()) {
    return fail(ErrorCode::io, with_openssl_reason(fmt::format("{}: cannot encode it to compute its key id", origin)));
  }
  return pub;
}

Result<PrivateKey> load_private_key(const std::filesystem::path& path)
{
  auto text = read_key_file(path, KeyKind::private_key);
  if (!text) {
    return fail(text.error());
  }
  auto key = parse_private_key(*text, fmt::format("private key file '{}'", path.string()));
  OPENSSL_cleanse(text->data(), text->size());
  return key;
}

Result<PublicKey> load_public_key(const std::filesystem::path& path)
{
  auto text = read_key_file(path, KeyKind::public_key);
  if (!text) {
    return fail(text.error());
  }
  return parse_public_key(*text, fmt::format("public key file '{}'", path.string()));
}

std::string key_id(const PublicKey& key)
{
  if (key.empty()) {
    return {};
  }
  // The DER of an Ed25519 key is its fixed prefix and its raw bytes; built
  // here, it spares OpenSSL's encoder set-up (about 0.4 ms of a process).
  std::array<unsigned char, k_ed25519_spki_prefix.size() + k_ed25519_raw_bytes> spki{};
  std::size_t raw_length = k_ed25519_raw_bytes;
  if (EVP_PKEY_is_a(key.get(), "ED25519") == 1
      && EVP_PKEY_get_raw_public_key(key.get(), spki.data() + k_ed25519_spki_prefix.size(), &raw_length) == 1
      && raw_length == k_ed25519_raw_bytes) {
    std::copy(k_ed25519_spki_prefix.begin(), k_ed25519_spki_prefix.end(), spki.begin());
    auto digest = sha256(std::span<const std::uint8_t>(spki.data(), spki.size()));
    return digest ? to_hex(std::span(digest->bytes).first(k_key_id_length / 2)) : std::string();
  }
  ERR_clear_error();
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0 || der == nullptr) {
    ERR_clear_error();
    return {};
  }
  auto digest = sha256(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length)));
  OPENSSL_free(der);
  if (!digest) {
    return {};
  }
  return to_hex(std::span(digest->bytes).first(k_key_id_length / 2));
}

Result<std::string> sign_message(const PrivateKey& key, std::string_view message)
{
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(k_ed25519_signature_bytes, '\0');
  std::size_t length = signature.size();
  if (!ctx || key.empty() || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1
      || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                        reinterpret_cast<const unsigned char*>(message.data()), message.size())
             != 1
      || length != k_ed25519_signature_bytes) {
    return fail(ErrorCode::internal, with_openssl_reason("Ed25519 signing failed"));
  }
  return signature;
}

bool verify_message(const PublicKey& key, std::string_view message, std::string_view signature)
{
  if (key.empty() || signature.size() != k_ed25519_signature_bytes) {
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1
            && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                reinterpret_cast<const unsigned char*>(message.data()), message.size())
                   == 1;
  ERR_clear_error();
  return ok;
}

} // namespace noodle::archive
