// One OTLP/HTTP POST (libcurl): body gzip-compressed (zlib) when asked, https with certificate checks
// (libcurl's defaults; --otlp-ca-file adds a CA bundle), extra headers for auth.
//
// Rules (OTLP/HTTP specification, "Failures" and "Throttling"): 2xx is success; 429, 502, 503 and 504 and
// transport errors (refused, timeout, TLS) are retryable, with the server's Retry-After if it sent one;
// any other status is a permanent failure (the data is dropped and counted by the caller).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cs {

struct OtlpHttpConfig {
  std::vector<std::pair<std::string, std::string>> headers;
  bool gzip = true;
  std::string ca_file;       // "" : the system's CA store
  double timeout_s = 10;
};

struct PostResult {
  enum class Outcome { Ok, Retryable, Permanent } outcome = Outcome::Ok;
  long status = 0;           // HTTP status, 0 if none
  double retry_after_s = 0;  // from Retry-After, 0 if none
  std::string error;         // what went wrong, for the log
};

class OtlpHttp {
 public:
  explicit OtlpHttp(OtlpHttpConfig config);
  ~OtlpHttp();
  OtlpHttp(const OtlpHttp&) = delete;
  OtlpHttp& operator=(const OtlpHttp&) = delete;

  PostResult post(const std::string& url, const std::string& content_type, const std::string& body);

 private:
  OtlpHttpConfig config_;
  void* curl_ = nullptr;  // CURL*
  std::string compressed_;
};

// gzip (RFC 1952) of `in` into `out`; false on a zlib error.
bool gzip_compress(const std::string& in, std::string& out);

}  // namespace cs
