// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/error.hpp>
#include <noodle/util/shared_path.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

using noodle::util::SharedPath;

TEST_CASE("SharedPath reads as the path it was made from, split at its last slash")
{
  const SharedPath p(std::string("/srv/catalog/d0001/c000100-1.0.0.yaml"));
  CHECK(p.dir() == "/srv/catalog/d0001/");
  CHECK(p.name() == "c000100-1.0.0.yaml");
  CHECK(p.string() == "/srv/catalog/d0001/c000100-1.0.0.yaml");
  CHECK(p.size() == p.string().size());
  CHECK(p == "/srv/catalog/d0001/c000100-1.0.0.yaml");
  CHECK(p == std::string("/srv/catalog/d0001/c000100-1.0.0.yaml"));
  CHECK_FALSE(p == "/srv/catalog/d0001/c000100-1.0.1.yaml");
  CHECK_FALSE(p == "/srv/catalog/d0002/c000100-1.0.0.yaml");
  CHECK_FALSE(p == "/srv/catalog/d0001/c000100-1.0.0.yaml.bak");
  CHECK(fmt::format("{}:{}", p, 3) == "/srv/catalog/d0001/c000100-1.0.0.yaml:3");
  std::ostringstream out;
  out << p;
  CHECK(out.str() == "/srv/catalog/d0001/c000100-1.0.0.yaml");

  // A name alone, a directory alone, the root, and nothing.
  CHECK(SharedPath("x.yaml").dir().empty());
  CHECK(SharedPath("x.yaml").name() == "x.yaml");
  CHECK(SharedPath("catalog/").dir() == "catalog/");
  CHECK(SharedPath("catalog/").name().empty());
  CHECK(SharedPath("/").string() == "/");
  CHECK(SharedPath("").empty());
  CHECK(SharedPath().string().empty());
  CHECK_FALSE(SharedPath("/").empty());
}

TEST_CASE("SharedPath made in a sibling's directory shares that directory's buffer, and only then")
{
  const SharedPath first("/a/long/catalog/directory/d0000/c000000-1.0.0.yaml");
  const SharedPath second = SharedPath::in_dir_of(first, "/a/long/catalog/directory/d0000/c000000-1.1.0.yaml");
  CHECK(second == "/a/long/catalog/directory/d0000/c000000-1.1.0.yaml");
  CHECK(second.same_dir_buffer(first));
  CHECK(second.dir().data() == first.dir().data());

  const SharedPath other = SharedPath::in_dir_of(second, "/a/long/catalog/directory/d0001/c000100-1.0.0.yaml");
  CHECK(other == "/a/long/catalog/directory/d0001/c000100-1.0.0.yaml");
  CHECK_FALSE(other.same_dir_buffer(second));

  // A prefix of the directory is another directory.
  const SharedPath up = SharedPath::in_dir_of(first, "/a/long/catalog/directory/c.yaml");
  CHECK(up.dir() == "/a/long/catalog/directory/");
  CHECK_FALSE(up.same_dir_buffer(first));

  // Without a sibling, or with an empty one, it is a path of its own.
  CHECK(SharedPath::in_dir_of(SharedPath(), "d/x.yaml") == "d/x.yaml");
  CHECK(SharedPath::in_dir_of(first, "").empty());

  // Equal paths compare equal whether or not they share buffers.
  CHECK(SharedPath::in_dir_of(first, first.string()) == first);
  CHECK(SharedPath(first.string()) == first);
  CHECK_FALSE(SharedPath("/a/b.yaml") == SharedPath("/a/c.yaml"));
}

TEST_CASE("SharedPath's shared directory outlives the paths it was made from")
{
  SharedPath kept;
  {
    const SharedPath first("catalog/d0000/a.yaml");
    kept = SharedPath::in_dir_of(first, "catalog/d0000/b.yaml");
  }
  CHECK(kept.string() == "catalog/d0000/b.yaml");
  SharedPath moved = std::move(kept);
  CHECK(moved == "catalog/d0000/b.yaml");
  CHECK(kept.empty()); // NOLINT(bugprone-use-after-move): a moved-from value is empty
}

TEST_CASE("SharedPath copies made and dropped on many threads at once free their buffers once")
{
  // Under the sanitizer build, a count that raced would show as a leak, a
  // double free or a use after free.
  const SharedPath first("catalog/d0000/a.yaml");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&first] {
      for (int i = 0; i < 10000; ++i) {
        const SharedPath copy = first;
        const SharedPath sibling = SharedPath::in_dir_of(copy, "catalog/d0000/b.yaml");
        if (sibling.dir() != "catalog/d0000/") {
          throw std::logic_error("wrong directory");
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(first == "catalog/d0000/a.yaml");
}

TEST_CASE("A SourceLocation names its file in full in every form it is shown")
{
  const noodle::SourceLocation where{"manifests/d0/runtime_core.yaml", 4, 7};
  CHECK(where.to_string() == "manifests/d0/runtime_core.yaml:4:7");
  CHECK(noodle::SourceLocation{"runtime_core.yaml", 4, 0}.to_string() == "runtime_core.yaml:4");
  CHECK(noodle::SourceLocation{"manifests/runtime_core.yaml", 0, 0}.to_string() == "manifests/runtime_core.yaml");
  CHECK_FALSE(noodle::SourceLocation{}.known());
}
