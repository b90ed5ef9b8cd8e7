// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/change.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/point.hpp>
#include <noodle/engine/progress.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/semver/version.hpp>

#include <fmt/format.h>

namespace noodle::engine {

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start)
{
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}



// Points `current` of `component` at versions/<version>, the version first
// checked against the catalog's rule (it may come from the state database).
Result<void> set_current(const RootDir& root, const std::string& component, const std::string& version,
                         LinkSwapTiming* timing = nullptr)
{
  if (auto versioned = manifest::check_version(version); !versioned) {
    return versioned;
  }
  return swap_link(root, rel::current(component), Layout::link_target(version), timing);
}

Result<void> point_link(Session& session, const std::string& component, const std::optional<std::string>& version)
{
  if (version) {
    return set_current(session.root(), component, *version);
  }
  // Back to "not installed": the runtime sees no `current`, as before.
  return remove_link(session.root(), rel::current(component));
}

std::string describe_link(const RootDir& root, const std::string& component)
{
  auto target = read_link(root, rel::current(component));
  if (!target) {
    return fmt::format("{}: current cannot be read ({})", component, target.error().message);
  }
  if (!*target) {
    return fmt::format("{}: no current link (not installed)", component);
  }
  return fmt::format("{}: current -> {}", component, **target);
}

} // namespace

std::shared_ptr<live::Prober> gate_prober(const LivePath& live, const Change& change)
{
  if (!live.probers || change.entry == nullptr || change.restore_point) {
    return nullptr;
  }
  return live.probers(change.entry->extras->health_check.probes, change.component, change.to);
}

std::string_view to_string(StepReport::Outcome outcome)
{
  switch (outcome) {
  case StepReport::Outcome::completed: return "completed";
  case StepReport::Outcome::failed: return "failed";
  case StepReport::Outcome::rolled_back: return "rolled_back";
  case StepReport::Outcome::not_started: return "not_started";
  case StepReport::Outcome::kept: return "kept";
  }
  return "failed";
}

Result<std::string> check_version_dir(Session& session, const std::string& component, const std::string& version)
{
  const RootDir& root = session.root();
  const auto dir = rel::version(component, version);
  auto there = exists_no_follow(root, dir);
  if (!there) {
    return fail(there.error());
  }
  if (!*there) {
    return fail(ErrorCode::not_found, fmt::format("{}@{} is not extracted under '{}'", component, version,
                                                  root.shown(rel::versions(component)).string()));
  }
  auto recorded = session.store()->files(component, version);
  if (!recorded) {
    return fail(recorded.error());
  }
  if (!*recorded) {
    return std::string(fmt::format("{}@{} has no extraction record: its files could not be checked", component,
                                   version));
  }
  auto opened = root.open_dir(dir);
  if (!opened) {
    return fail(opened.error());
  }
  auto actual = archive::hash_tree(opened->get(), root.shown(dir));
  if (!actual) {
    return fail(actual.error());
  }
  const auto differences = archive::compare_trees(**recorded, *actual);
  if (!differences.empty()) {
    Error e(ErrorCode::integrity, fmt::format("{}@{} does not match its extraction record ({} difference{})",
                                              component, version, differences.size(),
                                              differences.size() == 1 ? "" : "s"));
    for (std::size_t i = 0; i < differences.size() && i < 10; ++i) {
      e.details.push_back(fmt::format("{} '{}' {}", archive::to_string(differences[i].kind), differences[i].path,
                                      differences[i].detail));
    }
    return fail(std::move(e));
  }
  return std::string();
}

Result<void> undo_operation(Session& session, const store::OperationRecord& op)
{
  if (op.restores_config) {
    if (!op.point_id) {
      return fail(ErrorCode::corrupt_state,
                  fmt::format("operation {} on {} restored config/ but has no rollback point", op.id, op.component));
    }
    if (auto restored = restore_config(session, op.component, *op.point_id); !restored) {
      return fail(restored.error());
    }
  }
  return point_link(session, op.component, op.from_version);
}

