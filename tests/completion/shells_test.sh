#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The completion scripts of completions/ in real bash, zsh and fish: the
# built binary first in PATH, a partial command line typed, the candidates
# the shell would offer compared. Exit 0 when every shell passed, 1 on a
# failure, 77 (skipped) when no failure but a shell is missing.
set -uo pipefail

binary="" source_dir=""
while (($# > 0)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --source-dir) source_dir=$2; shift 2 ;;
    *) echo "usage: $0 --binary PATH --source-dir DIR" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" && -d "$source_dir" ]] || { echo "usage: $0 --binary PATH --source-dir DIR" >&2; exit 2; }

bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
ln -s "$(realpath "$binary")" "$bin_dir/noodle-upgrade"
export PATH="$bin_dir:$PATH"
unset NOODLE_ROOT NOODLE_CATALOG NOODLE_KEYRING NOODLE_ARCHIVES NOODLE_SOCKET
completions="$source_dir/completions"
catalog="$source_dir/manifests"

failures=0 missing=()

# expect SHELL LINE WANTED GOT: every line of WANTED must be among GOT, and
# GOT must not be empty.
expect()
{
  local shell=$1 line=$2 wanted=$3 got=$4 w
  if [[ -z "$got" ]]; then
    echo "FAIL [$shell] '$line': no candidates (wanted: $(echo $wanted))" >&2
    failures=$((failures + 1))
    return
  fi
  while IFS= read -r w; do
    if ! grep -qxF -- "$w" <<<"$got"; then
      echo "FAIL [$shell] '$line': missing '$w' in: $(echo $got)" >&2
      failures=$((failures + 1))
      return
    fi
  done <<<"$wanted"
  echo "ok   [$shell] '$line'"
}

# expect_exactly SHELL LINE WANTED GOT
expect_exactly()
{
  local shell=$1 line=$2 wanted=$3 got=$4
  if [[ "$(sort <<<"$got")" != "$(sort <<<"$wanted")" ]]; then
    echo "FAIL [$shell] '$line': wanted $(echo $wanted), got: $(echo $got)" >&2
    failures=$((failures + 1))
    return
  fi
  echo "ok   [$shell] '$line'"
}

# --- bash: the registered function called as readline would call it.
bash_complete()
{
  # $1: the line; a trailing space starts a new, empty word. Words are split
  # like bash does by default, "=" being a word of its own.
  bash --norc --noprofile -c '
    if [[ -f /usr/share/bash-completion/bash_completion ]]; then
      source /usr/share/bash-completion/bash_completion
    fi
    source "$1"
    line=$2
    read -r -a COMP_WORDS <<<"${line//=/ = }"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line COMP_POINT=${#line}
    spec=$(complete -p noodle-upgrade) || exit 1
    fn=${spec#*-F }; fn=${fn%% *}
    "$fn" noodle-upgrade "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"
  ' bash "$completions/noodle-upgrade.bash" "$1"
}

if command -v bash >/dev/null; then
  line="noodle-upgrade up"
  expect_exactly bash "$line" "upgrade" "$(bash_complete "$line")"
  line="noodle-upgrade upgrade --stra"
  expect_exactly bash "$line" "--strategy" "$(bash_complete "$line")"
  line="noodle-upgrade upgrade --strategy "
  expect bash "$line" $'gradual\ncanary\nblue-green' "$(bash_complete "$line")"
  line="noodle-upgrade upgrade --strategy=ca"
  expect_exactly bash "$line" "canary" "$(bash_complete "$line")"
  line="noodle-upgrade --catalog $catalog upgrade ji"
  expect_exactly bash "$line" "jit_compiler" "$(bash_complete "$line")"
  line="noodle-upgrade --catalog $catalog upgrade jit_compiler 2."
  expect_exactly bash "$line" $'2.0.0\n2.1.0' "$(bash_complete "$line")"
else
  missing+=(bash)
fi

# --- zsh: compinit must bind the file to the command through its #compdef
# line; the function then runs with compadd captured.
if command -v zsh >/dev/null; then
  zsh_complete()
  {
    zsh -f -c '
      fpath=("$1" $fpath)
      autoload -Uz compinit && compinit -u -D
      [[ ${_comps[noodle-upgrade]} == _noodle-upgrade ]] || { print -u2 "not bound: ${_comps[noodle-upgrade]}"; exit 1; }
      compadd() { while (( $# )) && [[ $1 != -- ]]; do shift; done; shift; print -rl -- "$@"; }
      _files() { print -r -- "<files>"; }
      words=(${(z)2})
      [[ $2 == *" " ]] && words+=("")
      CURRENT=${#words}
      _noodle-upgrade
    ' zsh "$completions" "$1"
  }
  line="noodle-upgrade up"
  expect_exactly zsh "$line" "upgrade" "$(zsh_complete "$line")"
  line="noodle-upgrade upgrade --strategy=blue"
  expect_exactly zsh "$line" "--strategy=blue-green" "$(zsh_complete "$line")"
  line="noodle-upgrade --catalog $catalog plan "
  expect zsh "$line" $'jit_compiler\nruntime_core' "$(zsh_complete "$line")"
  line="noodle-upgrade --catalog $catalog upgrade jit_compiler "
  expect_exactly zsh "$line" $'1.0.0\n1.4.0\n2.0.0\n2.1.0' "$(zsh_complete "$line")"
  line="noodle-upgrade --root /nonexistent validate "
  expect_exactly zsh "$line" "<files>" "$(zsh_complete "$line")"
else
  missing+=(zsh)
fi

# --- fish: its own completion machinery (complete -C), the script found on
# fish_complete_path.
if command -v fish >/dev/null; then
  fish_complete()
  {
    fish --no-config -c 'set -g fish_complete_path $argv[1] $fish_complete_path; complete -C $argv[2]' \
      "$completions" "$1" | cut -f1
  }
  line="noodle-upgrade up"
  expect_exactly fish "$line" "upgrade" "$(fish_complete "$line")"
  line="noodle-upgrade upgrade --validation "
  expect_exactly fish "$line" $'strict\nnormal\npermissive' "$(fish_complete "$line")"
  line="noodle-upgrade -o j"
  expect_exactly fish "$line" "json" "$(fish_complete "$line")"
  line="noodle-upgrade --catalog $catalog deps gc"
  expect_exactly fish "$line" "gc_engine" "$(fish_complete "$line")"
  line="noodle-upgrade --catalog $catalog components show jit_compiler@1"
  expect_exactly fish "$line" $'jit_compiler@1.0.0\njit_compiler@1.4.0' "$(fish_complete "$line")"
else
  missing+=(fish)
fi

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
if ((${#missing[@]} > 0)); then
  echo "skipped: ${missing[*]} not installed" >&2
  exit 77
fi
exit 0
