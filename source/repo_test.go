package source

import (
	"path/filepath"
	"testing"
)

func TestRepoRelative(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		path string
		want string
		ok   bool
	}{
		{filepath.Join(root, "infra", "plan.json"), "infra/plan.json", true},
		{filepath.Join(root, "..returnpath.hcl"), "..returnpath.hcl", true},
		{filepath.Join(root, "..dir", "x.tf"), "..dir/x.tf", true},
		{filepath.Join(root, "a", "..", "b.tf"), "b.tf", true},
		{root, ".", true},
		{filepath.Dir(root), "", false},
		{filepath.Join(filepath.Dir(root), "outside.json"), "", false},
		{filepath.Join(root, "..", filepath.Base(root)+"-sibling", "x.tf"), "", false},
	} {
		got, ok := RepoRelative(root, tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RepoRelative(root, %q) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	// A relative path is read from the working directory, like root.
	t.Chdir(root)
	if got, ok := RepoRelative(".", filepath.Join("envs", "prod.hcl")); got != "envs/prod.hcl" || !ok {
		t.Errorf("relative path: %q, %v", got, ok)
	}
}
