#include "tinyforge/util/digest.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <memory>
#include <stdexcept>

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
    void* lib = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      throw std::runtime_error("hashing needs OpenSSL's " + soname + ": " + ::dlerror() +
                               " (Debian: apt-get install libssl3)");
    auto sym = [&](const char* name) {
      void* f = ::dlsym(lib, name);
      if (!f) throw std::runtime_error(soname + " lacks " + name + "; install OpenSSL 3's libssl3");
      return f;
    };
    Crypto c;
    c.ctx_new = reinterpret_cast<decltype(c.ctx_new)>(sym("EVP_MD_CTX_new"));
    c.ctx_free = reinterpret_cast<decltype(c.ctx_free)>(sym("EVP_MD_CTX_free"));
    c.init = reinterpret_cast<decltype(c.init)>(sym("EVP_DigestInit_ex"));
    c.update = reinterpret_cast<decltype(c.update)>(sym("EVP_DigestUpdate"));
    c.final = reinterpret_cast<decltype(c.final)>(sym("EVP_DigestFinal_ex"));
    c.sha1 = reinterpret_cast<decltype(c.sha1)>(sym("EVP_sha1"));
    c.sha256 = reinterpret_cast<decltype(c.sha256)>(sym("EVP_sha256"));
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
