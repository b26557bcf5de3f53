// The three things the binary does: trace live, record a capture, replay a capture.
#pragma once

#include "cli/options.h"

namespace cs {

int run_live(const Options& o);
int run_record(const Options& o);
int run_replay(const Options& o);

}  // namespace cs
