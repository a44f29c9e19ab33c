#!/usr/bin/env bash
# Builds returnpath from the action's own source (action.yml's build step):
# nothing is downloaded but the Go modules of go.sum. Writes the binary's
# path to the step output "binary".
#
# Environment: GITHUB_ACTION_PATH (the action's checkout), RUNNER_TEMP,
# GITHUB_OUTPUT, and ACTION_REF (the ref the workflow uses, e.g. v1; the
# version the binary reports, when set).
set -euo pipefail

bin_dir="$RUNNER_TEMP/returnpath-action"
mkdir -p "$bin_dir"
binary="$bin_dir/returnpath$(go env GOEXE)"

ldflags=""
if [ -n "${ACTION_REF:-}" ]; then
  ldflags="-X github.com/returnpath-dev/returnpath/cli.version=$ACTION_REF"
fi
(cd "$GITHUB_ACTION_PATH" && go build -ldflags "$ldflags" -o "$binary" .)

echo "binary=$binary" >> "$GITHUB_OUTPUT"
