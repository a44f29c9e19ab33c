package source

import (
	"iter"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/returnpath-dev/returnpath/plan"
)

// Location is a place in a file: the path relative to the index's base
// directory, with forward slashes, and a 1-based line and column.
type Location struct {
	File   string
	Line   int
	Column int
}

// IsValid reports whether the location names a file.
func (l Location) IsValid() bool { return l.File != "" && l.Line > 0 }

func (l Location) String() string {
	if !l.IsValid() {
		return ""
	}
	return l.File + ":" + strconv.Itoa(l.Line)
}

// Block is one resource block of the configuration.
type Block struct {
	Location
	// Comments are the comment lines directly above the block, text
	// without the comment markers, top first.
	Comments []string
	// CommentRanges are where each of Comments is written (same order),
	// with the file relative to the index's base: messages about a
	// comment (a malformed returnpath:ignore) point at it.
	CommentRanges []hcl.Range
	// Inline are the nested ingress/egress blocks by kind and rule number;
	// a dynamic block is listed under its kind with number -1.
	Inline map[inlineKey]Location
}

type inlineKey struct {
	Kind   string // "ingress" or "egress"
	Number int
}

// InlineRule finds the inline block of one rule, or the dynamic block that
// writes rules of that kind.
func (b Block) InlineRule(kind string, number int) (Location, bool) {
	if l, ok := b.Inline[inlineKey{kind, number}]; ok {
		return l, true
	}
	l, ok := b.Inline[inlineKey{kind, -1}]
	return l, ok
}

// Index maps resource blocks to their locations.
type Index struct {
	blocks map[string]Block // module path (no instance keys) + "|" + TYPE.NAME
	// calls are the module blocks by the module path they create
	// ("module.vpc", "module.vpc.module.nacl"), local source or not.
	calls map[string]Location

	// parsed remembers the addresses Lookup and ModuleCall took apart:
	// a report looks up each resource once per finding, and parsing is
	// most of a lookup's cost.
	mu     sync.Mutex
	parsed map[plan.Address]parsedAddress
}

type parsedAddress struct {
	addr plan.ResourceAddress
	ok   bool // a managed resource instance address
}

// maxModuleDepth bounds how deep module calls are followed (a cycle of
// local sources would otherwise never end).
const maxModuleDepth = 32

// Load reads the configuration in dir and the local modules it calls.
// Locations are relative to base. Files that do not parse are skipped:
// their resources simply have no location.
func Load(dir, base string) *Index {
	ix := &Index{blocks: map[string]Block{}, calls: map[string]Location{}, parsed: map[plan.Address]parsedAddress{}}
	ix.loadModule(dir, base, "", 0)
	return ix
}

// Len is the number of resource blocks found.
func (ix *Index) Len() int { return len(ix.blocks) }

// Lookup finds the block of a resource instance address such as
// module.vpc.aws_network_acl.public[0].
func (ix *Index) Lookup(addr plan.Address) (Block, bool) {
	if ix == nil {
		return Block{}, false
	}
	r, ok := ix.parse(addr)
	if !ok {
		return Block{}, false
	}
	b, ok := ix.blocks[r.Module.Config()+"|"+r.Type+"."+r.Name]
	return b, ok
}

// Blocks lists every resource block by its ConfigAddress, in address
// order, for checks that concern the configuration itself (ignore
// comments above blocks that have no finding).
func (ix *Index) Blocks() iter.Seq2[string, Block] {
	return func(yield func(string, Block) bool) {
		if ix == nil {
			return
		}
		keys := map[string]string{} // address → index key
		for k := range ix.blocks {
			module, resource, _ := strings.Cut(k, "|")
			keys[joinAddress(module, resource)] = k
		}
		addrs := make([]string, 0, len(keys))
		for a := range keys {
			addrs = append(addrs, a)
		}
		sort.Strings(addrs)
		for _, a := range addrs {
			if !yield(a, ix.blocks[keys[a]]) {
				return
			}
		}
	}
}

// ConfigAddress is the address of the resource block that an instance
// address comes from, instance keys dropped:
// module.net.aws_network_acl.this for module.net[0].aws_network_acl.this["a"].
func ConfigAddress(addr plan.Address) (string, bool) {
	r, err := addr.Parse()
	if err != nil || r.Mode != plan.ManagedResource || addr.Context() != "" {
		return "", false
	}
	return r.Config(), true
}

func joinAddress(module, resource string) string {
	if module == "" {
		return resource
	}
	return module + "." + resource
}

// ModuleCall finds the innermost module block on the way to a resource
// instance address: for module.vpc.aws_network_acl.private[0], where
// module "vpc" has a registry source, the module "vpc" block of the root
// module. It is where a resource of a module that is not on disk is
// configured.
func (ix *Index) ModuleCall(addr plan.Address) (Location, bool) {
	if ix == nil {
		return Location{}, false
	}
	r, ok := ix.parse(addr)
	if !ok {
		return Location{}, false
	}
	for i := len(r.Module); i > 0; i-- {
		if l, ok := ix.calls[r.Module[:i].Config()]; ok {
			return l, true
		}
	}
	return Location{}, false
}

