// A toy line protocol (test-only) written the way a real protocol plugs in (protocols/protocol.h): it
// exercises what the data-store protocols need from the model, without any of their parsing.
//
//   server greeting (server speaks first)   S: HELLO <server>\n
//   startup before any request              C: START <database>\n
//   request (pipelining allowed)            C: CMD <operation> [<target>]\n
//   response: several messages per request  S: ROW <x>\n ... then END\n or ERR <code>\n
//   server push, answers no request         S: PUSH <x>\n
//
// Test-only simplifications: lines must be captured whole (a gap or uncaptured bytes drop the line being
// read and count a parse error).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "protocols/protocol.h"

namespace cs::toy {

struct ToyExchange final : Exchange {
  std::string operation;
  std::string target;
  std::string database;  // from the connection's START
  std::string server;    // from the connection's HELLO
  int64_t rows = 0;
  std::string error_code;  // from ERR

  void describe(const ExchangeContext& ctx, SpanFields& out) const override;
};

class ToySession final : public ProtocolSession {
 public:
  ToySession(Dir request_dir, ExchangeSink& sink) : request_dir_(request_dir), sink_(sink) {}
  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

  uint64_t pushes() const { return pushes_; }

 private:
  struct Line {
    std::string text;
    bool open = false;
    Message where;  // start_pos, first; end_pos and last once complete
  };
  struct Pending {
    ToyExchange ex;
    bool started = false;
  };
  void on_line(bool from_client, const Message& where, std::string_view line);

  const Dir request_dir_;
  ExchangeSink& sink_;
  ProtocolStats stats_;
  Line lines_[2];  // [0] client -> server, [1] server -> client
  uint64_t next_pos_[2] = {0, 0};
  bool started_[2] = {false, false};
  std::deque<Pending> pending_;
  std::string database_;
  std::string server_;
  uint64_t pushes_ = 0;
};

class ToyProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "toy"; }
  Detect detect(std::string_view first_bytes) const override;
  std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const override {
    return std::make_unique<ToySession>(request_dir, sink);
  }
};

}  // namespace cs::toy
