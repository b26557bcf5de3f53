// The protocols the agent knows, in detection order (the weakest evidence last). A new protocol adds one
// line here.
#include "protocols/protocol.h"

#include "protocols/http1/http1_protocol.h"
#include "protocols/memcached/mc_protocol.h"
#include "protocols/mysql/mysql_protocol.h"
#include "protocols/postgres/pg_protocol.h"
#include "protocols/redis/redis_protocol.h"

namespace cs {

const std::vector<const Protocol*>& protocol_registry() {
  static const std::vector<const Protocol*> all = {
      &http1::http1_protocol(),
      &redis::redis_protocol(),
      &memcached::memcached_protocol(),
      &postgres::pg_protocol(),
      &mysql::mysql_protocol(),
  };
  return all;
}

}  // namespace cs
