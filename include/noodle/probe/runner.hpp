// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/live/prober.hpp>
#include <noodle/manifest/probe.hpp>

#include <memory>
#include <string>
#include <vector>

namespace noodle::probe {

// The real live::Prober: runs a manifest's health_check.probes against the
// version being rolled out, as Kubernetes runs its probes: the first
// attempt after initial_delay_ms, one every period_ms (from one start to the
// next; at once when an attempt took longer), each bounded by timeout_ms. A
// probe passes after success_threshold passes in a row and fails after
// failure_threshold failures in a row; one that flaps without either fails
// after 2 x (success_threshold + failure_threshold) attempts. A probe whose
// texts name {instance} runs once per instance (and its outcomes name it);
// the others once. Probes run side by side, each on its own schedule, in
// one thread; the first failure ends the run.
class ManifestProber final : public live::Prober {
public:
  ManifestProber(std::vector<manifest::Probe> probes, std::string component, std::string version);

  live::ProbeVerdict run(const std::vector<std::string>& instances, live::Timer& timer,
                         const std::function<bool()>& wake) override;
  std::vector<std::string> describe() const override;

private:
  std::vector<manifest::Probe> m_probes;
  std::string m_component;
  std::string m_version;
};

// The prober of `probes` for component@version; null when there are none.
std::shared_ptr<live::Prober> make_prober(const std::vector<manifest::Probe>& probes, const std::string& component,
                                          const std::string& version);

} // namespace noodle::probe
