// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/config.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace std::chrono_literals;
using noodle::ErrorCode;
using noodle::manifest::Config;
using noodle::manifest::load_config;
using noodle::manifest::MissingConfig;
using noodle::manifest::parse_config;

namespace {

std::string location(const noodle::Error& e)
{
  return e.where ? e.where->to_string() : std::string("(none)");
}

} // namespace

TEST_CASE("manifest::parse_config reads every setting")
{
  auto c = parse_config("root: /srv/rt\n"
                        "catalog: /srv/catalog\n"
                        "keyring: /srv/keys\n"
                        "archives: /srv/archives\n"
                        "socket: /run/rt.sock\n"
                        "output: json\n"
                        "strategy: canary\n"
                        "lock_timeout: 0\n"
                        "request_timeout: 2.5\n"
                        "lease: 60\n"
                        "step_interval: 0.5\n"
                        "analysis: 10\n"
                        "limits:\n"
                        "  max_entries: 10\n"
                        "  max_file_bytes: 20\n"
                        "  max_total_bytes: 30\n"
                        "  max_ratio: 40\n"
                        "  max_path_bytes: 50\n"
                        "  max_path_depth: 6\n"
                        "  max_archive_bytes: 70\n"
                        "gc_keep: 0\n"
                        "point_retention_days: 7\n",
                        "c.yaml");
  REQUIRE(c);
  CHECK(c->root == "/srv/rt");
  CHECK(c->catalog == "/srv/catalog");
  CHECK(c->keyring == "/srv/keys");
  CHECK(c->archives == "/srv/archives");
  CHECK(c->socket == "/run/rt.sock");
  CHECK(c->output == "json");
  CHECK(c->strategy == "canary");
  CHECK(c->lock_timeout == 0ms);
  CHECK(c->request_timeout == 2500ms);
  CHECK(c->lease == 60s);
  CHECK(c->step_interval == 500ms);
  CHECK(c->analysis == 10s);
  CHECK(c->limits.max_entries == 10u);
  CHECK(c->limits.max_file_bytes == 20u);
  CHECK(c->limits.max_total_bytes == 30u);
  CHECK(c->limits.max_ratio == 40u);
  CHECK(c->limits.max_path_bytes == 50u);
  CHECK(c->limits.max_path_depth == 6u);
  CHECK(c->limits.max_archive_bytes == 70u);
  CHECK(c->gc_keep == 0u);
  CHECK(c->point_retention_days == 7u);
}

TEST_CASE("manifest::parse_config leaves absent settings unset and accepts an empty file")
{
  auto c = parse_config("root: /srv/rt\n", "c.yaml");
  REQUIRE(c);
  CHECK(c->root == "/srv/rt");
  CHECK_FALSE(c->output);
  CHECK_FALSE(c->lock_timeout);
  CHECK_FALSE(c->limits.max_file_bytes);
  CHECK_FALSE(c->gc_keep);

  auto empty = parse_config("# nothing set\n", "c.yaml");
  REQUIRE(empty);
  CHECK_FALSE(empty->root);
}

TEST_CASE("manifest::parse_config refuses an unknown key with its line, column and a suggestion")
{
  auto c = parse_config("root: /srv/rt\nlock_timout: 5\n", "c.yaml");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == ErrorCode::manifest_invalid);
  CHECK(location(c.error()) == "c.yaml:2:1");
  CHECK(c.error().message.find("'lock_timout'") != std::string::npos);
  CHECK(c.error().message.find("did you mean 'lock_timeout'?") != std::string::npos);

  auto nested = parse_config("limits:\n  max_file_byte: 5\n", "c.yaml");
  REQUIRE_FALSE(nested);
  CHECK(location(nested.error()) == "c.yaml:2:3");
  CHECK(nested.error().message.find("did you mean 'limits.max_file_bytes'?") != std::string::npos);
}

