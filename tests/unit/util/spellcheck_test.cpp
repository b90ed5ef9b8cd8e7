// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/spellcheck.hpp>

#include <catch2/catch.hpp>

using noodle::util::edit_distance;
using noodle::util::suggest;

TEST_CASE("util::suggest finds the nearest candidate within a few edits")
{
  const std::vector<std::string> fields = {"name", "version", "hot_swappable", "required_stop", "resources"};
  CHECK(suggest("hot_swapable", fields) == "hot_swappable");
  CHECK(suggest("verison", fields) == "version");
  CHECK(suggest("nme", fields) == "name");
  CHECK(suggest("required-stop", fields) == "required_stop");
  CHECK(suggest("lbi", {"lib", "app"}) == "lib");
}

TEST_CASE("util::suggest stays silent for distant words and exact matches")
{
  const std::vector<std::string> fields = {"name", "version", "type"};
  CHECK_FALSE(suggest("zzz", fields));
  CHECK_FALSE(suggest("completely_different", fields));
  CHECK_FALSE(suggest("name", fields));
  CHECK_FALSE(suggest("ab", {"xy"}));
}

TEST_CASE("util::edit_distance counts a swap of adjacent characters as one edit and stops at the limit")
{
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("lbi", "lib") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abcdef", "uvwxyz", 2) == 3);
}
