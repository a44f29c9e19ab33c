package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at link time by the release build (.goreleaser.yaml) and the
// action's source build:
//
//	go build -ldflags "-X github.com/returnpath-dev/returnpath/cli.version=v1.2.3
//	  -X github.com/returnpath-dev/returnpath/cli.commit=SHA
//	  -X github.com/returnpath-dev/returnpath/cli.date=2026-12-06T16:00:00Z"
var version, commit, date string

// Version is the returnpath version: the link-time version, else the main
// module's version (set by `go install …@v1.2.3`), else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Build describes the binary: what `returnpath version` prints.
type Build struct {
	Version string
	Commit  string // the source revision; "unknown" when nothing recorded it
	Date    string // when the binary was built or the revision committed (RFC 3339); "unknown"
	Go      string // the Go toolchain that built it, e.g. go1.25.5
}

// BuildOf reads the link-time values, else what the go command stamped
// into the binary (vcs.revision and vcs.time when built in a git checkout;
// go install …@v1.2.3 stamps neither).
func BuildOf(version string) Build {
	b := Build{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			case s.Key == "vcs.modified" && s.Value == "true" && commit == "" && b.Commit != "":
				b.Commit += "-dirty"
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// Print writes the version, then one "name: value" line each for the
// commit, the date and the Go toolchain with its platform.
func (b Build) Print(w io.Writer) {
	fmt.Fprintf(w, "returnpath %s\ncommit: %s\ndate: %s\ngo: %s %s/%s\n", b.Version, b.Commit, b.Date, b.Go, runtime.GOOS, runtime.GOARCH)
}
