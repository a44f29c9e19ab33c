package fix

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Options say where the configuration is.
type Options struct {
	// Dir is the root module's directory.
	Dir string
	// Root is the repository root: no file outside it is edited, and
	// paths are shown relative to it.
	Root string
}

// Result is what applying the fixes did, before anything is written.
type Result struct {
	Fixed   []Fixed
	Unfixed []Unfixed
	// Changes are the edited files, in the order first edited.
	Changes []Change
	root    string
}

// Fixed is a finding whose fix is in the configuration now.
type Fixed struct {
	Finding checks.Finding
	Index   int // Request.Index
	// What says what was added where, e.g. "egress rule 110 in
	// aws_network_acl.public".
	What string
	// At is the file and line of the new text, relative to the root.
	At string
	// Edits make this fix alone in the files as they were read (nil when
	// it builds on another fix's text and cannot be applied alone).
	Edits []Edit
}

// Unfixed is a finding that still needs a fix by hand.
type Unfixed struct {
	Finding checks.Finding
	Index   int // Request.Index
	Reason  string
	// HCL is what to add by hand ("" when no rule can be suggested).
	HCL string
}

// Change is one edited file.
type Change struct {
	Path   string // as read
	Rel    string // relative to the root, with forward slashes
	Before []byte
	After  []byte
	// edits are the insertions that make After of Before, when they are
	// all that changed: the diff shows them as made rather than as a line
	// diff algorithm would align them.
	edits []udiff.Edit
}

// Apply works out every fix in memory: Result.Write puts the edits on
// disk, Result.Diff shows them. nacls are every NACL of the planned
// network, to tell which other instances an edit of a shared block
// reaches. An error is an input error: a .tf file that does not parse, a
// directory without configuration.
func Apply(requests []Request, nacls []*plan.NACL, opts Options) (*Result, error) {
	cfg, err := loadConfig(opts.Dir)
	if err != nil {
		return nil, err
	}
	e := &engine{cfg: cfg, root: opts.Root, nacls: nacls, all: requests, addrs: map[plan.Address]parsed{}, done: map[string]doneEdit{}, edited: map[*file]bool{}}
	res := &Result{root: opts.Root}
	for _, req := range requests {
		if req.Rule == nil {
			res.Unfixed = append(res.Unfixed, Unfixed{Finding: req.Finding, Index: req.Index, Reason: req.Reason, HCL: req.HCL})
			continue
		}
		what, at, edits, err := e.fix(req.Rule)
		if err != nil {
			res.Unfixed = append(res.Unfixed, Unfixed{Finding: req.Finding, Index: req.Index, Reason: err.Error(), HCL: err.hcl})
			continue
		}
		res.Fixed = append(res.Fixed, Fixed{Finding: req.Finding, Index: req.Index, What: what, At: at, Edits: edits})
	}
	for _, f := range e.order {
		after := f.src
		if formatted(f.orig) {
			after = hclwrite.Format(after)
		}
		if bytes.Equal(after, f.orig) {
			continue
		}
		c := Change{Path: f.path, Rel: e.rel(f.path), Before: f.orig, After: after}
		if bytes.Equal(after, f.src) && f.mapped {
			c.edits = f.edits // formatting changed nothing else
		}
		res.Changes = append(res.Changes, c)
	}
	return res, nil
}

// formatted reports whether a file is as hclwrite (and so terraform fmt)
// formats it: only then is the edited file formatted as a whole, so that
// a file kept unformatted on purpose keeps its own layout.
func formatted(src []byte) bool { return bytes.Equal(hclwrite.Format(src), src) }

type engine struct {
	cfg   *config
	root  string
	nacls []*plan.NACL
	all   []Request
	addrs map[plan.Address]parsed
	// wanted is, by NACL, the rules requests ask for (ruleKey).
	wanted map[plan.Address]map[string]bool
	// done maps an edit already made (its place and rule) to where, so
	// that the instances sharing a block are fixed by one edit.
	done   map[string]doneEdit
	edited map[*file]bool
	order  []*file
	// current collects the edits of the fix being made; unplaced is set
	// when one has no place in the original text.
	current  *[]placed
	unplaced bool
}

