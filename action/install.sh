#!/usr/bin/env bash
# Installs returnpath for action.yml: the release binary when the action is
# used at a release (uses: returnpath-dev/returnpath@v1.2.3, or any ref
# with the input version: v1.2.3), verified against the release's
# checksums.txt and kept in the runner's tool cache; otherwise (a branch or
# a commit) a build from the action's own source, which leaves the
# workflow's Go alone. Writes the binary's path to the step output
# "binary" and how it was had ("release" or "source") to "installed".
#
# Environment: GITHUB_ACTION_PATH, RUNNER_TEMP, RUNNER_TOOL_CACHE,
# RUNNER_OS, RUNNER_ARCH, GITHUB_OUTPUT, ACTION_REF (github.action_ref),
# INPUT_VERSION (the version input: a release tag, "source", or empty),
# and RETURNPATH_DOWNLOAD_URL (where releases are; tests point it at a
# local server).
set -euo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}" "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
download_url="${RETURNPATH_DOWNLOAD_URL:-https://github.com/returnpath-dev/returnpath/releases/download}"
release_tag='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

fail() {
  echo "returnpath: $*" >&2
  exit 1
}

# The version to download: the version input, else the action's ref when
# it is a release tag; "" builds from source.
version="${INPUT_VERSION:-}"
case "$version" in
source) version="" ;;
"")
  if [[ "${ACTION_REF:-}" =~ $release_tag ]]; then
    version="$ACTION_REF"
  fi
  ;;
*)
  [[ "$version" =~ $release_tag ]] || fail "version input \"$version\": want a release tag such as v1.2.3, or source"
  ;;
esac

if [ -z "$version" ]; then
  echo "returnpath: the action's ref \"${ACTION_REF:-}\" is not a release tag: building from source" \
    "(pin a release, uses: returnpath-dev/returnpath@vX.Y.Z, or set version: vX.Y.Z to download one)"
  bash "$GITHUB_ACTION_PATH/action/build.sh"
  echo "installed=source" >> "$GITHUB_OUTPUT"
  exit 0
fi

case "${RUNNER_OS:-}" in
Linux) os=linux ;;
macOS) os=darwin ;;
Windows) os=windows ;;
*) fail "no release binary for the runner OS \"${RUNNER_OS:-}\" (set version: source to build one)" ;;
esac
case "${RUNNER_ARCH:-}" in
X64) arch=amd64 ;;
ARM64) arch=arm64 ;;
*) fail "no release binary for the runner architecture \"${RUNNER_ARCH:-}\" (set version: source to build one)" ;;
esac
number="${version#v}"
archive="returnpath_${number}_${os}_${arch}.tar.gz"
exe=returnpath
if [ "$os" = windows ]; then
  archive="returnpath_${number}_${os}_${arch}.zip"
  exe=returnpath.exe
fi

# The tool cache's layout (as @actions/tool-cache keeps it): a directory
# per tool, version and architecture, and a marker file once complete.
cache_dir="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP/tool-cache}/returnpath/$number/$arch"
if [ -f "$cache_dir.complete" ] && [ -f "$cache_dir/$exe" ]; then
  echo "returnpath $version: from the tool cache ($cache_dir)"
else
  tmp=$(mktemp -d "$RUNNER_TEMP/returnpath-download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  fetch() {
    local url="$download_url/$version/$1" status
    status=$(curl --silent --location --retry 3 --retry-connrefused --max-time 120 --write-out '%{http_code}' -o "$tmp/$1" "$url") || true
    [ "$status" = 200 ] || fail "could not download $url (HTTP $status): is $version a published release?"
  }
  fetch checksums.txt
  want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$tmp/checksums.txt")
  [ -n "$want" ] || fail "checksums.txt of $version does not list $archive: no release binary for $os/$arch"
  fetch "$archive"
  if command -v sha256sum > /dev/null; then
    got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
  else
    got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
  fi
  [ "$got" = "$want" ] || fail "$archive: SHA-256 $got does not match checksums.txt ($want): not installed"
  rm -rf "$cache_dir" "$cache_dir.complete"
  mkdir -p "$cache_dir"
  if [ "$os" = windows ] && command -v unzip > /dev/null; then
    (cd "$cache_dir" && unzip -q "$tmp/$archive" "$exe")
  elif [ "$os" = windows ]; then
    # Windows' own bsdtar reads zip files; Git Bash's GNU tar does not.
    (cd "$cache_dir" && "${SYSTEMROOT:-C:/Windows}/System32/tar.exe" -xf "$tmp/$archive" "$exe")
  else
    tar -xzf "$tmp/$archive" -C "$cache_dir" "$exe"
  fi
  [ -f "$cache_dir/$exe" ] || fail "$archive holds no $exe"
  chmod +x "$cache_dir/$exe"
  touch "$cache_dir.complete"
  echo "returnpath $version: downloaded $archive, SHA-256 verified against checksums.txt"
fi

{
  echo "binary=$cache_dir/$exe"
  echo "installed=release"
} >> "$GITHUB_OUTPUT"
