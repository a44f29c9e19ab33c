package cli

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompletionCoversEveryFlag: each shell's script is made from the
// commands and their FlagSets, so a new flag or command shows up in all
// three without further work.
func TestCompletionCoversEveryFlag(t *testing.T) {
	scripts := map[string]string{}
	for _, shell := range shells() {
		r := run(testOptions, "", "completion", shell)
		if r.code != ExitOK || r.stderr != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", shell, r.code, r.stderr)
		}
		scripts[shell] = r.stdout
	}
	for _, c := range commands() {
		for shell, want := range map[string]string{"bash": " " + c.Name + ")\n", "zsh": "'" + c.Name + ":", "fish": "-a " + c.Name + " "} {
			if !strings.Contains(scripts[shell], want) {
				t.Errorf("%s completion lacks the command %s (%q)", shell, c.Name, want)
			}
		}
		if c.Flags == nil {
			continue
		}
		c.Flags().VisitAll(func(f *flag.Flag) {
			if !strings.Contains(scripts["bash"], "--"+f.Name+" ") && !strings.Contains(scripts["bash"], "--"+f.Name+`"`) {
				t.Errorf("bash completion lacks %s --%s", c.Name, f.Name)
			}
			for shell, want := range map[string]string{"zsh": "'--" + f.Name + "[", "fish": "'__fish_seen_subcommand_from " + c.Name + "' -l " + f.Name + " "} {
				if !strings.Contains(scripts[shell], want) {
					t.Errorf("%s completion lacks %s --%s (%q)", shell, c.Name, f.Name, want)
				}
			}
		})
	}
}

// TestCommandsMatchDispatch: every command completion offers is one that
// help and dispatch know, and the usage text lists it.
func TestCommandsMatchDispatch(t *testing.T) {
	for _, c := range commands() {
		if r := run(testOptions, "", "help", c.Name); r.code != ExitOK || r.stdout == "" {
			t.Errorf("help %s: exit %d, stderr %q", c.Name, r.code, r.stderr)
		}
		if !strings.Contains(usage, "  returnpath "+c.Name+" ") {
			t.Errorf("the usage text does not list %s", c.Name)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		wantOneLineError(t, run(testOptions, "", args...), "completion: want one shell, bash, zsh or fish")
	}
}

// TestBashCompletion runs the bash script the way bash's completion does:
// COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	script := filepath.Join(t.TempDir(), "returnpath.bash")
	if err := os.WriteFile(script, []byte(run(testOptions, "", "completion", "bash").stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"plan.json", "plans/x.json"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	for _, tc := range []struct {
		words []string // the last is the word being completed
		want  string
	}{
		{[]string{"returnpath", "co"}, "comment completion"},
		{[]string{"returnpath", ""}, "check comment completion explain fix help rules serve trace version"},
		{[]string{"returnpath", "trace", "--fr"}, "--from"},
		{[]string{"returnpath", "check", "--fo"}, "--format"},
		{[]string{"returnpath", "check", "--format", ""}, "github json junit markdown sarif text"},
		{[]string{"returnpath", "check", "plan.json", "--fail-on", "n"}, "never notice"},
		{[]string{"returnpath", "check", "--max-annotations", ""}, ""},
		{[]string{"returnpath", "check", "pl"}, "plan.json plans"},
		{[]string{"returnpath", "check", "--chdir", "pl"}, "plans"},
		{[]string{"returnpath", "serve", "--log-format", ""}, "json text"},
		{[]string{"returnpath", "explain", "RP00"}, "RP001 RP002 RP003 RP004 RP005 RP006 RP007 RP008 RP009"},
		{[]string{"returnpath", "completion", ""}, "bash fish zsh"},
		{[]string{"returnpath", "rules", ""}, ""},
	} {
		words := make([]string, len(tc.words))
		for i, w := range tc.words {
			words[i] = "'" + w + "'"
		}
		cmd := exec.Command("bash", "-c", `source "$1"; COMP_WORDS=(`+strings.Join(words, " ")+`); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _returnpath; echo "${COMPREPLY[*]}"`, "bash", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		got := strings.Fields(string(out))
		slices.Sort(got)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.words, out, err, tc.want)
		}
	}
}

// TestCompletionSyntax: zsh and fish parse their scripts, where they are
// installed.
func TestCompletionSyntax(t *testing.T) {
	for shell, check := range map[string][]string{"bash": {"-n"}, "zsh": {"-n"}, "fish": {"--no-execute"}} {
		if _, err := exec.LookPath(shell); err != nil {
			t.Logf("%s not found: its script is not parsed", shell)
			continue
		}
		script := filepath.Join(t.TempDir(), "returnpath."+shell)
		if err := os.WriteFile(script, []byte(run(testOptions, "", "completion", shell).stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(shell, append(check, script)...).CombinedOutput(); err != nil {
			t.Errorf("%s %v: %v\n%s", shell, check, err, out)
		}
	}
}
