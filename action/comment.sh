#!/usr/bin/env bash
# Posts the report as a pull-request comment, or updates the earlier one
# (action.yml, comment: true). Outside a pull request there is nothing to
# comment on: a notice says so. A comment that cannot be posted (a token
# without pull-requests: write, as on pull requests from forks, or a bad
# repository) is a warning that repeats returnpath's reason: the check's
# verdict, not the comment, decides the job.
#
# Environment: RETURNPATH (the binary), INPUT_PLAN, INPUT_REVIEW ("true":
# also post the fixes as review suggestions), INPUT_CONTEXT (context files,
# one per line), PR_NUMBER (empty outside pull requests), GITHUB_REPOSITORY,
# GITHUB_TOKEN.
set -uo pipefail

: "${RETURNPATH:?RETURNPATH is not set}"
if [ -z "${PR_NUMBER:-}" ]; then
  echo "::notice title=returnpath::not a pull request: no comment posted"
  exit 0
fi
# context: one file per line; blank lines and surrounding spaces ignored.
context=()
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && context+=(--context "$line")
done <<< "${INPUT_CONTEXT:-}"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
code=0
review=()
if [ "${INPUT_REVIEW:-false}" = "true" ]; then
  review=(--review)
fi
"$RETURNPATH" comment --repo "$GITHUB_REPOSITORY" --pr "$PR_NUMBER" ${review[@]+"${review[@]}"} ${context[@]+"${context[@]}"} -- "$INPUT_PLAN" 2> "$errors" || code=$?
cat "$errors" >&2
if [ "$code" -ge 2 ]; then
  # returnpath's own one-line error says why (a token without
  # pull-requests: write, a bad repository, GitHub unreachable, ...).
  why=$(tail -n 1 "$errors")
  why=${why#returnpath: }
  why=${why//%/%25}
  echo "::warning title=returnpath::the pull-request comment was not posted (exit $code): ${why:-no message}"
fi
exit 0
