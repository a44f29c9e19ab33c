package runtask

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// deadlineTiming ends every task within 400 ms of its request, the final
// callback's last 200 ms included.
func deadlineTiming() Timing {
	t := fastTiming()
	t.TaskDeadline, t.CallbackTime = 400*time.Millisecond, 200*time.Millisecond
	return t
}

func TestHungCallbackEndsAtTheDeadline(t *testing.T) {
	hcp := newFakeHCP(t)
	hcp.callbackHangs = func(id string) bool { return id == "hung" }
	// A deadline long enough for the next task's fetch and analysis on a
	// loaded machine (they share it), far below RetryAttempts ×
	// RequestTimeout.
	timing := deadlineTiming()
	timing.TaskDeadline, timing.CallbackTime = 2*time.Second, time.Second
	s := start(t, Config{Workers: 1, Timing: timing})
	ok := fixture(t, "web-ok")
	hcp.setPlan("hung", servePlan(ok))
	hcp.setPlan("next", servePlan(ok))
	wantOK(t, s.postTask(t, hcp.task("hung"), ""))
	// The only worker is free again once the hung task's deadline passed,
	// not after RetryAttempts × RequestTimeout.
	time.Sleep(timing.TaskDeadline + 100*time.Millisecond)
	started := time.Now()
	wantOK(t, s.postTask(t, hcp.task("next"), ""))
	if c := hcp.nextCallback(t); c.id != "next" || c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("callback %s", c)
	}
	if d := time.Since(started); d > 3*time.Second {
		t.Errorf("the next task waited %v", d)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.logs.String(), `"msg":"task result not delivered"`) {
		t.Errorf("logs:\n%s", s.logs)
	}
}

func TestSlowAnalysisIsAbandonedAtTheDeadline(t *testing.T) {
	hcp := newFakeHCP(t)
	release := make(chan struct{})
	defer close(release)
	sawDeadline := make(chan error, 1)
	analyse := func(ctx context.Context, name string, data []byte) (Analysis, error) {
		<-ctx.Done() // an analysis that watches its context
		sawDeadline <- ctx.Err()
		<-release // and then does not stop
		return analyseFixture(ctx, name, data)
	}
	s := start(t, Config{Analyse: analyse, Timing: deadlineTiming()})
	hcp.setPlan("slow", servePlan(fixture(t, "web-ok")))
	wantOK(t, s.postTask(t, hcp.task("slow"), ""))
	c := hcp.nextCallback(t)
	if a := c.doc.Data.Attributes; a.Status != "failed" || !strings.Contains(a.Message, "could not fetch and check the plan within 200ms of the request") {
		t.Errorf("result: %s", c)
	}
	select {
	case err := <-sawDeadline:
		if err != context.DeadlineExceeded {
			t.Errorf("Analyse's context ended with %v", err)
		}
	case <-time.After(wait):
		t.Error("Analyse's context did not end")
	}
}

func TestHungPlanFetchEndsAtTheDeadline(t *testing.T) {
	hcp := newFakeHCP(t)
	hcp.setPlan("hung", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(wait):
		}
	})
	s := start(t, Config{Timing: deadlineTiming()})
	wantOK(t, s.postTask(t, hcp.task("hung"), ""))
	c := hcp.nextCallback(t)
	if a := c.doc.Data.Attributes; a.Status != "failed" || !strings.Contains(a.Message, "within 200ms of the request") {
		t.Errorf("result: %s", c)
	}
}

func TestReplayedTaskRunsOnce(t *testing.T) {
	hcp := newFakeHCP(t)
	release := make(chan struct{})
	var fetches atomic.Int32
	ok := fixture(t, "web-ok")
	hcp.setPlan("twice", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		<-release
		servePlan(ok)(w, r)
	})
	s := start(t, Config{Workers: 2})
	wantOK(t, s.postTask(t, hcp.task("twice"), ""))
	wantOK(t, s.postTask(t, hcp.task("twice"), "")) // HCP Terraform retries the request
	close(release)
	if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("result: %s", c)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-hcp.callbacks:
		t.Errorf("a second callback: %s", c)
	default:
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the plan was fetched %d times", n)
	}
	if !strings.Contains(s.logs.String(), "task replayed while queued or running") {
		t.Errorf("logs:\n%s", s.logs)
	}
	// Once it is over, the same id runs again.
	s2 := start(t, Config{})
	wantOK(t, s2.postTask(t, hcp.task("twice"), ""))
	hcp.nextCallback(t)
	for deadline := time.Now().Add(wait); !strings.Contains(s2.logs.String(), `"msg":"task result delivered"`); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no delivery logged")
		}
	}
	wantOK(t, s2.postTask(t, hcp.task("twice"), ""))
	if c := hcp.nextCallback(t); c.id != "twice" {
		t.Errorf("callback %s", c)
	}
}

