// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/keyring.hpp>
#include <noodle/archive/extract.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/prepare.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sys/stat.h>

namespace noodle::engine {

namespace {

// What a strategy does on the runtime, in words.
std::string describe_rollout(const std::string& strategy, const live::HelloInfo& hello,
                             const live::StrategyOptions& options)
{
  std::string how;
  if (strategy == "immediate") {
    how = "activate on every instance at once, check health, commit";
  } else if (strategy == "gradual") {
    how = fmt::format("shift traffic by weights {}, a health gate after each, commit", fmt::join(options.steps, ","));
  } else if (strategy == "canary") {
    how = options.canary_weight > 0
              ? fmt::format("{}% of traffic first, health watched for {} ms, then all, commit", options.canary_weight,
                            options.analysis.count())
              : fmt::format("one instance first, health watched for {} ms, then all, commit", options.analysis.count());
  } else if (strategy == "blue-green") {
    how = "activate beside the old version, check health, switch all traffic, commit";
  } else if (strategy == "rolling") {
    how = fmt::format("{} instance{} at a time, each health-checked, commit", options.max_unavailable,
                      options.max_unavailable == 1 ? "" : "s");
  } else {
    how = strategy;
  }
  return fmt::format("{} on runtime '{}' {} ({} instance{}): prepare, {}; `current` is swapped just before the "
                     "commit",
                     strategy, hello.runtime, hello.version, hello.instances.size(),
                     hello.instances.size() == 1 ? "" : "s", how);
}

// Verifies the archive of `entry` as install_version will, in one read of
// the file and without writing anything; `check_extraction` also judges
// every entry as extraction would.
Result<void> verify_hop(const manifest::Manifest& entry, const ArchiveSource& source, bool check_extraction,
                        std::optional<archive::Keyring>& keyring, HopAction& action, std::vector<std::string>& warnings)
{
  auto files = locate_archive(entry, source);
  if (!files) {
    return fail(files.error());
  }
  action.archive = files->archive.string();
  const bool has_signature = exists_unrooted(files->signature);
  archive::SignatureSource signature;
  if (has_signature || source.allow_unsigned != AllowUnsigned::yes) {
    if (!keyring) {
      auto loaded = archive::load_keyring(source.keyring_dir);
      if (!loaded) {
        return fail(loaded.error());
      }
      keyring.emplace(std::move(*loaded));
    }
    if (!has_signature) {
      Error e(ErrorCode::signature_invalid, fmt::format("archive '{}' has no signature '{}'", files->archive.string(),
                                                        files->signature.string()));
      e.details.push_back("every installed archive must be signed by a key in the keyring");
      return fail(std::move(e));
    }
    signature.path = files->signature;
    signature.keyring = &*keyring;
  }
  auto verified = archive::inspect_archive(
      files->archive, signature,
      check_extraction ? archive::InspectDepth::every_entry : archive::InspectDepth::manifest, source.limits);
  if (!verified) {
    return fail(verified.error());
  }
  if (auto matches = archive::check_catalog_entry(*verified, entry); !matches) {
    return fail(matches.error());
  }
  action.is_signed = verified->is_signed;
  action.sha256 = verified->sha256;
  action.size = verified->size;
  if (verified->is_signed) {
    action.signature = files->signature.string();
    action.key_id = verified->signature.key_id;
    action.signed_at = verified->signature.statement.signed_at;
  } else {
    warnings.push_back(fmt::format("{}@{} would be installed from an UNSIGNED archive '{}' (--allow-unsigned)",
                                   entry.name, entry.version.to_string(), action.archive));
  }
  return {};
}

} // namespace

std::string_view to_string(Installed::How how)
{
  switch (how) {
  case Installed::How::extracted: return "extract";
  case Installed::How::reused: return "reuse";
  case Installed::How::replaced: return "replace";
  }
  return "extract";
}

Result<Prepared> prepare_changes(Session& session, const PrepareRequest& request)
{
  if (request.live != nullptr) {
    if (auto swappable = check_hot_swappable(request.changes); !swappable) {
      return fail(swappable.error());
    }
  }
  if (session.store() != nullptr) {
    if (auto floors = check_floors(session, request.changes, request.allow_downgrade); !floors) {
      return fail(floors.error());
    }
  }
  Prepared prepared;
  // The strategy of each change, as run_transaction picks it.
  for (const auto& change : request.changes) {
    HopAction action;
    action.component = change.component;
    action.from = change.from;
    action.to = change.to;
    action.point = fmt::format("a rollback point of {} at {}, with a copy of config/", change.component,
                               change.from.value_or("nothing (not installed)"));
    action.swap = fmt::format("components/{}/current: {} -> versions/{}", change.component,
                              change.from ? "versions/" + *change.from : std::string("(none)"), change.to);
    action.config = change.restore_point ? fmt::format("restored from rollback point {}", *change.restore_point)
                                         : "kept as it is (the rollback point holds a copy)";
    if (request.live != nullptr) {
      live::StrategyOptions options = request.live->strategy;
      if (!change.from || change.restore_point) {
        options.name = "immediate";
        options.fallback.reset();
      } else if (live::is_strategy(change.strategy)) {
        options.name = change.strategy;
      }
      auto chosen = live::choose_strategy(request.live->hello, options);
      if (!chosen) {
        return fail(chosen.error());
      }
      action.strategy = *chosen;
      action.runtime = describe_rollout(*chosen, request.live->hello, options);
      if (const auto prober = gate_prober(*request.live, change)) {
        action.probes = prober->describe();
      }
    } else {
      action.strategy = "offline";
      action.runtime = change.from && change.entry != nullptr && !change.entry->hot_swappable
                           ? "offline: files only; pending restart (not hot-swappable), the runtime loads it at its "
                             "next start"
                           : "offline: files only; the runtime loads it at its next start";
    }
    prepared.actions.push_back(std::move(action));
  }
  std::optional<archive::Keyring> keyring;
  for (std::size_t i = 0; i < request.changes.size(); ++i) {
    const Change& change = request.changes[i];
    HopAction& action = prepared.actions[i];
    if (change.entry == nullptr) {
      action.how = Installed::How::reused; // a rollback target, checked against its record
      continue;
    }
    auto how = plan_install(session, *change.entry, request.source);
    if (!how) {
      return fail(how.error());
    }
    action.how = *how;
    if (*how == Installed::How::reused) {
      if (auto files = locate_archive(*change.entry, request.source); files) {
        action.archive = files->archive.string();
      }
      if (auto recorded = session.store()->recorded_archive(change.component, change.to); recorded && *recorded) {
        action.sha256 = **recorded;
      }
      continue;
    }
    if (auto verified = verify_hop(*change.entry, request.source, request.check_extraction, keyring, action, prepared.warnings); !verified) {
      return fail(verified.error());
    }
  }
  return prepared;
}

} // namespace noodle::engine
