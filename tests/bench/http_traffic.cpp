#include "bench/http_traffic.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "support/event_builder.h"

namespace cs::bench {

namespace {

using test::Proc;
using test::Record;

constexpr uint32_t kReadBuffer = 16384;  // bytes a reader asks for per read()
constexpr uint16_t kPortA = 8080;
constexpr uint16_t kPortB = 8081;

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t between(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(gen_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(gen_) < p; }
  std::string hex(size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s(n, '0');
    for (auto& c : s) c = digits[gen_() & 15];
    return s;
  }

 private:
  std::mt19937_64 gen_;
};

std::string request_path(Rng& rng) {
  switch (rng.between(0, 5)) {
    case 0: return "/api/v1/users/" + std::to_string(rng.between(1, 999999));
    case 1: return "/api/v1/orders/" + std::to_string(rng.between(1, 99999)) + "/items";
    case 2: return "/static/js/app." + rng.hex(8) + ".js";
    case 3: return "/search?q=item" + std::to_string(rng.between(1, 5000)) + "&page=" + std::to_string(rng.between(1, 20));
    case 4: return "/api/v2/catalog/products?category=" + std::to_string(rng.between(1, 300)) + "&sort=price";
    default: return "/health";
  }
}

// A request of `target` bytes (200-800) with typical headers; POSTs carry a small JSON body.
std::string make_request(Rng& rng, const std::string& host, size_t target) {
  const bool post = rng.chance(0.1);
  std::string body;
  if (post) body = "{\"id\":" + std::to_string(rng.between(1, 1 << 20)) + ",\"note\":\"" + rng.hex(rng.between(10, 120)) + "\"}";
  std::string head = std::string(post ? "POST " : "GET ") + request_path(rng) + " HTTP/1.1\r\nHost: " + host +
                     "\r\nAccept: application/json, text/plain, */*\r\nConnection: keep-alive\r\nX-Request-Id: " +
                     rng.hex(32) + "\r\n";
  if (post) head += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  static const char* optional[] = {
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n",
      "Accept-Encoding: gzip, deflate, br\r\n",
      "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n",
      "Cache-Control: no-cache\r\n",
      "Referer: https://shop.example.com/catalog/index.html\r\n",
  };
  for (const char* h : optional)
    if (head.size() + std::strlen(h) + 2 + body.size() <= target) head += h;
  const size_t cookie_overhead = std::strlen("Cookie: session=\r\n");
  if (head.size() + cookie_overhead + 8 + 2 + body.size() <= target)
    head += "Cookie: session=" + rng.hex(target - head.size() - cookie_overhead - 2 - body.size()) + "\r\n";
  return head + "\r\n" + body;
}

const std::string& filler() {
  static const std::string text = [] {
    std::string s;
    for (int i = 0; s.size() < 32768; ++i)
      s += "{\"id\":" + std::to_string(i) + ",\"name\":\"product " + std::to_string(i) +
           "\",\"price\":" + std::to_string(100 + i % 900) + ".99,\"tags\":[\"a\",\"b\"]},";
    return s;
  }();
  return text;
}

std::string make_response(Rng& rng, size_t body_len) {
  int status = 200;
  const char* reason = "OK";
  if (rng.chance(0.02)) status = 404, reason = "Not Found";
  else if (rng.chance(0.01)) status = 500, reason = "Internal Server Error";
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                     "\r\nServer: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                     "Content-Type: application/json\r\nContent-Length: " + std::to_string(body_len) +
                     "\r\nConnection: keep-alive\r\nCache-Control: max-age=60\r\n\r\n";
  return head + filler().substr(0, body_len);
}

struct Pending {
  uint64_t ts;
  uint64_t order;
  Record record;
  bool is_data;
};

// One TCP connection with both ends traced.
struct Conn {
  Proc client, server;
  int client_fd = 0, server_fd = 0;
  cs_tuple client_view{};
  uint64_t client_sock = 0, server_sock = 0;
  uint32_t c2s = 0, s2c = 0;
  bool open = false;
  uint64_t free_at = 0;
};

class Generator {
 public:
  explicit Generator(const TrafficConfig& c) : cfg_(c), rng_(c.seed) {}

