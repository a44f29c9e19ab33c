//go:build !linux

package plan

import (
	"errors"
	"os"
)

// mapFile is the Linux fast path (mapfile_linux.go); elsewhere a plan is
// read into memory.
func mapFile(*os.File, int64) ([]byte, func(), error) {
	return nil, nil, errors.ErrUnsupported
}
