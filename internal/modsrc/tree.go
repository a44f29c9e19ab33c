package modsrc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/returnpath-dev/returnpath/internal/repo"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// MaxFileSize bounds a .tf file read for its locals: a module's source is
// small, and a larger file is not read at all (the local stays unresolved,
// with that reason). hcl/v2's syntax tree costs up to about 150 times the
// file, so this keeps one file's cost near 150 MB.
const MaxFileSize = 1 << 20

// manifestFile is where terraform init lists the installed modules,
// relative to the root configuration.
var manifestFile = filepath.Join(".terraform", "modules", "modules.json")

// Call is one step of a module path: the module block's name and its
// source as the plan's configuration records it.
type Call struct{ Name, Source string }

// Tree finds and reads module sources under one root configuration.
type Tree struct {
	root string
	// repo is the repository that holds root: no module source outside
	// it is read, and messages show paths relative to it.
	repo string
	// manifest maps module keys ("vpc", "db.db_subnet_group") to
	// directories, nil when there is no modules.json.
	manifest    map[string]string
	manifestErr error
	read        bool
	dirs        map[string]*Module
}

// NewTree reads modules under the root configuration directory root; ""
// means no sources are available (every lookup says so).
func NewTree(root string) *Tree {
	t := &Tree{root: root, dirs: map[string]*Module{}}
	if root != "" {
		t.repo = repo.Root(root)
	}
	return t
}

// Module is the part of one module directory's sources that modsrc reads.
type Module struct {
	Dir string
	// Locals are the expressions of the module's locals by name.
	Locals map[string]hclsyntax.Expression
	// Defaults are the variables' default values (cty.NilVal: no default).
	Defaults map[string]cty.Value
	// Variables lists every declared variable, sorted.
	Variables []string
	// Inputs are the arguments of each module block, by the call's name
	// then the argument's: the plan records an argument that is not a
	// constant as its references only.
	Inputs map[string]map[string]hclsyntax.Expression
	// Dynamic lists the dynamic blocks of each resource block
	// ("aws_network_acl.this": ["ingress"]): the plan's configuration
	// leaves them out.
	Dynamic map[string][]string
	// err says why the directory could not be read; the other fields are
	// then empty.
	err error
}

func (t *Tree) readManifest() {
	if t.read {
		return
	}
	t.read = true
	if t.root == "" {
		return
	}
	f, err := os.Open(filepath.Join(t.root, manifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		t.manifestErr = fmt.Errorf("%s cannot be read", filepath.ToSlash(manifestFile))
		return
	}
	defer f.Close()
	var doc struct {
		Modules []struct{ Key, Source, Dir string }
	}
	if err := json.NewDecoder(io.LimitReader(f, MaxFileSize)).Decode(&doc); err != nil {
		t.manifestErr = fmt.Errorf("%s: %v", manifestFile, err)
		return
	}
	t.manifest = map[string]string{}
	for _, m := range doc.Modules {
		t.manifest[m.Key] = m.Dir
	}
}

// Dir is the directory of the module at a call path (empty: the root).
func (t *Tree) Dir(calls []Call) (string, error) {
	if t.root == "" {
		return "", errors.New("no configuration directory was given to read module sources from")
	}
	if len(calls) == 0 {
		return t.root, nil
	}
	t.readManifest()
	names := make([]string, len(calls))
	for i, c := range calls {
		names[i] = c.Name
	}
	key := strings.Join(names, ".")
	if dir, ok := t.manifest[key]; ok {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(t.root, dir)
		}
		return dir, nil
	}
	last := calls[len(calls)-1]
	if isLocalSource(last.Source) {
		parent, err := t.Dir(calls[:len(calls)-1])
		if err != nil {
			return "", err
		}
		return filepath.Join(parent, filepath.FromSlash(last.Source)), nil
	}
	if t.manifestErr != nil {
		return "", fmt.Errorf("module.%s comes from %q and %v", strings.Join(names, ".module."), last.Source, t.manifestErr)
	}
	return "", fmt.Errorf("module.%s comes from %q, which %s does not list (run terraform init in the configuration directory, or point --chdir at it)", strings.Join(names, ".module."), last.Source, filepath.ToSlash(manifestFile))
}

func isLocalSource(s string) bool {
	return strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || s == "." || s == ".."
}

// Module reads the module at a call path, once per directory.
func (t *Tree) Module(calls []Call) (*Module, error) {
	dir, err := t.Dir(calls)
	if err != nil {
		return nil, err
	}
	// One directory is judged and read once: the containment check
	// resolves symbolic links, and a plan asks for the same module once
	// per resource instance.
	m, ok := t.dirs[dir]
	if !ok {
		if repo.Contains(t.repo, dir) {
			m = t.readModule(dir)
		} else {
			m = &Module{Dir: dir, err: fmt.Errorf("the module's source (%s) is outside the repository, which is not read", calls[len(calls)-1].Source)}
		}
		t.dirs[dir] = m
	}
	if m.err != nil {
		return nil, m.err
	}
	return m, nil
}

// readModule parses the .tf files of one directory for locals and variable
// defaults.
func (t *Tree) readModule(dir string) *Module {
	m := &Module{Dir: dir, Locals: map[string]hclsyntax.Expression{}, Defaults: map[string]cty.Value{}, Inputs: map[string]map[string]hclsyntax.Expression{}, Dynamic: map[string][]string{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		m.err = fmt.Errorf("the module's source is not in %s", repo.Show(t.repo, dir))
		return m
	}
	sort.Strings(files)
	for _, name := range files {
		err := fmt.Errorf("%s is a link out of the repository, which is not read", repo.Show(t.repo, name))
		if repo.Contains(t.repo, name) {
			err = m.readFile(name, repo.Show(t.repo, name))
		}
		if err != nil {
			return &Module{Dir: dir, err: err} // Module gives no part of it
		}
	}
	sort.Strings(m.Variables)
	return m
}

// readFile reads one .tf file; shown is its name in messages.
func (m *Module) readFile(name, shown string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return err
	}
	if len(src) > MaxFileSize {
		return fmt.Errorf("%s is larger than %d bytes", shown, MaxFileSize)
	}
	file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return fmt.Errorf("%s does not parse: %s", shown, diags[0].Summary)
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	for _, b := range body.Blocks {
		switch {
		case b.Type == "locals":
			for name, a := range b.Body.Attributes {
				m.Locals[name] = a.Expr
			}
		case b.Type == "module" && len(b.Labels) == 1:
			args := map[string]hclsyntax.Expression{}
			for name, a := range b.Body.Attributes {
				args[name] = a.Expr
			}
			m.Inputs[b.Labels[0]] = args
		case b.Type == "resource" && len(b.Labels) == 2:
			key := b.Labels[0] + "." + b.Labels[1]
			m.Dynamic[key] = []string{} // read: a resource without dynamic blocks
			for _, inner := range b.Body.Blocks {
				if inner.Type == "dynamic" && len(inner.Labels) == 1 {
					m.Dynamic[key] = append(m.Dynamic[key], inner.Labels[0])
				}
			}
		case b.Type == "variable" && len(b.Labels) == 1:
			v := b.Labels[0]
			m.Variables = append(m.Variables, v)
			m.Defaults[v] = cty.NilVal
			if a, ok := b.Body.Attributes["default"]; ok {
				if val, diags := a.Expr.Value(nil); !diags.HasErrors() {
					m.Defaults[v] = val
				}
			}
		}
	}
	return nil
}
