// Gives every finished span to several sinks in turn (the span output, the metrics, the OTLP exporter,
// `callscope top`). Holds references: the sinks must outlive it. Header-only.
#pragma once

#include <vector>

#include "sinks/sink.h"

namespace cs {

class FanoutSink final : public SpanSink {
 public:
  void add(SpanSink& s) { sinks_.push_back(&s); }
  void emit(const std::vector<Span>& spans) override {
    for (SpanSink* s : sinks_) s->emit(spans);
  }
  void flush() override {
    for (SpanSink* s : sinks_) s->flush();
  }

 private:
  std::vector<SpanSink*> sinks_;
};

}  // namespace cs
