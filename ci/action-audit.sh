#!/usr/bin/env bash
# The action's audit step: turns the action's inputs (INPUT_* variables)
# into one `listaudit audit` command line and runs it; its exit status is
# the step's. Lists are split on white space and globs expanded, as a
# shell would; a word that matches no file is an error, not a silently
# smaller audit.
set -euo pipefail
shopt -s nullglob

bin="${LISTAUDIT_BIN:-listaudit}"
args=(audit)

# add INPUT_NAME WORDS [FLAG]: appends each file WORDS names, after FLAG.
add() {
  local name=$1 words=$2 flag=${3:-} word
  local -a list matches
  set -f
  read -ra list <<< "$words"
  set +f
  for word in "${list[@]}"; do
    # shellcheck disable=SC2206 # the word is a glob, expanded on purpose
    matches=($word)
    if [ ${#matches[@]} -eq 0 ]; then
      echo "listaudit action: '$word' in the '$name' input matches no file" >&2
      exit 2
    fi
    for word in "${matches[@]}"; do
      if [ -n "$flag" ]; then args+=("$flag"); fi
      args+=("$word")
    done
  done
}

if [ -z "${INPUT_FILES//[[:space:]]/}" ]; then
  echo "listaudit action: the 'files' input names no subscriber export" >&2
  exit 2
fi
add files "$INPUT_FILES"
add consent "${INPUT_CONSENT:-}" --consent
add suppress "${INPUT_SUPPRESS:-}" --suppress
if [ -n "${INPUT_POLICY:-}" ]; then args+=(--policy "$INPUT_POLICY"); fi
# Unset, the policy decides (a listaudit.toml may set fail_on).
if [ -n "${INPUT_FAIL_ON:-}" ]; then args+=(--fail-on "$INPUT_FAIL_ON"); fi
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
args+=(--format "${INPUT_FORMAT:-github}" --no-progress)
set -f
read -ra extra <<< "${INPUT_ARGS:-}"
set +f
args+=("${extra[@]}")

if [ -n "${INPUT_OUTPUT:-}" ]; then
  exec "$bin" "${args[@]}" > "$INPUT_OUTPUT"
fi
exec "$bin" "${args[@]}"
