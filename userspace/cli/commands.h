// What the binary does: trace live, record a capture, replay a capture, show the live `top` table.
#pragma once

#include "cli/options.h"

namespace cs {

int run_live(const Options& o);
int run_record(const Options& o);
int run_replay(const Options& o);
int run_top(const Options& o);       // live table of services and edges (top/)
int run_identify(const Options& o);  // the service identity of --pid processes, as JSON lines

}  // namespace cs
