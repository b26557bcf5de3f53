// capture_dump: opens the BPF capture with filters from argv and prints one line per kernel record for a
// while, then the kernel counters. Used by tests/integration/test_capture_smoke.sh; handy by hand too.
//
//   capture_dump [--seconds N] [--port P]... [--pid P]... [--comm NAME]... [--payload N] [--ringbuf N]
//                [--mode auto|socket|syscall] [--ignore-port P] [--quiet]
//
// --ignore-port P: the first data event of a socket with local or remote port P makes capture_dump send the
// kernel the verdict "ignore" for that socket (as the agent does for connections of unknown protocols).
//
// Lines (space-separated key=value; payload bytes escaped so that a line has no spaces inside a value):
//   READY programs=N
//   MODE socket|syscall
//   DATA pid= tid= comm= fd= role= dir= sys= seq= len= captured= flags= sock= netns= local= remote= enter_ns= ts_ns= goid= data=
//   CONN pid= tid= comm= fd= role= sock= netns= local= remote= ts_ns=
//   CLOSE pid= tid= comm= sock= netns= local= remote= ts_ns= connect_ns= srtt_us= retransmits= bytes_acked= bytes_received= close_flags=
//   EXIT pid= comm= code= ts_ns=
//   STATS events= ringbuf_drops= truncated= truncated_bytes= read_errors= no_payload= ignored_calls= received= malformed=
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "capture/bpf_capture.h"

