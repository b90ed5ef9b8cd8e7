// SPDX-License-Identifier: Apache-2.0
#include <noodle/state/machine.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

TEST_CASE("state::probe_machine reports memory, online cores and free disk")
{
  noodle::test::TempDir tmp;
  const auto info = noodle::state::probe_machine(tmp.path());
  CHECK(info.memory_mb > 0);
  CHECK(info.cpu_cores == static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN)));
  CHECK(info.disk_free_mb > 0);
}

TEST_CASE("state::probe_machine measures disk on the nearest existing parent of a missing root")
{
  noodle::test::TempDir tmp;
  const auto existing = noodle::state::probe_machine(tmp.path());
  const auto missing = noodle::state::probe_machine(tmp.path() / "not" / "yet" / "created");
  CHECK(missing.disk_free_mb > 0);
  // Same volume, measured moments apart.
  const auto gap = missing.disk_free_mb > existing.disk_free_mb ? missing.disk_free_mb - existing.disk_free_mb
                                                                : existing.disk_free_mb - missing.disk_free_mb;
  CHECK(gap < 1024);
}
