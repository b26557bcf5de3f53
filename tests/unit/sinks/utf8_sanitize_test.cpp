#include "sinks/utf8_sanitize.h"

#include <gtest/gtest.h>

namespace cs {
namespace {

TEST(Utf8Sanitize, ValidTextIsReturnedUnchanged) {
  std::string scratch = "untouched";
  const std::string s = "plain /path?q=1 caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  const std::string_view out = utf8_sanitize(s, scratch);
  EXPECT_EQ(out.data(), s.data()) << "no copy for valid input";
  EXPECT_EQ(scratch, "untouched");
  EXPECT_TRUE(utf8_valid(s));
}

TEST(Utf8Sanitize, EachInvalidByteBecomesOneReplacement) {
  std::string scratch;
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(utf8_sanitize("\x80", scratch), fffd);
  EXPECT_EQ(utf8_sanitize("a\xC3", scratch), "a" + fffd);                     // cut 2-byte
  EXPECT_EQ(utf8_sanitize("\xC1\xBF", scratch), fffd + fffd);                 // overlong
  EXPECT_EQ(utf8_sanitize("\xE0\x80\xAF", scratch), fffd + fffd + fffd);      // overlong 3-byte
  EXPECT_EQ(utf8_sanitize("\xED\xBF\xBF", scratch), fffd + fffd + fffd);      // surrogate
  EXPECT_EQ(utf8_sanitize("\xF4\x90\x80\x80", scratch), fffd + fffd + fffd + fffd);  // > U+10FFFF
  EXPECT_EQ(utf8_sanitize("\xF8z", scratch), fffd + "z");
  EXPECT_FALSE(utf8_valid("ok\xFE"));
}

TEST(Utf8Sanitize, TerminalVariantAlsoReplacesControlCharacters) {
  std::string scratch;
  EXPECT_EQ(terminal_sanitize(std::string("a\tb\x1b[0m\x7f\0z", 10), scratch), "a?b?[0m??z");
  EXPECT_EQ(terminal_sanitize("caf\xC3\xA9", scratch), "caf\xC3\xA9");
}

}  // namespace
}  // namespace cs
