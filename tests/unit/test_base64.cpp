// Unit checks of util/base64 (RFC 4648 test vectors, round trips, refusal of foreign characters).
#include <gtest/gtest.h>

#include "tinyforge/util/base64.h"

using tinyforge::base64_decode;
using tinyforge::base64_encode;

TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(plain[i]), coded[i]);
    EXPECT_EQ(base64_decode(coded[i]).value_or("?"), plain[i]);
  }
}

TEST(Base64, RoundTripsEveryByteAndSkipsLineBreaks) {
  std::string bytes;
  for (int i = 0; i < 256 * 3 + 1; ++i) bytes.push_back(static_cast<char>(i * 7));
  std::string text = base64_encode(bytes);
  EXPECT_EQ(base64_decode(text).value_or(""), bytes);
  text.insert(8, "\r\n");
  EXPECT_EQ(base64_decode(text).value_or(""), bytes);
  EXPECT_FALSE(base64_decode("Zm9v!").has_value());
}
