package source

import (
	"fmt"
	"github.com/returnpath-dev/returnpath/internal/repo"
	"io"
	"iter"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
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

// Index maps resource blocks to their locations. It reads each module
// directory once, however many module blocks call it, and nothing outside
// the repository.
type Index struct {
	// root is the key of the configuration directory in dirs; "" when
	// there is none to read.
	root string
	// dirs are the module directories read, by their path relative to
	// the repository (forward slashes, "." for the repository itself).
	dirs map[string]*moduleDir
	// notices say what was not read, and why.
	notices []Notice

	// parsed remembers the addresses Lookup and ModuleCall took apart:
	// a report looks up each resource once per finding, and parsing is
	// most of a lookup's cost.
	mu     sync.Mutex
	parsed map[plan.Address]parsedAddress
}

// moduleDir is what one directory's .tf files configure.
type moduleDir struct {
	resources map[string]Block      // by "TYPE.NAME"
	calls     map[string]moduleCall // by module name
}

// moduleCall is a module block: where it is written, and the directory of
// its module when that is a local one that was read ("" otherwise).
type moduleCall struct {
	Location
	dir string
}

// Notice is a part of the configuration that was not read, and why: its
// resources have no location and its comments ignore nothing.
type Notice struct {
	// Subject is a module (module.net) or a file, by its path relative to
	// the repository.
	Subject string
	Reason  string
}

type parsedAddress struct {
	addr plan.ResourceAddress
	ok   bool // a managed resource instance address
}

// Limits on what the index reads.
const (
	// maxModuleDepth bounds how deep module calls are followed.
	maxModuleDepth = 32
	// maxModuleInstances bounds the module paths Blocks lists: module
	// directories that call each other two ways at every level make
	// their number grow exponentially with the depth.
	maxModuleInstances = 1000
	// MaxFileBytes is the largest .tf file read: configuration people
	// write is far smaller; a larger file is generated data, or no
	// configuration at all.
	MaxFileBytes = 8 << 20
	// maxParsedBlock is the largest block whose body is parsed (for the
	// inline rules of a NACL, the source of a module): hcl/v2 builds a
	// syntax tree of about a hundred times the text it parses.
	maxParsedBlock = 256 << 10
)

// Load reads the configuration in dir and the local modules it calls,
// within the repository base; locations are relative to base. Files that
// do not parse are skipped: their resources simply have no location. What
// is skipped for another reason (outside base, too large, not UTF-8) is
// listed by Notices.
func Load(dir, base string) *Index {
	ix := &Index{dirs: map[string]*moduleDir{}, parsed: map[plan.Address]parsedAddress{}}
	root, err := realPath(base)
	if err != nil {
		return ix
	}
	start, err := realPath(dir)
	if err != nil {
		return ix // no configuration: no locations
	}
	key, ok := RepoRelative(root, start)
	if !ok {
		ix.notice(".", "the configuration directory is outside the repository: it is not read, and findings have no source locations")
		return ix
	}
	ix.root = key
	// Breadth first: each directory is read once, and known by the
	// shortest module path that reaches it.
	type pending struct {
		key, module string
		depth       int
	}
	queue := []pending{{key, "", 0}}
	ix.dirs[key] = nil
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		d := ix.readDir(root, p.key)
		ix.dirs[p.key] = d
		if p.depth >= maxModuleDepth {
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(d.calls)) {
			call := d.calls[name]
			if call.dir == "" {
				continue
			}
			module := joinAddress(p.module, "module."+name)
			childKey, reason := ix.moduleDir(root, p.key, call.dir)
			call.dir = childKey
			d.calls[name] = call
			if childKey == "" {
				if reason != "" {
					ix.notice(module, reason)
				}
				continue
			}
			if _, seen := ix.dirs[childKey]; !seen {
				ix.dirs[childKey] = nil
				queue = append(queue, pending{childKey, module, p.depth + 1})
			}
		}
	}
	if !ix.modulePaths(func(string, *moduleDir) bool { return true }) {
		ix.notice(".", fmt.Sprintf("its local modules call each other in more than %d ways: returnpath:ignore comments in modules past the first %d module instances are not read", maxModuleInstances, maxModuleInstances))
	}
	return ix
}

func (ix *Index) notice(subject, reason string) {
	ix.notices = append(ix.notices, Notice{Subject: subject, Reason: reason})
}

// Notices lists what Load did not read, and why, in the order met.
func (ix *Index) Notices() []Notice {
	if ix == nil {
		return nil
	}
	return ix.notices
}