  Traffic run() {
    Proc wrk[2] = {{1000, 1001, "wrk"}, {1000, 1002, "wrk"}};
    lanes_.resize(cfg_.connections);
    upstream_.resize(cfg_.connections);
    for (uint32_t i = 0; i < cfg_.connections; ++i) {
      Conn& c = lanes_[i];
      c.client = wrk[i % 2];
      c.client_fd = 10 + static_cast<int>(i);
      c.server = Proc{2000, 2001 + i, "svc-a"};
      c.server_fd = 20 + static_cast<int>(i);
      c.client_view = test::tuple(test::v4("127.0.0.1", static_cast<uint16_t>(30000 + i)), test::v4("127.0.0.1", kPortA));
      Conn& u = upstream_[i];
      u.client = c.server;
      u.client_fd = 1000 + static_cast<int>(i);
      u.server = Proc{3000, 3001 + i, "svc-b"};
      u.server_fd = 20 + static_cast<int>(i);
      u.client_view = test::tuple(test::v4("127.0.0.1", static_cast<uint16_t>(40000 + i)), test::v4("127.0.0.1", kPortB));
    }
    uint64_t t0 = 5'000'000'000ULL;
    for (uint32_t r = 0; r < cfg_.requests; ++r) {
      uint64_t nominal = t0 + r * cfg_.request_interval_ns;
      uint32_t lane = static_cast<uint32_t>(rng_.between(0, cfg_.connections - 1));
      request(lane, std::max(nominal, lanes_[lane].free_at));
    }
    uint64_t end = 0;
    for (const auto& p : pending_) end = std::max(end, p.ts);
    for (auto* set : {&lanes_, &upstream_})
      for (auto& c : *set)
        if (c.open) {
          end += 2'000;
          push(test::conn_close(c.client, end, c.client_view, c.client_sock, CS_ROLE_CLIENT), false);
          end += 2'000;
          push(test::conn_close(c.server, end, test::reversed(c.client_view), c.server_sock, CS_ROLE_SERVER), false);
        }
    return flatten();
  }

 private:
  void push(Record r, bool is_data) {
    uint64_t ts = reinterpret_cast<const cs_event_header*>(r.data())->ts_ns;
    pending_.push_back(Pending{ts, order_++, std::move(r), is_data});
  }

