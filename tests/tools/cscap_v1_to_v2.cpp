// Test-only converter (not part of the agent): capture files of format 1 / event ABI 1 (syscall-level
// capture, before the socket-level redesign) to format 2 / event ABI 2, so that the recorded fixtures keep
// serving the replay tests.
//
//   cscap_v1_to_v2 IN.cscap OUT.cscap
//
// What changes per record (include/callscope/events.h has the ABI 2 rules):
//  - data: the socket fields move into cs_sock_ref (netns: kHostNetns, ABI 1 did not record it), goid 0,
//    enter_ns kept (ABI 1 always knew the syscall entry: it reads like the ABI 2 syscall fallback path).
//  - connection opens: a connect() (role client) becomes a CONN_OPEN of the connecting thread; an accept()
//    is dropped (ABI 2 reports no accept: an accepted socket is first seen in its data events).
//  - closes: ABI 1 reported every close() of an fd, ABI 2 one close per socket life. A close is kept only if
//    no later record names the same socket (same sock_id and tuple): a process closing its copy of a
//    shared socket did not end it.
//  - process exits: unchanged.
// The header keeps its clocks, payload cap and kernel release; the agent version gets " (from format 1)".
// The trailer keeps the ABI 1 counters (events, ringbuf drops, truncated, truncated bytes, read errors);
// the counters ABI 1 did not have are 0. A file without trailer gives a file without trailer.
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "callscope/events.h"
#include "record/capture_file.h"

namespace {

constexpr uint32_t kHostNetns = 4026531840u;  // the initial network namespace's inode number

// ABI 1 record layouts (include/callscope/events.h before CS_ABI_VERSION 2).
namespace v1 {
constexpr uint32_t kStatMax = 5;
struct conn_event {
  cs_event_header hdr;
  uint64_t sock_id;
  int32_t fd;
  uint8_t role;
  uint8_t syscall;
  uint8_t pad[2];
  int64_t ret;
  cs_tuple tuple;
};
struct data_event {
  cs_event_header hdr;
  uint64_t enter_ns;
  uint64_t sock_id;
  int32_t fd;
  uint8_t role;
  uint8_t direction;
  uint8_t syscall;
  uint8_t flags;
  uint32_t seq;
  uint32_t len;
  uint32_t captured;
  uint32_t pad;
  cs_tuple tuple;
};
struct close_event {
  cs_event_header hdr;
  uint64_t sock_id;
  int32_t fd;
  uint32_t pad;
  cs_tuple tuple;
};
static_assert(sizeof(conn_event) == 112 && sizeof(data_event) == 128 && sizeof(close_event) == 104,
              "ABI 1 layouts");
}  // namespace v1

template <typename T>
T get(const std::string& b, size_t at) {
  T v{};
  std::memcpy(&v, b.data() + at, sizeof v);  // little-endian host (x86-64, arm64), as the files are
  return v;
}

bool same_tuple(const cs_tuple& a, const cs_tuple& b) {
  auto same = [](const cs_addr& x, const cs_addr& y) {
    return x.family == y.family && x.port == y.port &&
           std::memcmp(x.addr, y.addr, x.family == AF_INET ? 4 : 16) == 0;
  };
  return same(a.local, b.local) && same(a.remote, b.remote);
}

struct Input {
  cs::CaptureHeader header;
  std::vector<std::string> records;
  bool has_trailer = false;
  uint64_t counters[v1::kStatMax] = {};
  std::string error;  // where reading stopped early (records before it are kept)
};

bool read_v1(const std::string& path, Input& in, std::string& fatal) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fatal = "cannot open " + path;
    return false;
  }
  const std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (b.size() < 52 || b.compare(0, 8, "CSCAPTUR") != 0) {
    fatal = path + ": not a callscope capture";
    return false;
  }
  const auto version = get<uint32_t>(b, 8), header_size = get<uint32_t>(b, 12), abi = get<uint32_t>(b, 16);
  if (version != 1 || abi != 1) {
    fatal = path + ": format " + std::to_string(version) + " / ABI " + std::to_string(abi) +
            ", this tool converts format 1 / ABI 1";
    return false;
  }
  if (header_size < 52 || header_size > b.size()) {
    fatal = path + ": corrupt header";
    return false;
  }
  in.header.payload_cap = get<uint32_t>(b, 20);
  in.header.mono_to_unix_ns = get<int64_t>(b, 24);
  in.header.start_unix_ns = get<uint64_t>(b, 32);
  in.header.start_mono_ns = get<uint64_t>(b, 40);
  size_t at = 48;
  for (std::string* s : {&in.header.kernel_release, &in.header.agent_version}) {
    if (at + 2 > header_size) break;
    const auto n = get<uint16_t>(b, at);
    at += 2;
    if (at + n > header_size) break;
    s->assign(b, at, n);
    at += n;
  }
  at = header_size;
  while (at < b.size()) {
    if (at + 4 > b.size()) {
      in.error = "record length cut at byte " + std::to_string(at);
      break;
    }
    const auto size = get<uint32_t>(b, at);
    if (size == 0xFFFFFFFFu) {
      if (at + 8 + 20 > b.size()) {
        in.error = "trailer cut at byte " + std::to_string(at);
        break;
      }
      const auto count = get<uint32_t>(b, at + 8 + 16);
      for (uint32_t i = 0; i < count && i < v1::kStatMax && at + 28 + 8 * (i + 1) <= b.size(); ++i)
        in.counters[i] = get<uint64_t>(b, at + 28 + 8 * i);
      in.has_trailer = true;
      break;
    }
    if (size < sizeof(cs_event_header) || at + 4 + size > b.size()) {
      in.error = "record at byte " + std::to_string(at) + " is cut or corrupt";
      break;
    }
    in.records.emplace_back(b, at + 4, size);
    at += 4 + size;
  }
  return true;
}