namespace {

inline uint64_t U64(unsigned long long v) { return static_cast<uint64_t>(v); }

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::string addr_text(const cs_addr& a) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (a.family == AF_INET) {
    inet_ntop(AF_INET, a.addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(a.port);
  }
  if (a.family == AF_INET6) {
    inet_ntop(AF_INET6, a.addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(a.port);
  }
  return "family" + std::to_string(a.family) + ":" + std::to_string(a.port);
}

std::string escaped(const uint8_t* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    uint8_t c = p[i];
    if (c > 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

std::string comm_text(const cs_event_header& h) {
  std::string c(h.comm, strnlen(h.comm, CS_COMM_LEN));
  for (char& ch : c)
    if (ch == ' ') ch = '_';
  return c;
}

const char* role_text(uint8_t r) {
  switch (r) {
    case CS_ROLE_CLIENT: return "1";
    case CS_ROLE_SERVER: return "2";
    default: return "0";
  }
}

struct Printer {
  cs::BpfCapture* cap = nullptr;
  uint16_t ignore_port = 0;
  bool quiet = false;  // count records, print nothing per record (for overhead measurements)
  size_t preview = 64;
  uint64_t received = 0;
  uint64_t malformed = 0;

  void operator()(const void* data, size_t size) {
    ++received;
    if (quiet) return;
    const auto* h = static_cast<const cs_event_header*>(data);
    if (size < sizeof(cs_event_header) || h->size > size) {
      ++malformed;
      printf("MALFORMED size=%zu\n", size);
      return;
    }
    switch (h->type) {
      case CS_EV_DATA: {
        if (size < sizeof(cs_data_event)) break;
        const auto* e = static_cast<const cs_data_event*>(data);
        if (sizeof(cs_data_event) + e->captured > h->size) break;
        printf("DATA pid=%u tid=%u comm=%s fd=%d role=%s dir=%u sys=%u seq=%u len=%u captured=%u flags=%u "
               "sock=0x%" PRIx64 " netns=%u local=%s remote=%s enter_ns=%" PRIu64 " ts_ns=%" PRIu64 " goid=%" PRIu64
               " data=%s\n",
               h->pid, h->tid, comm_text(*h).c_str(), e->sock.fd, role_text(e->sock.role), e->direction, e->syscall,
               e->seq, e->len, e->captured, e->flags, U64(e->sock.sock_id), e->sock.netns,
               addr_text(e->sock.tuple.local).c_str(), addr_text(e->sock.tuple.remote).c_str(), U64(e->enter_ns),
               U64(h->ts_ns), U64(e->goid), escaped(e->payload, std::min<size_t>(e->captured, preview)).c_str());
        if (ignore_port != 0 && (e->sock.tuple.local.port == ignore_port || e->sock.tuple.remote.port == ignore_port))
          cap->set_verdict(e->sock.sock_id, CS_VERDICT_IGNORE);
        return;
      }
      case CS_EV_CONN_OPEN: {
        if (h->size < sizeof(cs_conn_event)) break;
        const auto* e = static_cast<const cs_conn_event*>(data);
        printf("CONN pid=%u tid=%u comm=%s fd=%d role=%s sock=0x%" PRIx64 " netns=%u local=%s remote=%s ts_ns=%" PRIu64
               "\n",
               h->pid, h->tid, comm_text(*h).c_str(), e->sock.fd, role_text(e->sock.role), U64(e->sock.sock_id),
               e->sock.netns, addr_text(e->sock.tuple.local).c_str(), addr_text(e->sock.tuple.remote).c_str(),
               U64(h->ts_ns));
        return;
      }
      case CS_EV_CONN_CLOSE: {
        if (h->size < sizeof(cs_close_event)) break;
        const auto* e = static_cast<const cs_close_event*>(data);
        printf("CLOSE pid=%u tid=%u comm=%s sock=0x%" PRIx64 " netns=%u local=%s remote=%s ts_ns=%" PRIu64
               " connect_ns=%" PRIu64 " srtt_us=%u retransmits=%u bytes_acked=%" PRIu64 " bytes_received=%" PRIu64
               " close_flags=%u\n",
               h->pid, h->tid, comm_text(*h).c_str(), U64(e->sock.sock_id), e->sock.netns,
               addr_text(e->sock.tuple.local).c_str(), addr_text(e->sock.tuple.remote).c_str(), U64(h->ts_ns),
               U64(e->connect_ns), e->srtt_us, e->retransmits, U64(e->bytes_acked), U64(e->bytes_received),
               e->flags);
        return;
      }
      case CS_EV_PROC_EXIT: {
        if (h->size < sizeof(cs_proc_exit_event)) break;
        const auto* e = static_cast<const cs_proc_exit_event*>(data);
        printf("EXIT pid=%u comm=%s code=%d ts_ns=%" PRIu64 "\n", h->pid, comm_text(*h).c_str(), e->exit_code, U64(h->ts_ns));
        return;
      }
      default:
        break;
    }
    ++malformed;
    printf("MALFORMED type=%u size=%zu\n", h->type, size);
  }
};

[[noreturn]] void usage(const char* msg) {
  fprintf(stderr,
          "capture_dump: %s\nusage: capture_dump [--seconds N] [--port P]... [--pid P]... [--comm NAME]... "
          "[--payload N] [--ringbuf N] [--mode auto|socket|syscall] [--ignore-port P] [--verbose]\n",
          msg);
  exit(2);
}

unsigned long number(const char* s, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > max) usage((std::string("bad number: ") + s).c_str());
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  cs::CaptureOptions opts;
  double seconds = 10;
  uint16_t ignore_port = 0;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--seconds") seconds = static_cast<double>(number(next(), 86400));
    else if (a == "--port") opts.ports.push_back(static_cast<uint16_t>(number(next(), 65535)));
    else if (a == "--pid") opts.pids.push_back(static_cast<uint32_t>(number(next(), 0xffffffffUL)));
    else if (a == "--comm") opts.comms.emplace_back(next());
    else if (a == "--payload") opts.payload_bytes = static_cast<uint32_t>(number(next(), 0xffffffffUL));
    else if (a == "--ringbuf") opts.ringbuf_bytes = static_cast<uint32_t>(number(next(), 0xffffffffUL));
    else if (a == "--quiet") quiet = true;
    else if (a == "--ignore-port") ignore_port = static_cast<uint16_t>(number(next(), 65535));
    else if (a == "--mode") {
      if (!cs::parse_capture_mode(next(), opts.mode)) usage("--mode takes auto, socket or syscall");
    } else if (a == "--verbose") spdlog::set_level(spdlog::level::debug);
    else usage(("unknown argument " + a).c_str());
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  std::string error;
  auto cap = cs::BpfCapture::open(opts, error);
  if (!cap) {
    fprintf(stderr, "capture_dump: BPF capture failed: %s\n", error.c_str());
    return 1;
  }
  auto progs = cap->attached_programs();
  for (const auto& p : progs) fprintf(stderr, "capture_dump: attached %s\n", p.c_str());
  printf("MODE %s\n", cs::capture_mode_name(cap->mode()));
  printf("READY programs=%zu\n", progs.size());

  Printer printer;
  printer.cap = cap.get();
  printer.ignore_port = ignore_port;
  printer.quiet = quiet;
  std::function<void(const void*, size_t)> cb = std::ref(printer);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int rc = 0;
  while (!g_stop && std::chrono::steady_clock::now() < deadline) {
    int n = cap->poll(100, cb);
    if (n < 0 && n != -EINTR) {
      fprintf(stderr, "capture_dump: ring buffer poll failed: %s\n", strerror(-n));
      rc = 1;
      break;
    }
  }
  cap->poll(0, cb);  // drain what is left
  cs::KernelStats st = cap->stats();
  printf("STATS events=%" PRIu64 " ringbuf_drops=%" PRIu64 " truncated=%" PRIu64 " truncated_bytes=%" PRIu64
         " read_errors=%" PRIu64 " no_payload=%" PRIu64 " ignored_calls=%" PRIu64 " received=%" PRIu64
         " malformed=%" PRIu64 "\n",
         st.events, st.ringbuf_drops, st.truncated, st.truncated_bytes, st.read_errors, st.no_payload,
         st.ignored_calls, printer.received, printer.malformed);
  return rc;
}
