// The text of one `callscope top` screen: a header line, the services table and the edges table, cut to
// the terminal's width and height. Plain text (tests compare it); the command adds the ANSI home/clear.
//
// Written by hand rather than with ncurses: the screen is redrawn whole once per interval and needs no
// input beyond 'q', so cursor addressing buys nothing here.
#pragma once

#include <string>

#include "top/top_model.h"

namespace cs {

struct TopStatus {
  double interval_s = 1;
  std::string clock;            // "12:34:56"
  uint64_t spans = 0;           // since start
  uint64_t ringbuf_drops = 0;
};

std::string render_top(const TopWindow& w, const TopStatus& st, int width, int height);
std::string format_latency(double seconds);  // "850us", "12.3ms", "1.20s"

}  // namespace cs