TEST_CASE("manifest::parse_config refuses values of the wrong type")
{
  auto timeout = parse_config("lock_timeout: soon\n", "c.yaml");
  REQUIRE_FALSE(timeout);
  CHECK(timeout.error().code == ErrorCode::manifest_invalid);
  CHECK(location(timeout.error()) == "c.yaml:1:15");
  CHECK(timeout.error().message.find("'lock_timeout'") != std::string::npos);

  auto root = parse_config("root: [a, b]\n", "c.yaml");
  REQUIRE_FALSE(root);
  CHECK(root.error().message.find("'root'") != std::string::npos);

  auto limits = parse_config("limits: 5\n", "c.yaml");
  REQUIRE_FALSE(limits);
  CHECK(limits.error().message.find("'limits'") != std::string::npos);

  auto output = parse_config("output: jsno\n", "c.yaml");
  REQUIRE_FALSE(output);
  CHECK(output.error().message.find("did you mean 'json'?") != std::string::npos);

  auto top = parse_config("- root\n", "c.yaml");
  REQUIRE_FALSE(top);
  CHECK(top.error().message.find("mapping") != std::string::npos);
}

TEST_CASE("manifest::parse_config refuses values out of range")
{
  CHECK_FALSE(parse_config("lock_timeout: -1\n", "c.yaml"));
  CHECK_FALSE(parse_config("lease: 0\n", "c.yaml"));
  CHECK_FALSE(parse_config("request_timeout: 0\n", "c.yaml"));
  CHECK_FALSE(parse_config("analysis: 1e12\n", "c.yaml"));
  CHECK_FALSE(parse_config("limits: {max_file_bytes: 0}\n", "c.yaml"));
  CHECK_FALSE(parse_config("gc_keep: -2\n", "c.yaml"));
  CHECK_FALSE(parse_config("point_retention_days: 0\n", "c.yaml"));
  auto keep = parse_config("gc_keep: 5000\n", "c.yaml");
  REQUIRE_FALSE(keep);
  CHECK(keep.error().message.find("at most 1000") != std::string::npos);
  CHECK(parse_config("lock_timeout: 0\nstep_interval: 0\n", "c.yaml"));
}

TEST_CASE("manifest::parse_config reads durations as the command line does, units included")
{
  auto c = parse_config("lock_timeout: 500ms\nrequest_timeout: '5s'\nlease: 2m\nstep_interval: 1h\nanalysis: 1.5\n",
                        "c.yaml");
  REQUIRE(c);
  CHECK(c->lock_timeout == 500ms);
  CHECK(c->request_timeout == 5s);
  CHECK(c->lease == 2min);
  CHECK(c->step_interval == 1h);
  CHECK(c->analysis == 1500ms);
  for (const char* bad : {".nan", "nan", ".inf", "-.inf", "5d", "[1]"}) {
    INFO(bad);
    auto r = parse_config(std::string("lease: ") + bad + "\n", "c.yaml");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::manifest_invalid);
    CHECK(location(r.error()) == "c.yaml:1:8");
  }
  auto nan = parse_config("lease: .nan\n", "c.yaml");
  CHECK(nan.error().message == "field 'lease': '.nan' is not a duration: expected 0.001 to 31536000 seconds, e.g. "
                               "'30', '500ms', '5s', '2m' or '1h'");
  auto negative = parse_config("lock_timeout: -1s\n", "c.yaml");
  CHECK(negative.error().message == "field 'lock_timeout': '-1s' is out of range: expected 0 to 31536000 seconds");
}

TEST_CASE("manifest::parse_config reports a YAML syntax error with its location")
{
  auto c = parse_config("root: [unclosed\n", "c.yaml");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == ErrorCode::manifest_parse);
  REQUIRE(c.error().where);
  CHECK(c.error().where->file == "c.yaml");
  CHECK(c.error().where->line >= 1);
}

TEST_CASE("manifest::load_config tolerates a missing default file but not a named one")
{
  noodle::test::TempDir dir;
  auto missing = dir / "absent.yaml";
  auto empty = load_config(missing, MissingConfig::empty);
  REQUIRE(empty);
  CHECK_FALSE(empty->root);

  auto named = load_config(missing, MissingConfig::error);
  REQUIRE_FALSE(named);
  CHECK(named.error().message.find("absent.yaml") != std::string::npos);

  {
    std::ofstream(dir / "c.yaml") << "root: /srv/rt\n";
  }
  auto read = load_config(dir / "c.yaml", MissingConfig::error);
  REQUIRE(read);
  CHECK(read->root == "/srv/rt");
}
