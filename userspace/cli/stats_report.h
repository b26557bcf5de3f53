// Self-metrics as log lines: what was seen, linked, dropped and lost.
#pragma once

#include <string>

#include "capture/bpf_capture.h"
#include "pipeline/pipeline.h"

namespace cs {

std::string format_pipeline_stats(const PipelineStats& s);
std::string format_kernel_stats(const KernelStats& k);

}  // namespace cs