// placed is one edit of a file, in offsets of its original text.
type placed struct {
	f    *file
	edit udiff.Edit
}

type doneEdit struct {
	at    string
	edits []Edit
}

// Edit is one replacement of a fix in a file as it was read: a SARIF fix
// or a review suggestion applies each fix on its own. Start and End are
// 1-based line and column (in bytes) of the replaced text; equal for an
// insertion.
type Edit struct {
	File       string // relative to the root, with forward slashes
	Start, End Pos
	Text       string
	// The same edit as whole lines, as a review suggestion replaces them:
	// lines From to To (1-based, inclusive) of the file become Lines (no
	// final newline). An insertion at the start of a line is shown on the
	// line above it (the closing brace or element it follows).
	From, To int
	Lines    string
}

// wholeLines sets From, To and Lines of an edit of src.
func (e *Edit) wholeLines(src []byte) {
	start, end := e.Start.Byte, e.End.Byte
	from, to := e.Start.Line, e.End.Line
	if e.End.Column == 1 && end > start {
		to-- // ends at the start of a line: that line is untouched
	}
	if start == end && e.Start.Column == 1 && from > 1 {
		from, to = from-1, from-1 // an insertion between lines: show it after the line above
	}
	to = max(to, from)
	lineStart := func(line int) int {
		off := 0
		for l := 1; l < line && off < len(src); l++ {
			i := bytes.IndexByte(src[off:], '\n')
			if i < 0 {
				return len(src)
			}
			off += i + 1
		}
		return off
	}
	a := lineStart(from)
	b := lineStart(to + 1)
	if b > 0 && b <= len(src) && b > a && src[b-1] == '\n' {
		b--
	}
	b = max(b, end)
	text := string(src[a:start]) + e.Text + string(src[end:b])
	e.From, e.To, e.Lines = from, to, strings.TrimSuffix(text, "\n")
}

// Pos is a place in a file: 1-based line and byte column, and the byte
// offset.
type Pos struct{ Line, Column, Byte int }

func posAt(src []byte, offset int) Pos {
	line := lineAt(src, offset)
	col := offset - (bytes.LastIndexByte(src[:offset], '\n') + 1) + 1
	return Pos{Line: line, Column: col, Byte: offset}
}

// unfixable says why a fix is not written, with the HCL to add by hand.
type unfixable struct {
	reason string
	hcl    string
}

func (u *unfixable) Error() string { return u.reason }

func notFixable(hcl, format string, args ...any) *unfixable {
	return &unfixable{reason: fmt.Sprintf(format, args...), hcl: hcl}
}

// edit is one planned change: where it goes, which NACL instances it
// reaches, and how to make it.
type edit struct {
	// place identifies the edited spot, so that instances fixed by the
	// same edit are not edited twice.
	place string
	// depth and anyKey say which instances of the NACL the edit reaches:
	// module keys above depth may differ, and with anyKey the NACL's own
	// key.
	depth  int
	anyKey bool
	apply  func() (what, at string, err *unfixable)
}

