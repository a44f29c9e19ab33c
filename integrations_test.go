package main

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/returnpath-dev/returnpath/internal/sariftest"
)

// The integrations (action.yml with its scripts in action/, and the
// pre-commit hook) are shell around the binary: these tests build the
// binary with the action's own build script and run the scripts the way
// GitHub Actions and pre-commit do, with stand-ins for their environment
// and for terraform.

// shellTools skips the test where bash or the other tools the scripts use
// are missing (the scripts are for Linux, macOS and Git Bash on Windows).
func shellTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "grep", "mktemp", "sort", "dirname", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
}

// outputs reads a GITHUB_OUTPUT file of name=value lines.
func outputs(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if name, value, ok := strings.Cut(line, "="); ok {
			out[name] = value
		}
	}
	return out
}

type scriptRun struct {
	code           int
	stdout, stderr string
}

func runScript(t *testing.T, env []string, name string, args ...string) scriptRun {
	t.Helper()
	// Read by the test, the script is part of what go test's cache checks.
	if _, err := os.ReadFile(name); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return scriptRun{code, stdout.String(), stderr.String()}
}

// build runs action/build.sh and returns the binary it built.
func build(t *testing.T) string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	runner := t.TempDir()
	output := filepath.Join(runner, "output")
	r := runScript(t, []string{
		"GITHUB_ACTION_PATH=" + root, "RUNNER_TEMP=" + runner, "GITHUB_OUTPUT=" + output, "ACTION_REF=v9.8.7",
	}, "action/build.sh")
	if r.code != 0 {
		t.Fatalf("build.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	binary := outputs(t, output)["binary"]
	version, err := exec.Command(binary, "version").Output()
	if err != nil || !strings.HasPrefix(string(version), "returnpath v9.8.7\ncommit: ") {
		t.Fatalf("built %q: version %q, %v (want the action's ref)", binary, version, err)
	}
	return binary
}

func TestIntegrations(t *testing.T) {
	shellTools(t)
	binary := build(t)
	t.Run("action install, release", func(t *testing.T) { testActionRelease(t, binary) })
	t.Run("action install, source", testActionSource)
	t.Run("action check", func(t *testing.T) { testActionCheck(t, binary) })
	t.Run("action summary limit", func(t *testing.T) { testActionSummaryLimit(t, binary) })
	t.Run("action comment", testActionComment)
	t.Run("pre-commit hook", func(t *testing.T) { testPreCommitHook(t, binary) })
}

// actionEnv is the environment action.yml gives check.sh, with files for
// the step outputs and the job summary.
type actionEnv struct {
	dir                  string
	output, summary      string
	plan, format, failOn string
	sarif                string
	context              string // the context input: files, one per line
}

func (e actionEnv) vars(binary string) []string {
	return []string{
		"RETURNPATH=" + binary, "INPUT_PLAN=" + e.plan, "INPUT_FORMAT=" + e.format, "INPUT_FAIL_ON=" + e.failOn,
		"INPUT_CHDIR=", "INPUT_SARIF_FILE=" + e.sarif, "INPUT_CONTEXT=" + e.context,
		"GITHUB_OUTPUT=" + e.output, "GITHUB_STEP_SUMMARY=" + e.summary,
	}
}

func newActionEnv(t *testing.T, plan string) actionEnv {
	dir := t.TempDir()
	return actionEnv{
		dir: dir, output: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary.md"),
		plan: plan, format: "github", failOn: "error",
	}
}

func testActionCheck(t *testing.T, binary string) {
	t.Run("broken fixture", func(t *testing.T) {
		e := newActionEnv(t, "fixtures/web-missing-return/plan.json")
		e.sarif = filepath.Join(e.dir, "reports", "returnpath.sarif")
		r := runScript(t, e.vars(binary), "action/check.sh")
		if r.code != 0 {
			t.Fatalf("check.sh: exit %d (it leaves failing to the last step)\n%s", r.code, r.stderr)
		}
		want := map[string]string{"findings": "3", "errors": "2", "exit-code": "1"} // RP001, RP002 and the RP007 notice
		if got := outputs(t, e.output); !mapsEqual(got, want) {
			t.Errorf("outputs %v, want %v", got, want)
		}
		golden, err := os.ReadFile("fixtures/web-missing-return/report.github")
		if err != nil {
			t.Fatal(err)
		}
		if r.stdout != string(golden) {
			t.Errorf("log is not the github report:\n%s", r.stdout)
		}
		sarif, err := os.ReadFile(e.sarif)
		if err != nil {
			t.Fatalf("sarif-file not written: %v", err)
		}
		if s := sariftest.Schema(t); s != nil {
			sariftest.Validate(t, s, sarif)
		}
		summary, err := os.ReadFile(e.summary)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{
			"### returnpath: fixtures/web-missing-return/plan.json\n",
			"Failed: findings at or above `error` (findings: 3, errors: 2).",
			"```text\naws_network_acl.public — subnet aws_subnet.public 10.0.1.0/24\n",
			"fixtures/web-missing-return/main.tf:" + strconv.Itoa(lineOf(t, "fixtures/web-missing-return/main.tf", "ingress {")) + "\n",
			"2 errors, 0 warnings, 1 notice — 1 NACL (2 rules) checked · terraform 1.11.4, 3 resources\n```\n",
		} {
			if !strings.Contains(string(summary), part) {
				t.Errorf("summary lacks %q:\n%s", part, summary)
			}
		}
	})
	t.Run("clean fixture, text format", func(t *testing.T) {
		e := newActionEnv(t, "fixtures/all-traffic/plan.json") // no finding, not even a notice
		e.format = "text"
		r := runScript(t, e.vars(binary), "action/check.sh")
		want := map[string]string{"findings": "0", "errors": "0", "exit-code": "0"}
		if got := outputs(t, e.output); r.code != 0 || !mapsEqual(got, want) {
			t.Errorf("exit %d, outputs %v, want %v", r.code, got, want)
		}
		if r.stdout != "no return-path problems in 1 NACL\n" {
			t.Errorf("log: %q", r.stdout)
		}
		if summary, _ := os.ReadFile(e.summary); !strings.Contains(string(summary), "Passed: no finding at or above `error` (findings: 0, errors: 0).") {
			t.Errorf("summary:\n%s", summary)
		}
	})
	t.Run("context, newline separated", func(t *testing.T) {
		// The app stack alone has no NACL (two RP008 notices); with the
		// network stack's state it has the RP003 error of ../fixtures/cross-stack.
		e := newActionEnv(t, "fixtures/cross-stack/app/plan.json")
		e.context = "\n  fixtures/cross-stack/network/state.json  \n\n"
		r := runScript(t, e.vars(binary), "action/check.sh")
		want := map[string]string{"findings": "1", "errors": "1", "exit-code": "1"}
		if got := outputs(t, e.output); r.code != 0 || !mapsEqual(got, want) {
			t.Errorf("exit %d, outputs %v, want %v\n%s", r.code, got, want, r.stderr)
		}
		e = newActionEnv(t, "fixtures/cross-stack/app/plan.json")
		runScript(t, e.vars(binary), "action/check.sh")
		want = map[string]string{"findings": "2", "errors": "0", "exit-code": "0"}
		if got := outputs(t, e.output); !mapsEqual(got, want) {
			t.Errorf("without context: outputs %v, want %v", got, want)
		}
	})
	t.Run("warnings under fail-on warning", func(t *testing.T) {
		e := newActionEnv(t, "fixtures/mixed-inline-standalone/plan.json")
		e.format, e.failOn = "json", "warning"
		runScript(t, e.vars(binary), "action/check.sh")
		want := map[string]string{"findings": "2", "errors": "0", "exit-code": "1"} // the RP006 warning and an RP007 notice
		if got := outputs(t, e.output); !mapsEqual(got, want) {
			t.Errorf("outputs %v, want %v", got, want)
		}
	})
	for name, e := range map[string]func(actionEnv) actionEnv{
		"missing plan": func(e actionEnv) actionEnv { e.plan = "fixtures/no-such/plan.json"; return e },
		"empty plan":   func(e actionEnv) actionEnv { e.plan = ""; return e },
		"bad format":   func(e actionEnv) actionEnv { e.format = "xml"; return e },
		"bad fail-on":  func(e actionEnv) actionEnv { e.failOn = "fatal"; return e },
	} {
		t.Run(name, func(t *testing.T) {
			env := e(newActionEnv(t, "fixtures/all-traffic/plan.json"))
			r := runScript(t, env.vars(binary), "action/check.sh")
			if r.code != 2 || outputs(t, env.output)["exit-code"] != "2" || !strings.HasPrefix(r.stderr, "returnpath: ") ||
				strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q, outputs %v; want exit 2 and one line", r.code, r.stderr, outputs(t, env.output))
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fakeReturnpath is a stand-in binary that records its arguments and
// exits with code.
func fakeReturnpath(t *testing.T, code string) (binary, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	binary, argsFile = filepath.Join(dir, "returnpath"), filepath.Join(dir, "args")
	script := "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > " + argsFile + "\nexit " + code + "\n"
	if err := os.WriteFile(binary, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binary, argsFile
}

func testActionComment(t *testing.T) {
	t.Run("pull request", func(t *testing.T) {
		fake, argsFile := fakeReturnpath(t, "1")
		r := runScript(t, []string{"RETURNPATH=" + fake, "INPUT_PLAN=plan.json", "PR_NUMBER=42", "GITHUB_REPOSITORY=acme/infra", "GITHUB_TOKEN=t"}, "action/comment.sh")
		args, _ := os.ReadFile(argsFile)
		if r.code != 0 || string(args) != "comment\n--repo\nacme/infra\n--pr\n42\n--\nplan.json\n" {
			t.Errorf("exit %d, returnpath called with %q", r.code, args)
		}
	})
	t.Run("review", func(t *testing.T) {
		fake, argsFile := fakeReturnpath(t, "0")
		r := runScript(t, []string{"RETURNPATH=" + fake, "INPUT_PLAN=plan.json", "INPUT_REVIEW=true", "PR_NUMBER=42", "GITHUB_REPOSITORY=acme/infra", "GITHUB_TOKEN=t"}, "action/comment.sh")
		args, _ := os.ReadFile(argsFile)
		if r.code != 0 || string(args) != "comment\n--repo\nacme/infra\n--pr\n42\n--review\n--\nplan.json\n" {
			t.Errorf("exit %d, returnpath called with %q", r.code, args)
		}
	})
	t.Run("pull request with context", func(t *testing.T) {
		fake, argsFile := fakeReturnpath(t, "1")
		r := runScript(t, []string{"RETURNPATH=" + fake, "INPUT_PLAN=plan.json", "INPUT_CONTEXT=net/state.json\n\n shared/state.json\n",
			"PR_NUMBER=42", "GITHUB_REPOSITORY=acme/infra", "GITHUB_TOKEN=t"}, "action/comment.sh")
		args, _ := os.ReadFile(argsFile)
		if r.code != 0 || string(args) != "comment\n--repo\nacme/infra\n--pr\n42\n--context\nnet/state.json\n--context\nshared/state.json\n--\nplan.json\n" {
			t.Errorf("exit %d, returnpath called with %q", r.code, args)
		}
	})
	// The warning repeats returnpath's reason, whatever it is: only a 403
	// is about the token's permissions.
	for name, why := range map[string]string{
		"comment fails, bad repo":   `comment: --repo "acme": want OWNER/NAME`,
		"comment fails, forbidden":  "comment: posting the comment: POST https://api.github.com/repos/acme/infra/issues/42/comments: 403 Forbidden: the token may not write pull-request comments (a workflow needs permissions: pull-requests: write)",
		"comment fails, 100% wrong": "comment: 100% wrong",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fake := filepath.Join(dir, "returnpath")
			script := "#!/usr/bin/env bash\necho 'returnpath: " + why + "' >&2\nexit 2\n"
			if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			r := runScript(t, []string{"RETURNPATH=" + fake, "INPUT_PLAN=plan.json", "PR_NUMBER=42", "GITHUB_REPOSITORY=acme/infra"}, "action/comment.sh")
			want := "::warning title=returnpath::the pull-request comment was not posted (exit 2): " + strings.ReplaceAll(why, "%", "%25") + "\n"
			if r.code != 0 || r.stdout != want || r.stderr != "returnpath: "+why+"\n" {
				t.Errorf("exit %d, stdout %q (want %q), stderr %q", r.code, r.stdout, want, r.stderr)
			}
		})
	}
	t.Run("not a pull request", func(t *testing.T) {
		fake, argsFile := fakeReturnpath(t, "0")
		r := runScript(t, []string{"RETURNPATH=" + fake, "INPUT_PLAN=plan.json", "PR_NUMBER="}, "action/comment.sh")
		if _, err := os.Stat(argsFile); err == nil || r.code != 0 || !strings.HasPrefix(r.stdout, "::notice title=returnpath::not a pull request") {
			t.Errorf("exit %d, stdout %q, returnpath called: %v", r.code, r.stdout, err == nil)
		}
	})
}

// preCommitHook is the hook of .pre-commit-hooks.yaml.
type preCommitHook struct {
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Language      string `yaml:"language"`
	Entry         string `yaml:"entry"`
	Files         string `yaml:"files"`
	PassFilenames bool   `yaml:"pass_filenames"`
	RequireSerial bool   `yaml:"require_serial"`
}

// fakeTerraform plans by writing the plan file and shows the JSON of
// $FIXTURE_PLAN; a directory with a file named "broken" fails to plan.
const fakeTerraform = `#!/usr/bin/env bash
dir=${1#-chdir=}
case "$2" in
plan)
  if [ -e "$dir/broken" ]; then echo "Error: Unsupported argument" >&2; exit 1; fi
  for arg in "$@"; do case "$arg" in -out=*) echo plan > "${arg#-out=}" ;; esac; done ;;
show) cat "$FIXTURE_PLAN" ;;
*) exit 64 ;;
esac
`

func testPreCommitHook(t *testing.T, binary string) {
	data, err := os.ReadFile(".pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []preCommitHook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "returnpath" || hooks[0].Language != "golang" || !hooks[0].PassFilenames || !hooks[0].RequireSerial {
		t.Fatalf("hooks: %+v", hooks)
	}
	hook := hooks[0]
	files := regexp.MustCompile(hook.Files)
	for name, want := range map[string]bool{"infra/main.tf": true, "prod.tfvars": true, "README.md": false, "main.tf.json.bak": false} {
		if files.MatchString(name) != want {
			t.Errorf("files %q matches %s: %v", hook.Files, name, !want)
		}
	}

	// A repository: infra/ is initialised, modules/net is not, and
	// pre-commit passes the staged files.
	repo := t.TempDir()
	for _, dir := range []string{".git", "infra/.terraform", "modules/net", "bin"} {
		if err := os.MkdirAll(filepath.Join(repo, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, "fixtures/web-missing-return/main.tf", filepath.Join(repo, "infra", "main.tf"))
	for name, content := range map[string]string{
		"bin/terraform":       fakeTerraform,
		"bin/returnpath":      "#!/usr/bin/env bash\nexec " + binary + " \"$@\"\n",
		"modules/net/main.tf": "",
		"infra/prod.tfvars":   "",
	} {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fixture := func(name string) string {
		abs, err := filepath.Abs(filepath.Join("fixtures", name, "plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	// pre-commit runs the entry without a shell (shlex): for an entry
	// whose only quoting is one single-quoted word, bash splits it alike.
	runHook := func(plan string, staged ...string) scriptRun {
		t.Helper()
		cmd := exec.Command("bash", append([]string{"-c", hook.Entry + ` "$@"`, "pre-commit"}, staged...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(repo, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"), "FIXTURE_PLAN="+plan)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return scriptRun{code, stdout.String(), stderr.String()}
	}

	r := runHook(fixture("web-missing-return"), "infra/main.tf", "infra/prod.tfvars", "modules/net/main.tf")
	if r.code != 1 || !strings.Contains(r.stdout, "error RP001") || !strings.Contains(r.stdout, "infra/main.tf:"+strconv.Itoa(lineOf(t, "fixtures/web-missing-return/main.tf", "ingress {"))+"\n") {
		t.Errorf("broken plan: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Count(r.stdout, "error RP001") != 1 {
		t.Errorf("infra/ planned more than once:\n%s", r.stdout)
	}
	if r.stderr != "returnpath: modules/net: not initialised (no .terraform): run terraform -chdir=modules/net init, "+
		"or, if it is not a root module, add ^modules/net/ to exclude: of this hook in .pre-commit-config.yaml\n" {
		t.Errorf("stderr %q, want the uninitialised module named with what to run", r.stderr)
	}

	// A clean plan still fails while a directory with staged changes is
	// not initialised: pre-commit hides a passing hook's output.
	r = runHook(fixture("all-traffic"), "infra/main.tf", "modules/net/main.tf")
	if r.code != 1 || !strings.Contains(r.stderr, "modules/net: not initialised") || r.stdout != "no return-path problems in 1 NACL\n" {
		t.Errorf("clean plan, uninitialised module: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runHook(fixture("all-traffic"), "infra/main.tf")
	if r.code != 0 || r.stdout != "no return-path problems in 1 NACL\n" {
		t.Errorf("clean plan: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	if err := os.WriteFile(filepath.Join(repo, "infra", "broken"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runHook(fixture("all-traffic"), "infra/main.tf")
	if r.code != 1 || !strings.Contains(r.stderr, "Error: Unsupported argument\nreturnpath: infra: terraform plan failed\n") {
		t.Errorf("failing plan: exit %d, stderr %q", r.code, r.stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// actionMetadata is the part of action.yml the README documents.
type actionMetadata struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID  string            `yaml:"id"`
			If  string            `yaml:"if"`
			Run string            `yaml:"run"`
			Env map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// TestActionMetadata keeps action.yml, its scripts and its page
// (docs/github-action.md) in step: every input reaches a script, every
// script exists, and the page's tables list every input (with its default)
// and output.
func TestActionMetadata(t *testing.T) {
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action actionMetadata
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Errorf("runs.using %q", action.Runs.Using)
	}
	if in, ok := action.Inputs["plan"]; !ok || !in.Required {
		t.Error("input plan is not required")
	}
	used := map[string]bool{}
	script := regexp.MustCompile(`"\$GITHUB_ACTION_PATH/(action/[a-z-]+\.sh)"`)
	for _, step := range action.Runs.Steps {
		for _, value := range append(slices.Collect(maps.Values(step.Env)), step.If) {
			for _, m := range regexp.MustCompile(`inputs\.([a-z-]+)`).FindAllStringSubmatch(value, -1) {
				used[m[1]] = true
			}
		}
		for _, m := range script.FindAllStringSubmatch(step.Run, -1) {
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("step %q runs %s: %v", step.ID, m[1], err)
			}
		}
	}
	readme, err := os.ReadFile("docs/github-action.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range action.Inputs {
		if !used[name] {
			t.Errorf("input %s reaches no step", name)
		}
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		// | `name` | default | meaning |
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(name) + "` \\| *([^|]*?) *\\|")
		m := row.FindSubmatch(readme)
		switch {
		case m == nil:
			t.Errorf("docs/github-action.md's inputs table lacks %s", name)
		case in.Default != "" && !strings.Contains(string(m[1]), in.Default):
			t.Errorf("docs/github-action.md gives %s the default %q; action.yml %q", name, m[1], in.Default)
		}
	}
	for name, out := range action.Outputs {
		if out.Description == "" || !regexp.MustCompile("(?m)^\\| `"+regexp.QuoteMeta(name)+"` \\|").Match(readme) {
			t.Errorf("output %s: undocumented in action.yml or docs/github-action.md", name)
		}
	}
}

// lineOf is the 1-based number of the first line of file that reads text
// (spaces around it aside): where a finding must point, found by its text
// so that comments added above it do not break the test.
func lineOf(t *testing.T, file, text string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == text {
			return i + 1
		}
	}
	t.Fatalf("no line %q in %s", text, file)
	return 0
}
