// The byte-level helpers of the HTTP/1 head parser against plain reference implementations, at every
// length and alignment around their 8- and 16-byte blocks.
#include "protocols/http1/text_scan.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <vector>

namespace cs::http1 {
namespace {

bool reference_iequals(std::string_view s, std::string_view lower_lit) {
  if (s.size() != lower_lit.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] + 32) : s[i];
    if (c != lower_lit[i]) return false;
  }
  return true;
}

TEST(TextScan, NewlineScannerYieldsEveryLineEndInOrder) {
  std::mt19937 rng(11);
  for (int round = 0; round < 3000; ++round) {
    std::string s(rng() % 90, 'a');
    for (char& c : s) c = rng() % 5 == 0 ? '\n' : static_cast<char>('a' + rng() % 26);
    std::vector<size_t> want, got;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n') want.push_back(i);
    NewlineScanner scan(s);
    for (size_t at = scan.next(); at != kNotFound; at = scan.next()) got.push_back(at);
    ASSERT_EQ(got, want) << s;
    EXPECT_EQ(scan.next(), kNotFound) << "stays at the end";
  }
}

TEST(TextScan, FindByteFromEveryOffset) {
  const std::string s = "Host: example.com:8080\r\nX: a,b,,c\r\n\r\n" + std::string(40, 'z') + ",";
  for (char c : {':', ',', '\n', 'z', '#'})
    for (size_t from = 0; from <= s.size(); ++from)
      ASSERT_EQ(find_byte(s, from, c), s.find(c, from)) << c << " from " << from;
}

TEST(TextScan, IequalsMatchesLettersInEitherCaseAndOtherBytesExactly) {
  const std::vector<std::string> lits = {"host", "connection", "content-length", "transfer-encoding", "keep-alive",
                                         "traceparent", "chunked", "http://", "a", ""};
  std::mt19937 rng(5);
  for (const std::string& lit : lits) {
    std::string upper = lit;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(iequals(lit, lit));
    EXPECT_TRUE(iequals(upper, lit));
    EXPECT_FALSE(iequals(lit + "x", lit));
    // Bytes that differ from a letter only in bit 0x20 but are not its other case, and one-byte changes.
    for (size_t i = 0; i < lit.size(); ++i) {
      for (int b = 0; b < 256; b += 1 + static_cast<int>(rng() % 3)) {
        std::string t = lit;
        t[i] = static_cast<char>(b);
        ASSERT_EQ(iequals(t, lit), reference_iequals(t, lit)) << lit << " byte " << i << " = " << b;
      }
    }
  }
  EXPECT_FALSE(iequals("content\rlength", "content-length")) << "'\\r' | 0x20 is '-': must not match";
  EXPECT_TRUE(istarts_with("HTTPS://x", "https://"));
  EXPECT_FALSE(istarts_with("http:/", "http://"));
}

}  // namespace
}  // namespace cs::http1
