package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/source"
)

// FileName is the configuration file looked up when --config is not given.
const FileName = ".returnpath.hcl"

// failOnValues are the values of fail_on, as of --fail-on.
func failOnValues() []string { return []string{"error", "warning", "notice", "never"} }

// Config is a checked .returnpath.hcl.
type Config struct {
	// File is where the configuration was read, relative to the
	// repository root; "" for the defaults (no file).
	File string
	// Checks holds the client ranges, severity overrides and disabled
	// rules, ready for checks.Run.
	Checks checks.Config
	// FailOn is fail_on: "error", "warning", "notice" or "never"; "" when
	// the file does not set it.
	FailOn string
	// Ignores are the ignore blocks, in file order.
	Ignores []Ignore
	// Context are the context files (states or plans of other stacks)
	// every plan is checked against, relative to the current directory:
	// the file writes them relative to itself.
	Context []string
	// Workspaces map HCP Terraform workspace name patterns to their
	// context workspaces (serve), in file order.
	Workspaces []WorkspaceContext
}

// WorkspaceContext is a workspace block: the workspaces whose name
// Pattern matches (path.Match) are checked against the current state of
// the Context workspaces (names in the same organization, or ws- ids).
type WorkspaceContext struct {
	Pattern string
	Context []string
}

// ContextWorkspaces lists the context workspaces of a workspace: those of
// every workspace block whose pattern matches its name, each once.
func (c *Config) ContextWorkspaces(workspace string) []string {
	var out []string
	for _, w := range c.Workspaces {
		if ok, _ := path.Match(w.Pattern, workspace); !ok {
			continue
		}
		for _, name := range w.Context {
			if name != workspace && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// Default is the configuration without a file.
func Default() *Config { return &Config{Checks: checks.DefaultConfig()} }

// fileSchema is the syntax of .returnpath.hcl, for gohcl.
type fileSchema struct {
	ClientRanges *clientRangesSchema `hcl:"client_ranges,block"`
	Rules        []ruleSchema        `hcl:"rule,block"`
	Ignores      []ignoreSchema      `hcl:"ignore,block"`
	FailOn       *string             `hcl:"fail_on,optional"`
	FailOnRange  hcl.Range           `hcl:"fail_on,attr_value_range"`
	Context      []string            `hcl:"context,optional"`
	Workspaces   []workspaceSchema   `hcl:"workspace,block"`
	ContextRange hcl.Range           `hcl:"context,attr_value_range"`
}

type workspaceSchema struct {
	Pattern      string    `hcl:"pattern,label"`
	PatternRange hcl.Range `hcl:"pattern,label_range"`
	Context      []string  `hcl:"context_workspaces"`
}

type clientRangesSchema struct {
	Default  hcl.Expression `hcl:"default,optional"`
	Internet hcl.Expression `hcl:"internet,optional"`
}

type ruleSchema struct {
	ID            string    `hcl:"id,label"`
	IDRange       hcl.Range `hcl:"id,label_range"`
	DefRange      hcl.Range `hcl:",def_range"`
	Severity      *string   `hcl:"severity,optional"`
	SeverityRange hcl.Range `hcl:"severity,attr_value_range"`
	Enabled       *bool     `hcl:"enabled,optional"`
}

type ignoreSchema struct {
	DefRange      hcl.Range `hcl:",def_range"`
	Rule          string    `hcl:"rule"`
	RuleRange     hcl.Range `hcl:"rule,attr_value_range"`
	Resource      string    `hcl:"resource"`
	ResourceRange hcl.Range `hcl:"resource,attr_value_range"`
	Reason        string    `hcl:"reason"`
	ReasonRange   hcl.Range `hcl:"reason,attr_value_range"`
	Expires       *string   `hcl:"expires,optional"`
	ExpiresRange  hcl.Range `hcl:"expires,attr_value_range"`
}

// Find looks for FileName in dir, then in its parents up to the root of
// the repository that holds dir (dir alone when it is in none). The path
// it returns is dir joined with as many ".." as it climbed, so that a
// relative dir gives a relative path.
func Find(dir string) (string, bool, error) {
	root, err := filepath.Abs(source.RepoRoot(dir))
	if err != nil {
		return "", false, err
	}
	for d := dir; ; d = filepath.Join(d, "..") {
		path := filepath.Join(d, FileName)
		info, err := os.Stat(path)
		switch {
		case err == nil && info.IsDir():
			return "", false, fmt.Errorf("%s is a directory, not a configuration file", path)
		case err == nil:
			return path, true, nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", false, err
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", false, err
		}
		if abs == root || filepath.Dir(abs) == abs || !strings.HasPrefix(abs, root) {
			return "", false, nil
		}
	}
}

// Load reads and checks the configuration file at path. Bad contents give
// hcl.Diagnostics (as the error) that name path; File and the places of
// ignores are made relative to the repository root, as reports show them.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, diags := Parse(src, path)
	if diags.HasErrors() {
		return nil, errorsOnly(diags)
	}
	cfg.File = repoRelative(path)
	for i := range cfg.Ignores {
		cfg.Ignores[i].File = cfg.File
	}
	return cfg, nil
}

// Parse checks the contents of a configuration file; filename is used in
// diagnostics and as the File of ignores.
func Parse(src []byte, filename string) (*Config, hcl.Diagnostics) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	var schema fileSchema
	if diags := gohcl.DecodeBody(f.Body, nil, &schema); diags.HasErrors() {
		return nil, diags
	}
	cfg := Default()
	cfg.File = filename
	if schema.ClientRanges != nil {
		diags = diags.Extend(clientRanges(schema.ClientRanges, &cfg.Checks))
	}
	diags = diags.Extend(ruleSettings(schema.Rules, &cfg.Checks))
	for _, s := range schema.Ignores {
		ig, ds := ignoreBlock(s, filename)
		diags = diags.Extend(ds)
		cfg.Ignores = append(cfg.Ignores, ig)
	}
	if schema.FailOn != nil {
		if !slices.Contains(failOnValues(), *schema.FailOn) {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid fail_on",
				Detail:   fmt.Sprintf("fail_on is %q; want %s.", *schema.FailOn, orList(failOnValues())),
				Subject:  schema.FailOnRange.Ptr(),
			})
		}
		cfg.FailOn = *schema.FailOn
	}
	for _, w := range schema.Workspaces {
		if _, err := path.Match(w.Pattern, ""); err != nil || w.Pattern == "" {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid workspace pattern",
				Detail:   fmt.Sprintf("%q is not a workspace name pattern (a name, or a glob such as \"app-*\").", w.Pattern),
				Subject:  w.PatternRange.Ptr(),
			})
			continue
		}
		cfg.Workspaces = append(cfg.Workspaces, WorkspaceContext{Pattern: w.Pattern, Context: w.Context})
	}
	for _, c := range schema.Context {
		if strings.TrimSpace(c) == "" {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid context",
				Detail:   "context lists an empty path; want the files of other stacks' states or plans, relative to this file.",
				Subject:  schema.ContextRange.Ptr(),
			})
			continue
		}
		if !filepath.IsAbs(c) {
			c = filepath.Join(filepath.Dir(filename), c)
		}
		cfg.Context = append(cfg.Context, c)
	}
	if diags.HasErrors() {
		// In file order, so that the error names the first mistake.
		slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
			if a.Subject == nil || b.Subject == nil {
				return 0
			}
			return cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte)
		})
		return nil, diags
	}
	return cfg, nil
}

