package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/config"
	"github.com/returnpath-dev/returnpath/internal/hostileplan"
)

// serveWait bounds every wait of the serve tests.
const serveWait = 10 * time.Second

func TestServeHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"help", "serve"}, {"serve", "-h"}} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: returnpath serve") {
			t.Errorf("%q: %+v", args, r)
		}
		fs, _ := serveFlags()
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(r.stdout, "--"+f.Name) {
				t.Errorf("%q does not list --%s", args, f.Name)
			}
		})
		if !strings.Contains(r.stdout, HMACKeyEnv) {
			t.Errorf("%q does not name %s", args, HMACKeyEnv)
		}
	}
	if r := run(testOptions, "", "help"); !strings.Contains(r.stdout, "returnpath serve [flags]") {
		t.Errorf("help does not list serve:\n%s", r.stdout)
	}
}

func TestServeUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"serve", "plan.json"}, `unexpected argument "plan.json"`},
		{[]string{"serve", "--frob"}, "-frob"},
		{[]string{"serve", "--fail-on", "fatal"}, `unknown --fail-on "fatal"`},
		{[]string{"serve", "--log-format", "xml"}, `unknown --log-format "xml"`},
		{[]string{"serve", "--workers", "0"}, "--workers must be at least 1"},
		{[]string{"serve", "--queue", "-1"}, "--queue must not be negative"},
		{[]string{"serve", "--drain-timeout", "0s"}, "--drain-timeout must be positive"},
		{[]string{"serve", "--max-plan-bytes", "0"}, "max-plan-bytes"},
		{[]string{"serve", "--max-plan-bytes", "1TB"}, `"1TB"`},
		{[]string{"serve", "--report-url", "https://r/{nope}"}, "unknown placeholder {nope}"},
		{[]string{"serve", "--addr", busy.Addr().String()}, "cannot listen on " + busy.Addr().String()},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantOneLineError(t, run(testOptions, "", tc.args...), tc.contains)
		})
	}
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]string{"268435456": "256MiB", "256MiB": "256MiB", "1 GiB": "1GiB", "1500": "1500", "2KiB": "2KiB", "1025": "1025"} {
		var b byteSizeFlag
		if err := b.Set(in); err != nil {
			t.Errorf("Set(%q): %v", in, err)
			continue
		}
		if got := b.String(); got != want {
			t.Errorf("Set(%q) then String() = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "-1", "0", "1.5MiB", "1MB", "MiB", "99999999999GiB"} {
		var b byteSizeFlag
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted it: %d", bad, b)
		}
	}
}

// TestServeREADME keeps the serve page, docs/run-task.md, true to the flags.
func TestServeREADME(t *testing.T) {
	data, err := os.ReadFile("../docs/run-task.md")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := serveFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(data), "`--"+f.Name) {
			t.Errorf("docs/run-task.md does not document serve --%s", f.Name)
		}
	})
	for _, want := range []string{"returnpath serve", HMACKeyEnv, "/healthz"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("docs/run-task.md does not mention %s", want)
		}
	}
}

// TestServe runs `returnpath serve` end to end against a fake HCP
// Terraform, and stops it as a container platform does, with SIGTERM,
// while a task is still running: the task must still call back, and serve
// must exit 0.
func TestServe(t *testing.T) {
	hcp := newServeFake(t)
	o := testOptions
	o.Getenv = func(name string) string {
		if name == HMACKeyEnv {
			return "cli-test-key"
		}
		return ""
	}
	srv := startServe(t, o, "--addr", "127.0.0.1:0", "--log-format", "json")

	// A verification request answers 200 and fetches nothing.
	if code := srv.post(t, map[string]any{"access_token": "test-token"}, "cli-test-key"); code != http.StatusOK {
		t.Errorf("verification: %d", code)
	}
	if code := srv.post(t, hcp.task("t1", "web-missing-return"), "wrong-key"); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code := srv.post(t, hcp.task("t1", "web-missing-return"), "cli-test-key"); code != http.StatusOK {
		t.Fatalf("task: %d", code)
	}
	c := hcp.next(t)
	// RP001, RP002 and the RP007 notice.
	if c.Data.Attributes.Status != "failed" || len(c.Data.Relationships.Outcomes.Data) != 3 {
		t.Errorf("broken fixture: status %s, %d outcomes", c.Data.Attributes.Status, len(c.Data.Relationships.Outcomes.Data))
	}

	hcp.hold("web-ok") // the next fetch waits until released
	if code := srv.post(t, hcp.task("t2", "web-ok"), "cli-test-key"); code != http.StatusOK {
		t.Fatalf("task: %d", code)
	}
	hcp.waitFetching(t)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "shutting down")
	hcp.release()
	if c := hcp.next(t); c.Data.Attributes.Status != "passed" {
		t.Errorf("task running at SIGTERM: %+v", c)
	}
	if code := srv.wait(t); code != ExitOK {
		t.Errorf("exit %d after SIGTERM; stderr:\n%s", code, srv.stderr.String())
	}
	logs := srv.stderr.String()
	if strings.Contains(logs, "cli-test-key") || strings.Contains(logs, "cli-test-token") {
		t.Errorf("logs show a secret:\n%s", logs)
	}
	if !strings.Contains(logs, `"signatures_checked":true`) || strings.Contains(logs, "RETURNPATH_HMAC_KEY is not set") {
		t.Errorf("logs do not say signatures are checked:\n%s", logs)
	}
}

