#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The install tree and the Debian package.
#   (a) cmake --install into a temporary prefix installs exactly the binary,
#       the four man pages and the bash, zsh and fish completions, nothing else;
#   (b) cpack -G DEB builds noodle-upgrade_<version>_<arch>.deb whose Depends
#       (from dpkg-shlibdeps) name the right Debian library packages and whose
#       contents are those files under /usr;
#   (c) as root, apt-get installs it, the binary runs and man finds its page,
#       and removing it leaves nothing behind.
# Exit 0 when all three ran and passed, 1 on a failure, 77 (skipped) when (b)
# or (c) could not run here (no dpkg-deb or cpack; not root; no apt-get; a
# noodle-upgrade already on the machine).
#
# usage: install_test.sh --build-dir DIR --version X.Y.Z --man-compressed ON|OFF
set -euo pipefail

build_dir=""
version=""
man_compressed=ON
while (($# > 0)); do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --man-compressed) man_compressed=$2; shift 2 ;;
    *) echo "install_test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $build_dir && -n $version ]] || { echo "install_test: --build-dir and --version are required" >&2; exit 2; }
build_dir=$(cd "$build_dir" && pwd)

failures=0
skipped=()
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

work=$(mktemp -d /tmp/noodle-install-test.XXXXXX)
# apt's download user must be able to read the package file.
chmod 755 "$work"
installed_by_us=0
cleanup() {
  if ((installed_by_us)); then
    if dpkg-query -W -f='${Status}' noodle-upgrade 2>/dev/null | grep -q 'install ok installed'; then
      echo "install_test: removing the noodle-upgrade package it installed" >&2
      DEBIAN_FRONTEND=noninteractive dpkg --purge noodle-upgrade >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

man_suffix=""
if [[ $man_compressed == ON ]]; then
  man_suffix=".gz"
fi
# Relative to the prefix, sorted as `sort` sorts them.
expected_files=$(sort <<EOF
bin/noodle-upgrade
share/bash-completion/completions/noodle-upgrade
share/fish/vendor_completions.d/noodle-upgrade.fish
share/zsh/vendor-completions/_noodle-upgrade
share/man/man1/noodle-upgrade.1${man_suffix}
share/man/man5/noodle-manifest.5${man_suffix}
share/man/man5/noodle-repository.5${man_suffix}
share/man/man5/noodle-signature.5${man_suffix}
share/man/man7/noodle-upgrade-protocol.7${man_suffix}
EOF
)

# --- (a) the install tree ----------------------------------------------------
prefix=$work/prefix
if cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1; then
  pass "cmake --install --prefix"
else
  cat "$work/install.log" >&2
  fail "cmake --install --prefix failed"
fi
actual_files=""
if [[ -d $prefix ]]; then
  actual_files=$(cd "$prefix" && find . -mindepth 1 ! -type d | sed 's|^\./||' | sort)
fi
if [[ $actual_files == "$expected_files" ]]; then
  pass "install tree holds exactly the expected files"
else
  fail "install tree differs from the expected one"
  diff <(echo "$expected_files") <(echo "$actual_files") >&2 || true
fi
if [[ -x $prefix/bin/noodle-upgrade ]]; then
  out=$("$prefix/bin/noodle-upgrade" --version 2>&1 || true)
  if [[ $out == *"$version"* ]]; then
    pass "installed binary reports version $version"
  else
    fail "installed binary --version printed '$out', expected '$version' in it"
  fi
else
  fail "bin/noodle-upgrade is not executable"
fi
if [[ $man_compressed == ON ]]; then
  for page in $(grep '^share/man/' <<<"$expected_files"); do
    [[ -f $prefix/$page ]] || continue
    # grep -c reads to the end: grep -q would stop early and, under pipefail,
    # a long page's gzip would die of SIGPIPE.
    if gzip -t "$prefix/$page" 2>/dev/null && gzip -dc "$prefix/$page" | grep -c '^\.TH ' >/dev/null; then
      pass "$page is a gzip-compressed man page"
    else
      fail "$page is not a gzip-compressed man page"
    fi
  done
fi
if grep -q 'complete ' "$prefix/share/bash-completion/completions/noodle-upgrade" 2>/dev/null; then
  pass "bash completion registers a completion"
else
  fail "bash completion does not call 'complete'"
fi
if head -n1 "$prefix/share/zsh/vendor-completions/_noodle-upgrade" 2>/dev/null | grep -q '^#compdef noodle-upgrade'; then
  pass "zsh completion starts with #compdef noodle-upgrade"
else
  fail "zsh completion does not start with '#compdef noodle-upgrade'"
fi
if grep -q '^complete -c noodle-upgrade' "$prefix/share/fish/vendor_completions.d/noodle-upgrade.fish" 2>/dev/null; then
  pass "fish completion registers a completion"
else
  fail "fish completion does not call 'complete -c noodle-upgrade'"
fi

# --- (b) the Debian package --------------------------------------------------
deb=""
if ! command -v dpkg-deb >/dev/null || ! command -v cpack >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
  skipped+=("(b) and (c): dpkg-deb, dpkg-shlibdeps (dpkg-dev) or cpack missing")
else
  arch=$(dpkg --print-architecture)
  # -B: the package and CPack's staging tree go to the temporary directory.
  if cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1; then
    pass "cpack -G DEB"
  else
    cat "$work/cpack.log" >&2
    fail "cpack -G DEB failed"
  fi
  deb=$work/pkg/noodle-upgrade_${version}_${arch}.deb
  if [[ -f $deb ]]; then
    pass "package file is named $(basename "$deb")"
  else
    fail "no $(basename "$deb"); cpack made: $(cd "$work/pkg" 2>/dev/null && ls -- *.deb 2>/dev/null | tr '\n' ' ')"
    deb=""
  fi
fi

if [[ -n $deb ]]; then
  field() { dpkg-deb -f "$deb" "$1"; }
  check_field() {
    local got
    got=$(field "$1")
    if [[ $got == "$2" ]]; then
      pass "$1: $2"
    else
      fail "$1 is '$got', expected '$2'"
    fi
  }
  check_field Package noodle-upgrade
  check_field Version "$version"
  check_field Architecture "$arch"
  check_field Section admin
  check_field Maintainer "noodle-upgrade maintainers"
  # A one-line synopsis, then the long description indented by one space.
  description=$(field Description)
  synopsis=$(head -n 1 <<<"$description")
  body_start=$(sed -n 2p <<<"$description")
  if [[ $synopsis == "upgrade the components of a running runtime safely" && $body_start == " noodle-upgrade reads "* ]]; then
    pass "Description: synopsis, then the long description"
  else
    fail "Description is malformed: '$description'"
  fi

  depends=$(field Depends)
  echo "Depends: $depends"
  # The package names alone, without version constraints, sorted.
  depends_names=$(tr ',' '\n' <<<"$depends" | sed 's/(.*)//; s/[[:space:]]//g' | { grep -v '^$' || true; } | sort)
  # What the binary links on Debian 12: the six libraries it uses plus the
  # C/C++ runtime. libcurl (fetching from repository mirrors) is loaded when
  # first used and always named. With NOODLE_STATIC_DEPS (the default outside
  # sanitizer builds) the others are linked in and only libc remains; else
  # libyaml, fmt, libarchive, OpenSSL and SQLite are shared.
  # CLI11, nlohmann-json and tl-expected are header-only and bring nothing.
  if grep -q '^NOODLE_STATIC_DEPS:BOOL=ON$' "$build_dir/CMakeCache.txt"; then
    expected_depends=$(sort <<EOF
libc6
libcurl4
EOF
)
  else
    expected_depends=$(sort <<EOF
libarchive13
libc6
libcurl4
libfmt9
libgcc-s1
libsqlite3-0
libssl3
libstdc++6
libyaml-0-2
EOF
)
  fi
  # The allocator (NOODLE_MIMALLOC, the default outside sanitizer builds):
  # Debian ships mimalloc as a shared library only.
  if grep -q '^NOODLE_MIMALLOC:BOOL=ON$' "$build_dir/CMakeCache.txt"; then
    expected_depends=$(printf '%s\nlibmimalloc2.0\n' "$expected_depends" | sort)
  fi
  if [[ $depends_names == "$expected_depends" ]]; then
    pass "Depends names exactly the expected library packages"
  else
    fail "Depends differs from the expected set"
    diff <(echo "$expected_depends") <(echo "$depends_names") >&2 || true
  fi
  if grep -q '(>= ' <<<"$depends"; then
    pass "Depends carries version constraints from the shlibs/symbols files"
  else
    fail "Depends has no version constraints"
  fi

  # Regular files and links only, under /usr, as the install tree had them.
  deb_files=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | { grep -v '/$' || true; } | sed 's|^\./usr/||' | sort)
  if [[ $deb_files == "$expected_files" ]]; then
    pass "package contents are exactly the expected files under /usr"
  else
    fail "package contents differ from the expected files"
    diff <(echo "$expected_files") <(echo "$deb_files") >&2 || true
  fi
  if dpkg-deb -c "$deb" | awk '{print $2}' | grep -qv '^root/root$'; then
    fail "package holds files not owned by root/root"
  else
    pass "every file in the package is owned by root/root"
  fi
fi

# --- (c) apt-get install, run, remove ----------------------------------------
if [[ -n $deb ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    skipped+=("(c): not root")
  elif ! command -v apt-get >/dev/null; then
    skipped+=("(c): apt-get missing")
  elif dpkg-query -W -f='${Status}' noodle-upgrade 2>/dev/null | grep -q 'installed'; then
    skipped+=("(c): a noodle-upgrade package is already installed")
  elif [[ -e /usr/bin/noodle-upgrade ]]; then
    skipped+=("(c): /usr/bin/noodle-upgrade already exists (installed from elsewhere)")
  else
    installed_by_us=1
    apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
    if DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "$deb" >"$work/apt-install.log" 2>&1; then
      pass "apt-get install ./$(basename "$deb")"
    else
      cat "$work/apt-install.log" >&2
      fail "apt-get install failed"
    fi
    if dpkg-query -W -f='${Status}' noodle-upgrade 2>/dev/null | grep -q 'install ok installed'; then
      pass "dpkg records noodle-upgrade as installed"
    else
      fail "dpkg does not record noodle-upgrade as installed"
    fi
    out=$(/usr/bin/noodle-upgrade --version 2>&1 || true)
    if [[ $out == *"$version"* ]]; then
      pass "/usr/bin/noodle-upgrade --version: $out"
    else
      fail "/usr/bin/noodle-upgrade --version printed '$out'"
    fi
    page=$(man -w noodle-upgrade 2>/dev/null || true)
    if [[ $page == /usr/share/man/man1/noodle-upgrade.1* ]]; then
      pass "man -w noodle-upgrade: $page"
    else
      fail "man -w noodle-upgrade found '$page'"
    fi
    page=$(man -w 7 noodle-upgrade-protocol 2>/dev/null || true)
    if [[ $page == /usr/share/man/man7/noodle-upgrade-protocol.7* ]]; then
      pass "man -w 7 noodle-upgrade-protocol: $page"
    else
      fail "man -w 7 noodle-upgrade-protocol found '$page'"
    fi

    if DEBIAN_FRONTEND=noninteractive apt-get remove "${apt_opts[@]}" noodle-upgrade >"$work/apt-remove.log" 2>&1; then
      pass "apt-get remove noodle-upgrade"
    else
      cat "$work/apt-remove.log" >&2
      fail "apt-get remove failed"
    fi
    for f in $expected_files; do
      if [[ -e /usr/$f ]]; then
        fail "/usr/$f is still there after removal"
      fi
    done
    if ! dpkg-query -W -f='${Status}' noodle-upgrade 2>/dev/null | grep -q 'install ok installed'; then
      pass "dpkg no longer lists noodle-upgrade as installed"
    else
      fail "dpkg still lists noodle-upgrade as installed"
    fi
    # Nothing left for the trap to undo (a removed package keeps no conffiles).
    DEBIAN_FRONTEND=noninteractive dpkg --purge noodle-upgrade >/dev/null 2>&1 || true
    installed_by_us=0
  fi
fi

if ((failures > 0)); then
  echo "install_test: $failures failure(s)" >&2
  exit 1
fi
if ((${#skipped[@]} > 0)); then
  printf 'install_test: skipped %s\n' "${skipped[@]}" >&2
  exit 77
fi
echo "install_test: all passed"
