// SPDX-License-Identifier: Apache-2.0
// Internal to src/manifest: the reader of `health_check.probes`.
#pragma once

#include "yaml_doc.hpp"

#include <noodle/manifest/probe.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace noodle::manifest::detail {

// What a probe takes when it does not say: health_check's own timeout_ms
// and retries (failure_threshold = retries + 1).
struct ProbeDefaults {
  std::uint64_t timeout_ms = 5000;
  std::uint32_t failure_threshold = 4;
};

// Reads the list at `field` ("health_check.probes") into `out`, reporting
// every problem at its node; a probe with a problem is left out.
void read_probes(const Node& v, Sink& sink, const std::string& field, const ProbeDefaults& defaults,
                 Diagnostic::Severity unknown, std::vector<Probe>& out);

// The probe `health_check_endpoint: URL` stands for: one http probe named
// "health_check_endpoint" with the defaults. Reports a URL that is not
// http:// or names an unknown placeholder, and returns nullopt for it.
std::optional<Probe> endpoint_probe(const Node& v, Sink& sink, const std::string& url, const ProbeDefaults& defaults);

} // namespace noodle::manifest::detail
