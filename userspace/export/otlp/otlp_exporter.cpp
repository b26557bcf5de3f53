#include "export/otlp/otlp_exporter.h"

#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <chrono>

#include "spans/recycling_allocator.h"

namespace cs {

namespace {

double mono_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

uint64_t unix_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::string join_url(std::string base, const char* path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

const char* content_type(OtlpEncoding e) {
  return e == OtlpEncoding::Protobuf ? "application/x-protobuf" : "application/json";
}

}  // namespace

OtlpExporter::OtlpExporter(OtlpConfig config, AgentResource agent, const IdentityResolver* identities,
                           MetricsSource metrics, uint64_t start_unix_ns)
    : config_(std::move(config)),
      agent_(std::move(agent)),
      identities_(identities),
      metrics_(std::move(metrics)),
      start_unix_ns_(start_unix_ns),
      http_(config_.http),
      traces_url_(join_url(config_.endpoint, "/v1/traces")),
      metrics_url_(join_url(config_.endpoint, "/v1/metrics")) {
  thread_ = std::thread([this] { run(); });
}

OtlpExporter::~OtlpExporter() { stop(); }

void OtlpExporter::emit(const std::vector<Span>& spans) {
  size_t queued;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) return;
    for (const Span& s : spans) {
      if (queue_.size() >= config_.queue_spans) {
        counters_.spans_dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      queue_.push_back(ExportSpan{s, identities_ != nullptr ? identities_->lookup(s.pid) : nullptr});
    }
    queued = queue_.size();
    counters_.queue_spans.store(queued, std::memory_order_relaxed);
  }
  if (queued >= config_.batch_spans) cv_.notify_one();
}

void OtlpExporter::stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!thread_.joinable()) return;
    if (!stopping_) {
      stopping_ = true;
      deadline_mono_ = mono_s() + config_.shutdown_s;
    }
  }
  cv_.notify_all();
  thread_.join();
}

void OtlpExporter::sleep_for(double s, bool interruptible) {
  std::unique_lock<std::mutex> lk(mu_);
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(s);
  if (interruptible)
    cv_.wait_until(lk, until, [&] { return stopping_; });
  else
    cv_.wait_until(lk, until, [&] { return stopping_ && mono_s() >= deadline_mono_; });
}

bool OtlpExporter::send_spans(std::vector<ExportSpan>& batch, bool stopping) {
  std::string body, error;
  if (!encode_traces(batch, agent_, config_.encoding, body, error)) {
    spdlog::error("OTLP: cannot encode {} spans: {}; dropped", batch.size(), error);
    counters_.spans_dropped_rejected.fetch_add(batch.size());
    return true;
  }
  double backoff = 0.25;
  while (true) {
    PostResult r = http_.post(traces_url_, content_type(config_.encoding), body);
    if (r.outcome == PostResult::Outcome::Ok) {
      counters_.spans_sent.fetch_add(batch.size());
      return true;
    }
    counters_.requests_failed.fetch_add(1);
    if (r.outcome == PostResult::Outcome::Permanent) {
      if (log_due())
        spdlog::error("OTLP: {} refused {} spans ({}); dropped (counted in callscope_export_spans_dropped_total)",
                      traces_url_, batch.size(), r.error);
      counters_.spans_dropped_rejected.fetch_add(batch.size());
      return true;
    }
    if (log_due()) spdlog::warn("OTLP: sending {} spans to {} failed ({}); retrying", batch.size(), traces_url_, r.error);
    double wait = r.retry_after_s > 0 ? std::min(r.retry_after_s, 30.0) : backoff;
    backoff = std::min(backoff * 2, config_.max_backoff_s);
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping = stopping_;
      if (stopping && mono_s() + wait > deadline_mono_) return false;
    }
    counters_.retries.fetch_add(1);
    sleep_for(wait, false);
  }
}

bool OtlpExporter::log_due() {
  // One failure line per 10 s at most: an outage must not flood the journal (the counters count all).
  const double now = mono_s();
  if (now < next_log_mono_) return false;
  next_log_mono_ = now + 10;
  return true;
}

bool OtlpExporter::stopping_now() {
  std::lock_guard<std::mutex> g(mu_);
  return stopping_;
}

void OtlpExporter::send_metrics() {
  std::string body, error;
  if (!encode_metrics(metrics_(), agent_, start_unix_ns_, unix_ns(), config_.encoding, body, error)) {
    spdlog::error("OTLP: cannot encode metrics: {}", error);
    counters_.metric_exports_failed.fetch_add(1);
    return;
  }
  double backoff = 0.25;
  const int attempts = stopping_now() ? 1 : 3;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    PostResult r = http_.post(metrics_url_, content_type(config_.encoding), body);
    if (r.outcome == PostResult::Outcome::Ok) {
      counters_.metric_exports_sent.fetch_add(1);
      return;
    }
    counters_.requests_failed.fetch_add(1);
    if (r.outcome == PostResult::Outcome::Permanent || attempt + 1 == attempts) {
      if (log_due()) spdlog::warn("OTLP: metrics not accepted by {} ({})", metrics_url_, r.error);
      break;
    }
    counters_.retries.fetch_add(1);
    sleep_for(r.retry_after_s > 0 ? std::min(r.retry_after_s, 30.0) : backoff, true);
    backoff *= 2;
  }
  counters_.metric_exports_failed.fetch_add(1);
}

void OtlpExporter::run() {
  const bool metrics_on = metrics_ && config_.metrics_interval_s > 0;
  double next_metrics = mono_s() + config_.metrics_interval_s;
  double next_batch = mono_s() + config_.batch_interval_s;
  std::vector<ExportSpan> batch;
  while (true) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lk(mu_);
      double wake = next_batch;
      if (metrics_on) wake = std::min(wake, next_metrics);
      cv_.wait_for(lk, std::chrono::duration<double>(std::max(0.0, wake - mono_s())),
                   [&] { return stopping_ || queue_.size() >= config_.batch_spans; });
      stopping = stopping_;
      const double now = mono_s();
      if (stopping || queue_.size() >= config_.batch_spans || now >= next_batch) {
        const size_t n = std::min(queue_.size(), config_.batch_spans);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        counters_.queue_spans.store(queue_.size(), std::memory_order_relaxed);
        next_batch = now + config_.batch_interval_s;
      }
    }
    if (!batch.empty() && !send_spans(batch, stopping)) {
      counters_.spans_dropped_shutdown.fetch_add(batch.size());
      batch.clear();
      break;
    }
    batch.clear();
    // The spans' attribute lists were allocated on the pipeline thread and freed here: give them back to
    // malloc rather than keep them on this thread's recycling lists, which nothing here takes from.
    arrays_released_.fetch_add(release_recycled_arrays(), std::memory_order_relaxed);
    if (metrics_on && !stopping && mono_s() >= next_metrics) {
      send_metrics();
      next_metrics = mono_s() + config_.metrics_interval_s;
    }
    if (stopping) {
      std::lock_guard<std::mutex> g(mu_);
      if (queue_.empty() || mono_s() >= deadline_mono_) break;
    }
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    counters_.spans_dropped_shutdown.fetch_add(queue_.size());
    queue_.clear();
    counters_.queue_spans.store(0);
  }
  arrays_released_.fetch_add(release_recycled_arrays(), std::memory_order_relaxed);
  if (metrics_on && mono_s() < deadline_mono_) send_metrics();  // the final values
}

}  // namespace cs
