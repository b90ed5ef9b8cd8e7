# SPDX-License-Identifier: Apache-2.0
# bash completion for noodle-upgrade: commands, subcommands and option values.
_noodle_upgrade()
{
  local cur prev words cword
  _init_completion || return

  local global="--root --catalog --keyring --archives --socket --lock-timeout --output -o --quiet -q --verbose -v --no-color --no-progress --strict --help --version"
  local change="--strategy --dry-run --timeout --validation --allow-downgrade --allow-unsigned --requested-by --metadata"
  local live="--offline --request-timeout --lease"
  local rollout="--steps --step-interval --canary-weight --analysis --health-interval --max-failures --max-failure-ratio --max-unavailable --fallback-strategy"
  case "$prev" in
    --output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    -o)
      # -o is --output, except after pack and sign, where it is --out.
      if [[ " ${words[*]:1:cword-1} " == *" pack "* || " ${words[*]:1:cword-1} " == *" sign "* ]]; then
        _filedir
      else
        COMPREPLY=($(compgen -W "text json" -- "$cur"))
      fi
      return
      ;;
    --format) COMPREPLY=($(compgen -W "text json dot" -- "$cur")); return ;;
    --strategy|--fallback-strategy) COMPREPLY=($(compgen -W "immediate gradual canary blue-green rolling" -- "$cur")); return ;;
    --validation) COMPREPLY=($(compgen -W "strict normal permissive" -- "$cur")); return ;;
    --priority) COMPREPLY=($(compgen -W "1 2 3 4 5 6 7 8 9 10" -- "$cur")); return ;;
    --root|--catalog|--keyring|--archives|--extract-to) _filedir -d; return ;;
    --socket) _filedir; return ;;
    -f|--file) _filedir '@(yaml|yml)'; return ;;
    --plan|--save) _filedir json; return ;;
    --key) _filedir key; return ;;
    --sig) _filedir sig; return ;;
    --out) _filedir; return ;;
    --lock-timeout|--timeout|--wait|--limit|--keep|--point|--to|--from|--constraint|--requested-by|--metadata) return ;;
    --request-timeout|--lease|--steps|--step-interval|--canary-weight|--analysis|--health-interval) return ;;
    --max-failures|--max-failure-ratio|--max-unavailable) return ;;
  esac

  local cmd="" sub="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      --root|--catalog|--keyring|--archives|--lock-timeout|--output|-o|--format|--strategy|--validation|-f|--file|--to|--from|--constraint) ((i++)) ;;
      --timeout|--priority|--requested-by|--metadata|--plan|--save|--point|--limit|--keep|--wait|--key|--sig|--out|--extract-to) ((i++)) ;;
      --socket|--request-timeout|--lease|--steps|--step-interval|--canary-weight|--analysis|--health-interval) ((i++)) ;;
      --max-failures|--max-failure-ratio|--max-unavailable|--fallback-strategy) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd="${words[i]}"; elif [[ -z "$sub" ]]; then sub="${words[i]}"; fi ;;
    esac
  done

  local words_now
  case "$cmd" in
    "") words_now="components deps path plan validate version keygen pack sign verify upgrade apply rollback snapshot status history check recover gc cancel" ;;
    components) [[ -z "$sub" ]] && words_now="list show" ;;
    version) [[ -z "$sub" ]] && words_now="parse compare match sort compat" ;;
    deps) words_now="--reverse --format" ;;
    path) words_now="--to --from" ;;
    plan) words_now="--file -f --constraint --strategy --validation --allow-downgrade --save" ;;
    validate) _filedir '@(yaml|yml)' ;;
    keygen) words_now="--out" ;;
    pack) words_now="--out -o"; [[ "$cur" != -* ]] && _filedir -d ;;
    sign) words_now="--key --out -o"; [[ "$cur" != -* ]] && _filedir '@(gz|tgz|zst)' ;;
    verify) words_now="--sig --extract-to --keyring"; [[ "$cur" != -* ]] && _filedir '@(gz|tgz|zst)' ;;
    upgrade) words_now="$change $live $rollout --constraint --priority --no-rollback" ;;
    apply)
      words_now="$change $live $rollout --plan --no-atomic"
      [[ -z "$sub" && "$cur" != -* ]] && _filedir '@(yaml|yml)'
      ;;
    rollback)
      if [[ "$sub" == list ]]; then
        words_now=""
      elif [[ -z "$sub" ]]; then
        words_now="list --to --point --upgrade --force $live --requested-by"
      else
        words_now="--to --point --upgrade --force $live --requested-by"
      fi
      ;;
    history) words_now="--limit --audit" ;;
    gc) words_now="--keep" ;;
    cancel) words_now="--wait" ;;
    snapshot|status|check|recover) words_now="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    words_now="$words_now $global"
  fi
  COMPREPLY+=($(compgen -W "$words_now" -- "$cur"))
}
complete -F _noodle_upgrade noodle-upgrade