  void open(Conn& c, uint64_t t) {
    if (c.open) return;
    c.open = true;
    c.client_sock = 0xffff900000000000ULL + (next_sock_++) * 0x800;
    c.server_sock = 0xffff900000000000ULL + (next_sock_++) * 0x800;
    c.c2s = static_cast<uint32_t>(rng_.between(0, UINT32_MAX));
    c.s2c = static_cast<uint32_t>(rng_.between(0, UINT32_MAX));
    // The connecting thread's CONN_OPEN; the accepted side shows up with its first bytes (ABI 2).
    push(test::conn_open(c.client, t - 30'000, c.client_fd, c.client_view, c.client_sock), false);
  }

  // Sender writes `msg` in one syscall; the receiver reads it in kReadBuffer pieces. Returns the time of
  // the last read's exit. `to_server`: client -> server direction.
  uint64_t transfer(Conn& c, bool to_server, const std::string& msg, uint64_t t) {
    const Proc& sender = to_server ? c.client : c.server;
    const Proc& receiver = to_server ? c.server : c.client;
    const int sfd = to_server ? c.client_fd : c.server_fd, rfd = to_server ? c.server_fd : c.client_fd;
    const cs_role srole = to_server ? CS_ROLE_CLIENT : CS_ROLE_SERVER, rrole = to_server ? CS_ROLE_SERVER : CS_ROLE_CLIENT;
    const cs_tuple stuple = to_server ? c.client_view : test::reversed(c.client_view);
    const cs_tuple rtuple = test::reversed(stuple);
    const uint64_t ssock = to_server ? c.client_sock : c.server_sock, rsock = to_server ? c.server_sock : c.client_sock;
    uint32_t& seq = to_server ? c.c2s : c.s2c;
    const uint32_t len = static_cast<uint32_t>(msg.size());
    std::string_view view(msg);
    uint64_t write_exit = t + 2'000 + len / 8;  // a copy costs time too
    // Socket-level capture: calls carry their return time only (enter_ns 0).
    push(test::data(sender, 0, write_exit, sfd, srole, CS_DIR_EGRESS, stuple, ssock, seq,
                    view.substr(0, std::min(len, cfg_.payload_cap)), len, CS_SYS_WRITE),
         true);
    uint64_t at = write_exit;
    for (uint32_t off = 0; off < len; off += kReadBuffer) {
      uint32_t n = std::min(kReadBuffer, len - off);
      uint64_t enter = at + 500;
      at = enter + 1'500 + n / 8;
      push(test::data(receiver, 0, at, rfd, rrole, CS_DIR_INGRESS, rtuple, rsock, seq + off,
                      view.substr(off, std::min(n, cfg_.payload_cap)), n, CS_SYS_READ),
           true);
    }
    seq += len;
    http_bytes_ += len;
    return at;
  }

  void request(uint32_t lane, uint64_t t) {
    Conn& c = lanes_[lane];
    open(c, t);
    t = transfer(c, true, make_request(rng_, "svc-a.internal:8080", rng_.between(200, 800)), t);
    ++http_requests_;
    t += rng_.between(10'000, 60'000);  // A works
    if (rng_.chance(cfg_.chain_share)) {
      Conn& u = upstream_[lane];
      open(u, t);
      t = transfer(u, true, make_request(rng_, "svc-b.internal:8081", rng_.between(200, 800)), t);
      ++http_requests_;
      t += rng_.between(50'000, 400'000);  // B works
      t = transfer(u, false, make_response(rng_, rng_.between(1024, 20480)), t);
      t += rng_.between(5'000, 30'000);
    }
    t = transfer(c, false, make_response(rng_, rng_.between(1024, 20480)), t);
    c.free_at = t + rng_.between(1'000, 20'000);  // client think time
  }

  Traffic flatten() {
    std::sort(pending_.begin(), pending_.end(),
              [](const Pending& a, const Pending& b) { return a.ts != b.ts ? a.ts < b.ts : a.order < b.order; });
    Traffic out;
    out.http_requests = http_requests_;
    size_t total = 0;
    for (const auto& p : pending_) total += (p.record.size() + 7) & ~size_t{7};
    out.bytes.reserve(total);
    for (auto& p : pending_) {
      if (p.is_data && cfg_.drop_share > 0 && rng_.chance(cfg_.drop_share)) {
        ++out.dropped_events;
        continue;
      }
      if (p.is_data) ++out.data_events;
      size_t off = out.bytes.size();
      out.offsets.push_back(off);
      out.sizes.push_back(static_cast<uint32_t>(p.record.size()));
      out.bytes.resize(off + ((p.record.size() + 7) & ~size_t{7}), 0);
      std::memcpy(out.bytes.data() + off, p.record.data(), p.record.size());
      Record().swap(p.record);
    }
    if (!pending_.empty()) {
      out.first_ts_ns = pending_.front().ts;
      out.last_ts_ns = pending_.back().ts;
    }
    return out;
  }

  TrafficConfig cfg_;
  Rng rng_;
  std::vector<Conn> lanes_, upstream_;
  std::vector<Pending> pending_;
  uint64_t order_ = 0;
  uint64_t next_sock_ = 1;
  uint64_t http_requests_ = 0;
  uint64_t http_bytes_ = 0;
};

}  // namespace

Traffic generate_http_traffic(const TrafficConfig& config) { return Generator(config).run(); }

}  // namespace cs::bench
