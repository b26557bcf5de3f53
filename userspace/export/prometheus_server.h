// The /metrics endpoint (Prometheus text exposition format) on --metrics-listen ADDR:PORT.
//
// Rules:
//  - libmicrohttpd serves it from its own thread (internal polling, at most 16 connections, 10 s idle
//    timeout): a slow or hostile client never blocks the pipeline, which only ever takes the metrics lock
//    for a copy.
//  - GET /metrics -> 200 text/plain; version=0.0.4; any other path -> 404; other methods -> 405.
//  - ADDR defaults to 127.0.0.1 ("9464" and ":9464" listen on loopback only); "0.0.0.0:9464" or
//    "[::]:9464" listen everywhere; port 0 picks a free port (port() tells which).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cs {

class PrometheusServer {
 public:
  using Render = std::function<std::string()>;
  // nullptr with `error` set when the address does not parse or cannot be bound.
  static std::unique_ptr<PrometheusServer> start(const std::string& listen, Render render, std::string& error);
  ~PrometheusServer();

  uint16_t port() const { return port_; }
  const std::atomic<uint64_t>& scrapes() const { return scrapes_; }

  // For the handler (libmicrohttpd's C callback).
  std::string render() {
    scrapes_.fetch_add(1, std::memory_order_relaxed);
    return render_();
  }

 private:
  PrometheusServer() = default;
  void* daemon_ = nullptr;  // MHD_Daemon*
  Render render_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> scrapes_{0};
};

// "ADDR:PORT" / "[V6]:PORT" / ":PORT" / "PORT" -> address (default 127.0.0.1) and port; false if malformed.
bool parse_listen_address(const std::string& text, std::string& addr, uint16_t& port);

}  // namespace cs