Result<void> record_completion(Session& session, std::int64_t upgrade_id, const std::string& kind,
                               const std::vector<store::OperationRecord>& ops, const std::string& action,
                               const std::string& note, const std::string& detail,
                               std::optional<store::Millis> finished_at, const std::function<Result<void>()>& first)
{
  store::StateStore& db = *session.store();
  if (auto begun = db.begin(); !begun) {
    return fail(begun.error());
  }
  const auto record = [&]() -> Result<void> {
    if (first) {
      if (auto done = first(); !done) {
        return done;
      }
    }
    if (auto set = db.set_upgrade_status(upgrade_id, store::UpgradeStatus::completed, note,
                                         finished_at.value_or(session.now()));
        !set) {
      return set;
    }
    // A rollback of a whole upgrade marks that upgrade rolled back in the
    // same transaction, so recover finishing it leaves the same record.
    auto self = db.upgrade(upgrade_id);
    if (!self) {
      return fail(self.error());
    }
    if (*self && (*self)->undoes) {
      auto undone = db.upgrade(*(*self)->undoes);
      if (!undone) {
        return fail(undone.error());
      }
      if (*undone && (*undone)->status == store::UpgradeStatus::completed) {
        if (auto set = db.set_upgrade_status((*undone)->id, store::UpgradeStatus::rolled_back, "",
                                             (*undone)->finished_at);
            !set) {
          return set;
        }
      }
    }
    for (const auto& op : ops) {
      if (kind != "rollback") {
        auto floor = db.floor(op.component);
        if (!floor) {
          return fail(floor.error());
        }
        const auto to = semver::Version::parse(op.to_version);
        bool raise = true;
        if (*floor && to) {
          if (auto old = semver::Version::parse(**floor); old) {
            raise = semver::compare(*to, *old) > 0;
          }
        }
        if (raise) {
          if (auto set = db.set_floor(op.component, op.to_version, session.now(), upgrade_id); !set) {
            return set;
          }
        }
      }
      if (auto audited = session.audit(action, op.component, op.from_version, op.to_version, "completed", upgrade_id,
                                       detail);
          !audited) {
        return audited;
      }
    }
    return {};
  };
  if (auto recorded = record(); !recorded) {
    (void)db.rollback();
    return recorded;
  }
  return db.commit();
}

