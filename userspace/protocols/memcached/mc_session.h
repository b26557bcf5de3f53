// memcached text protocol (classic and meta commands) state of one connection: a line reader per
// direction and the pairing of replies with commands, in order.
//
// Rules (beyond protocols/protocol.h and db/in_order_exchanges.h):
//  - A get / gets / gat / gats reply runs to its END (VALUE blocks counted), stats to its END, every
//    other reply is one line (and its data block: VALUE, VA).
//  - noreply commands get no reply: reported with their request only. A meta command with the quiet flag
//    (q) may or may not get one, so from it on the pairing is ambiguous: every command up to the next
//    "mn" is reported without a reply, replies before the MN that answers that "mn" are consumed, and the
//    "mn" pairs with its MN.
//  - After lost bytes the command reader restarts at a segment that starts with a known command line; the
//    replies re-align as for Redis (first reply segment after the next command on an alternating
//    connection; a pipelining connection reports later commands as Lost until it closes).
#pragma once

#include <cstdint>

#include "protocols/db/in_order_exchanges.h"
#include "protocols/memcached/mc_exchange.h"
#include "protocols/memcached/mc_reader.h"
#include "protocols/protocol.h"

namespace cs::memcached {

// The first line of `b` is a memcached command line (known command, CRLF-terminated, printable, numeric
// fields where the command has them).
bool is_command_line(std::string_view b);

class McSession final : public ProtocolSession, private McReader::Owner {
 public:
  McSession(Dir request_dir, ExchangeSink& sink);

  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

 private:
  enum class ReplySync : uint8_t { Synced, WaitCommand, WaitSegment, Desynced };

  int64_t data_after(bool client, std::string_view line) override;
  void on_unit(bool client, const Unit& u) override;
  bool proves_start(bool client, std::string_view captured) const override;
  void on_broken(bool client) override;
  void on_command(const Unit& u);
  void on_reply(const Unit& u);
  void loss();

  const Dir request_dir_;
  ProtocolStats stats_;
  db::InOrderExchanges<McExchange> pending_;
  McReader commands_;
  McReader replies_;
  ReplySync sync_ = ReplySync::WaitCommand;
  bool quiet_batch_ = false;
};

}  // namespace cs::memcached
