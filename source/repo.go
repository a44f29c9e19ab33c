package source

import (
	"path/filepath"
	"strings"
)

// RepoRelative is path relative to root (a repository, see RepoRoot), with
// forward slashes, as reports and code scanning show paths. ok is false
// when path is outside root or either cannot be made absolute: the caller
// decides what such a path shows as.
func RepoRelative(root, path string) (rel string, ok bool) {
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