Result<TransactionReport> run_transaction(Session& session, const TransactionRequest& request)
{
  store::StateStore& db = *session.store();
  const Actor& actor = session.actor();
  const auto started = SteadyClock::now();
  const auto deadline = request.timeout ? std::optional(started + *request.timeout) : std::nullopt;

  store::UpgradeRecord record;
  record.kind = request.kind;
  record.status = store::UpgradeStatus::in_progress;
  record.started_at = session.now();
  record.requested_by = actor.requested_by;
  record.uid = actor.uid;
  record.user = actor.user;
  record.command = actor.command;
  record.pid = actor.pid;
  record.pid_start = actor.pid_start;
  // Offline, nothing runs a strategy: the runtime loads `current` at its next start.
  record.strategy = request.live ? request.strategy : "offline";
  record.priority = request.priority;
  record.metadata_json = request.metadata_json;
  record.offline = !request.live;
  record.undoes = request.undoes;
  if (session.locked()) {
    record.lock_wait_ms = session.lock_wait().count();
  }

  TransactionReport report;
  report.kind = request.kind;
  std::vector<store::OperationRecord> ops;
  {
    if (auto begun = db.begin(); !begun) {
      return fail(begun.error());
    }
    auto id = db.begin_upgrade(record);
    if (!id) {
      (void)db.rollback();
      return fail(id.error());
    }
    report.upgrade_id = *id;
    int seq = 0;
    for (const auto& change : request.changes) {
      store::OperationRecord op;
      op.upgrade_id = *id;
      op.seq = seq++;
      op.component = change.component;
      op.from_version = change.from;
      op.to_version = change.to;
      op.restores_config = change.restore_point.has_value();
      auto op_id = db.add_operation(op);
      if (!op_id) {
        (void)db.rollback();
        return fail(op_id.error());
      }
      op.id = *op_id;
      // The first step starts in the same commit: one fewer sync, and a
      // crash right after it leaves what a crash after a commit of its own
      // would (an operation in progress whose link has not moved).
      if (op.seq == 0) {
        if (auto first = db.start_operation(op.id, record.started_at); !first) {
          (void)db.rollback();
          return fail(first.error());
        }
      }
      ops.push_back(std::move(op));
      StepReport step;
      step.component = change.component;
      step.from = change.from;
      step.to = change.to;
      report.steps.push_back(std::move(step));
    }
    if (auto committed = db.commit(); !committed) {
      return fail(committed.error());
    }
  }

  // A safe point: nothing is half-done here.
  const auto should_stop = [&]() -> std::optional<Error> {
    if (request.stop) {
      if (auto stop = request.stop()) {
        return stop;
      }
    }
    if (auto row = db.upgrade(report.upgrade_id); row && *row && (*row)->cancel_requested) {
      return Error(ErrorCode::terminated, fmt::format("upgrade {} was cancelled", report.upgrade_id));
    }
    if (deadline && SteadyClock::now() > *deadline) {
      return Error(ErrorCode::timeout, fmt::format("the upgrade ran past its --timeout of {} s",
                                                   std::chrono::duration<double>(*request.timeout).count()));
    }
    return std::nullopt;
  };

  // Operators steer a live rollout (pause, resume, promote) through files
  // the strategy polls while it waits.
  std::optional<SteeringInbox> steering;
  // Where the rollout is, for `status` (the file goes with the change).
  std::optional<ProgressTracker> progress;
  if (request.live) {
    steering.emplace(session.layout(), report.upgrade_id, [&session] { return session.now(); });
    progress.emplace(session.layout(), report.upgrade_id);
  }

  // Live events carry the upgrade they belong to and the wall-clock time;
  // each is kept for the history, recorded with its step's outcome.
  std::vector<store::EventRecord> events;
  std::optional<std::int64_t> event_operation;
  const live::EventSink stamped = [&](const live::StrategyEvent& e) {
    live::StrategyEvent event = e;
    event.upgrade_id = report.upgrade_id;
    event.time_ms = session.now();
    store::EventRecord kept;
    kept.upgrade_id = report.upgrade_id;
    kept.operation_id = event_operation;
    kept.time = event.time_ms;
    kept.at_ms = event.at_ms;
    kept.phase = event.phase;
    kept.detail = event.detail;
    if (event.weight) {
      kept.weight = *event.weight;
    }
    kept.instances = event.instances;
    kept.healthy = event.healthy;
    events.push_back(std::move(kept));
    if (progress) {
      progress->on_event(event, event.time_ms);
    }
    if (request.live && request.live->on_event) {
      request.live->on_event(event);
    }
  };

  std::size_t done = 0; // changes whose link may have moved: [0, done)
  std::vector<bool> live_committed(request.changes.size(), false); // the runtime committed the new version
  std::optional<Error> failure;
  bool last_step_deferred = false; // recorded with the completion below
  for (std::size_t i = 0; i < request.changes.size() && !failure; ++i) {
    const Change& change = request.changes[i];
    StepReport& step = report.steps[i];
    store::OperationRecord& op = ops[i];
    const auto step_started = SteadyClock::now();
    event_operation = op.id;
    const auto ran = [&]() -> std::optional<std::string> {
      if (step.live) {
        return step.live->strategy;
      }
      return request.live ? std::nullopt : std::optional<std::string>("offline");
    };
    const auto step_failed = [&](Error e) {
      step.outcome = StepReport::Outcome::failed;
      step.message = e.message;
      step.seconds = seconds_since(step_started);
      (void)db.finish_operation(op.id, store::OperationStatus::failed, e.message, session.now(), ran());
      failure = std::move(e);
    };
    if (auto stop = should_stop()) {
      if (i == 0) {
        (void)db.set_operation_status(op.id, store::OperationStatus::pending, ""); // started with the record
      }
      failure = std::move(*stop);
      break;
    }
    if (i > 0) {
      if (auto begun = db.start_operation(op.id, session.now()); !begun) {
        step_failed(begun.error());
        break;
      }
    }
    const RootDir& root = session.root();
    if (auto made = make_dirs(root, rel::component(change.component), 0755); !made) {
      step_failed(made.error());
      break;
    }
    if (auto made = make_dirs(root, rel::config(change.component), 0755); !made) {
      step_failed(made.error());
      break;
    }
    // 1. The version to switch to, extracted and verified. An extraction
    //    takes the rollback point (2.) along: its copy of config/ made
    //    durable by the extraction's syncfs, its row committed with the
    //    extraction's record.
    std::optional<PointCopy> copy;
    std::optional<std::int64_t> point_id;
    if (change.entry != nullptr) {
      AlongWithExtraction along;
      along.before_sync = [&]() -> Result<void> {
        auto made = copy_for_point(session, change.component, Sync::scratch);
        if (!made) {
          return fail(made.error());
        }
        copy = std::move(*made);
        return {};
      };
      along.in_record = [&]() -> Result<void> {
        auto id = add_point(session, *copy, request.kind, report.upgrade_id, request.point_retention_ms, op.id);
        if (!id) {
          return fail(id.error());
        }
        point_id = *id;
        return {};
      };
      auto installed = install_version(session, *change.entry, request.source,
                                       fmt::format("{}-{}-{}", report.upgrade_id, op.seq, change.component), &along);
      if (!installed) {
        discard_point_copy(session, copy, point_id);
        step_failed(installed.error());
        break;
      }
      if (!installed->is_signed) {
        report.warnings.push_back(fmt::format("{}@{} was installed from an UNSIGNED archive (--allow-unsigned)",
                                              change.component, change.to));
      }
      if (installed->how == Installed::How::reused) {
        step.message = "reused the extracted version, which matches its record";
      }
      step.installed = *installed;
    } else {
      auto checked = check_version_dir(session, change.component, change.to);
      if (!checked) {
        step_failed(checked.error());
        break;
      }
      if (!checked->empty()) {
        report.warnings.push_back(*checked);
      }
    }
    if (auto stop = should_stop()) {
      step.outcome = StepReport::Outcome::not_started;
      (void)db.set_operation_status(op.id, store::OperationStatus::pending, "");
      failure = std::move(*stop);
      break;
    }
    // 2. The rollback point: what `current` and config/ are now (taken
    //    above when the version was extracted).
    if (!point_id) {
      auto point = take_point(session, change.component, request.kind, report.upgrade_id,
                              request.point_retention_ms, op.id);
      if (!point) {
        step_failed(point.error());
        break;
      }
      point_id = *point;
    }
    step.point_id = *point_id;
    op.point_id = *point_id;
    // 3. The switch. From here on this change counts as done for rollback.
    done = i + 1;
    bool recorded_early = false; // the runtime committed and the step is recorded completed
    const auto switch_files = [&]() -> Result<void> {
      LinkSwapTiming timing;
      if (auto swapped = set_current(session.root(), change.component, change.to, &timing); !swapped) {
        return swapped;
      }
      step.swap_ms = timing.replace_ms;
      step.sync_ms = timing.sync_ms;
      if (change.restore_point) {
        return restore_config(session, change.component, *change.restore_point);
      }
      return {};
    };
    if (request.live) {
      // The runtime takes the new version by the strategy; the files follow
      // just before its commit.
      live::StrategyOptions options = request.live->strategy;
      if (!change.from || change.restore_point) {
        options.name = "immediate"; // nothing to shift traffic from, or a rollback: all at once
        options.fallback.reset();
      } else if (live::is_strategy(change.strategy)) {
        options.name = change.strategy; // the plan's: a batch step's own, else --strategy
      }
      options.before_commit = switch_files;
      options.prober = gate_prober(*request.live, change);
      options.steer = [&steering] { return steering->poll(); };
      options.steer_applied = [&steering] { steering->acknowledge(); };
      // The runtime runs the new version for good from here: the step and
      // its events so far are recorded before the commit event is shown, so
      // a tool killed now leaves a record that matches the runtime. Should
      // this fail, the record after the rollout fails too and undoes it.
      options.after_commit = [&](const std::string& strategy) {
        recorded_early = false;
        Result<void> early = db.begin();
        if (early) {
          early = db.finish_operation(op.id, store::OperationStatus::completed, "", session.now(), strategy);
        }
        if (early) {
          early = db.append_events(events);
        }
        if (early) {
          early = db.commit();
        }
        if (!early) {
          (void)db.rollback();
          return;
        }
        events.clear();
        recorded_early = true;
      };
      const live::LiveTarget target{change.component, change.from.value_or(""), change.to,
                                    std::filesystem::absolute(
                                        session.layout().version_dir(change.component, change.to))
                                        .string()};
      progress->begin(options, change.component, change.from.value_or(""), change.to, session.now());
      // Signals, `cancel` and --timeout stop a rollout between its requests too.
      auto rollout = live::run_strategy(*request.live->runtime, request.live->hello, target, options,
                                        *request.live->timer, stamped, should_stop);
      if (!rollout) {
        done = i; // refused before anything happened on the runtime
        step_failed(rollout.error());
        break;
      }
      step.live = *rollout;
      if (!rollout->committed) {
        if (rollout->rollback_error) {
          const ErrorCode code = rollout->rollback_error->code;
          const bool lost = code == ErrorCode::runtime_unreachable || code == ErrorCode::timeout ||
                            code == ErrorCode::runtime_protocol;
          if (lost && rollout->activated) {
            // Lost or garbled connection: the activation was provisional,
            // and the lease puts the runtime back without us.
            report.warnings.push_back(fmt::format(
                "the runtime could not be told to undo {}@{} ({}); its lease of {} ms reverts it", change.component,
                change.to, rollout->rollback_error->message, options.lease.count()));
          } else if (lost) {
            // Only prepared: no activate, so no lease covers it; the
            // runtime keeps it loaded until it is aborted or restarted.
            report.warnings.push_back(fmt::format(
                "the runtime could not be told to drop the prepared {}@{} ({}); it may still hold the prepared "
                "version until it is aborted or restarted",
                change.component, change.to, rollout->rollback_error->message));
          } else if (!report.rollback_error) {
            report.rollback_error = Error(ErrorCode::rollback_failed,
                                          fmt::format("the runtime did not roll {} back to {}: {}", change.component,
                                                      change.from.value_or("(nothing)"),
                                                      rollout->rollback_error->message));
          }
        }
        step_failed(rollout->error.value_or(Error(ErrorCode::internal, "the rollout stopped without a reason")));
        break;
      }
      live_committed[i] = true;
    } else {
      if (auto switched = switch_files(); !switched) {
        step_failed(switched.error());
        break;
      }
      if (change.from && change.entry != nullptr && !change.entry->hot_swappable) {
        step.message = "pending restart: not hot-swappable, the runtime loads it at its next start";
      }
    }
    if (recorded_early && i + 1 == request.changes.size()) {
      // The step is recorded completed already; its later events and its
      // finish time go with the upgrade's completion, in the same commit.
      last_step_deferred = true;
      step.outcome = StepReport::Outcome::completed;
      step.seconds = seconds_since(step_started);
      break;
    }
    // The step and its events commit together.
    Result<void> recorded = db.begin();
    if (recorded) {
      recorded = db.finish_operation(op.id, store::OperationStatus::completed, "", session.now(), ran());
    }
    if (recorded) {
      recorded = db.append_events(events);
    }
    if (recorded) {
      recorded = db.commit();
    }
    if (!recorded) {
      (void)db.rollback(); // a failed COMMIT may have rolled back already
      step_failed(recorded.error());
      break;
    }
    events.clear();
    step.outcome = StepReport::Outcome::completed;
    step.seconds = seconds_since(step_started);
  }

  if (!failure) {
    report.status = store::UpgradeStatus::completed;
    const store::OperationRecord* last = last_step_deferred ? &ops.back() : nullptr;
    const auto record_last = [&]() -> Result<void> {
      if (auto finished = db.finish_operation(last->id, store::OperationStatus::completed, "", session.now(),
                                              report.steps.back().live->strategy);
          !finished) {
        return finished;
      }
      return db.append_events(events);
    };
    auto recorded = record_completion(session, report.upgrade_id, request.kind, ops, request.kind, "",
                                      report.warnings.empty() ? "" : report.warnings.front(), std::nullopt,
                                      last != nullptr ? std::function<Result<void>()>(record_last) : nullptr);
    if (!recorded && last != nullptr) {
      // The step alone, as it would have been recorded before the completion.
      Result<void> step = db.begin();
      if (step) {
        step = record_last();
      }
      if (step) {
        step = db.commit();
      }
      if (!step) {
        (void)db.rollback();
      }
    }
    if (!recorded) {
      // Every change is in place and recorded as completed: recover finishes the record.
      report.warnings.push_back(fmt::format("the completion could not be recorded ({}); the next command "
                                            "records it",
                                            recorded.error().message));
    }
    report.seconds = seconds_since(started);
    return report;
  }

  report.error = failure;
  std::vector<std::size_t> rolled_back; // the steps undone, recorded with the outcome below
  const bool stopped = failure->code == ErrorCode::interrupted || failure->code == ErrorCode::terminated ||
                       failure->code == ErrorCode::hangup;
  if (request.on_failure == OnFailure::keep && !stopped) {
    for (std::size_t i = 0; i < done; ++i) {
      if (report.steps[i].outcome == StepReport::Outcome::completed) {
        report.steps[i].outcome = StepReport::Outcome::kept;
      }
    }
    report.status = store::UpgradeStatus::failed;
  } else {
    // Reverse order, each undo on its own: a rollback never inherits what is
    // left of the upgrade's budget, and signals no longer stop it.
    if (request.live && request.live->set_request_timeout) {
      request.live->set_request_timeout(request.live->rollback_timeout);
    }
    for (std::size_t i = done; i-- > 0;) {
      // A change the runtime committed is rolled back there too; one it did
      // not commit was already rolled back by its strategy.
      if (live_committed[i] && ops[i].from_version) {
        if (auto back = request.live->runtime->rollback(ops[i].component, *ops[i].from_version); !back) {
          if (!report.rollback_error) {
            report.rollback_error = Error(ErrorCode::rollback_failed,
                                          fmt::format("the runtime did not roll {} back to {}: {}", ops[i].component,
                                                      *ops[i].from_version, back.error().message));
          }
        } else {
          live::StrategyEvent event;
          event.phase = "rollback";
          event.detail = fmt::format("{} back to {} (a later step failed)", ops[i].component, *ops[i].from_version);
          event.component = ops[i].component;
          event.from_version = ops[i].to_version;
          event.to_version = *ops[i].from_version;
          event_operation = ops[i].id;
          stamped(event);
        }
      }
      if (auto undone = undo_operation(session, ops[i]); !undone) {
        if (!report.rollback_error) {
          Error e(ErrorCode::rollback_failed,
                  fmt::format("rolling back {} to {} failed: {}", ops[i].component,
                              ops[i].from_version.value_or("not installed"), undone.error().message));
          report.rollback_error = std::move(e);
        }
        continue;
      }
      rolled_back.push_back(i);
      report.steps[i].outcome = StepReport::Outcome::rolled_back;
      report.steps[i].message.clear(); // no "pending restart" for a change that is undone
    }
    report.status = stopped ? store::UpgradeStatus::cancelled
                    : done > 0 ? store::UpgradeStatus::rolled_back
                               : store::UpgradeStatus::failed;
  }
  if (report.rollback_error) {
    report.status = store::UpgradeStatus::failed;
    for (std::size_t i = 0; i < done; ++i) {
      report.root_state.push_back(describe_link(session.root(), ops[i].component));
    }
    report.rollback_error->details = report.root_state;
  }
  // The outcome commits whole: the steps rolled back, the upgrade's status,
  // one audit entry per change. If it cannot (the disk that failed the step
  // may fail this too), the upgrade stays in progress and the next command's
  // recovery records it from the links; never a step left "completed" under
  // a rolled-back upgrade.
  Result<void> recorded = db.begin();
  for (const std::size_t i : rolled_back) {
    if (recorded) {
      recorded = db.set_operation_status(ops[i].id, store::OperationStatus::rolled_back, "");
    }
  }
  if (recorded) {
    recorded = db.set_upgrade_status(report.upgrade_id, report.status, failure->message, session.now());
  }
  if (recorded) {
    recorded = db.append_events(events);
  }
  for (const auto& change : request.changes) {
    if (recorded) {
      recorded = session.audit(request.kind, change.component, change.from, change.to,
                               std::string(store::to_string(report.status)), report.upgrade_id, failure->message);
    }
  }
  if (recorded) {
    recorded = db.commit();
  }
  if (!recorded) {
    (void)db.rollback(); // a failed COMMIT may have rolled back already
    report.warnings.push_back(fmt::format("the outcome could not be recorded ({}); the next command records it",
                                          recorded.error().message));
  }
  report.seconds = seconds_since(started);
  return report;
}

} // namespace noodle::engine
