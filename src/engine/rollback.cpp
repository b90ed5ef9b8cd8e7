// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/rollback.hpp>

#include <fmt/format.h>

namespace noodle::engine {

namespace {

Result<std::optional<std::string>> current_of(Session& session, const std::string& component)
{
  auto link = read_link(session.layout().current_link(component));
  if (!link) {
    return fail(link.error());
  }
  if (!*link || (*link)->rfind("versions/", 0) != 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>((*link)->substr(9));
}

} // namespace

Result<store::RollbackPoint> choose_point(Session& session, const RollbackOptions& options)
{
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("{} has no rollback points: nothing was ever changed on this root",
                                                  options.component));
  }
  if (options.point) {
    auto point = db->point(*options.point);
    if (!point) {
      return fail(point.error());
    }
    if (!*point) {
      return fail(ErrorCode::not_found, fmt::format("rollback point {} does not exist", *options.point));
    }
    if ((*point)->component != options.component) {
      return fail(ErrorCode::usage, fmt::format("rollback point {} belongs to {}, not to {}", *options.point,
                                                (*point)->component, options.component));
    }
    if (!(*point)->version) {
      return fail(ErrorCode::not_found, fmt::format("rollback point {} was taken before {} was installed: there is "
                                                    "no version to go back to",
                                                    *options.point, options.component));
    }
    return **point;
  }
  auto current = current_of(session, options.component);
  if (!current) {
    return fail(current.error());
  }
  auto points = db->points(options.component);
  if (!points) {
    return fail(points.error());
  }
  for (const auto& p : *points) { // newest first
    if (!p.version) {
      continue;
    }
    if (options.to_version ? *p.version == *options.to_version : *p.version != current->value_or("")) {
      return p;
    }
  }
  if (options.to_version) {
    return fail(ErrorCode::not_found, fmt::format("no rollback point of {} holds version {}", options.component,
                                                  *options.to_version));
  }
  return fail(ErrorCode::not_found,
              fmt::format("{} has no rollback point with a version other than the current {}", options.component,
                          current->value_or("(none)")));
}

Result<TransactionReport> rollback(Session& session, const RollbackOptions& options)
{
  auto point = choose_point(session, options);
  if (!point) {
    (void)session.audit("rollback", options.component, std::nullopt, options.to_version, "refused", std::nullopt,
                        point.error().message);
    return fail(point.error());
  }
  auto current = current_of(session, options.component);
  if (!current) {
    return fail(current.error());
  }
  Change change;
  change.component = options.component;
  change.from = *current;
  change.to = *point->version;
  change.restore_point = point->id;
  change.strategy = "rollback";
  TransactionRequest request;
  request.kind = "rollback";
  request.changes.push_back(std::move(change));
  request.strategy = "rollback";
  request.stop = options.stop;
  request.point_retention_ms = options.point_retention_ms;
  return run_transaction(session, request);
}

Result<store::RollbackPoint> snapshot(Session& session, const std::string& component, store::Millis retention_ms)
{
  auto current = current_of(session, component);
  if (!current) {
    return fail(current.error());
  }
  if (!*current) {
    return fail(ErrorCode::not_found, fmt::format("{} is not installed under '{}'", component,
                                                  session.layout().root().string()));
  }
  auto id = take_point(session, component, "snapshot", std::nullopt, retention_ms);
  if (!id) {
    return fail(id.error());
  }
  (void)session.audit("snapshot", component, *current, *current, "completed", std::nullopt,
                      fmt::format("rollback point {}", *id));
  auto point = session.store()->point(*id);
  if (!point || !*point) {
    return fail(ErrorCode::internal, fmt::format("rollback point {} vanished after it was made", *id));
  }
  return **point;
}

} // namespace noodle::engine
