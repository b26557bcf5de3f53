#include "sinks/json_string.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "sinks/utf8_sanitize.h"

namespace cs {
namespace {

std::string quote(std::string_view s) {
  std::string out(json_quote_capacity(s.size()), '\0');
  out.resize(json_quote(s, out.data()));
  return out;
}

TEST(JsonQuote, PlainAsciiAndValidUtf8AreCopied) {
  EXPECT_EQ(quote(""), "\"\"");
  EXPECT_EQ(quote("GET /users?id=1&x=/y"), "\"GET /users?id=1&x=/y\"");
  EXPECT_EQ(quote("caf\xC3\xA9 \xF0\x9F\x98\x80 \x7f"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80 \x7f\"");
}

TEST(JsonQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quote("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(quote(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
}

TEST(JsonQuote, InvalidUtf8BytesBecomeReplacementCharacters) {
  EXPECT_EQ(quote("\xFF"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(quote("a\xE2\x82"), "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonQuote, WorstCaseFitsTheCapacity) {
  const std::string all_controls(1000, '\x01');
  const std::string q = quote(all_controls);
  EXPECT_EQ(q.size(), 6 * all_controls.size() + 2);
  EXPECT_EQ(q.size() + kJsonQuoteSlack, json_quote_capacity(all_controls.size()));
  const std::string invalid(1000, '\xFF');
  EXPECT_EQ(quote(invalid).size(), 3 * 1000 + 2u);
}

// Byte-at-a-time reference: what json_quote must produce whatever the alignment of special bytes.
std::string reference_quote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(s, i);
      out += len == 0 ? std::string("\xEF\xBF\xBD") : std::string(s.substr(i, len));
      i += len == 0 ? 1 : len;
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
    ++i;
  }
  return out + "\"";
}

TEST(JsonQuote, MatchesByteAtATimeReferenceOnRandomInput) {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("abcXYZ/ ?=&-_.:0189~\x7f\"\\\n\x01\x1f\x20\x80\xBF\xC3\xA9\xE2\x82\xAC"
                                           "\xF0\x9F\x98\xED\xA0\xFF") + std::string(1, '\0');
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 40, ' ');
    const bool mostly_plain = round % 2 == 0;
    for (char& c : s) c = mostly_plain && rng() % 8 != 0 ? 'a' + rng() % 26 : alphabet[rng() % alphabet.size()];
    ASSERT_EQ(quote(s), reference_quote(s)) << "round " << round;
  }
}

// The inline fast path: every length (short, word, overlapping-word and 16-byte paths), and a byte that
// needs work at every position sends the string to the full path.
TEST(JsonQuote, PlainFastPathTakesPlainTextOnlyAtEveryLength) {
  for (size_t n = 0; n <= 70; ++n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('!' + (i * 7) % 90);  // plain, no '"' or '\\'
    for (char& c : s)
      if (c == '"' || c == '\\') c = 'x';
    std::string out(json_quote_capacity(n), '\0');
    ASSERT_EQ(json_quote_plain(s, out.data()), n + 2) << n;
    EXPECT_EQ(out.substr(0, n + 2), "\"" + s + "\"") << n;
    for (size_t at = 0; at < n; ++at) {
      for (char bad : {'"', '\\', '\x01', '\x1f', '\x80', '\xff', '\0'}) {
        std::string t = s;
        t[at] = bad;
        EXPECT_EQ(json_quote_plain(t, out.data()), 0u) << "length " << n << " byte " << at;
        EXPECT_EQ(quote(t), reference_quote(t));
      }
    }
  }
}

}  // namespace
}  // namespace cs
