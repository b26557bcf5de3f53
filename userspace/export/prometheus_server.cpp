#include "export/prometheus_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace cs {

namespace {

MHD_Result reply(MHD_Connection* conn, unsigned status, const std::string& body, const char* type) {
  MHD_Response* r =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

MHD_Result handle(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*,
                  const char*, size_t*, void**) {
  auto* self = static_cast<PrometheusServer*>(cls);
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0)
    return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
  if (std::strcmp(url, "/metrics") != 0)
    return reply(conn, MHD_HTTP_NOT_FOUND, "callscope serves its metrics on /metrics\n", "text/plain");
  return reply(conn, MHD_HTTP_OK, self->render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

bool parse_listen_address(const std::string& text, std::string& addr, uint16_t& port) {
  std::string host, p;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      p = text;
    } else {
      host = text.substr(0, colon);
      p = text.substr(colon + 1);
    }
  }
  unsigned v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v > 65535) return false;
  addr = host.empty() ? "127.0.0.1" : host;
  port = static_cast<uint16_t>(v);
  return true;
}

std::unique_ptr<PrometheusServer> PrometheusServer::start(const std::string& listen, Render render,
                                                          std::string& error) {
  std::string addr;
  uint16_t port = 0;
  if (!parse_listen_address(listen, addr, port)) {
    error = "--metrics-listen '" + listen + "' is not ADDR:PORT (e.g. 127.0.0.1:9464, [::1]:9464, 9464)";
    return nullptr;
  }
  sockaddr_storage ss{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    flags |= MHD_USE_IPv6;
  } else {
    error = "--metrics-listen: '" + addr + "' is not an IPv4 or IPv6 address";
    return nullptr;
  }
  std::unique_ptr<PrometheusServer> s(new PrometheusServer());
  s->render_ = std::move(render);
  MHD_Daemon* d = MHD_start_daemon(flags, port, nullptr, nullptr, &handle, s.get(), MHD_OPTION_SOCK_ADDR,
                                   reinterpret_cast<sockaddr*>(&ss), MHD_OPTION_CONNECTION_LIMIT, 16u,
                                   MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (d == nullptr) {
    error = "cannot serve metrics on " + listen + ": the address is in use or not on this machine";
    return nullptr;
  }
  s->daemon_ = d;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  s->port_ = info != nullptr ? info->port : port;
  return s;
}

PrometheusServer::~PrometheusServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(static_cast<MHD_Daemon*>(daemon_));
}

}  // namespace cs
