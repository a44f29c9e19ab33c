package runtask

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
)

// Secrets the tests look for in logs, responses and callback messages.
const (
	testToken = "atlasv1.SECRET-access-token-7f3a"
	testKey   = "SECRET-hmac-key-91c2"
)

// wait bounds every wait of a test.
const wait = 10 * time.Second

// fastTiming keeps retries and drains short; SlowAfter is long so that no
// running update is sent unless a test asks for one.
func fastTiming() Timing {
	return Timing{
		RetryAttempts:  3,
		RetryInitial:   time.Millisecond,
		RetryMax:       5 * time.Millisecond,
		RequestTimeout: wait,
		SlowAfter:      time.Hour,
		DrainTimeout:   wait,
		TaskDeadline:   2 * wait,
		CallbackTime:   wait,
	}
}

// analyseFixture is the real check path (plan.Parse, checks.Run,
// report.New), failing on errors as `returnpath serve` does by default.
func analyseFixture(_ context.Context, name string, data []byte) (Analysis, error) {
	m, err := plan.Parse(name, data)
	if err != nil {
		return Analysis{}, err
	}
	r := report.New(m, checks.Run(m, checks.DefaultConfig()), name, "test")
	failed := false
	for _, f := range r.Findings {
		failed = failed || f.Severity >= checks.Error
	}
	return Analysis{Report: r, Failed: failed}, nil
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", name, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeHCP plays HCP Terraform: it serves plan JSON at
// /plans/ID/json-output with a handler per task and records every
// callback PATCHed to /task-results/ID/callback.
type fakeHCP struct {
	srv       *httptest.Server
	callbacks chan received

	mu       sync.Mutex
	plans    map[string]http.HandlerFunc
	requests []string // "METHOD /path Authorization"
	// callbackStatus, when set, answers a callback instead of 200;
	// callbackLocation is the Location of a 3xx answer.
	callbackStatus   func(id string) int
	callbackLocation string
	// callbackHangs, when set, says which callbacks get no answer until
	// the caller gives up.
	callbackHangs func(id string) bool
}

// received is one callback as HCP Terraform sees it.
type received struct {
	id     string
	method string
	header http.Header
	body   []byte
	doc    callbackDoc
}

// callbackDoc is the task-results document with HCP Terraform's field
// names, decoded independently of the server's own types.
type callbackDoc struct {
	Data struct {
		Type       string `json:"type"`
		Attributes struct {
			Status  string `json:"status"`
			Message string `json:"message"`
			URL     string `json:"url"`
		} `json:"attributes"`
		Relationships *struct {
			Outcomes struct {
				Data []struct {
					Type       string `json:"type"`
					Attributes struct {
						OutcomeID   string `json:"outcome-id"`
						Description string `json:"description"`
						Body        string `json:"body"`
						Tags        map[string][]struct {
							Label string `json:"label"`
							Level string `json:"level"`
						} `json:"tags"`
					} `json:"attributes"`
				} `json:"data"`
			} `json:"outcomes"`
		} `json:"relationships"`
	} `json:"data"`
}

func newFakeHCP(t *testing.T) *fakeHCP {
	f := &fakeHCP{callbacks: make(chan received, 200), plans: map[string]http.HandlerFunc{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plans/{id}/json-output", func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		f.mu.Lock()
		h := f.plans[r.PathValue("id")]
		f.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	})
	mux.HandleFunc("PATCH /task-results/{id}/callback", func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading a callback: %v", err)
			return
		}
		f.mu.Lock()
		status, location, hangs := f.callbackStatus, f.callbackLocation, f.callbackHangs
		f.mu.Unlock()
		if hangs != nil && hangs(r.PathValue("id")) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * wait):
			}
			return
		}
		if status != nil {
			if code := status(r.PathValue("id")); code != http.StatusOK {
				if code/100 == 3 {
					w.Header().Set("Location", location)
				}
				w.WriteHeader(code)
				return
			}
		}
		var doc callbackDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Errorf("callback body is not JSON: %v\n%s", err, body)
		}
		f.callbacks <- received{id: r.PathValue("id"), method: r.Method, header: r.Header.Clone(), body: body, doc: doc}
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHCP) record(r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
}

