#!/usr/bin/env bash
# Runs returnpath check for action.yml: prints the report in the chosen
# format to the log, writes the SARIF file when asked, the job summary and
# the step outputs (findings, errors, exit-code). It exits 0 when the check
# ran, whatever it found, so that the outputs are set and the pull-request
# comment can still be posted; action.yml's last step fails the job on
# exit-code. A usage or input error (exit 2) fails here, at once.
#
# Environment: RETURNPATH (the binary), INPUT_PLAN, INPUT_FORMAT,
# INPUT_FAIL_ON, INPUT_CHDIR, INPUT_CONTEXT (context files, one per line),
# INPUT_SARIF_FILE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (optional), and
# RETURNPATH_SUMMARY_LIMIT (the summary's size limit in bytes, 1 MiB; tests
# lower it).
set -uo pipefail

: "${RETURNPATH:?RETURNPATH is not set}" "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
if [ -z "${INPUT_PLAN:-}" ]; then
  echo "returnpath: the plan input is empty (the path of the terraform show -json output, or of a binary plan)" >&2
  echo "exit-code=2" >> "$GITHUB_OUTPUT"
  exit 2
fi
format="${INPUT_FORMAT:-github}"
fail_on="${INPUT_FAIL_ON:-error}"

config=()
if [ -n "${INPUT_CHDIR:-}" ]; then
  config=(--chdir "$INPUT_CHDIR")
fi
# context: one file per line; blank lines and surrounding spaces ignored.
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && config+=(--context "$line")
done <<< "${INPUT_CONTEXT:-}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# report FORMAT FILE [FLAGS...]: one returnpath check run into FILE; its
# exit code is the return value.
report() {
  local fmt=$1 out=$2
  shift 2
  # ${a[@]+...}: an empty array is "unbound" to set -u in bash 3 (macOS).
  "$RETURNPATH" check --format "$fmt" ${config[@]+"${config[@]}"} "$@" -- "$INPUT_PLAN" > "$out"
}

# The report of the chosen format, and the exit code against fail-on. This
# run also validates the inputs: exit 2 has already said why on stderr.
code=0
report "$format" "$tmp/report" --fail-on "$fail_on" || code=$?
if [ "$code" -ge 2 ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  exit "$code"
fi
cat "$tmp/report"

# Counts: the github format, uncapped, has one workflow command per
# finding on a line of its own (suppressed findings have none), and its
# other lines are escaped so that none starts with "::".
report github "$tmp/github" --fail-on never --max-annotations 0 || exit $?
findings=$(grep -cE '^::(error|warning|notice) ' "$tmp/github")
errors=$(grep -cE '^::error ' "$tmp/github")

if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  mkdir -p "$(dirname "$INPUT_SARIF_FILE")"
  report sarif "$INPUT_SARIF_FILE" --fail-on never || exit $?
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ "$format" = text ]; then
    cp "$tmp/report" "$tmp/text"
  else
    report text "$tmp/text" --fail-on never --no-color || exit $?
  fi
  if [ "$code" -eq 0 ]; then
    verdict="Passed: no finding at or above \`$fail_on\`"
  else
    verdict="Failed: findings at or above \`$fail_on\`"
  fi
  # A fence longer than any run of backticks in the report.
  fence='```'
  while grep -qF "$fence" "$tmp/text"; do fence="$fence\`"; done
  # GitHub drops a step summary over 1 MiB whole: the report is cut at a
  # line so that this step's summary stays under it, with a note.
  limit="${RETURNPATH_SUMMARY_LIMIT:-1048576}"
  used=0
  if [ -f "$GITHUB_STEP_SUMMARY" ]; then used=$(wc -c < "$GITHUB_STEP_SUMMARY"); fi
  room=$((limit - used - 1024)) # the heading, the verdict, the fences and the note
  note=""
  size=$(wc -c < "$tmp/text")
  if [ "$size" -gt "$room" ]; then
    lines=$(wc -l < "$tmp/text")
    head -c "$((room > 0 ? room : 0))" "$tmp/text" | sed '$d' > "$tmp/cut"
    mv "$tmp/cut" "$tmp/text"
    note="The report is cut to $(wc -l < "$tmp/text" | tr -d ' ') of $((lines)) lines: GitHub keeps at most 1 MiB of summary per step. \`returnpath check --format text\` or the SARIF report (sarif-file) lists every finding."
  fi
  {
    echo "### returnpath: $INPUT_PLAN"
    echo
    echo "$verdict (findings: $findings, errors: $errors)."
    echo
    echo "${fence}text"
    cat "$tmp/text"
    echo "$fence"
    if [ -n "$note" ]; then
      echo
      echo "$note"
    fi
  } >> "$GITHUB_STEP_SUMMARY"
fi

{
  echo "findings=$findings"
  echo "errors=$errors"
  echo "exit-code=$code"
} >> "$GITHUB_OUTPUT"
