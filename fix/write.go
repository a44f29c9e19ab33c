package fix

import (
	"fmt"
	gitrepo "github.com/returnpath-dev/returnpath/internal/repo"
	"os"
	"path/filepath"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// maxFileSize bounds a .tf or .tfvars file read (a configuration file of
// more is not hand-written).
const maxFileSize = 16 << 20

func readFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxFileSize {
		return nil, fmt.Errorf("larger than %d MiB: not read", maxFileSize>>20)
	}
	return os.ReadFile(path)
}

// safePath is where an edit of path may be written: the file it names
// after following symbolic links, inside root and not in a .terraform
// directory. Anything else is refused.
func safePath(root, path string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("repository root %s: %v", root, unwrap(err))
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, unwrap(err))
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return "", err
	}
	rel, ok := gitrepo.Relative(realRoot, real)
	if !ok {
		return "", fmt.Errorf("%s is outside the repository %s: not edited", path, root)
	}
	if slices.Contains(strings.Split(rel, "/"), ".terraform") {
		return "", fmt.Errorf("%s is in .terraform/ (a module terraform init downloaded): not edited", rel)
	}
	if info, err := os.Stat(real); err != nil || !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file: not edited", rel)
	}
	return real, nil
}

// Write puts every change on disk, each file written to a temporary file
// beside it and renamed over it, so that a file is either as it was or
// fully edited. Files changed on disk since they were read are not
// overwritten.
func (r *Result) Write() error {
	for _, c := range r.Changes {
		if err := writeAtomic(r.root, c); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(root string, c Change) error {
	real, err := safePath(root, c.Path)
	if err != nil {
		return err
	}
	current, err := os.ReadFile(real)
	if err != nil {
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	if string(current) != string(c.Before) {
		return fmt.Errorf("%s changed while returnpath was fixing it: not written", c.Rel)
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".returnpath-*")
	if err != nil {
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(c.After); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	if err := os.Rename(tmp.Name(), real); err != nil {
		return fmt.Errorf("%s: %v", c.Rel, unwrap(err))
	}
	done = true
	return nil
}

// Diff is the unified diff of every change, git style (a/ and b/ before
// the paths relative to the repository root), for patch -p1 or git apply.
func (r *Result) Diff() string {
	var b strings.Builder
	for _, c := range r.Changes {
		b.WriteString(c.diff())
	}
	return b.String()
}

func (c Change) diff() string {
	before, after := string(c.Before), string(c.After)
	if c.edits != nil {
		edits := slices.Clone(c.edits)
		udiff.SortEdits(edits)
		if applied, err := udiff.Apply(before, edits); err == nil && applied == after {
			if text, err := udiff.ToUnified("a/"+c.Rel, "b/"+c.Rel, before, edits, udiff.DefaultContextLines); err == nil {
				return text
			}
		}
	}
	text, err := udiff.ToUnified("a/"+c.Rel, "b/"+c.Rel, before, udiff.Lines(before, after), udiff.DefaultContextLines)
	if err != nil {
		// Line edits of the two texts are consistent by construction.
		panic("fix: line diff: " + err.Error())
	}
	return text
}
