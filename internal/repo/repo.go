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

// Relative is path relative to root, with forward slashes, as reports and
// code scanning show paths. ok is false when path is outside root or
// either cannot be made absolute: the caller decides what such a path
// shows as.
func Relative(root, path string) (rel string, ok bool) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", false
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	rel, err = filepath.Rel(absRoot, absPath)
	// A name that starts with ".." ("..hidden.hcl") is inside root; only
	// ".." itself or a first element ".." leaves it.
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// Contains reports whether path, with its symbolic links followed, lies
// inside root (itself with its links followed). A path that does not
// exist is judged as written.
func Contains(root, path string) bool {
	_, ok := Relative(followLinks(root), followLinks(path))
	return ok
}

// followLinks is path with its symbolic links resolved, or path as given
// when they cannot be (it does not exist).
func followLinks(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// Show is path relative to root with forward slashes, for messages: never
// an absolute path. A path outside root is shown by its base name.
func Show(root, path string) string {
	if rel, ok := Relative(root, path); ok {
		return rel
	}
	return filepath.Base(path)
}
