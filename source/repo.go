package source

import "github.com/returnpath-dev/returnpath/internal/repo"

// RepoRelative is path relative to root (a repository, see RepoRoot), with
// forward slashes, as reports and code scanning show paths; ok is false
// outside root (repo.Relative).
func RepoRelative(root, path string) (rel string, ok bool) { return repo.Relative(root, path) }
