// SPDX-License-Identifier: Apache-2.0
// In-process throughput of the semver engine: parse+sort and parse+satisfies
// of 200,000 versions, medians over several repetitions. Also counts heap
// allocations during comparisons and satisfies() to show there are none.
//
// Usage: semver_bench [--file versions.txt] [--count N] [--reps N] [--range R]
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/semver/version_list.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <random>
#include <string>
#include <vector>

namespace {

std::atomic<std::size_t> g_allocations{0};

} // namespace

void* operator new(std::size_t size)
{
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept
{
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept
{
  std::free(p);
}

namespace {

using noodle::semver::Range;
using noodle::semver::Version;

// A realistic mix: mostly small numbers, ~20% prereleases, some build metadata.
std::vector<std::string> generate(std::size_t count, std::uint64_t seed)
{
  std::mt19937_64 rng(seed);
  auto pick = [&](std::uint64_t n) { return static_cast<std::uint64_t>(rng() % n); };
  static const char* k_tags[] = {"alpha", "beta", "rc", "next", "canary", "dev"};
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string v = std::to_string(pick(4) == 0 ? pick(30) : pick(6)) + "." + std::to_string(pick(40)) + "." +
                    std::to_string(pick(60));
    const auto kind = pick(100);
    if (kind < 12) {
      v += std::string("-") + k_tags[pick(6)] + "." + std::to_string(pick(20));
    } else if (kind < 17) {
      v += std::string("-") + k_tags[pick(6)];
    } else if (kind < 20) {
      v += "-" + std::to_string(pick(5)) + "." + std::to_string(pick(100));
    }
    if (pick(100) < 5) {
      v += "+build." + std::to_string(pick(1000));
    }
    out.push_back(std::move(v));
  }
  return out;
}

double now_ms()
{
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

double median(std::vector<double> xs)
{
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

std::vector<Version> parse_all(const std::vector<std::string>& texts)
{
  std::vector<Version> vs;
  vs.reserve(texts.size());
  for (const auto& t : texts) {
    auto v = Version::parse(t);
    if (!v) {
      std::fprintf(stderr, "semver_bench: %s\n", v.error().message.c_str());
      std::exit(2);
    }
    vs.push_back(std::move(*v));
  }
  return vs;
}

} // namespace

int main(int argc, char** argv)
{
  std::string file;
  std::size_t count = 200000;
  int reps = 5;
  std::string range_text = "^1.2.0 || >=3.0.0 <4.0.0-0";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--file") {
      file = argv[i + 1];
    } else if (a == "--count") {
      count = std::stoul(argv[i + 1]);
    } else if (a == "--reps") {
      reps = std::stoi(argv[i + 1]);
    } else if (a == "--range") {
      range_text = argv[i + 1];
    }
  }
  std::vector<std::string> texts;
  if (!file.empty()) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) {
        texts.push_back(line);
      }
    }
  } else {
    texts = generate(count, 42);
  }
  const auto range = Range::parse(range_text);
  if (!range) {
    std::fprintf(stderr, "semver_bench: %s\n", range.error().message.c_str());
    return 2;
  }

  std::string joined;
  for (const auto& t : texts) {
    joined += t;
    joined += '\n';
  }
  std::vector<double> parse_t, sort_t, parse_sort_t, sat_t, parse_sat_t, lib_sort_t;
  std::vector<double> list_parse_t, list_sort_t, list_match_t;
  std::size_t list_allocs = 0;
  std::size_t matched = 0;
  std::size_t sort_allocs = 0;
  std::size_t sat_allocs = 0;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    auto vs = parse_all(texts);
    const double t1 = now_ms();
    const auto a0 = g_allocations.load();
    std::sort(vs.begin(), vs.end());
    sort_allocs = g_allocations.load() - a0;
    const double t2 = now_ms();
    parse_t.push_back(t1 - t0);
    sort_t.push_back(t2 - t1);
    parse_sort_t.push_back(t2 - t0);

    auto us = parse_all(texts);
    const double t6 = now_ms();
    noodle::semver::sort(us);
    lib_sort_t.push_back(now_ms() - t6);

    const double t3 = now_ms();
    auto ws = parse_all(texts);
    const double t4 = now_ms();
    const auto a1 = g_allocations.load();
    std::size_t n = 0;
    for (const auto& v : ws) {
      n += range->satisfies(v) ? 1 : 0;
    }
    sat_allocs = g_allocations.load() - a1;
    const double t5 = now_ms();
    matched = n;
    sat_t.push_back(t5 - t4);
    parse_sat_t.push_back(t5 - t3);

    // The bulk path of `version sort` and `version match`.
    const auto a2 = g_allocations.load();
    const double t7 = now_ms();
    auto list = noodle::semver::VersionList::parse_lines_borrowed(joined, "<bench>");
    const double t8 = now_ms();
    list->sort();
    const double t9 = now_ms();
    list_allocs = g_allocations.load() - a2;
    auto filtered = noodle::semver::VersionList::parse_lines_borrowed(joined, "<bench>");
    filtered->keep_satisfying(*range);
    filtered->sort();
    const double t10 = now_ms();
    list_parse_t.push_back(t8 - t7);
    list_sort_t.push_back(t9 - t7);
    list_match_t.push_back(t10 - t9);
  }

  const double n = static_cast<double>(texts.size());
  std::printf("semver_bench: %zu versions, %d repetitions, medians\n", texts.size(), reps);
  std::printf("  parse            %8.2f ms  %6.1f ns/version\n", median(parse_t), median(parse_t) * 1e6 / n);
  std::printf("  sort (parsed)    %8.2f ms  heap allocations during sort: %zu\n", median(sort_t), sort_allocs);
  std::printf("  parse+sort       %8.2f ms  %6.2f M versions/s\n", median(parse_sort_t),
              n / median(parse_sort_t) / 1e3);
  std::printf("  semver::sort     %8.2f ms  (stable, npm sort() order, on parsed versions)\n", median(lib_sort_t));
  std::printf("  parse+semver::sort %6.2f ms  %6.2f M versions/s\n", median(parse_t) + median(lib_sort_t),
              n / (median(parse_t) + median(lib_sort_t)) / 1e3);
  std::printf("  satisfies        %8.2f ms  %6.1f ns/check  heap allocations: %zu\n", median(sat_t),
              median(sat_t) * 1e6 / n, sat_allocs);
  std::printf("  parse+satisfies  %8.2f ms  %6.2f M versions/s  (%zu of %zu match '%s')\n", median(parse_sat_t),
              n / median(parse_sat_t) / 1e3, matched, texts.size(), range_text.c_str());
  std::printf("  VersionList parse %7.2f ms  %6.1f ns/version\n", median(list_parse_t),
              median(list_parse_t) * 1e6 / n);
  std::printf("  VersionList parse+sort %4.2f ms  %6.2f M versions/s  heap allocations: %zu\n", median(list_sort_t),
              n / median(list_sort_t) / 1e3, list_allocs);
  std::printf("  VersionList parse+keep_satisfying+sort %4.2f ms\n", median(list_match_t));
  return 0;
}