func TestCallbackRedirectIsNotDelivered(t *testing.T) {
	hcp := newFakeHCP(t)
	var patches atomic.Int32
	hcp.callbackStatus = func(string) int { patches.Add(1); return http.StatusFound }
	ok := fixture(t, "web-ok")
	hcp.setPlan("elsewhere", servePlan(ok)) // a 302 turns the PATCH into this GET, answered 200
	hcp.callbackLocation = hcp.srv.URL + "/plans/elsewhere/json-output"
	s := start(t, Config{})
	hcp.setPlan("moved", servePlan(ok))
	wantOK(t, s.postTask(t, hcp.task("moved"), ""))
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	logs := s.logs.String()
	if strings.Contains(logs, `"msg":"task result delivered"`) || !strings.Contains(logs, `"msg":"task result not delivered"`) ||
		!strings.Contains(logs, "302 Found: a redirect, so the task result was not taken") {
		t.Errorf("logs:\n%s", logs)
	}
	if n := patches.Load(); n != 1 {
		t.Errorf("%d PATCHes, want 1 (a redirect is not retried)", n)
	}
	for _, r := range hcp.requestsFor("elsewhere") {
		t.Errorf("the redirect was followed: %s", r)
	}
}

func TestNonHTTPRedirectFailsAtOnce(t *testing.T) {
	hcp := newFakeHCP(t)
	hcp.setPlan("file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	timing := fastTiming()
	timing.RetryInitial, timing.RetryMax = time.Second, time.Second // a retry would show
	s := start(t, Config{Timing: timing})
	started := time.Now()
	wantOK(t, s.postTask(t, hcp.task("file"), ""))
	c := hcp.nextCallback(t)
	if a := c.doc.Data.Attributes; a.Status != "failed" || !strings.HasSuffix(a.Message, "/plans/file/json-output: refused a redirect to a file: URL") {
		t.Errorf("result: %s", c)
	}
	if got := hcp.requestsFor("file"); len(got) != 2 { // the fetch and the callback
		t.Errorf("requests %q, want one fetch", got)
	}
	if d := time.Since(started); d > 900*time.Millisecond {
		t.Errorf("took %v: retried", d)
	}
}

func TestUnverifiedCertificateFailsAtOnce(t *testing.T) {
	hcp := newFakeHCP(t)
	var fetches atomic.Int32
	tlsPlan := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { fetches.Add(1) }))
	t.Cleanup(tlsPlan.Close)
	timing := fastTiming()
	timing.RetryInitial, timing.RetryMax = time.Second, time.Second // a retry would show
	s := start(t, Config{Timing: timing})
	task := hcp.task("tls")
	task["plan_json_api_url"] = tlsPlan.URL + "/plan"
	started := time.Now()
	wantOK(t, s.postTask(t, task, ""))
	c := hcp.nextCallback(t)
	if a := c.doc.Data.Attributes; a.Status != "failed" || !strings.Contains(a.Message, "certificate") || strings.Contains(a.Message, "attempts") {
		t.Errorf("result: %s", c)
	}
	if d := time.Since(started); d > 900*time.Millisecond || fetches.Load() != 0 {
		t.Errorf("took %v, %d fetches: retried", d, fetches.Load())
	}
}

func TestEchoedTokenIsRedacted(t *testing.T) {
	hcp := newFakeHCP(t)
	hcp.setPlan("echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[{"title":"unauthorized","detail":"echo: you sent %s"}]}`, r.Header.Get("Authorization"))
	})
	s := start(t, Config{HMACKey: []byte(testKey)}) // start fails the test if a log line shows a secret
	wantOK(t, s.postTask(t, hcp.task("echo"), testKey))
	c := hcp.nextCallback(t)
	if strings.Contains(string(c.body), testToken) || !strings.Contains(c.doc.Data.Attributes.Message, "echo: you sent Bearer [REDACTED]") {
		t.Errorf("callback: %s", c.body)
	}
}

// TestPlanDownloadMemory: a plan with a Content-Length is read into one
// buffer of that size; one without, in chunks joined once. io.ReadAll
// allocated about 2.3 times the plan.
func TestPlanDownloadMemory(t *testing.T) {
	const size = 32 << 20
	plan := []byte(strings.Repeat(" ", size))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		w.Write(plan)
	}))
	t.Cleanup(srv.Close)
	s, err := New(Config{Analyse: analyseFixture, Logger: slog.New(slog.DiscardHandler), MaxPlanBytes: 64 << 20, Workers: 1, Timing: fastTiming()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		most  float64 // allocated bytes per plan byte
	}{{"", 1.1}, {"?chunked=1", 2.1}} {
		req := Request{AccessToken: testToken, PlanJSONAPIURL: srv.URL + "/plan" + tc.query}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		data, err := s.fetchPlan(context.Background(), req)
		runtime.ReadMemStats(&after)
		if err != nil || len(data) != size {
			t.Fatalf("%s: %d bytes, %v", tc.query, len(data), err)
		}
		ratio := float64(after.TotalAlloc-before.TotalAlloc) / size
		t.Logf("%q: allocated %.2f times the plan", tc.query, ratio)
		if ratio > tc.most {
			t.Errorf("%q: allocated %.2f times the plan, want at most %.1f", tc.query, ratio, tc.most)
		}
	}
	// Past the limit, reading stops at the limit.
	s.cfg.MaxPlanBytes = 4 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = s.fetchPlan(context.Background(), Request{AccessToken: testToken, PlanJSONAPIURL: srv.URL + "/plan?chunked=1"})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than the server's limit of 4 MiB") {
		t.Errorf("over the limit: %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 6<<20 {
		t.Errorf("over the limit: allocated %d bytes for a 4 MiB limit", got)
	}
}
