# SPDX-License-Identifier: Apache-2.0
# bash completion for noodle-upgrade: commands, subcommands and option values.
_noodle_upgrade()
{
  local cur prev words cword
  _init_completion || return

  local global="--root --catalog --output -o --quiet -q --verbose -v --no-color --strict --help --version"
  case "$prev" in
    --output|-o) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "text json dot" -- "$cur")); return ;;
    --strategy) COMPREPLY=($(compgen -W "immediate gradual canary blue-green rolling" -- "$cur")); return ;;
    --validation) COMPREPLY=($(compgen -W "strict normal permissive" -- "$cur")); return ;;
    --root|--catalog) _filedir -d; return ;;
    -f|--file) _filedir '@(yaml|yml)'; return ;;
  esac

  local cmd="" sub="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      --root|--catalog|--output|-o|--format|--strategy|--validation|-f|--file|--to|--from|--constraint) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd="${words[i]}"; elif [[ -z "$sub" ]]; then sub="${words[i]}"; fi ;;
    esac
  done

  local words_now
  case "$cmd" in
    "") words_now="components deps path plan validate version" ;;
    components) [[ -z "$sub" ]] && words_now="list show" ;;
    version) [[ -z "$sub" ]] && words_now="parse compare match sort compat" ;;
    deps) words_now="--reverse --format" ;;
    path) words_now="--to --from" ;;
    plan) words_now="--file -f --constraint --strategy --validation --allow-downgrade" ;;
    validate) _filedir '@(yaml|yml)' ;;
  esac
  if [[ "$cur" == -* ]]; then
    words_now="$words_now $global"
  fi
  COMPREPLY+=($(compgen -W "$words_now" -- "$cur"))
}
complete -F _noodle_upgrade noodle-upgrade
