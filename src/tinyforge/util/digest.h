// util/digest: SHA-1 and SHA-256 through OpenSSL's libcrypto, which is opened at the first digest rather
// than linked: its ~3,400 symbol relocations cost every command close to a millisecond of start-up, and
// commands such as `inputs` hash nothing.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>

namespace tinyforge {

enum class DigestKind { Sha1, Sha256 };

// Lowercase hex digest of the pieces, concatenated. Throws std::runtime_error when libcrypto cannot be
// opened.
std::string digest_hex(DigestKind kind, std::initializer_list<std::string_view> pieces);

}  // namespace tinyforge
