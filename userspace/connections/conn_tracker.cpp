#include "connections/conn_tracker.h"

#include <cstring>

namespace cs {

namespace {

// How many segments may pass without a recognisable message start before a connection is given up as
// "not a protocol we know" (its later bytes are ignored, counted once).
constexpr uint32_t kMaxDetectAttempts = 16;

std::string comm_of(const cs_event_header& h) { return std::string(h.comm, strnlen(h.comm, CS_COMM_LEN)); }

}  // namespace

ConnTracker::ConnTracker(const PipelineConfig& config, PipelineStats& stats, ConnectionObserver& observer)
    : config_(config), stats_(stats), observer_(observer) {}

ConnTracker::~ConnTracker() = default;

Connection* ConnTracker::find(uint32_t pid, int32_t fd) {
  auto p = by_pid_.find(pid);
  if (p == by_pid_.end()) return nullptr;
  auto c = p->second.find(fd);
  return c == p->second.end() ? nullptr : c->second.get();
}

Connection& ConnTracker::create(const cs_event_header& h, int32_t fd, uint64_t sock_id, const cs_tuple& t,
                                cs_role role) {
  if (Connection* old = find(h.pid, fd)) end(*old, h.ts_ns, false);  // fd reused without a close we saw
  while (lru_.size() >= config_.max_connections && !lru_.empty()) {
    ++stats_.connections_evicted;
    end(*lru_.front(), h.ts_ns, false);
  }
  auto conn = std::make_unique<Connection>();
  Connection& c = *conn;
  c.gen = next_gen_++;
  c.pid = h.pid;
  c.fd = fd;
  c.sock_id = sock_id;
  c.local = Endpoint::from(t.local);
  c.remote = Endpoint::from(t.remote);
  c.local_ip = c.local.ip();
  c.remote_ip = c.remote.ip();
  c.kernel_role = role;
  c.comm = comm_of(h);
  c.opened_ns = h.ts_ns;
  c.last_activity_ns = h.ts_ns;
  lru_.push_back(&c);
  c.lru_pos = std::prev(lru_.end());
  by_pid_[h.pid][fd] = std::move(conn);
  return c;
}

void ConnTracker::touch(Connection& c, uint64_t ts_ns) {
  c.last_activity_ns = ts_ns;
  lru_.splice(lru_.end(), lru_, c.lru_pos);
}

void ConnTracker::end(Connection& c, uint64_t ts_ns, bool reset) {
  if (c.session) c.session->on_close(ts_ns, reset);
  if (c.session) {
    const ProtocolStats& ps = c.session->stats();
    stats_.parse_errors += ps.parse_errors;
    stats_.resyncs += ps.resyncs;
    stats_.unmatched_responses += ps.unmatched_responses;
  }
  observer_.closed(c);
  lru_.erase(c.lru_pos);
  auto p = by_pid_.find(c.pid);
  uint32_t pid = c.pid;
  p->second.erase(c.fd);  // destroys c
  if (p->second.empty()) by_pid_.erase(pid);
}

void ConnTracker::on_open(const cs_conn_event& e) {
  ++stats_.conn_opens;
  Connection& c = create(e.hdr, e.fd, e.sock_id, e.tuple, static_cast<cs_role>(e.role));
  if (e.role == CS_ROLE_CLIENT) {
    c.request_dir = Dir::Egress;
    observer_.connected(c, e.hdr.tid);
  }
}

bool ConnTracker::detect(Connection& c, Dir dir, std::string_view first_bytes) {
  if (first_bytes.empty()) return false;
  for (const Protocol* proto : protocol_registry()) {
    Detect d = proto->detect(first_bytes);
    if (d == Detect::No) continue;
    // A request travelling out means this side is the client; a response travelling out, the server.
    bool request_out = (d == Detect::Request) == (dir == Dir::Egress);
    c.request_dir = request_out ? Dir::Egress : Dir::Ingress;
    c.sink = observer_.exchange_sink_for(c);
    c.session = proto->create_session(c.request_dir, *c.sink);
    c.proto = Connection::Proto::Active;
    return true;
  }
  if (++c.detect_attempts >= kMaxDetectAttempts) {
    c.proto = Connection::Proto::Unknown;
    ++stats_.connections_unknown_protocol;
  }
  return false;
}

void ConnTracker::on_data(const cs_data_event& e) {
  ++stats_.data_events;
  Connection* c = find(e.hdr.pid, e.fd);
  if (c != nullptr && e.sock_id != 0 && c->sock_id != 0 && c->sock_id != e.sock_id) {
    // Another socket under this fd: a late event of the one it replaced (it entered the syscall before
    // the current connection existed), or a new socket whose open we did not see.
    if (e.enter_ns < c->opened_ns) {
      ++stats_.out_of_order;
      return;
    }
    c = nullptr;
  }
  if (c == nullptr) c = &create(e.hdr, e.fd, e.sock_id, e.tuple, static_cast<cs_role>(e.role));
  touch(*c, e.hdr.ts_ns);
  if (c->proto == Connection::Proto::Unknown) return;

  Dir dir = e.direction == CS_DIR_EGRESS ? Dir::Egress : Dir::Ingress;
  std::string_view captured(reinterpret_cast<const char*>(e.payload), e.captured);
  StreamCursor::Placed placed =
      c->cursor(dir).place(!(e.flags & CS_DATA_F_NO_SEQ), e.seq, e.len, captured);
  if (placed.drop) {
    ++stats_.out_of_order;
    return;
  }
  if (placed.gap_bytes > 0) {
    ++stats_.stream_gaps;
    stats_.stream_gap_bytes += placed.gap_bytes;
  }
  if (c->proto == Connection::Proto::Detecting && !detect(*c, dir, placed.captured)) return;

  Segment seg;
  seg.pos = placed.pos;
  seg.len = placed.len;
  seg.captured = placed.captured;
  seg.meta = SyscallMeta{e.enter_ns, e.hdr.ts_ns, e.hdr.tid};
  c->session->on_segment(dir, seg);
}

void ConnTracker::on_close(const cs_close_event& e) {
  ++stats_.conn_closes;
  Connection* c = find(e.hdr.pid, e.fd);
  if (c == nullptr) return;
  if (e.sock_id != 0 && c->sock_id != 0 && c->sock_id != e.sock_id) return;  // a different socket's close
  end(*c, e.hdr.ts_ns, false);
}

void ConnTracker::on_process_exit(uint32_t pid, uint64_t ts_ns) {
  ++stats_.proc_exits;
  auto p = by_pid_.find(pid);
  if (p == by_pid_.end()) return;
  std::vector<Connection*> conns;
  for (auto& [fd, c] : p->second) conns.push_back(c.get());
  for (Connection* c : conns) end(*c, ts_ns, false);
}

void ConnTracker::close_all(uint64_t ts_ns) {
  while (!lru_.empty()) end(*lru_.front(), ts_ns, false);
}

}  // namespace cs