func (e *engine) fix(r *Rule) (string, string, []Edit, *unfixable) {
	addr, err := e.parse(r.NACL.Address)
	if err != nil {
		return "", "", nil, notFixable(r.HCL, "%v", err)
	}
	// Two findings may need the same traffic allowed (replies of two
	// services): the rule written for the first fixes the second.
	same := string(r.NACL.Address) + "|" + trafficKey(r)
	if d, ok := e.done[same]; ok {
		return "the rule written for another finding of this NACL", d.at, d.edits, nil
	}
	var ed *edit
	var u *unfixable
	if r.Inline {
		ed, u = e.inline(r, addr)
	} else {
		ed, u = e.standalone(r, addr)
	}
	if u != nil {
		return "", "", nil, u
	}
	if u := e.shared(r, addr, ed); u != nil {
		return "", "", nil, u
	}
	key := ed.place + "|" + ruleKey(r)
	if d, ok := e.done[key]; ok {
		return "the same edit as the other instances", d.at, d.edits, nil
	}
	var made []placed
	e.current, e.unplaced = &made, false
	what, at, u := ed.apply()
	e.current = nil
	if u != nil {
		return "", "", nil, u
	}
	var edits []Edit
	if !e.unplaced {
		for _, p := range made {
			ed := Edit{File: e.rel(p.f.path), Start: posAt(p.f.orig, p.edit.Start), End: posAt(p.f.orig, p.edit.End), Text: p.edit.New}
			ed.wholeLines(p.f.orig)
			edits = append(edits, ed)
		}
	}
	e.done[key] = doneEdit{at, edits}
	e.done[same] = doneEdit{at, edits}
	return what, at, edits, nil
}

// trafficKey is what a rule allows, without its number.
func trafficKey(r *Rule) string {
	return fmt.Sprintf("%s %s %s %s %s", r.Direction, r.Family, r.Protocol, r.Prefix, r.Ports)
}

// needs reports whether a request asks NACL n for the same rule as r (a
// standalone one when standalone is set).
func (e *engine) needs(n plan.Address, r *Rule, standalone bool) bool {
	if e.wanted == nil {
		e.wanted = map[plan.Address]map[string]bool{}
		for _, req := range e.all {
			if req.Rule == nil {
				continue
			}
			a := req.Rule.NACL.Address
			if e.wanted[a] == nil {
				e.wanted[a] = map[string]bool{}
			}
			e.wanted[a][ruleKey(req.Rule)] = true
			if !req.Rule.Inline {
				e.wanted[a]["standalone "+ruleKey(req.Rule)] = true
			}
		}
	}
	key := ruleKey(r)
	if standalone {
		key = "standalone " + key
	}
	return e.wanted[n][key]
}

// ruleKey is the content of a rule, to compare the fixes of instances.
func ruleKey(r *Rule) string {
	return fmt.Sprintf("%s %s %s %s %s %d", r.Direction, r.Family, r.Protocol, r.Prefix, r.Ports, r.Number)
}

// shared refuses an edit of a block that several NACL instances share
// unless every one of them needs exactly this fix: adding a rule to an
// instance that does not need it is a guess.
func (e *engine) shared(r *Rule, addr address, ed *edit) *unfixable {
	var others []string
	for _, n := range e.nacls {
		if n.Address == r.NACL.Address {
			continue
		}
		other, err := e.parse(n.Address)
		if err != nil || !addr.sameBlock(other, ed.depth, ed.anyKey) {
			continue
		}
		if !e.needs(n.Address, r, false) {
			others = append(others, string(n.Address))
		}
	}
	if len(others) == 0 {
		return nil
	}
	return notFixable(r.HCL, "the edit would also reach %s, which does not need this rule (one block writes several instances): add the rule for %s by hand",
		strings.Join(others, ", "), r.NACL.Address)
}

// module is the module of an address, or why it cannot be read.
func (e *engine) module(r *Rule, addr address) (*module, *unfixable) {
	path := addr.modulePath()
	if m := e.cfg.modules[path]; m != nil {
		return m, nil
	}
	for p, source := range e.cfg.missing {
		if p == path || strings.HasPrefix(path, p+".") {
			return nil, notFixable(r.HCL, "%s comes from %q, which is not on disk (run terraform init so that returnpath can read it)", p, source)
		}
	}
	return nil, notFixable(r.HCL, "no configuration of %s in %s", path, e.rel(e.cfg.rootDir))
}

// editable says why a file must not be edited: outside the repository, in
// .terraform/, or part of a module terraform init downloaded.
func (e *engine) editable(f *file) error {
	_, err := safePath(e.root, f.path)
	return err
}