// realPath is path made absolute with every symbolic link resolved.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// moduleDir resolves a local module source, written in the directory
// from, to the key of its directory; "" with the reason when it is not
// read (outside the repository), "" alone when it does not exist.
func (ix *Index) moduleDir(root, from, source string) (string, string) {
	path, err := realPath(filepath.Join(root, filepath.FromSlash(from), source))
	if err != nil {
		return "", "" // a missing module: nothing to read
	}
	key, ok := RepoRelative(root, path)
	if !ok {
		return "", fmt.Sprintf("its source %q is outside the repository: it is not read, and its resources have no source locations", filepath.ToSlash(source))
	}
	return key, ""
}

// readDir reads the .tf files of one module directory.
func (ix *Index) readDir(root, key string) *moduleDir {
	d := &moduleDir{resources: map[string]Block{}, calls: map[string]moduleCall{}}
	dir := filepath.Join(root, filepath.FromSlash(key))
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	sort.Strings(files)
	for _, path := range files {
		rel := filepath.ToSlash(filepath.Join(key, filepath.Base(path)))
		src, reason := readSource(root, path)
		if reason != "" {
			ix.notice(rel, reason)
			continue
		}
		if src == nil {
			continue
		}
		// A first pass checks that the whole file can be followed: a
		// file that does not parse gives no locations at all.
		if splitTopLevel(src, func(topBlock) {}, func(topComment) {}) != nil {
			continue
		}
		// Only the comments on the lines right above a block matter: a
		// run of comment lines, kept until a line breaks it.
		var run []comment
		_ = splitTopLevel(src, func(b topBlock) {
			loc := Location{File: rel, Line: b.Start.Line, Column: b.Start.Column}
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				d.resources[b.Labels[0]+"."+b.Labels[1]] = resourceBlock(src, b, loc, above(run, b.Start.Line))
			case b.Type == "module" && len(b.Labels) == 1:
				call := moduleCall{Location: loc}
				if body := parseBlock(src, b, path); body != nil {
					call.dir, _ = localSource(body)
				}
				d.calls[b.Labels[0]] = call
			}
			run = run[:0]
		}, func(c topComment) {
			if len(run) > 0 && run[len(run)-1].rng.Start.Line != c.Start.Line-1 {
				run = run[:0]
			}
			run = append(run, comment{text: commentText(c.Raw), rng: hcl.Range{
				Filename: rel, Start: c.Start,
				End: hcl.Pos{Line: c.Start.Line, Column: c.Start.Column + utf8.RuneCountInString(c.Raw), Byte: c.Start.Byte + len(c.Raw)},
			}})
		})
	}
	return d
}

