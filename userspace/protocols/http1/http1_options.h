// What HTTP spans may show of a request beyond its method, path and status (README "What leaves the
// agent"). Set once at start (`--http-header`, `--raw-url-query`), read by the parser and describe().
//
// Rules:
//  - Header values are never emitted unless the header is named here: a named header's value becomes
//    http.request.header.<name> / http.response.header.<name> (name lowercased; several fields of the
//    same name joined with ", "; obs-fold continuation lines are not included).
//  - url.query is emitted with every value replaced by REDACTED (keys kept: "id=REDACTED&token=REDACTED";
//    a part without '=' is all value: REDACTED; an empty value stays empty) unless raw_url_query.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cs::http1 {

struct Http1Options {
  bool raw_url_query = false;
  // Lowercased header names, and the attribute keys of their values (storage for Attribute::key: the
  // options outlive every span).
  std::vector<std::string> headers;
  std::vector<std::string> request_keys;   // "http.request.header.<name>"
  std::vector<std::string> response_keys;  // "http.response.header.<name>"
};

// Options from the command line. Returns "" or why a header name is refused (not an HTTP token, or
// given twice), e.g. "--http-header 'x y': not an HTTP header name".
std::string make_http1_options(bool raw_url_query, const std::vector<std::string>& header_names, Http1Options& out);

// The default: no header value, query values redacted.
const Http1Options& default_http1_options();

// `query` (what follows '?' in the request-target) with its values replaced by REDACTED.
std::string redact_query(std::string_view query);

}  // namespace cs::http1
