// A process's argument vector (/proc/PID/cmdline: NUL-separated) and its printable, redacted form.
//
// Rules of redaction (process.command_line must not leak credentials):
//  - `--NAME=VALUE` / `NAME=VALUE` whose NAME looks like a secret (contains pass, pwd, secret, token, key,
//    auth, credential, cookie, session, signature; case-insensitive): VALUE becomes "[REDACTED]";
//  - `--NAME VALUE` / `-NAME VALUE` with such a NAME: the next argument becomes "[REDACTED]" unless it is
//    an option itself;
//  - the password of a URL's userinfo (scheme://user:password@host): "[REDACTED]";
//  - an argument that is one long opaque token (at least 32 characters of letters, digits and
//    "-_.+/=" with letters and digits mixed, no path-like '/' structure): "[REDACTED]".
// Arguments are joined with single spaces; an argument holding a space is quoted with '"'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cs {

std::vector<std::string> split_cmdline(std::string_view cmdline_block);
std::string redacted_command_line(const std::vector<std::string>& argv);

}  // namespace cs
