// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/boxed.hpp>
#include <noodle/util/shared.hpp>
#include <noodle/util/shared_string.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <thread>
#include <vector>

using noodle::util::Boxed;
using noodle::util::SharedString;

TEST_CASE("SharedString copies share one buffer and read as the string they were made from")
{
  const SharedString a(std::string("catalog/runtime_core.yaml"));
  const SharedString b = a; // NOLINT(performance-unnecessary-copy-initialization): the copy is the point
  CHECK(a.data() == b.data()); // one buffer, not two equal ones
  CHECK(b == "catalog/runtime_core.yaml");
  CHECK(b == std::string("catalog/runtime_core.yaml"));
  CHECK(b.size() == 25);
  CHECK(fmt::format("{}:{}", b, 3) == "catalog/runtime_core.yaml:3");
  const std::string_view as_view = b;
  CHECK(as_view == "catalog/runtime_core.yaml");
  CHECK(b.string() == "catalog/runtime_core.yaml");
  // The text is NUL-ended, for C interfaces.
  CHECK(std::string(b.c_str()) == "catalog/runtime_core.yaml");
  CHECK(b.c_str()[b.size()] == '\0');
  // Equal text in separate buffers is equal too.
  CHECK(SharedString("x.yaml") == SharedString(std::string_view("x.yaml")));
  CHECK_FALSE(SharedString("x.yaml") == SharedString("y.yaml"));
  CHECK(SharedString("a") < SharedString("b"));
}

TEST_CASE("SharedString empty, moved-from and reassigned values stay valid")
{
  SharedString empty;
  CHECK(empty.empty());
  CHECK(empty.str().empty());
  CHECK(std::string(empty.c_str()).empty());
  SharedString s("one.yaml");
  SharedString moved = std::move(s);
  CHECK(moved == "one.yaml");
  CHECK(s.empty()); // NOLINT(bugprone-use-after-move): a moved-from value is empty, as documented
  SharedString t("two.yaml");
  t = moved; // the old buffer of t is released, moved's shared
  CHECK(t.data() == moved.data());
  SharedString& same = t;
  t = same; // self-assignment keeps the value
  CHECK(t == "one.yaml");
  moved = SharedString();
  CHECK(t == "one.yaml"); // still held by t
}

TEST_CASE("SharedString copies made and dropped on many threads at once free their buffer once")
{
  // Under the sanitizer build, a count that raced would show as a leak, a
  // double free or a use after free.
  const SharedString shared(std::string(100, 'p'));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 20000; ++i) {
        const SharedString copy = shared;
        if (copy.size() != 100 || copy.data() != shared.data()) {
          FAIL_CHECK("a copy lost its text");
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(shared.size() == 100);
}

TEST_CASE("Shared copies share one value, one pointer wide, and the last one frees it")
{
  using noodle::util::Shared;
  STATIC_REQUIRE(sizeof(Shared<std::string>) == sizeof(void*));
  // The count of live values, to see the value freed exactly once.
  static int alive = 0;
  struct Counted {
    std::string text;
    explicit Counted(std::string t) : text(std::move(t)) { ++alive; }
    Counted(Counted&& other) noexcept : text(std::move(other.text)) { ++alive; }
    Counted(const Counted&) = delete;
    Counted& operator=(const Counted&) = delete;
    Counted& operator=(Counted&&) = delete;
    ~Counted() { --alive; }
  };
  {
    const Shared<Counted> a(Counted("range"));
    CHECK(alive == 1); // the temporary is gone; the shared value stays
    Shared<Counted> b = a;
    CHECK(&*b == &*a);
    CHECK(b->text == "range");
    Shared<Counted> c(Counted("other"));
    CHECK(alive == 2);
    c = b; // "other" has no copy left
    CHECK(alive == 1);
    CHECK(&c->text == &a->text);
    Shared<Counted> moved = std::move(b);
    CHECK(&*moved == &*a);
    b = moved; // a moved-from value can be assigned again
    CHECK(b->text == "range");
  }
  CHECK(alive == 0);
}

TEST_CASE("Shared copies made and dropped on many threads at once free their value once")
{
  const noodle::util::Shared<std::string> shared(std::string(100, 'r'));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 20000; ++i) {
        const noodle::util::Shared<std::string> copy = shared;
        if (copy->size() != 100) {
          FAIL_CHECK("a copy lost its value");
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(shared->size() == 100);
}

TEST_CASE("Boxed reads as T{} until set, allocates only when set, and copies deeply")
{
  struct Settings {
    int timeout = 5000;
    std::vector<std::string> names;
  };
  Boxed<Settings> box;
  CHECK_FALSE(box.is_set());
  CHECK(box->timeout == 5000); // the default, read without making one
  CHECK(box->names.empty());
  CHECK_FALSE(box.is_set());
  CHECK(sizeof(box) == sizeof(void*));

  box.edit().names.push_back("a");
  REQUIRE(box.is_set());
  CHECK(box->names == std::vector<std::string>{"a"});
  CHECK(box->timeout == 5000);

  Boxed<Settings> copy = box;
  copy.edit().names.push_back("b");
  CHECK(box->names.size() == 1); // a deep copy: the original is untouched
  CHECK(copy->names.size() == 2);

  Boxed<Settings> moved = std::move(copy);
  CHECK(moved->names.size() == 2);

  Boxed<std::string> text;
  CHECK(text->empty());
  text = std::string("bin/runtime");
  CHECK(*text == "bin/runtime");
  Boxed<std::string> other;
  CHECK_FALSE(text == other);
  other = std::string("bin/runtime");
  CHECK(text == other);
  // A default-valued box equals an unset one: they read the same.
  Boxed<std::string> empty_set = std::string();
  CHECK(empty_set.is_set());
  CHECK(empty_set == Boxed<std::string>{});

  // set() keeps a box only for a value other than T{}.
  Boxed<std::string> read;
  read.set(std::string());
  CHECK_FALSE(read.is_set());
  read.set("bin/agent");
  REQUIRE(read.is_set());
  CHECK(*read == "bin/agent");
  read.set(std::string());
  CHECK_FALSE(read.is_set());
  CHECK(read->empty());
}
