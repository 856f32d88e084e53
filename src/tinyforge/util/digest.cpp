#include "tinyforge/util/digest.h"

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <memory>
#include <stdexcept>

#include "tinyforge/util/shared_library.h"

namespace tinyforge {

namespace {

struct Crypto {
  decltype(&EVP_MD_CTX_new) ctx_new;
  decltype(&EVP_MD_CTX_free) ctx_free;
  decltype(&EVP_DigestInit_ex) init;
  decltype(&EVP_DigestUpdate) update;
  decltype(&EVP_DigestFinal_ex) final;
  decltype(&EVP_sha1) sha1;
  decltype(&EVP_sha256) sha256;
};

// The libcrypto of the OpenSSL major version the headers are (Debian 12: libcrypto.so.3).
const Crypto& crypto_api() {
  static const Crypto api = [] {
    const std::string soname = "libcrypto.so." + std::to_string(OPENSSL_VERSION_MAJOR);
    const SharedLibrary lib(soname, "hashing", "libssl3");
    Crypto c;
    lib.load(c.ctx_new, "EVP_MD_CTX_new");
    lib.load(c.ctx_free, "EVP_MD_CTX_free");
    lib.load(c.init, "EVP_DigestInit_ex");
    lib.load(c.update, "EVP_DigestUpdate");
    lib.load(c.final, "EVP_DigestFinal_ex");
    lib.load(c.sha1, "EVP_sha1");
    lib.load(c.sha256, "EVP_sha256");
    return c;
  }();
  return api;
}

}  // namespace

std::string digest_hex(DigestKind kind, std::initializer_list<std::string_view> pieces) {
  const Crypto& c = crypto_api();
  std::unique_ptr<EVP_MD_CTX, decltype(c.ctx_free)> ctx(c.ctx_new(), c.ctx_free);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = ctx && c.init(ctx.get(), kind == DigestKind::Sha1 ? c.sha1() : c.sha256(), nullptr) == 1;
  for (std::string_view piece : pieces) ok = ok && c.update(ctx.get(), piece.data(), piece.size()) == 1;
  if (!(ok && c.final(ctx.get(), md, &length) == 1)) throw std::runtime_error("OpenSSL digest failed");
  static const char* digits = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  return hex;
}

}  // namespace tinyforge
