// http.route from a request path, with bounded cardinality.
//
// Rules:
//  - The query string and fragment are dropped; empty segments are kept as they are ("/a//b"). An
//    absolute-form target keeps its path; "*" stays "*"; any other target not starting with '/' is
//    "_OTHER".
//  - A segment is folded to "{id}" when it is: all digits; a UUID (8-4-4-4-12 hex); hex of 8+ characters
//    with at least one digit; or high-entropy: 16+ characters of letters, digits, '-', '_', '.', '~', '='
//    with letters and digits mixed and at least 3 digits (tokens, hashes, base64 ids). A segment of 3+
//    characters that is mostly digits (e.g. "v2" is not, "12ab34" is) folds too.
//  - RouteTable keeps at most max_routes distinct routes per service; a route past that becomes "_OTHER"
//    (counted in overflowed()): a service serving random paths cannot grow the series without bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace cs {

// Writes the template of `path` into `out` (cleared first).
void template_route(std::string_view path, std::string& out);

class RouteTable {
 public:
  explicit RouteTable(size_t max_routes_per_service) : max_routes_(max_routes_per_service) {}
  // The route to report for `path` of `service`. The view stays valid until the table is destroyed.
  std::string_view route(std::string_view service, std::string_view path);
  uint64_t overflowed() const { return overflowed_; }
  size_t routes(std::string_view service) const;

 private:
  size_t max_routes_;
  std::unordered_map<std::string, std::unordered_set<std::string>> by_service_;
  std::string service_key_;
  std::string buf_;
  uint64_t overflowed_ = 0;
};

}  // namespace cs