// TestServeFlags checks that --fail-on and --only-new decide the task
// status as they decide check's exit code, and that an unset HMAC key is
// announced.
func TestServeFlags(t *testing.T) {
	hcp := newServeFake(t)
	srv := startServe(t, testOptions, "--addr", "127.0.0.1:0", "--fail-on", "warning", "--only-new", "--log-format", "text")
	for _, tc := range []struct{ fixture, status string }{
		{"already-broken", "passed"},       // its error exists today: --only-new drops it
		{"web-high-return-only", "failed"}, // a warning reaches --fail-on warning
	} {
		if code := srv.post(t, hcp.task(tc.fixture, tc.fixture), ""); code != http.StatusOK {
			t.Fatalf("%s: %d", tc.fixture, code)
		}
		if c := hcp.next(t); c.Data.Attributes.Status != tc.status {
			t.Errorf("%s: %+v, want %s", tc.fixture, c, tc.status)
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := srv.wait(t); code != ExitOK {
		t.Errorf("exit %d after SIGINT; stderr:\n%s", code, srv.stderr.String())
	}
	if !strings.Contains(srv.stderr.String(), "level=WARN msg=\"RETURNPATH_HMAC_KEY is not set") {
		t.Errorf("no warning about the missing HMAC key:\n%s", srv.stderr.String())
	}
}

// serveFake plays HCP Terraform for the serve tests: plans are fixtures,
// callbacks are decoded.
type serveFake struct {
	srv       *httptest.Server
	callbacks chan serveCallback
	fetching  chan struct{}

	mu      sync.Mutex
	held    string
	release func()
}

type serveCallback struct {
	Data struct {
		Attributes struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"attributes"`
		Relationships struct {
			Outcomes struct {
				Data []json.RawMessage `json:"data"`
			} `json:"outcomes"`
		} `json:"relationships"`
	} `json:"data"`
}

func newServeFake(t *testing.T) *serveFake {
	f := &serveFake{callbacks: make(chan serveCallback, 10), fetching: make(chan struct{}, 1)}
	gate := make(chan struct{})
	f.release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(f.release)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plans/{fixture}/json-output", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer cli-test-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		name := r.PathValue("fixture")
		f.mu.Lock()
		held := f.held == name
		f.mu.Unlock()
		if held {
			f.fetching <- struct{}{}
			<-gate
		}
		http.ServeFile(w, r, filepath.Join("..", "fixtures", name, "plan.json"))
	})
	mux.HandleFunc("PATCH /callbacks/{id}", func(w http.ResponseWriter, r *http.Request) {
		var c serveCallback
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			t.Errorf("callback: %v", err)
		}
		f.callbacks <- c
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *serveFake) task(id, fixture string) map[string]any {
	return map[string]any{
		"payload_version":          1,
		"access_token":             "cli-test-token",
		"stage":                    "post_plan",
		"task_result_id":           id,
		"run_id":                   "run-" + id,
		"task_result_callback_url": f.srv.URL + "/callbacks/" + id,
		"plan_json_api_url":        f.srv.URL + "/plans/" + fixture + "/json-output",
	}
}

func (f *serveFake) hold(fixture string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held = fixture
}

func (f *serveFake) waitFetching(t *testing.T) {
	t.Helper()
	select {
	case <-f.fetching:
	case <-time.After(serveWait):
		t.Fatal("the plan was not fetched")
	}
}

func (f *serveFake) next(t *testing.T) serveCallback {
	t.Helper()
	select {
	case c := <-f.callbacks:
		return c
	case <-time.After(serveWait):
		t.Fatal("no callback")
		return serveCallback{}
	}
}

// listening finds the address in the start-up log line, text or JSON.
var listening = regexp.MustCompile(`serving HCP Terraform run tasks"?[ ,]"?addr"?[=:]"?(127\.0\.0\.1:[0-9]+)`)

// runningServe is `returnpath serve` running in a goroutine.
type runningServe struct {
	url    string
	stderr *lockedBuffer
	code   chan int
	client *http.Client
}

// startServe runs Main with serve and args, and waits for its address in
// the start-up log line.
func startServe(t *testing.T, o Options, args ...string) *runningServe {
	t.Helper()
	s := &runningServe{stderr: &lockedBuffer{}, code: make(chan int, 1), client: &http.Client{Timeout: serveWait, Transport: &http.Transport{}}}
	go func() { s.code <- o.Main(append([]string{"serve"}, args...), nil, io.Discard, s.stderr) }()
	deadline := time.Now().Add(serveWait)
	for s.url == "" {
		if m := listening.FindStringSubmatch(s.stderr.String()); m != nil {
			s.url = "http://" + m[1]
		}
		select {
		case code := <-s.code:
			t.Fatalf("serve exited %d:\n%s", code, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", s.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

func (s *runningServe) post(t *testing.T, task map[string]any, key string) int {
	t.Helper()
	body, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		mac := hmac.New(sha512.New, []byte(key))
		mac.Write(body)
		req.Header.Set("X-TFC-Task-Signature", hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *runningServe) waitLog(t *testing.T, text string) {
	t.Helper()
	for deadline := time.Now().Add(serveWait); !strings.Contains(s.stderr.String(), text); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q:\n%s", text, s.stderr.String())
		}
	}
}

// wait returns serve's exit code.
func (s *runningServe) wait(t *testing.T) int {
	t.Helper()
	s.client.CloseIdleConnections()
	select {
	case code := <-s.code:
		return code
	case <-time.After(2 * serveWait):
		t.Fatal("serve did not exit")
		return -1
	}
}

// lockedBuffer is stderr written by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The server reads one configuration file for every task: its ignore
// blocks silence findings, so the broken fixture passes.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "returnpath.hcl")
	cfg := `ignore {
  rule     = "RP001"
  resource = "aws_network_acl.public"
  reason   = "accepted for the demo workspace"
}
ignore {
  rule     = "RP002"
  resource = "aws_network_acl.public"
  reason   = "accepted for the demo workspace"
}
`
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	hcp := newServeFake(t)
	srv := startServe(t, testOptions, "--addr", "127.0.0.1:0", "--config", file)
	if code := srv.post(t, hcp.task("t1", "web-missing-return"), ""); code != http.StatusOK {
		t.Fatalf("task: %d", code)
	}
	c := hcp.next(t)
	// RP001 and RP002 are ignored; the RP007 notice, which no ignore
	// names, stays the one outcome.
	outcomes := c.Data.Relationships.Outcomes.Data
	if c.Data.Attributes.Status != "passed" || len(outcomes) != 1 || !strings.Contains(string(outcomes[0]), `"outcome-id":"RP007 aws_network_acl.public"`) ||
		c.Data.Attributes.Message != "0 errors, 0 warnings, 1 notice, 2 findings suppressed — 1 NACL (2 rules) checked" {
		t.Errorf("ignored findings: status %s, message %q, %d outcomes", c.Data.Attributes.Status, c.Data.Attributes.Message, len(outcomes))
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := srv.wait(t); code != ExitOK {
		t.Errorf("exit %d; stderr:\n%s", code, srv.stderr.String())
	}

	if err := os.WriteFile(file, []byte("ignore {\n  rule = \"RP001\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, run(testOptions, "", "serve", "--config", file), "returnpath.hcl:1")
}

// afterAsked is a context that is done once its Err has been asked n
// times: a deadline that passes while the analysis runs.
type afterAsked struct {
	context.Context
	n atomic.Int64
}

func (c *afterAsked) Err() error {
	if c.n.Add(-1) < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// TestTaskAnalysisEndsWithTheDeadline: serve's analysis runs the checks
// under the task's deadline, not only up to their start.
func TestTaskAnalysisEndsWithTheDeadline(t *testing.T) {
	o := testOptions
	o.run = checks.RunContext
	analyse := o.taskAnalysis(analysis{config: config.Default(), failOn: checks.Error})
	hostile := hostileplan.SecurityGroups(500, 16)
	ctx := &afterAsked{Context: context.Background()}
	ctx.n.Store(3) // the deadline passes once the checks have started
	if _, err := analyse(ctx, "plan.json", hostile); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the deadline passed during the checks: %v", err)
	}
	got, err := analyse(context.Background(), "plan.json", hostile)
	if err != nil || !got.Failed || got.Report == nil {
		t.Errorf("without a deadline: %+v, %v", got, err)
	}
}
