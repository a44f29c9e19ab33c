package cli

import "runtime/debug"

// version is set at link time:
//
//	go build -ldflags "-X github.com/returnpath-dev/returnpath/cli.version=v1.2.3"
var version string

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
