// Metric families in the Prometheus text exposition format (version 0.0.4).
//
// Rules: one "# HELP" and "# TYPE" per family; label names are the attribute keys with '.' -> '_'; label
// values escape '\\', '"' and newlines, invalid UTF-8 becomes U+FFFD; histograms give cumulative _bucket series (le, ending with "+Inf"),
// _sum and _count; a family with no series prints its HELP and TYPE only.
#pragma once

#include <string>
#include <vector>

#include "metrics/metric_family.h"

namespace cs {

void append_prometheus_text(const std::vector<MetricFamily>& families, std::string& out);

}  // namespace cs
