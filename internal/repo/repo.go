// Package repo finds the repository that holds a Terraform configuration
// and says whether a path lies inside it: nothing outside the repository
// is read, and no path outside it is shown.
package repo

import (
	"os"
	"path/filepath"
	"strings"
)

// Root is the repository that holds dir (the nearest parent with a .git),
// as an absolute path; dir itself, made absolute, when it is in no
// repository.
func Root(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}

// Contains reports whether path, with its symbolic links followed, lies
// inside root (itself with its links followed). A path that does not
// exist is judged as written.
func Contains(root, path string) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		real = abs
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// Show is path relative to root with forward slashes, for messages: never
// an absolute path. A path outside root is shown by its base name.
func Show(root, path string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}