func (ix *Index) loadModule(dir, base, module string, depth int) {
	if depth > maxModuleDepth {
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	sort.Strings(files)
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() || f == nil {
			continue
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		rel := relative(base, path)
		comments := commentLines(src, path)
		for _, b := range body.Blocks {
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				ix.blocks[module+"|"+b.Labels[0]+"."+b.Labels[1]] = resourceBlock(b, rel, comments)
			case b.Type == "module" && len(b.Labels) == 1:
				child := "module." + b.Labels[0]
				if module != "" {
					child = module + "." + child
				}
				start := b.DefRange().Start
				ix.calls[child] = Location{File: rel, Line: start.Line, Column: start.Column}
				if source, ok := localSource(b); ok {
					ix.loadModule(filepath.Join(dir, source), base, child, depth+1)
				}
			}
		}
	}
}

func resourceBlock(b *hclsyntax.Block, file string, comments map[int]comment) Block {
	start := b.DefRange().Start
	block := Block{Location: Location{File: file, Line: start.Line, Column: start.Column}, Inline: map[inlineKey]Location{}}
	for line := start.Line - 1; ; line-- {
		c, ok := comments[line]
		if !ok {
			break
		}
		c.rng.Filename = file
		block.Comments = append([]string{c.text}, block.Comments...)
		block.CommentRanges = append([]hcl.Range{c.rng}, block.CommentRanges...)
	}
	for _, nested := range b.Body.Blocks {
		pos := nested.DefRange().Start
		loc := Location{File: file, Line: pos.Line, Column: pos.Column}
		switch {
		case nested.Type == "ingress" || nested.Type == "egress":
			if n, ok := literalInt(nested.Body.Attributes["rule_no"]); ok {
				block.Inline[inlineKey{nested.Type, n}] = loc
			}
		case nested.Type == "dynamic" && len(nested.Labels) == 1 && (nested.Labels[0] == "ingress" || nested.Labels[0] == "egress"):
			block.Inline[inlineKey{nested.Labels[0], -1}] = loc
		}
	}
	return block
}

// localSource is a module call's source when it is a local path.
func localSource(b *hclsyntax.Block) (string, bool) {
	attr := b.Body.Attributes["source"]
	if attr == nil {
		return "", false
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	s := v.AsString()
	if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
		return "", false // registry and remote modules are not on disk
	}
	return filepath.FromSlash(s), true
}

// literalInt reads an attribute written as a number literal.
func literalInt(attr *hclsyntax.Attribute) (int, bool) {
	if attr == nil {
		return 0, false
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return 0, false
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		return 0, false
	}
	return int(n), true
}

// comment is one comment alone on its line.
type comment struct {
	text string // markers and spaces trimmed
	rng  hcl.Range
}

// commentLines maps line numbers to the comments alone on their line
// ("# text", "// text").
func commentLines(src []byte, filename string) map[int]comment {
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	lines := map[int]comment{}
	lastCodeLine := 0
	for _, t := range tokens {
		switch t.Type {
		case hclsyntax.TokenComment:
			if t.Range.Start.Line == lastCodeLine {
				continue // a comment after code on the same line
			}
			text := strings.TrimSpace(string(t.Bytes))
			for _, marker := range []string{"#", "//"} {
				text = strings.TrimPrefix(text, marker)
			}
			if strings.HasPrefix(text, "*") { // /* block */ comments: first line only
				text = strings.TrimSuffix(strings.TrimPrefix(text, "*"), "*/")
			}
			// A line comment's token ends after its newline, a block
			// comment may span lines: the range covers the first line.
			raw, _, _ := strings.Cut(string(t.Bytes), "\n")
			raw = strings.TrimRight(raw, "\r")
			rng := t.Range
			rng.End = hcl.Pos{Line: rng.Start.Line, Column: rng.Start.Column + utf8.RuneCountInString(raw), Byte: rng.Start.Byte + len(raw)}
			lines[t.Range.Start.Line] = comment{text: strings.TrimSpace(text), rng: rng}
		case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
		default:
			lastCodeLine = t.Range.End.Line
		}
	}
	return lines
}

func relative(base, path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if absBase, err := filepath.Abs(base); err == nil {
		if rel, err := filepath.Rel(absBase, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(path)
}

// parse takes apart the address of a managed resource instance, once.
func (ix *Index) parse(addr plan.Address) (plan.ResourceAddress, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	p, seen := ix.parsed[addr]
	if !seen {
		r, err := addr.Parse()
		// A context resource is configured in another stack, not here.
		p = parsedAddress{r, err == nil && r.Mode == plan.ManagedResource && addr.Context() == ""}
		ix.parsed[addr] = p
	}
	return p.addr, p.ok
}

// ConfigDir is where the configuration of a plan lives: --chdir when
// given, else the plan file's directory when it holds .tf files, else the
// current directory.
func ConfigDir(chdir, planFile string) string {
	if chdir != "" {
		return chdir
	}
	if planFile != "" && planFile != "-" {
		dir := filepath.Dir(planFile)
		if tf, _ := filepath.Glob(filepath.Join(dir, "*.tf")); len(tf) > 0 {
			return dir
		}
	}
	return "."
}

// RepoRoot is the repository that holds dir (the nearest parent with a
// .git), the base of the paths code scanning shows; dir itself when it is
// in no repository.
func RepoRoot(dir string) string {
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