// readSource reads a .tf file of the repository at root; a reason when it
// is not read (a link out of the repository, too large, not UTF-8), nil
// and no reason for what is no file to read.
func readSource(root, path string) ([]byte, string) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, ""
	}
	if info.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, ""
		}
		if _, ok := RepoRelative(root, target); !ok {
			return nil, "is a symbolic link to a file outside the repository: it is not read, and its resources have no source locations"
		}
		if info, err = os.Stat(target); err != nil {
			return nil, ""
		}
	}
	if !info.Mode().IsRegular() {
		return nil, ""
	}
	if info.Size() > MaxFileBytes {
		return nil, fmt.Sprintf("is %d MiB, more than the %d MiB a .tf file may have to be read for source locations and returnpath:ignore comments: it is not read", info.Size()>>20, MaxFileBytes>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	// One buffer of the size the file had: +1 to see that it ended.
	src := make([]byte, info.Size()+1)
	n, err := io.ReadFull(f, src)
	if err != io.ErrUnexpectedEOF && err != io.EOF {
		if err == nil {
			return nil, fmt.Sprintf("grew past %d bytes while it was read: it is not read", info.Size())
		}
		return nil, ""
	}
	src = src[:n]
	if !utf8.Valid(src) {
		return nil, "is not UTF-8 text, so no Terraform configuration: it is not read"
	}
	return src, ""
}

// parseBlock parses one top-level block with hcl/v2, when it is small
// enough; nil when not, or when it does not parse.
func parseBlock(src []byte, b topBlock, filename string) *hclsyntax.Block {
	if b.End-b.LineStart > maxParsedBlock {
		return nil
	}
	f, diags := hclsyntax.ParseConfig(src[b.LineStart:b.End], filename, hcl.Pos{Line: b.Start.Line, Column: 1, Byte: b.LineStart})
	if diags.HasErrors() || f == nil {
		return nil
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok || len(body.Blocks) != 1 {
		return nil
	}
	return body.Blocks[0]
}

// inlineRuleTypes are the resource types whose nested ingress and egress
// blocks are NACL rules, found by rule number.
var inlineRuleTypes = []string{"aws_network_acl", "aws_default_network_acl"}

// above is the end of a run of comment lines that reaches the line
// before line.
func above(run []comment, line int) []comment {
	if len(run) == 0 || run[len(run)-1].rng.Start.Line != line-1 {
		return nil
	}
	return run
}

func resourceBlock(src []byte, b topBlock, loc Location, comments []comment) Block {
	block := Block{Location: loc}
	for _, c := range comments {
		block.Comments = append(block.Comments, c.text)
		block.CommentRanges = append(block.CommentRanges, c.rng)
	}
	if !slices.Contains(inlineRuleTypes, b.Labels[0]) {
		return block
	}
	parsed := parseBlock(src, b, loc.File)
	if parsed == nil {
		return block
	}
	block.Inline = map[inlineKey]Location{}
	for _, nested := range parsed.Body.Blocks {
		pos := nested.DefRange().Start
		at := Location{File: loc.File, Line: pos.Line, Column: pos.Column}
		switch {
		case nested.Type == "ingress" || nested.Type == "egress":
			if n, ok := literalInt(nested.Body.Attributes["rule_no"]); ok {
				block.Inline[inlineKey{nested.Type, n}] = at
			}
		case nested.Type == "dynamic" && len(nested.Labels) == 1 && (nested.Labels[0] == "ingress" || nested.Labels[0] == "egress"):
			block.Inline[inlineKey{nested.Labels[0], -1}] = at
		}
	}
	return block
}

// Len is the number of resource blocks found, each once however many
// module blocks call its module.
func (ix *Index) Len() int {
	n := 0
	for _, d := range ix.dirs {
		if d != nil {
			n += len(d.resources)
		}
	}
	return n
}

// resolve follows a module path from the configuration directory to the
// module's directory; ok is false when a step is no local module read.
func (ix *Index) resolve(path plan.ModulePath) (*moduleDir, bool) {
	d := ix.dirs[ix.root]
	for _, step := range path {
		if d == nil {
			return nil, false
		}
		call, ok := d.calls[step.Name]
		if !ok || call.dir == "" {
			return nil, false
		}
		d = ix.dirs[call.dir]
	}
	return d, d != nil
}

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
	d, ok := ix.resolve(r.Module)
	if !ok {
		return Block{}, false
	}
	b, ok := d.resources[r.Type+"."+r.Name]
	return b, ok
}

// modulePaths calls yield with each module instance path of the
// configuration (root first, "" for it) and its directory; a module that
// calls a directory already on its way (a cycle) is not followed. It
// reports whether it listed them all: not past maxModuleInstances.
func (ix *Index) modulePaths(yield func(module string, d *moduleDir) bool) bool {
	count, complete := 0, true
	var walk func(module, key string, onPath []string) bool // false: stop
	walk = func(module, key string, onPath []string) bool {
		d := ix.dirs[key]
		if d == nil {
			return true
		}
		if count++; count > maxModuleInstances {
			complete = false
			return false
		}
		if !yield(module, d) {
			return false
		}
		if len(onPath) >= maxModuleDepth {
			return true
		}
		onPath = append(onPath, key)
		for _, name := range slices.Sorted(maps.Keys(d.calls)) {
			child := d.calls[name].dir
			if child == "" || slices.Contains(onPath, child) {
				continue
			}
			if !walk(joinAddress(module, "module."+name), child, onPath) {
				return false
			}
		}
		return true
	}
	walk("", ix.root, nil)
	return complete
}

// Blocks lists every resource block by its ConfigAddress, in address
// order, for checks that concern the configuration itself (ignore
// comments above blocks that have no finding). A block of a module that
// several module blocks call is listed under each of their paths.
func (ix *Index) Blocks() iter.Seq2[string, Block] {
	return func(yield func(string, Block) bool) {
		if ix == nil {
			return
		}
		all := map[string]Block{}
		ix.modulePaths(func(module string, d *moduleDir) bool {
			for resource, b := range d.resources {
				all[joinAddress(module, resource)] = b
			}
			return true
		})
		for _, a := range slices.Sorted(maps.Keys(all)) {
			if !yield(a, all[a]) {
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
	var found Location
	d := ix.dirs[ix.root]
	for _, step := range r.Module {
		if d == nil {
			break
		}
		call, ok := d.calls[step.Name]
		if !ok {
			break
		}
		found = call.Location
		d = ix.dirs[call.dir]
	}
	return found, found.IsValid()
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

// commentText is a comment's text: markers and spaces trimmed.
func commentText(raw string) string {
	text := strings.TrimSpace(raw)
	for _, marker := range []string{"#", "//"} {
		text = strings.TrimPrefix(text, marker)
	}
	if strings.HasPrefix(text, "*") { // /* block */ comments: first line only
		text = strings.TrimSuffix(strings.TrimPrefix(text, "*"), "*/")
	}
	return strings.TrimSpace(text)
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
func RepoRoot(dir string) string { return repo.Root(dir) }