// The ABI 2 record for ABI 1 record `i`, or an empty string if it has no ABI 2 counterpart.
std::string convert(const std::vector<std::string>& recs, size_t i, const std::map<uint64_t, uint8_t>& roles) {
  const std::string& r = recs[i];
  const auto h = get<cs_event_header>(r, 0);
  std::string out;
  switch (h.type) {
    case CS_EV_DATA: {
      if (r.size() < sizeof(v1::data_event)) return out;
      const auto e = get<v1::data_event>(r, 0);
      if (sizeof(v1::data_event) + e.captured > r.size()) return out;
      cs_data_event d{};
      d.hdr = h;
      d.hdr.size = static_cast<uint32_t>(sizeof d + e.captured);
      d.sock.sock_id = e.sock_id;
      d.sock.netns = kHostNetns;
      d.sock.fd = e.fd;
      d.sock.role = e.role;
      d.sock.tuple = e.tuple;
      d.enter_ns = e.enter_ns;
      d.direction = e.direction;
      d.syscall = e.syscall;
      d.flags = e.flags;
      d.seq = e.seq;
      d.len = e.len;
      d.captured = e.captured;
      out.assign(reinterpret_cast<const char*>(&d), sizeof d);
      out.append(r, sizeof(v1::data_event), e.captured);
      return out;
    }
    case CS_EV_CONN_OPEN: {
      if (r.size() < sizeof(v1::conn_event)) return out;
      const auto e = get<v1::conn_event>(r, 0);
      if (e.role != CS_ROLE_CLIENT) return out;  // accept(): ABI 2 has no such event
      cs_conn_event c{};
      c.hdr = h;
      c.hdr.size = sizeof c;
      c.sock.sock_id = e.sock_id;
      c.sock.netns = kHostNetns;
      c.sock.fd = e.fd;
      c.sock.role = CS_ROLE_CLIENT;
      c.sock.tuple = e.tuple;
      out.assign(reinterpret_cast<const char*>(&c), sizeof c);
      return out;
    }
    case CS_EV_CONN_CLOSE: {
      if (r.size() < sizeof(v1::close_event)) return out;
      const auto e = get<v1::close_event>(r, 0);
      for (size_t j = i + 1; j < recs.size(); ++j) {  // the socket lives on: not its close
        const auto later = get<cs_event_header>(recs[j], 0);
        uint64_t sock = 0;
        cs_tuple t{};
        if (later.type == CS_EV_DATA && recs[j].size() >= sizeof(v1::data_event)) {
          sock = get<v1::data_event>(recs[j], 0).sock_id;
          t = get<v1::data_event>(recs[j], 0).tuple;
        } else if (later.type == CS_EV_CONN_CLOSE && recs[j].size() >= sizeof(v1::close_event)) {
          sock = get<v1::close_event>(recs[j], 0).sock_id;
          t = get<v1::close_event>(recs[j], 0).tuple;
        } else {
          continue;
        }
        if (sock == e.sock_id && same_tuple(t, e.tuple)) return out;
      }
      cs_close_event c{};
      c.hdr = h;
      c.hdr.size = sizeof c;
      c.sock.sock_id = e.sock_id;
      c.sock.netns = kHostNetns;
      c.sock.fd = -1;
      auto role = roles.find(e.sock_id);
      c.sock.role = role == roles.end() ? uint8_t{CS_ROLE_UNKNOWN} : role->second;
      c.sock.tuple = e.tuple;
      out.assign(reinterpret_cast<const char*>(&c), sizeof c);
      return out;
    }
    case CS_EV_PROC_EXIT:
      if (r.size() != sizeof(cs_proc_exit_event)) return out;
      return r;  // same layout in both ABIs
    default:
      return out;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.cscap OUT.cscap  (format 1 / ABI 1 -> format 2 / ABI 2)\n", argv[0]);
    return 2;
  }
  Input in;
  std::string fatal;
  if (!read_v1(argv[1], in, fatal)) {
    std::fprintf(stderr, "cscap_v1_to_v2: %s\n", fatal.c_str());
    return 1;
  }
  std::map<uint64_t, uint8_t> roles;  // sock_id -> role the kernel knew (closes carry none in ABI 1)
  for (const std::string& r : in.records) {
    const auto h = get<cs_event_header>(r, 0);
    if (h.type == CS_EV_DATA && r.size() >= sizeof(v1::data_event))
      roles[get<v1::data_event>(r, 0).sock_id] = get<v1::data_event>(r, 0).role;
  }

  cs::CaptureHeader header = in.header;
  header.format_version = cs::kCaptureFormatVersion;
  header.abi_version = CS_ABI_VERSION;
  header.agent_version = (header.agent_version + " (from format 1)").substr(0, cs::kCaptureMaxString);
  cs::CaptureWriter writer;
  std::string error = writer.open(argv[2]);
  if (error.empty()) error = writer.write_header(header);
  size_t dropped = 0;
  for (size_t i = 0; error.empty() && i < in.records.size(); ++i) {
    const std::string rec = convert(in.records, i, roles);
    if (rec.empty()) {
      ++dropped;
      continue;
    }
    if (!writer.append(rec.data(), rec.size()))
      error = writer.error().empty() ? "converted record " + std::to_string(i) + " rejected" : writer.error();
  }
  if (error.empty()) {
    if (in.has_trailer) {
      cs::CaptureTrailer t;
      for (uint32_t k = 0; k < v1::kStatMax; ++k) t.counters[k] = in.counters[k];
      error = writer.finish(t);
    } else {
      error = writer.flush();  // no trailer in, none out
    }
  }
  if (!error.empty()) {
    std::fprintf(stderr, "cscap_v1_to_v2: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s -> %s: %zu records in, %llu out (%zu without an ABI 2 counterpart)%s%s\n", argv[1], argv[2],
              in.records.size(), static_cast<unsigned long long>(writer.records()), dropped,
              in.error.empty() ? "" : "; input stopped early: ", in.error.c_str());
  return 0;
}