// insert puts text into a file at a byte offset and re-parses it; an edit
// that would not parse is undone.
func (e *engine) insert(f *file, at int, text string) *unfixable {
	return e.replace(f, at, at, text)
}

// replace puts text in place of the bytes start:end.
func (e *engine) replace(f *file, start, end int, text string) *unfixable {
	before := f.src
	src := make([]byte, 0, len(before)+len(text))
	src = append(src, before[:start]...)
	src = append(src, text...)
	src = append(src, before[end:]...)
	f.src = src
	if err := f.parse(); err != nil {
		f.src = before
		_ = f.parse()
		return notFixable("", "the edit of %s would not parse: %v", e.rel(f.path), err)
	}
	if edit, ok := f.record(start, end, text); ok && e.current != nil {
		*e.current = append(*e.current, placed{f, edit})
	} else if e.current != nil {
		e.unplaced = true
	}
	if !e.edited[f] {
		e.edited[f] = true
		e.order = append(e.order, f)
	}
	return nil
}

// lineAt is the 1-based line of a byte offset.
func lineAt(src []byte, offset int) int { return bytes.Count(src[:offset], []byte("\n")) + 1 }

// rel is a path relative to the root, with forward slashes.
func (e *engine) rel(path string) string {
	absRoot, err1 := filepath.Abs(e.root)
	abs, err2 := filepath.Abs(path)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absRoot, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(path)
}

func (e *engine) location(f *file, offset int) string {
	return fmt.Sprintf("%s:%d", e.rel(f.path), lineAt(f.src, offset))
}

// afterLine is the offset just past the line on which offset lies (past
// its newline), so that text inserted there starts on a line of its own
// and a comment after a closing brace stays with it.
func afterLine(src []byte, offset int) (int, bool) {
	i := bytes.IndexByte(src[offset:], '\n')
	if i < 0 {
		return len(src), false
	}
	return offset + i + 1, true
}

// indentOf is the whitespace that starts the line holding offset.
func indentOf(src []byte, offset int) string {
	start := bytes.LastIndexByte(src[:offset], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// blankBefore reports whether the line above the one holding offset is
// blank: blocks written with blank lines between them get one more.
func blankBefore(src []byte, offset int) bool {
	start := bytes.LastIndexByte(src[:offset], '\n')
	if start <= 0 {
		return false
	}
	prev := bytes.LastIndexByte(src[:start], '\n') + 1
	return len(bytes.TrimSpace(src[prev:start])) == 0
}

// indent prefixes every non-empty line of text.
func indent(text, prefix string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// blockAfter inserts a block after block b of file f, on its own lines,
// indented like b and separated from it as b is from what precedes it.
func (e *engine) blockAfter(f *file, b *hclsyntax.Block, text string, forceBlank bool) (string, *unfixable) {
	at, newline := afterLine(f.src, b.Range().End.Byte)
	prefix := ""
	if !newline {
		prefix = "\n"
	}
	if forceBlank || blankBefore(f.src, b.Range().Start.Byte) {
		prefix += "\n"
	}
	ind := indentOf(f.src, b.Range().Start.Byte)
	if u := e.insert(f, at, prefix+indent(text, ind)+"\n"); u != nil {
		return "", u
	}
	return e.location(f, at+len(prefix)), nil
}

// orderLike orders attribute names as a model block writes them, the rest
// in the default order after them.
func orderLike(model *hclsyntax.Body, defaults []string, have map[string]bool) []string {
	var out []string
	if model != nil {
		attrs := make([]*hclsyntax.Attribute, 0, len(model.Attributes))
		for _, a := range model.Attributes {
			attrs = append(attrs, a)
		}
		slices.SortFunc(attrs, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
		for _, a := range attrs {
			if have[a.Name] {
				out = append(out, a.Name)
			}
		}
	}
	for _, name := range defaults {
		if have[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
