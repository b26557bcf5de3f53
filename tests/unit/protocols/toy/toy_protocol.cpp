#include "unit/protocols/toy/toy_protocol.h"

namespace cs::toy {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits "A B C" into A and the rest.
std::pair<std::string_view, std::string_view> word(std::string_view s) {
  const size_t sp = s.find(' ');
  if (sp == std::string_view::npos) return {s, {}};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

}  // namespace

void ToyExchange::describe(const ExchangeContext& ctx, SpanFields& out) const {
  out.name = target.empty() ? operation : operation + " " + target;
  if (!error_code.empty()) {
    out.error = true;
    out.status_message = "ERR " + error_code;
  }
  out.attributes.push_back({"db.system.name", std::string("toy")});
  out.attributes.push_back({"db.operation.name", operation});
  if (!target.empty()) out.attributes.push_back({"db.collection.name", target});
  if (!database.empty()) out.attributes.push_back({"db.namespace", database});
  if (!error_code.empty()) out.attributes.push_back({"db.response.status_code", error_code});
  out.attributes.push_back({"db.response.returned_rows", rows});
  append_endpoint_attributes(ctx, out.attributes);
}

Detect ToyProtocol::detect(std::string_view b) const {
  if (starts_with(b, "HELLO ")) return Detect::SentByServer;
  if (starts_with(b, "START ") || starts_with(b, "CMD ")) return Detect::SentByClient;
  return Detect::No;
}

void ToySession::on_segment(Dir dir, const Segment& seg) {
  const int side = dir == request_dir_ ? 0 : 1;
  Line& line = lines_[side];
  if ((started_[side] && seg.pos != next_pos_[side]) || seg.captured.size() != seg.len) {
    ++stats_.parse_errors;  // lost or uncaptured bytes: drop the line being read
    line = Line{};
    if (seg.captured.size() != seg.len) {
      started_[side] = true;
      next_pos_[side] = seg.pos + seg.len;
      return;
    }
  }
  started_[side] = true;
  next_pos_[side] = seg.pos + seg.len;
  for (size_t i = 0; i < seg.captured.size(); ++i) {
    if (!line.open) {
      line.open = true;
      line.text.clear();
      line.where = Message{};
      line.where.is_request = side == 0;
      line.where.start_pos = seg.pos + i;
      line.where.first = seg.meta;
    }
    const char c = seg.captured[i];
    if (c != '\n') {
      line.text.push_back(c);
      continue;
    }
    line.where.end_pos = seg.pos + i + 1;
    line.where.last = seg.meta;
    line.open = false;
    ++stats_.messages;
    on_line(side == 0, line.where, line.text);
  }
}

void ToySession::on_line(bool from_client, const Message& where, std::string_view text) {
  auto [verb, rest] = word(text);
  if (from_client) {
    if (verb == "START") {
      database_ = std::string(rest);  // startup: remembered, no span
    } else if (verb == "CMD") {
      Pending& p = pending_.emplace_back();
      auto [op, target] = word(rest);
      p.ex.operation = std::string(op);
      p.ex.target = std::string(target);
      p.ex.database = database_;
      p.ex.server = server_;
      p.ex.request = where;
      sink_.request_complete(p.ex.request, request_dir_);
    } else {
      ++stats_.parse_errors;
    }
    return;
  }
  if (verb == "HELLO") {
    server_ = std::string(rest);  // greeting: remembered, no span
    return;
  }
  if (verb == "PUSH") {
    ++pushes_;  // answers no request
    return;
  }
  if (verb != "ROW" && verb != "END" && verb != "ERR") {
    ++stats_.parse_errors;
    return;
  }
  if (pending_.empty()) {
    ++stats_.unmatched_responses;
    return;
  }
  Pending& p = pending_.front();
  if (!p.started) {
    p.started = true;
    p.ex.has_response = true;
    p.ex.response = where;
    sink_.response_started(p.ex.request, request_dir_, where.first);
  }
  if (verb == "ROW") {
    ++p.ex.rows;
    return;
  }
  if (verb == "ERR") p.ex.error_code = std::string(rest);
  p.ex.response.end_pos = where.end_pos;
  p.ex.response.last = where.last;
  sink_.exchange_complete(p.ex, request_dir_);
  pending_.pop_front();
}

void ToySession::on_close(uint64_t ts_ns, bool reset) {
  for (Pending& p : pending_) {
    p.ex.end = reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed;
    p.ex.end_ns = ts_ns;
    sink_.exchange_complete(p.ex, request_dir_);
  }
  pending_.clear();
}

}  // namespace cs::toy
