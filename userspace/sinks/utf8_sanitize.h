// Makes bytes from the wire (paths, hosts, process names) safe to print: invalid UTF-8 sequences
// become U+FFFD. Used by the JSON sink (output must stay valid JSON) and the tree sink (plus control
// characters, so a captured URL cannot send escape sequences to the terminal).
#pragma once

#include <string>
#include <string_view>

namespace cs {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one (overlong
// forms, surrogates, code points past U+10FFFF and cut sequences are invalid).
size_t utf8_sequence_length(std::string_view s, size_t i);

// True if `s` is entirely valid UTF-8.
bool utf8_valid(std::string_view s);

// Returns `s` itself when it is valid UTF-8; otherwise writes a copy with every invalid byte replaced
// by U+FFFD into `scratch` (reused, so no allocation once it has grown) and returns a view of it.
std::string_view utf8_sanitize(std::string_view s, std::string& scratch);

// For terminals: like utf8_sanitize, and also replaces C0 control characters and DEL with '?'.
std::string_view terminal_sanitize(std::string_view s, std::string& scratch);

}  // namespace cs
