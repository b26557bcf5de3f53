#include "export/otlp/otlp_http.h"

#include <curl/curl.h>
#include <zlib.h>

#include <mutex>

namespace cs {

namespace {

size_t discard_body(char*, size_t size, size_t n, void*) { return size * n; }

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

bool gzip_compress(const std::string& in, std::string& out) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out.resize(deflateBound(&z, in.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

OtlpHttp::OtlpHttp(OtlpHttpConfig config) : config_(std::move(config)) {
  global_init_once();
  curl_ = curl_easy_init();
}

OtlpHttp::~OtlpHttp() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

PostResult OtlpHttp::post(const std::string& url, const std::string& content_type, const std::string& body) {
  PostResult r;
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) {
    r.outcome = PostResult::Outcome::Permanent;
    r.error = "libcurl could not be initialised";
    return r;
  }
  const std::string* payload = &body;
  if (config_.gzip) {
    if (!gzip_compress(body, compressed_)) {
      r.outcome = PostResult::Outcome::Permanent;
      r.error = "gzip compression failed";
      return r;
    }
    payload = &compressed_;
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  if (config_.gzip) headers = curl_slist_append(headers, "Content-Encoding: gzip");
  headers = curl_slist_append(headers, "Expect:");
  for (const auto& [k, v] : config_.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());

  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload->data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload->size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "callscope/" CALLSCOPE_VERSION);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_s * 1000));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(config_.timeout_s, 5.0) * 1000));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    r.outcome = PostResult::Outcome::Retryable;
    r.error = curl_easy_strerror(rc);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_UNSUPPORTED_PROTOCOL ||
        rc == CURLE_URL_MALFORMAT)
      r.outcome = PostResult::Outcome::Permanent;
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
    r.retry_after_s = static_cast<double>(retry_after);
  if (r.status >= 200 && r.status < 300) return r;
  r.error = "HTTP " + std::to_string(r.status);
  if (r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504)
    r.outcome = PostResult::Outcome::Retryable;
  else
    r.outcome = PostResult::Outcome::Permanent;
  return r;
}

}  // namespace cs
