package fix

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// file is one .tf file: its text as edited so far, and its syntax tree
// parsed from that text (edits re-parse it, so positions stay true).
type file struct {
	path string // as read: under the module's directory
	orig []byte
	src  []byte
	body *hclsyntax.Body
	// edits are the replacements made so far, in offsets of orig, so that
	// the diff shows exactly them.
	edits []udiff.Edit
	// mapped is false once an edit could not be placed in the original.
	mapped bool
}

// record notes a replacement of current bytes start:end, mapped back to
// offsets of the original text. ok is false when it falls inside text an
// earlier edit inserted: it has no place in the original then.
func (f *file) record(start, end int, text string) (udiff.Edit, bool) {
	sorted := slices.Clone(f.edits)
	udiff.SortEdits(sorted)
	shift := 0
	for _, e := range sorted {
		curStart, curEnd := e.Start+shift, e.Start+shift+len(e.New)
		if end <= curStart {
			break
		}
		if start >= curEnd {
			shift += len(e.New) - (e.End - e.Start)
			continue
		}
		f.mapped = false
		return udiff.Edit{}, false
	}
	edit := udiff.Edit{Start: start - shift, End: end - shift, New: text}
	f.edits = append(f.edits, edit)
	return edit, true
}

func (f *file) parse() error {
	parsed, diags := hclsyntax.ParseConfig(f.src, f.path, hcl.InitialPos)
	if diags.HasErrors() {
		return diags
	}
	f.body = parsed.Body.(*hclsyntax.Body)
	return nil
}

// text is the source of a range of the file.
func (f *file) text(r hcl.Range) string { return string(f.src[r.Start.Byte:r.End.Byte]) }

// module is one module of the configuration, by its path without instance
// keys ("" for the root, "module.vpc", "module.vpc.module.acl").
type module struct {
	path  string
	dir   string
	files []*file
	// remote is set for a module read from .terraform/modules: it can be
	// read, never edited.
	remote bool
}

// config is the configuration: the root module and the modules it calls,
// local ones and those terraform init downloaded.
type config struct {
	rootDir string
	modules map[string]*module
	// missing are the module calls whose source is not on disk, by the
	// module path they create.
	missing map[string]string
}

// maxModuleDepth bounds how deep module calls are followed.
const maxModuleDepth = 32

// loadConfig reads the configuration in dir. A .tf file that does not parse
// is an error: the fix could not know what it holds.
func loadConfig(dir string) (*config, error) {
	c := &config{rootDir: dir, modules: map[string]*module{}, missing: map[string]string{}}
	installed := readModulesJSON(dir)
	if err := c.load(dir, "", installed, false, 0); err != nil {
		return nil, err
	}
	if _, ok := c.modules[""]; !ok || len(c.modules[""].files) == 0 {
		return nil, fmt.Errorf("%s: no .tf files", dir)
	}
	return c, nil
}

// readModulesJSON reads where terraform init put each module call
// (.terraform/modules/modules.json): module key ("vpc", "vpc.acl") →
// directory relative to dir. A missing or unreadable file means none.
func readModulesJSON(dir string) map[string]string {
	data, err := os.ReadFile(filepath.Join(dir, ".terraform", "modules", "modules.json"))
	if err != nil {
		return nil
	}
	var manifest struct {
		Modules []struct{ Key, Dir string }
	}
	if json.Unmarshal(data, &manifest) != nil {
		return nil
	}
	out := map[string]string{}
	for _, m := range manifest.Modules {
		out[m.Key] = m.Dir
	}
	return out
}

func (c *config) load(dir, path string, installed map[string]string, remote bool, depth int) error {
	if depth > maxModuleDepth {
		return nil
	}
	m := &module{path: path, dir: dir, remote: remote}
	c.modules[path] = m
	names, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	sort.Strings(names)
	for _, name := range names {
		src, err := readFile(name)
		if err != nil {
			return fmt.Errorf("%s: %v", name, unwrap(err))
		}
		f := &file{path: name, orig: src, src: src, mapped: true}
		if err := f.parse(); err != nil {
			return err
		}
		m.files = append(m.files, f)
	}
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type != "module" || len(b.Labels) != 1 {
				continue
			}
			child := joinPath(path, "module."+b.Labels[0])
			source := literalString(b.Body.Attributes["source"])
			switch {
			case strings.HasPrefix(source, "./") || strings.HasPrefix(source, "../"):
				if err := c.load(filepath.Join(dir, filepath.FromSlash(source)), child, installed, remote, depth+1); err != nil {
					return err
				}
			case installed[moduleKey(child)] != "":
				childDir := installed[moduleKey(child)]
				if !filepath.IsAbs(childDir) {
					childDir = filepath.Join(c.rootDir, childDir)
				}
				if err := c.load(childDir, child, installed, true, depth+1); err != nil {
					return err
				}
			default:
				c.missing[child] = source
			}
		}
	}
	return nil
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// moduleKey is the key modules.json gives a module path: module.a.module.b
// is "a.b".
func moduleKey(path string) string {
	return strings.ReplaceAll(strings.TrimPrefix(path, "module."), ".module.", ".")
}

func joinPath(parent, step string) string {
	if parent == "" {
		return step
	}
	return parent + "." + step
}

// parentPath splits module.a.module.b into module.a and b.
func parentPath(path string) (parent, name string) {
	i := strings.LastIndex(path, "module.")
	if i < 0 {
		return "", path
	}
	return strings.TrimSuffix(path[:i], "."), path[i+len("module."):]
}

// resource finds a resource block by type and name.
func (m *module) resource(typ, name string) (*file, *hclsyntax.Block) {
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ && b.Labels[1] == name {
				return f, b
			}
		}
	}
	return nil, nil
}

// resourceNames are the names of the resources of one type.
func (m *module) resourceNames(typ string) map[string]bool {
	names := map[string]bool{}
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
				names[b.Labels[1]] = true
			}
		}
	}
	return names
}

// call finds the module block that creates a child module.
func (m *module) call(name string) (*file, *hclsyntax.Block) {
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == "module" && len(b.Labels) == 1 && b.Labels[0] == name {
				return f, b
			}
		}
	}
	return nil, nil
}

// local finds the definition of a local value.
func (m *module) local(name string) (*file, *hclsyntax.Attribute) {
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == "locals" {
				if a := b.Body.Attributes[name]; a != nil {
					return f, a
				}
			}
		}
	}
	return nil, nil
}

// variable finds a variable block.
func (m *module) variable(name string) (*file, *hclsyntax.Block) {
	for _, f := range m.files {
		for _, b := range f.body.Blocks {
			if b.Type == "variable" && len(b.Labels) == 1 && b.Labels[0] == name {
				return f, b
			}
		}
	}
	return nil, nil
}

func literalString(a *hclsyntax.Attribute) string {
	if a == nil {
		return ""
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}
