// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/compact_vector.hpp>

#include <catch2/catch.hpp>

#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using noodle::util::CompactVector;

namespace {

// Counts the live objects, to prove every element made is destroyed once.
struct Tracked {
  static inline int live = 0;
  std::string text;
  explicit Tracked(std::string t) : text(std::move(t)) { ++live; }
  Tracked(const Tracked& other) : text(other.text) { ++live; }
  Tracked(Tracked&& other) noexcept : text(std::move(other.text)) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) noexcept = default;
  ~Tracked() { --live; }
  friend bool operator==(const Tracked& a, const Tracked& b) { return a.text == b.text; }
};

// Throws on the copy of a chosen element, to prove a failed copy leaks nothing.
struct FailingCopy {
  static inline int live = 0;
  int value;
  explicit FailingCopy(int v) : value(v) { ++live; }
  FailingCopy(const FailingCopy& other) : value(other.value)
  {
    if (other.value == 3) {
      throw std::runtime_error("copy refused");
    }
    ++live;
  }
  FailingCopy(FailingCopy&& other) noexcept : value(other.value) { ++live; }
  ~FailingCopy() { --live; }
};

int sum(std::span<const int> values) { return std::accumulate(values.begin(), values.end(), 0); }

} // namespace

TEST_CASE("CompactVector is one pointer wide and holds nothing on the heap while empty")
{
  STATIC_REQUIRE(sizeof(CompactVector<std::string>) == sizeof(void*));
  const CompactVector<int> empty;
  CHECK(empty.empty());
  CHECK(empty.size() == 0);
  CHECK(empty.capacity() == 0);
  CHECK(empty.data() == nullptr);
  CHECK(empty.begin() == empty.end());
  CHECK(sum(empty) == 0);
}

TEST_CASE("CompactVector keeps its elements in order through growth, and reads as a span")
{
  CompactVector<int> v;
  for (int i = 1; i <= 1000; ++i) {
    v.push_back(i);
  }
  REQUIRE(v.size() == 1000);
  CHECK(v.capacity() >= 1000);
  CHECK(v.front() == 1);
  CHECK(v.back() == 1000);
  CHECK(v[499] == 500);
  CHECK(v.at(999) == 1000);
  CHECK_THROWS_AS(v.at(1000), std::out_of_range);
  CHECK(sum(v) == 500500);
  CHECK(v.end() - v.begin() == 1000);

  CompactVector<int> exact;
  exact.reserve(3);
  const int* before = exact.data();
  exact.push_back(7);
  exact.emplace_back(8);
  exact.push_back(9);
  CHECK(exact.data() == before); // reserved: no move while within the room
  CHECK(exact == CompactVector<int>{7, 8, 9});
  CHECK_FALSE(exact == CompactVector<int>{7, 8});
  exact.clear();
  CHECK(exact.empty());
  CHECK(exact.data() == nullptr);
}

TEST_CASE("CompactVector appends runs of elements, and gives back its spare room when asked")
{
  CompactVector<char> v;
  v.append("abc", 0); // nothing to add: still nothing on the heap
  CHECK(v.data() == nullptr);
  const std::string text = "records";
  v.append(text.data(), text.size());
  v.append(text.data(), 3);
  CHECK(std::string(v.data(), v.size()) == "recordsrec");
  CHECK(v.capacity() >= v.size());

  v.reserve(64);
  CHECK(v.capacity() == 64);
  v.shrink_to_fit();
  CHECK(v.capacity() == v.size());
  CHECK(std::string(v.data(), v.size()) == "recordsrec");
  v.shrink_to_fit(); // already tight: nothing moves
  CHECK(v.capacity() == 10);

  CompactVector<char> none;
  none.reserve(8);
  CHECK(none.data() != nullptr);
  none.shrink_to_fit(); // empty: the buffer itself is given back
  CHECK(none.data() == nullptr);

  Tracked::live = 0;
  {
    const std::vector<Tracked> source{Tracked("one"), Tracked("two")};
    CompactVector<Tracked> copies;
    copies.append(source.data(), source.size());
    copies.append(source.data(), 1);
    CHECK(Tracked::live == 5);
    CHECK(copies[2].text == "one");
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("CompactVector copies share the elements until one changes, moves take the buffer, every element dies once")
{
  Tracked::live = 0;
  {
    CompactVector<Tracked> a;
    for (int i = 0; i < 5; ++i) {
      a.emplace_back("item-" + std::to_string(i) + std::string(40, 'x'));
    }
    CHECK(Tracked::live == 5);

    CompactVector<Tracked> b = a;
    CHECK(Tracked::live == 5); // shared, not copied
    CHECK(b.shares(a));
    CHECK(b == a);
    CHECK(std::as_const(b).data() == std::as_const(a).data());
    b[0].text = "changed"; // a non-const access gives b elements of its own first
    CHECK(Tracked::live == 10);
    CHECK_FALSE(b.shares(a));
    CHECK(a[0].text.rfind("item-0", 0) == 0);
    CHECK(b[0].text == "changed");

    const Tracked* buffer = std::as_const(a).data();
    CompactVector<Tracked> c = std::move(a);
    CHECK(c.data() == buffer);
    CHECK(a.empty()); // NOLINT(bugprone-use-after-move): a moved-from list is empty and usable
    a.emplace_back("again");
    CHECK(Tracked::live == 11);

    c = b; // copy-assign over 5 live elements, held by c alone
    CHECK(Tracked::live == 6);
    CHECK(c.shares(b));
    c = std::move(b);
    CHECK(Tracked::live == 6);
    c = c; // NOLINT(clang-diagnostic-self-assign-overloaded): self-assignment keeps the list
    CHECK(c.size() == 5);
    CHECK(c[0].text == "changed");

    // Every way of changing a shared list leaves the other as it was.
    CompactVector<Tracked> d = c;
    d.emplace_back("more");
    CHECK(c.size() == 5);
    CompactVector<Tracked> e = c;
    const Tracked extra[] = {Tracked("x"), Tracked("y")};
    e.append(extra, 2);
    CHECK(c.size() == 5);
    CHECK(e.size() == 7);
    CompactVector<Tracked> f = c;
    f.reserve(64);
    CHECK(f.capacity() == 64);
    CHECK(c.capacity() < 64);
    CompactVector<Tracked> g = c;
    for (Tracked& t : g) {
      t.text = "all";
    }
    CHECK(c[1].text.rfind("item-1", 0) == 0);
    CompactVector<Tracked> h = c;
    h.clear();
    CHECK(c.size() == 5);
    CHECK(h.empty());
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("CompactVector leaks nothing when copying an element throws")
{
  FailingCopy::live = 0;
  {
    CompactVector<FailingCopy> v;
    for (int i = 0; i < 5; ++i) {
      v.emplace_back(i);
    }
    // A copy shares; the copying happens when the copy is first changed.
    CompactVector<FailingCopy> w = v;
    CHECK(FailingCopy::live == 5);
    CHECK_THROWS_AS(w.emplace_back(9), std::runtime_error);
    CHECK(FailingCopy::live == 5);
    REQUIRE(w.size() == 5); // unchanged by the failed change, still sharing
    CHECK(w.shares(v));
    CHECK(std::as_const(w)[0].value == 0);
  }
  CHECK(FailingCopy::live == 0);
}
