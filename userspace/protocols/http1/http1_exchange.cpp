#include "protocols/http1/http1_exchange.h"

#include <string>

namespace cs::http1 {

void Http1Exchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  const std::string_view method = request_http.method();
  const std::string_view p = request_http.path().empty() ? std::string_view("/") : request_http.path();
  out.name.reserve(method.size() + 1 + p.size());
  out.name.append(method).append(1, ' ').append(p);

  const int status = has_response ? response_http.status : 0;
  if (end == End::Complete && (status >= 500 || (ctx.kind == SpanKind::Client && status >= 400))) {
    out.error = true;
    out.status_message = "HTTP " + std::to_string(status);
  }

  if (request_http.head_end_pos != 0 && !request.truncated && request.end_pos >= request_http.head_end_pos)
    out.request_body_bytes = static_cast<int64_t>(request.end_pos - request_http.head_end_pos);
  if (has_response && response_http.head_end_pos != 0 && !response.truncated &&
      response.end_pos >= response_http.head_end_pos)
    out.response_body_bytes = static_cast<int64_t>(response.end_pos - response_http.head_end_pos);

  // Attributes are built in place (emplace_back): no temporary value moved and destroyed per attribute.
  const Http1Options& opt = options ? *options : default_http1_options();
  auto& a = out.attributes;
  a.reserve(a.size() + 10 + request_http.header_values.size() + response_http.header_values.size());
  a.emplace_back("http.request.method", std::string(method));
  a.emplace_back("url.path", std::string(p));
  const std::string_view target = request_http.target();
  const size_t q = target.find('?');
  if (q != std::string_view::npos && q + 1 < target.size()) {
    const std::string_view query = target.substr(q + 1, target.find('#', q) - (q + 1));
    a.emplace_back("url.query", opt.raw_url_query ? std::string(query) : redact_query(query));
  }
  if (has_response && status > 0) a.emplace_back("http.response.status_code", int64_t{status});
  append_endpoint_attributes(ctx, a);
  a.emplace_back("network.protocol.name", std::string("http"));
  if (!request_http.version().empty())
    a.emplace_back("network.protocol.version", std::string(request_http.version()));
  // Header values: only of the headers named in the options, which the parser alone kept.
  for (size_t i = 0; i < request_http.header_values.size() && i < opt.request_keys.size(); ++i)
    if (!request_http.header_values[i].empty()) a.emplace_back(opt.request_keys[i], request_http.header_values[i]);
  if (has_response)
    for (size_t i = 0; i < response_http.header_values.size() && i < opt.response_keys.size(); ++i)
      if (!response_http.header_values[i].empty())
        a.emplace_back(opt.response_keys[i], response_http.header_values[i]);
}

}  // namespace cs::http1
