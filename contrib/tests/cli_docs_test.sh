#!/bin/bash
# The CLI's documentation matches the CLI: every command of `rivetctl --help` is in rivetctl.1
# and both completion files, the bash completion completes, the man pages have no warnings and
# _rivetctl parses. Usage: cli_docs_test.sh RIVETCTL CONTRIB_DIR
set -u
rivetctl=$1
contrib=$2
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

help=$("$rivetctl" --help) || { echo "FAIL: rivetctl --help exited $?"; exit 1; }
# Command lines of the help: two spaces, then a lower-case word.
commands=$(printf '%s\n' "$help" | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z0-9-]*\).*/\1/p' | sort -u)
[[ $(wc -w <<<"$commands") -ge 10 ]] || bad "found only these commands in rivetctl --help: $commands"
for c in $commands; do
  grep -Eq "^\.B[RI]? \"?$c\b" "$contrib/man/rivetctl.1" || bad "rivetctl.1 has no entry for '$c'"
  grep -Eq "_rivetctl_commands=.*\b$c\b" "$contrib/completion/rivetctl.bash" ||
    bad "rivetctl.bash does not offer '$c'"
  grep -Eq "^ *'$c:" "$contrib/completion/_rivetctl" || bad "_rivetctl does not offer '$c'"
done

# bash completion, without the bash-completion package.
complete_words() {
  bash --norc --noprofile -c '
    source "$1" || exit 1
    shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _rivetctl
    printf "%s\n" "${COMPREPLY[@]}"' _ "$contrib/completion/rivetctl.bash" "$@" 2>&1
}
expect() { # expect "WORDS" WANTED...
  local words=$1 got
  shift
  read -ra w <<<"$words"
  [[ $words == *" " ]] && w+=("")
  got=$(complete_words "${w[@]}")
  for want in "$@"; do
    grep -qx -- "$want" <<<"$got" || bad "'$words<TAB>' gave [$(tr '\n' ' ' <<<"$got")], not $want"
  done
  printf '%s\n' "$got"
}
got=$(expect "rivetctl se" send)
[[ $got == send ]] || bad "'rivetctl se<TAB>' gave [$got], not only send"
expect "rivetctl ca " init issue revoke crl show list >/dev/null
expect "rivetctl send --" --follow --detach --timeout --model --json >/dev/null
expect "rivetctl --config /nonexistent.yaml tasks --state w" working >/dev/null
expect "rivetctl ca issue --" --ip --dns --days --rsa --agent >/dev/null
expect "rivetctl --config $contrib/man/rivet" "$contrib/man/rivetctl.1" "$contrib/man/rivetd.8" >/dev/null
# Node names with a configuration that does not exist: nothing, no error text, no hang.
start=$SECONDS
got=$(complete_words "$rivetctl" --config /nonexistent/rivet.yaml ping "")
[[ -z $got ]] || bad "ping with a missing configuration completed [$got]"
(( SECONDS - start < 5 )) || bad "completing a node name took $((SECONDS - start)) s"

if command -v man >/dev/null; then
  for page in "$contrib/man/rivetd.8" "$contrib/man/rivetctl.1"; do
    warnings=$(man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || bad "man --warnings $page: $warnings"
  done
else
  echo "SKIP: man is not installed (apt-get install man-db): man page warnings not checked"
fi
if command -v zsh >/dev/null; then
  zsh -n "$contrib/completion/_rivetctl" || bad "zsh -n _rivetctl"
else
  echo "SKIP: zsh is not installed: _rivetctl not parsed"
fi
[[ $fail -eq 0 ]] && echo "cli docs OK"
exit $fail