// requestsFor lists the recorded requests whose path holds id.
func (f *fakeHCP) requestsFor(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if strings.Contains(r, "/"+id+"/") {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeHCP) allRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeHCP) setPlan(id string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plans[id] = h
}

// servePlan answers with data.
func servePlan(data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	}
}

// task is the request body HCP Terraform sends for task id.
func (f *fakeHCP) task(id string) map[string]any {
	return map[string]any{
		"payload_version":               1,
		"access_token":                  testToken,
		"stage":                         "post_plan",
		"is_speculative":                false,
		"task_result_id":                id,
		"task_result_enforcement_level": "mandatory",
		"task_result_callback_url":      f.srv.URL + "/task-results/" + id + "/callback",
		"run_app_url":                   "https://app.terraform.io/app/acme/networking/runs/run-" + id,
		"run_id":                        "run-" + id,
		"run_message":                   "Triggered via UI",
		"run_created_at":                "2025-11-25T12:00:00.000Z",
		"run_created_by":                "alice",
		"workspace_id":                  "ws-123",
		"workspace_name":                "networking",
		"workspace_app_url":             "https://app.terraform.io/app/acme/networking",
		"organization_name":             "acme",
		"plan_json_api_url":             f.srv.URL + "/plans/" + id + "/json-output",
		"vcs_repo_url":                  "https://github.com/acme/networking",
	}
}

// nextCallback waits for one callback.
func (f *fakeHCP) nextCallback(t *testing.T) received {
	t.Helper()
	select {
	case c := <-f.callbacks:
		return c
	case <-time.After(wait):
		t.Fatal("no callback within", wait)
		return received{}
	}
}

// server is a running Server under test.
type server struct {
	url  string
	logs *syncBuffer
	stop func() error // cancels Serve and returns its error
	// client has its own connections, closed before a stop: a connection
	// dialled but never used would hold up the shutdown.
	client *http.Client
}

// start runs a Server on 127.0.0.1 with cfg (Analyse, Logger and Timing
// filled in when unset). The test fails if a log line shows a secret.
func start(t *testing.T, cfg Config) *server {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Analyse == nil {
		cfg.Analyse = analyseFixture
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = fastTiming()
	}
	if cfg.MaxPlanBytes == 0 {
		cfg.MaxPlanBytes = 256 << 20
	}
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	if cfg.QueueSize == 0 { // with no queue, a task arriving before a worker waits is refused
		cfg.QueueSize = 10
	}
	cfg.Version = "test"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	client := &http.Client{Timeout: wait, Transport: &http.Transport{}}
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			client.CloseIdleConnections()
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(2 * wait):
				serveErr = errors.New("Serve did not return")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		for _, secret := range []string{testToken, testKey} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a log line shows the secret %q:\n%s", secret, logs.String())
			}
		}
	})
	return &server{url: "http://" + ln.Addr().String(), logs: logs, stop: stop, client: client}
}

// post sends a task request body, signed with key when key is not empty.
func (s *server) post(t *testing.T, body []byte, key string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(SignatureHeader, sign(key, body))
	}
	return s.do(t, req)
}

func (s *server) postTask(t *testing.T, task map[string]any, key string) answer {
	t.Helper()
	body, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	return s.post(t, body, key)
}

// healthy checks that the server still answers.
func (s *server) healthy(t *testing.T) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.do(t, req); a.code != http.StatusOK || a.body != "ok\n" {
		t.Errorf("GET /healthz: %d %q", a.code, a.body)
	}
}

// answer is the status and body of a response.
type answer struct {
	code int
	body string
}

// waitHealthy waits until the server answers GET /healthz.
func (s *server) waitHealthy(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if resp, err := s.client.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatal("the server does not answer GET /healthz")
}

func (s *server) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, string(body)}
}

func sign(key string, body []byte) string {
	mac := hmac.New(sha512.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// wantOK fails unless the server answered 200.
func wantOK(t *testing.T, a answer) {
	t.Helper()
	if a.code != http.StatusOK {
		t.Fatalf("POST /: %d %q, want 200", a.code, a.body)
	}
}

func (c received) String() string { return fmt.Sprintf("%s %s: %s", c.method, c.id, c.body) }
