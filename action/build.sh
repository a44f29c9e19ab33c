#!/usr/bin/env bash
# Builds returnpath from the action's own source (install.sh, for a ref
# that is not a release): nothing is downloaded but the Go modules of go.sum
# and, when the Go on PATH is older than go.mod's, the Go toolchain go.mod
# names. The workflow's Go is left as it was for later steps: nothing is
# written to GITHUB_ENV or GITHUB_PATH, and GOTOOLCHAIN is changed for
# this build only. Writes the binary's path to the step output "binary".
#
# Environment: GITHUB_ACTION_PATH (the action's checkout), RUNNER_TEMP,
# GITHUB_OUTPUT, and ACTION_REF (the ref the workflow uses, e.g. main or a
# commit; the version the binary reports, when set).
set -euo pipefail

if ! command -v go > /dev/null; then
  echo "returnpath: building from source needs Go 1.21 or newer on PATH (it fetches the Go of go.mod itself);" \
    "use a release instead: uses: returnpath-dev/returnpath@vX.Y.Z, or version: vX.Y.Z" >&2
  exit 1
fi

bin_dir="$RUNNER_TEMP/returnpath-action"
mkdir -p "$bin_dir"
binary="$bin_dir/returnpath$(go env GOEXE)"

pkg=github.com/returnpath-dev/returnpath/cli
ldflags=""
if [ -n "${ACTION_REF:-}" ]; then
  ldflags="-X $pkg.version=$ACTION_REF"
  if [[ "$ACTION_REF" =~ ^[0-9a-f]{40}$ ]]; then
    ldflags="$ldflags -X $pkg.commit=$ACTION_REF"
  fi
fi
# GOTOOLCHAIN=auto: a Go older than go.mod's fetches go.mod's toolchain
# for this build (a workflow's setup-go sets GOTOOLCHAIN=local). The
# environment of this script ends with it.
(cd "$GITHUB_ACTION_PATH" && GOTOOLCHAIN=auto CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$binary" .)

echo "binary=$binary" >> "$GITHUB_OUTPUT"
