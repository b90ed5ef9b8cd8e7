# SPDX-License-Identifier: Apache-2.0
# bash completion for noodle-upgrade. The candidates come from the binary
# itself (`noodle-upgrade __complete WORDS...`), so this script never needs
# to learn a new command or option. Where it offers none, bash completes
# file names.
_noodle_upgrade()
{
  local cur=${COMP_WORDS[COMP_CWORD]}
  # After "--opt=" bash hands over "=" as the word being completed.
  [[ $cur == "=" ]] && cur=""
  local IFS=$'\n'
  local candidates
  candidates=$(noodle-upgrade __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _noodle_upgrade noodle-upgrade
