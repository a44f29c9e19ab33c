package repo

// The suite's -update flag: go test ./... -update passes it to every package.
import _ "github.com/returnpath-dev/returnpath/internal/golden"
