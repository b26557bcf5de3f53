#include "connections/conn_tracker.h"

#include <cstring>
#include <string_view>

namespace cs {

namespace {

// How many segments may pass without a recognisable message start before a connection is given up as
// "not a protocol we know" (its later bytes are ignored, counted once).
constexpr uint32_t kMaxDetectAttempts = 16;

// Both tuples fully known (local port set) and naming different connections.
bool other_socket(const cs_tuple& known, const cs_tuple& seen) {
  if (std::memcmp(&known, &seen, sizeof known) == 0) return false;  // the usual case, byte for byte
  if (known.local.port == 0 || seen.local.port == 0) return false;
  return !same_addr(known.local, seen.local) || !same_addr(known.remote, seen.remote);
}

}  // namespace

ConnTracker::ConnTracker(const PipelineConfig& config, PipelineStats& stats, ConnectionObserver& observer,
                         SocketVerdicts* verdicts, const std::vector<const Protocol*>& protocols)
    : config_(config), stats_(stats), observer_(observer), verdicts_(verdicts), protocols_(protocols),
      recent_closes_(config.max_connections) {}

ConnTracker::~ConnTracker() {
  by_sock_.for_each([](uint64_t, Connection*& c) { delete c; });
}

Connection* ConnTracker::lookup(uint64_t sock_id) {
  Connection** c = by_sock_.find(sock_id);
  return c == nullptr ? nullptr : *c;
}

const Connection* ConnTracker::find(uint64_t sock_id) const {
  Connection* const* c = by_sock_.find(sock_id);
  return c == nullptr ? nullptr : *c;
}

Connection& ConnTracker::create(const cs_sock_ref& s, uint64_t ts_ns) {
  while (lru_.size() >= config_.max_connections && !lru_.empty()) {
    ++stats_.connections_evicted;
    end(*lru_.front(), ts_ns, false);
  }
  auto conn = std::make_unique<Connection>();
  Connection& c = *conn;
  c.gen = next_gen_++;
  c.sock_id = s.sock_id;
  c.netns = s.netns;
  c.kernel_role = static_cast<cs_role>(s.role);
  c.opened_ns = ts_ns;
  c.last_activity_ns = ts_ns;
  c.follows_close = recent_closes_.contains(s.sock_id);
  learn_tuple(c, s.tuple);
  lru_.push_back(&c);
  c.lru_pos = std::prev(lru_.end());
  // Callers create only after a lookup found none (or ended the one found), so the key is absent.
  const auto [slot, inserted] = by_sock_.insert(s.sock_id, &c);
  if (!inserted) {
    delete *slot;
    *slot = &c;
  }
  conn.release();
  return c;
}

void ConnTracker::learn_tuple(Connection& c, const cs_tuple& t) {
  c.wire = t;
  c.local = Endpoint::from(t.local);
  c.remote = Endpoint::from(t.remote);
  c.local_ip = c.local.ip();
  c.remote_ip = c.remote.ip();
}

void ConnTracker::touch(Connection& c, uint64_t ts_ns) {
  c.last_activity_ns = ts_ns;
  lru_.splice(lru_.end(), lru_, c.lru_pos);
}

void ConnTracker::end(Connection& c, uint64_t ts_ns, bool reset) {
  if (c.session) {
    c.session->on_close(ts_ns, reset);
    const ProtocolStats& ps = c.session->stats();
    stats_.parse_errors += ps.parse_errors;
    stats_.resyncs += ps.resyncs;
    stats_.unmatched_responses += ps.unmatched_responses;
  }
  observer_.closed(c);
  lru_.erase(c.lru_pos);
  by_sock_.erase(c.sock_id);
  delete &c;
}

void ConnTracker::on_open(const cs_conn_event& e) {
  ++stats_.conn_opens;
  Connection* c = lookup(e.sock.sock_id);
  // A connect on a socket that already moved bytes: a new socket under a reused sock_id (close lost).
  if (c != nullptr && (c->egress.started() || c->ingress.started() || other_socket(c->wire, e.sock.tuple))) {
    end(*c, e.hdr.ts_ns, false);
    c = nullptr;
  }
  if (c == nullptr) c = &create(e.sock, e.hdr.ts_ns);
  c->kernel_role = CS_ROLE_CLIENT;
  if (c->proto == Connection::Proto::Detecting) c->request_dir = Dir::Egress;
  observer_.connected(*c, SyscallMeta{e.hdr.ts_ns, e.hdr.ts_ns, e.hdr.tid, e.hdr.pid, e.goid});
}

bool ConnTracker::detect(Connection& c, Dir dir, std::string_view first_bytes) {
  if (first_bytes.empty()) return false;
  for (const Protocol* proto : protocols_) {
    Detect d = proto->detect(first_bytes);
    if (d == Detect::No) continue;
    // Bytes the client sent travelling out means this side is the client.
    bool request_out = (d == Detect::SentByClient) == (dir == Dir::Egress);
    c.request_dir = request_out ? Dir::Egress : Dir::Ingress;
    c.sink = observer_.exchange_sink_for(c);
    c.session = proto->create_session(c.request_dir, *c.sink);
    c.proto = Connection::Proto::Active;
    if (verdicts_) verdicts_->verdict(c.sock_id, CS_VERDICT_TRACE);
    return true;
  }
  if (++c.detect_attempts >= kMaxDetectAttempts) {
    c.proto = Connection::Proto::Unknown;
    ++stats_.connections_unknown_protocol;
    if (verdicts_) verdicts_->verdict(c.sock_id, CS_VERDICT_IGNORE);
  }
  return false;
}

void ConnTracker::on_data(const cs_data_event& e, const uint8_t* payload) {
  ++stats_.data_events;
  const cs_sock_ref& s = e.sock;
  if (s.tuple.local.port == 0) {
    // Made by a socket that had already closed: the kernel unbinds the local port at close, and a socket
    // that moves bytes while open has one. Whether or not its close was seen, such a call must not start
    // a connection, which the next socket at this address would then continue.
    ++stats_.late_events;
    return;
  }
  Connection* c = lookup(s.sock_id);
  if (c == nullptr || c->follows_close) {
    const RecentCloses::Check late = recent_closes_.check(e);
    if (late == RecentCloses::Check::Late) {
      ++stats_.late_events;
      return;
    }
    if (c != nullptr && late == RecentCloses::Check::NotClosed) c->follows_close = false;  // forgotten: stop checking
  }
  if (c != nullptr && (c->netns != s.netns || other_socket(c->wire, s.tuple))) {
    end(*c, e.hdr.ts_ns, false);  // the old socket's close was lost; this is another socket
    c = nullptr;
  }
  if (c == nullptr) {
    c = &create(s, e.hdr.ts_ns);
  } else if (c->wire.local.port == 0 && s.tuple.local.port != 0) {
    learn_tuple(*c, s.tuple);  // opened at SYN_SENT before the local port was bound
  }
  touch(*c, e.hdr.ts_ns);
  Dir dir = e.direction == CS_DIR_EGRESS ? Dir::Egress : Dir::Ingress;
  const SyscallMeta meta{e.enter_ns != 0 ? e.enter_ns : e.hdr.ts_ns, e.hdr.ts_ns, e.hdr.tid, e.hdr.pid, e.goid};
  observer_.io(*c, dir, meta);
  if (c->proto == Connection::Proto::Unknown) return;

  std::string_view captured(reinterpret_cast<const char*>(payload), e.captured);
  StreamCursor::Placed placed = c->cursor(dir).place(!(e.flags & CS_DATA_F_NO_SEQ), e.seq, e.len, captured);
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
  seg.meta = meta;
  c->session->on_segment(dir, seg);
}

void ConnTracker::on_close(const cs_close_event& e) {
  ++stats_.conn_closes;
  Connection* c = lookup(e.sock.sock_id);
  RecentCloses::StreamEnds ends;  // where its streams ended: tells its late events from a new socket's
  if (c != nullptr && e.hdr.ts_ns >= c->opened_ns) {
    ends.known[0] = c->egress.next_seq(ends.next_seq[0]);
    ends.known[1] = c->ingress.next_seq(ends.next_seq[1]);
  }
  recent_closes_.remember(e, ends);
  if (c != nullptr && e.hdr.ts_ns < c->opened_ns) {
    // The close of an earlier socket under this sock_id, delivered late: the live one goes on, and the
    // earlier socket's own late events that may still come are recognised.
    ++stats_.late_events;
    c->follows_close = true;
    return;
  }
  if (c != nullptr) end(*c, e.hdr.ts_ns, false);
}

void ConnTracker::close_all(uint64_t ts_ns) {
  while (!lru_.empty()) end(*lru_.front(), ts_ns, false);
}

}  // namespace cs
