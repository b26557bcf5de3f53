// Where finished spans go. A sink gets each span once, with its trace id and parent resolved, grouped by
// trace when the trace is emitted as a whole (spans that finish after their trace was emitted come alone).
#pragma once

#include <vector>

#include "spans/span.h"

namespace cs {

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Spans of one trace, parents before children.
  virtual void emit(const std::vector<Span>& spans) = 0;
  virtual void flush() {}
};

}  // namespace cs
