#include "identity/command_line.h"

#include <algorithm>
#include <cctype>

namespace cs {

namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool secret_name(std::string_view name) {
  static const char* const kWords[] = {"pass", "pwd", "secret", "token", "key", "auth", "credential",
                                       "cookie", "session", "signature"};
  std::string l = lower(name);
  for (const char* w : kWords)
    if (l.find(w) != std::string::npos) return true;
  return false;
}

// "--name" / "-name" -> "name"; "" if `arg` is not an option name.
std::string_view option_name(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return {};
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  if (arg.empty() || !std::isalpha(static_cast<unsigned char>(arg[0]))) return {};
  return arg;
}

bool opaque_token(std::string_view a) {
  if (a.size() < 32) return false;
  bool letter = false, digit = false;
  size_t slashes = 0;
  for (char c : a) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalpha(u))
      letter = true;
    else if (std::isdigit(u))
      digit = true;
    else if (c == '/')
      ++slashes;
    else if (c != '-' && c != '_' && c != '.' && c != '+' && c != '=')
      return false;
  }
  if (a[0] == '/' || a[0] == '.' || a[0] == '-') return false;  // a path or an option
  return letter && digit && slashes <= 2;
}

// scheme://user:password@host... -> scheme://user:[REDACTED]@host...
bool redact_userinfo(std::string& a) {
  size_t scheme = a.find("://");
  if (scheme == std::string::npos) return false;
  size_t start = scheme + 3;
  size_t end = a.find_first_of("/?#", start);
  size_t at = a.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < start) return false;
  size_t colon = a.find(':', start);
  if (colon == std::string::npos || colon > at) return false;
  a.replace(colon + 1, at - colon - 1, kRedacted);
  return true;
}

}  // namespace

std::vector<std::string> split_cmdline(std::string_view block) {
  std::vector<std::string> argv;
  while (!block.empty()) {
    size_t nul = block.find('\0');
    argv.emplace_back(block.substr(0, nul));
    if (nul == std::string_view::npos) break;
    block.remove_prefix(nul + 1);
  }
  return argv;
}

std::string redacted_command_line(const std::vector<std::string>& argv) {
  std::string out;
  bool redact_next = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
    const bool was_pending = redact_next;
    redact_next = false;
    if (was_pending && option_name(a).empty()) {
      a = kRedacted;  // the value of a secret option (an option right after it is no value: see below)
    } else if (size_t eq = a.find('='); eq != std::string::npos && eq > 0 && a.find("://") == std::string::npos &&
                                        secret_name(a.substr(0, eq))) {
      a = a.substr(0, eq + 1) + std::string(kRedacted);
    } else if (redact_userinfo(a)) {
    } else if (std::string_view n = option_name(a); !n.empty() && secret_name(n) && i + 1 < argv.size()) {
      redact_next = true;
    } else if (i > 0 && opaque_token(a)) {
      a = kRedacted;
    }
    if (!out.empty()) out.push_back(' ');
    if (a.find(' ') != std::string::npos)
      out.append(1, '"').append(a).append(1, '"');
    else
      out.append(a);
  }
  return out;
}

}  // namespace cs
