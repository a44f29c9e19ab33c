package repo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRootContainsShow(t *testing.T) {
	base := t.TempDir()
	repoDir := filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(repoDir, ".git"), filepath.Join(repoDir, "infra", "modules", "a"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(repoDir, "infra", "link")); err != nil {
		t.Fatal(err)
	}
	root := Root(filepath.Join(repoDir, "infra"))
	if want, _ := filepath.Abs(repoDir); root != want {
		t.Fatalf("Root = %q, want %q", root, want)
	}
	for path, want := range map[string]bool{
		filepath.Join(repoDir, "infra", "modules", "a"): true,
		filepath.Join(repoDir, "infra", "..", "infra"):  true,
		repoDir: true,
		filepath.Join(repoDir, "infra", "..", "..", "outside"): false,
		filepath.Join(repoDir, "infra", "link"):                false, // a symlink out
		filepath.Join(repoDir, "..repo-sibling"):               true,  // a name starting with "..", inside
	} {
		if got := Contains(root, path); got != want {
			t.Errorf("Contains(%q) = %v, want %v", path, got, want)
		}
	}
	if got := Show(root, filepath.Join(repoDir, "infra", "modules", "a", "main.tf")); got != "infra/modules/a/main.tf" {
		t.Errorf("Show inside = %q", got)
	}
	if got := Show(root, filepath.Join(outside, "main.tf")); got != "main.tf" {
		t.Errorf("Show outside = %q, want the base name only", got)
	}
}