// ruleSettings applies the rule blocks: a severity override, or
// enabled = false, for a rule that returnpath runs.
func ruleSettings(rules []ruleSchema, cfg *checks.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	for _, r := range rules {
		if d := unknownRule(r.ID, r.IDRange); d != nil {
			diags = diags.Append(d)
			continue
		}
		if first, dup := seen[r.ID]; dup {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate rule block",
				Detail:   fmt.Sprintf("Rule %s is already configured at %s.", r.ID, lineOf(first)),
				Subject:  r.DefRange.Ptr(),
			})
			continue
		}
		seen[r.ID] = r.DefRange
		if r.Severity != nil {
			sev, err := checks.ParseSeverity(*r.Severity)
			if err != nil {
				diags = diags.Append(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid severity",
					Detail:   fmt.Sprintf("severity is %q; want \"error\", \"warning\" or \"notice\" (enabled = false turns the rule off).", *r.Severity),
					Subject:  r.SeverityRange.Ptr(),
				})
			} else {
				if cfg.Severity == nil {
					cfg.Severity = map[string]checks.Severity{}
				}
				cfg.Severity[r.ID] = sev
			}
		}
		if r.Enabled != nil && !*r.Enabled {
			if cfg.Disabled == nil {
				cfg.Disabled = map[string]bool{}
			}
			cfg.Disabled[r.ID] = true
		}
	}
	return diags
}

// ruleIDs are the IDs of the rules returnpath runs.
func ruleIDs() []string {
	var ids []string
	for _, c := range checks.All() {
		ids = append(ids, c.ID)
	}
	return ids
}

// unknownRule is the diagnostic for an ID that names no rule.
func unknownRule(id string, at hcl.Range) *hcl.Diagnostic {
	ids := ruleIDs()
	if slices.Contains(ids, id) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown rule",
		Detail:   fmt.Sprintf("%q is not a rule returnpath runs; the rules are %s (returnpath rules lists them).", id, strings.Join(ids, ", ")),
		Subject:  at.Ptr(),
	}
}

// errorsOnly drops warnings, so that the error names the first problem.
func errorsOnly(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}

// lineOf is "file:line" of a range.
func lineOf(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }

// orList is `"a", "b" or "c"`.
func orList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// repoRelative is path relative to the root of its repository, with
// forward slashes; path itself (with forward slashes) when it is outside:
// an ignore always needs a file to name.
func repoRelative(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	if rel, ok := source.RepoRelative(source.RepoRoot(filepath.Dir(abs)), abs); ok {
		return rel
	}
	return filepath.ToSlash(path)
}
