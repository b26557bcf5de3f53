// Redis protocol state of one connection: a RESP scanner per direction and the pairing of replies with
// commands, in order (Redis answers in order and has no request ids).
//
// Rules (beyond protocols/protocol.h and db/in_order_exchanges.h):
//  - Every command is a request, MULTI / EXEC / DISCARD and the commands queued between them included.
//  - Replies that answer no command are consumed: RESP3 pushes ('>'), and on a RESP2 connection in
//    subscribed mode the "message" / "pmessage" / "smessage" arrays and the extra confirmations of a
//    SUBSCRIBE naming several channels. A (P|S)(UN)SUBSCRIBE command is answered by its first
//    confirmation (an array in RESP2, a push in RESP3).
//  - A reply whose framing lies beyond the captured bytes (an aggregate larger than --payload-bytes) on an
//    alternating connection ends where the reply bytes end, once the next command proves it was over.
//  - Replies are read from a point the session can prove: the first reply segment after the first command
//    seen, and after lost bytes on an alternating connection the first reply segment after the next
//    command (db/in_order_exchanges.h). A pipelining connection that lost bytes reports its later commands
//    as Lost until it closes.
#pragma once

#include <cstdint>

#include "protocols/db/in_order_exchanges.h"
#include "protocols/protocol.h"
#include "protocols/redis/redis_exchange.h"
#include "protocols/redis/resp_scanner.h"

namespace cs::redis {

class RedisSession final : public ProtocolSession, private RespScanner::Events {
 public:
  RedisSession(Dir request_dir, ExchangeSink& sink);

  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

  uint64_t pushes() const { return pushes_; }

 private:
  // Where the reply scanner may read from.
  enum class ReplySync : uint8_t {
    Synced,       // replies pair with pending commands
    WaitCommand,  // the next command re-aligns the replies
    WaitSegment,  // the next reply segment starts the answer to the oldest pending command
    Desynced,     // a pipelining connection lost bytes: nothing pairs until it closes
  };

  void on_value(bool command_side, RespValue& v) override;
  void on_broken(bool command_side, const db::FramingBreak& why) override;
  void on_command(RespValue& v);
  void on_reply(RespValue& v);
  void loss(uint64_t ts_ns);
  // The reply in progress was longer than the captured bytes: it ends where the reply bytes ended (called
  // when the next command proves it was over, or at close).
  void finish_cut();

  const Dir request_dir_;
  ProtocolStats stats_;
  db::InOrderExchanges<RedisExchange> pending_;
  RespScanner commands_;
  RespScanner replies_;
  ReplySync sync_ = ReplySync::WaitCommand;
  bool reply_cut_ = false;  // the reply scanner ran into uncaptured bytes (finish_cut)
  uint64_t cut_start_ = 0;
  SyscallMeta cut_first_;
  int64_t db_index_ = -1;
  bool subscribed_ = false;  // RESP2 subscribed mode: message arrays are pushes
  uint64_t pushes_ = 0;
};

}  // namespace cs::redis
