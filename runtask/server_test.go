package runtask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/golden"
	"github.com/returnpath-dev/returnpath/report"
)

func TestBadSignature(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{HMACKey: []byte(testKey)})
	body, err := json.Marshal(hcp.task("sig"))
	if err != nil {
		t.Fatal(err)
	}
	for name, header := range map[string]string{
		"missing":         "",
		"wrong key":       sign("another-key", body),
		"not hex":         "zz" + sign(testKey, body)[2:],
		"truncated":       sign(testKey, body)[:64],
		"body changed":    sign(testKey, append(body, ' ')),
		"SHA-256 length":  strings.Repeat("ab", 32),
		"whitespace only": "   ",
	} {
		req, err := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if header != "" {
			req.Header.Set(SignatureHeader, header)
		}
		if a := s.do(t, req); a.code != http.StatusUnauthorized || strings.Contains(a.body, testToken) {
			t.Errorf("%s signature: %d %q, want 401", name, a.code, a.body)
		}
		s.healthy(t)
	}
	// Upper-case hex is the same signature.
	req, err := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(SignatureHeader, strings.ToUpper(sign(testKey, body)))
	hcp.setPlan("sig", servePlan(fixture(t, "web-ok")))
	wantOK(t, s.do(t, req))
	if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("signed task: %s", c)
	}
	if !strings.Contains(s.logs.String(), "X-TFC-Task-Signature") {
		t.Errorf("refused signatures are not logged:\n%s", s.logs)
	}
}

func TestVerificationRequest(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{HMACKey: []byte(testKey)})
	verification := hcp.task("verify")
	verification["access_token"] = "test-token"
	start := time.Now()
	wantOK(t, s.postTask(t, verification, testKey))
	if d := time.Since(start); d > time.Second {
		t.Errorf("verification took %v", d)
	}
	// Unsigned, it is refused like any other request.
	if a := s.postTask(t, verification, ""); a.code != http.StatusUnauthorized {
		t.Errorf("unsigned verification: %d, want 401", a.code)
	}
	// Verification payloads need no other field.
	wantOK(t, s.post(t, []byte(`{"access_token":"test-token"}`), testKey))
	if err := s.stop(); err != nil { // drains every task there is
		t.Fatal(err)
	}
	if reqs := hcp.allRequests(); len(reqs) > 0 {
		t.Errorf("a verification request fetched or called back: %q", reqs)
	}
}

func TestBrokenFixtureFails(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	hcp.setPlan("broken", servePlan(fixture(t, "web-missing-return")))
	wantOK(t, s.postTask(t, hcp.task("broken"), ""))
	c := hcp.nextCallback(t)

	if c.method != http.MethodPatch || c.header.Get("Content-Type") != "application/vnd.api+json" || c.header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("callback: %s, Content-Type %q, Authorization %q", c.method, c.header.Get("Content-Type"), c.header.Get("Authorization"))
	}
	if got := hcp.requestsFor("broken"); len(got) != 2 || got[0] != "GET /plans/broken/json-output Bearer "+testToken {
		t.Errorf("requests: %q", got)
	}
	d := c.doc.Data
	if d.Type != "task-results" || d.Attributes.Status != "failed" || d.Attributes.Message != "2 errors, 0 warnings, 1 notice — 1 NACL (2 rules) checked" {
		t.Errorf("result: %s", c)
	}
	// RP001 and RP002, then the RP007 notice (pinned by the golden below).
	if d.Relationships == nil || len(d.Relationships.Outcomes.Data) != 3 {
		t.Fatalf("want 3 outcomes: %s", c)
	}
	for i, want := range []string{"RP001 aws_network_acl.public", "RP002 aws_network_acl.public"} {
		o := d.Relationships.Outcomes.Data[i]
		a := o.Attributes
		sev := a.Tags["Severity"]
		if o.Type != "task-result-outcomes" || a.OutcomeID != want || len(sev) != 1 || sev[0].Label != "High" || sev[0].Level != "error" {
			t.Errorf("outcome %d: %+v", i, o)
		}
		if !strings.Contains(a.Description, "replies are dropped") || strings.Contains(a.Description, "\n") {
			t.Errorf("outcome %d description: %q", i, a.Description)
		}
		for _, part := range []string{"```hcl\n", "from_port  = 1024", "to_port    = 65535", "**About " + want[:5] + ":**", "new in this plan"} {
			if !strings.Contains(a.Body, part) {
				t.Errorf("outcome %d body lacks %q:\n%s", i, part, a.Body)
			}
		}
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, c.body, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "web-missing-return.callback.json"), indented.String()+"\n")
	s.healthy(t)
}

func TestCorrectFixturePasses(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	// all-traffic has no finding at all, not even a notice.
	hcp.setPlan("ok", servePlan(fixture(t, "all-traffic")))
	wantOK(t, s.postTask(t, hcp.task("ok"), ""))
	c := hcp.nextCallback(t)
	d := c.doc.Data
	if d.Attributes.Status != "passed" || d.Attributes.Message != "no return-path problems in 1 NACL" || d.Attributes.URL != "" {
		t.Errorf("result: %s", c)
	}
	if d.Relationships == nil || len(d.Relationships.Outcomes.Data) != 0 || !strings.Contains(string(c.body), `"outcomes":{"data":[]}`) {
		t.Errorf("want an empty outcome list: %s", c)
	}
	s.healthy(t)
}

func TestWarningsBelowFailOnPass(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	// web-high-return-only has a warning only: listed, but the task passes.
	hcp.setPlan("warn", servePlan(fixture(t, "web-high-return-only")))
	wantOK(t, s.postTask(t, hcp.task("warn"), ""))
	c := hcp.nextCallback(t)
	d := c.doc.Data
	if d.Attributes.Status != "passed" || d.Relationships == nil || len(d.Relationships.Outcomes.Data) == 0 {
		t.Fatalf("result: %s", c)
	}
	// The RP001 warning is Medium; the RP007 notice (no ICMP for path-MTU
	// discovery) is Low.
	want := map[string]string{"RP001": "Medium/warning", "RP007": "Low/info"}
	for _, o := range d.Relationships.Outcomes.Data {
		sev := o.Attributes.Tags["Severity"]
		rule := o.Attributes.OutcomeID[:5]
		if len(sev) != 1 || sev[0].Label+"/"+sev[0].Level != want[rule] {
			t.Errorf("outcome %s: tags %+v, want %s", o.Attributes.OutcomeID, o.Attributes.Tags, want[rule])
		}
	}
}

func TestFetchRetriesUntilReady(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	var gets atomic.Int32
	data := fixture(t, "web-ok")
	hcp.setPlan("late", func(w http.ResponseWriter, r *http.Request) {
		switch gets.Add(1) {
		case 1:
			w.WriteHeader(http.StatusNoContent)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusBadGateway)
		default:
			servePlan(data)(w, r)
		}
	})
	wantOK(t, s.postTask(t, hcp.task("late"), ""))
	if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("result: %s", c)
	}
	if n := gets.Load(); n != 3 {
		t.Errorf("%d GETs, want 3 (204, 502, 200)", n)
	}
}

func TestFetchGivesUp(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	var gets atomic.Int32
	hcp.setPlan("never", func(w http.ResponseWriter, _ *http.Request) {
		gets.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	wantOK(t, s.postTask(t, hcp.task("never"), ""))
	c := hcp.nextCallback(t)
	msg := c.doc.Data.Attributes.Message
	if c.doc.Data.Attributes.Status != "failed" || !strings.Contains(msg, "204 No Content (the plan JSON is not ready)") || !strings.Contains(msg, "gave up after 3 attempts") {
		t.Errorf("result: %s", c)
	}
	if n := gets.Load(); n != 3 {
		t.Errorf("%d GETs, want 3 (RetryAttempts)", n)
	}
}

func TestPlanNotFound(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	hcp.setPlan("gone", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":[{"status":"404","title":"not found"}]}`))
	})
	wantOK(t, s.postTask(t, hcp.task("gone"), ""))
	c := hcp.nextCallback(t)
	want := "cannot fetch the plan JSON: GET " + hcp.srv.URL + "/plans/gone/json-output: 404 Not Found (not found)"
	if c.doc.Data.Attributes.Status != "failed" || c.doc.Data.Attributes.Message != want {
		t.Errorf("result: %s\nwant message %q", c, want)
	}
	if c.doc.Data.Relationships != nil {
		t.Errorf("a failed fetch has outcomes: %s", c)
	}
	if got := hcp.requestsFor("gone"); len(got) != 2 {
		t.Errorf("a 404 was retried: %q", got)
	}
	s.healthy(t)
}

func TestUnreadablePlans(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{MaxPlanBytes: 1000})
	big := bytes.Repeat([]byte(" "), 1001)
	for id, tc := range map[string]struct {
		plan http.HandlerFunc
		want string
	}{
		"notjson": {servePlan([]byte("<html>login</html>")), "cannot check the plan: plan JSON of run-notjson: is not JSON"},
		"state":   {servePlan(fixture(t, "web-ok")[:40]), "cannot check the plan: plan JSON of run-state: "},
		"big": {servePlan(big), // Content-Length says it
			"cannot fetch the plan JSON: the plan JSON is 1001 bytes, more than the server's limit of 1000 bytes (--max-plan-bytes)"},
		"bigstream": {func(w http.ResponseWriter, _ *http.Request) { // no Content-Length
			w.(http.Flusher).Flush()
			w.Write(big)
		}, "cannot fetch the plan JSON: the plan JSON is more than the server's limit of 1000 bytes (--max-plan-bytes)"},
	} {
		hcp.setPlan(id, tc.plan)
		wantOK(t, s.postTask(t, hcp.task(id), ""))
		c := hcp.nextCallback(t)
		if c.id != id || c.doc.Data.Attributes.Status != "failed" || !strings.HasPrefix(c.doc.Data.Attributes.Message, tc.want) {
			t.Errorf("%s: %s\nwant message %q", id, c, tc.want)
		}
		s.healthy(t)
	}
}

func TestConcurrentTasks(t *testing.T) {
	const tasks = 50
	hcp := newFakeHCP(t)
	s := start(t, Config{Workers: 4, QueueSize: tasks})
	broken, ok := fixture(t, "web-missing-return"), fixture(t, "web-ok")
	want := map[string]string{}
	for i := range tasks {
		id := fmt.Sprintf("c%02d", i)
		if i%2 == 0 {
			hcp.setPlan(id, servePlan(broken))
			want[id] = "failed"
		} else {
			hcp.setPlan(id, servePlan(ok))
			want[id] = "passed"
		}
	}
	var posts sync.WaitGroup
	for id := range want {
		posts.Go(func() {
			if a := s.postTask(t, hcp.task(id), ""); a.code != http.StatusOK {
				t.Errorf("%s: %d %q", id, a.code, a.body)
			}
		})
	}
	posts.Wait()
	got := map[string]string{}
	for range tasks {
		c := hcp.nextCallback(t)
		if _, dup := got[c.id]; dup {
			t.Errorf("two callbacks for %s", c.id)
		}
		got[c.id] = c.doc.Data.Attributes.Status
	}
	for id, status := range want {
		if got[id] != status {
			t.Errorf("%s: %q, want %q", id, got[id], status)
		}
	}
	s.healthy(t)
}

func TestOversizeRequest(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	task := hcp.task("huge")
	task["run_message"] = strings.Repeat("x", MaxRequestBytes)
	body, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.post(t, body, ""); a.code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes: %d %q, want 413", len(body), a.code, a.body)
	}
	s.healthy(t)
	// Without Content-Length the limit holds while reading.
	req, err := http.NewRequest(http.MethodPost, s.url+"/", struct{ *bytes.Reader }{bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != 0 {
		t.Fatalf("the request has a Content-Length")
	}
	if a := s.do(t, req); a.code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked %d bytes: %d %q, want 413", len(body), a.code, a.body)
	}
	s.healthy(t)
	// Exactly at the limit is allowed.
	task["run_message"] = ""
	small, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	task["run_message"] = strings.Repeat("x", MaxRequestBytes-len(small))
	atLimit, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	if len(atLimit) != MaxRequestBytes {
		t.Fatalf("body is %d bytes", len(atLimit))
	}
	hcp.setPlan("huge", servePlan(fixture(t, "web-ok")))
	wantOK(t, s.post(t, atLimit, ""))
	hcp.nextCallback(t)
}

func TestMalformedRequests(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	task := func(change func(map[string]any)) []byte {
		m := hcp.task("bad")
		change(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"empty", nil, "not a run task request: invalid JSON"},
		{"not JSON", []byte("payload_version=1&access_token=" + testToken), "invalid JSON at byte 1"},
		{"truncated", []byte(`{"access_token":"` + testToken + `","payload_version":1`), "invalid JSON"},
		{"array", []byte(`[1]`), "the body is a JSON array, want an object"},
		{"typed", task(func(m map[string]any) { m["payload_version"] = "1" }), "payload_version is a JSON string, want int"},
		{"no token", task(func(m map[string]any) { delete(m, "access_token") }), "access_token is missing"},
		{"no callback", task(func(m map[string]any) { delete(m, "task_result_callback_url") }), "task_result_callback_url is missing"},
		{"no plan URL", task(func(m map[string]any) { delete(m, "plan_json_api_url") }), "plan_json_api_url is missing"},
		{"relative URL", task(func(m map[string]any) { m["plan_json_api_url"] = "/api/v2/plans/x" }), "plan_json_api_url is not an http(s) URL"},
		{"file URL", task(func(m map[string]any) { m["task_result_callback_url"] = "file:///etc/passwd" }), "task_result_callback_url is not an http(s) URL"},
		{"version 2", task(func(m map[string]any) { m["payload_version"] = 2 }), "payload_version 2 is not supported"},
		{"no version", task(func(m map[string]any) { delete(m, "payload_version") }), "payload_version is missing"},
	} {
		a := s.post(t, tc.body, "")
		if a.code != http.StatusBadRequest || !strings.Contains(a.body, tc.want) || strings.Contains(a.body, testToken) {
			t.Errorf("%s: %d %q, want 400 with %q", tc.name, a.code, a.body, tc.want)
		}
		s.healthy(t)
	}
	req, err := http.NewRequest(http.MethodGet, s.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.do(t, req); a.code != http.StatusMethodNotAllowed {
		t.Errorf("GET /: %d, want 405", a.code)
	}
	req, err = http.NewRequest(http.MethodPost, s.url+"/task", bytes.NewReader(task(func(map[string]any) {})))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.do(t, req); a.code != http.StatusNotFound {
		t.Errorf("POST /task: %d, want 404", a.code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if reqs := hcp.allRequests(); len(reqs) > 0 {
		t.Errorf("a refused request reached HCP Terraform: %q", reqs)
	}
}

func TestQueueFull(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{Workers: 1, QueueSize: 1})
	release := make(chan struct{})
	fetching := make(chan struct{}, 1)
	ok := fixture(t, "web-ok")
	hcp.setPlan("busy", func(w http.ResponseWriter, r *http.Request) {
		fetching <- struct{}{}
		<-release
		servePlan(ok)(w, r)
	})
	hcp.setPlan("waiting", servePlan(ok))
	hcp.setPlan("refused", servePlan(ok))
	wantOK(t, s.postTask(t, hcp.task("busy"), ""))
	<-fetching // the only worker is busy
	wantOK(t, s.postTask(t, hcp.task("waiting"), ""))
	if a := s.postTask(t, hcp.task("refused"), ""); a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "queue is full") {
		t.Errorf("third task: %d %q, want 503", a.code, a.body)
	}
	s.healthy(t)
	close(release)
	got := []string{hcp.nextCallback(t).id, hcp.nextCallback(t).id}
	slices.Sort(got)
	if !slices.Equal(got, []string{"busy", "waiting"}) {
		t.Errorf("callbacks for %q", got)
	}
	wantOK(t, s.postTask(t, hcp.task("refused"), "")) // room again
	if c := hcp.nextCallback(t); c.id != "refused" {
		t.Errorf("callback for %s", c.id)
	}
}

func TestSlowTaskSendsRunning(t *testing.T) {
	hcp := newFakeHCP(t)
	timing := fastTiming()
	timing.SlowAfter = 10 * time.Millisecond
	s := start(t, Config{Timing: timing})
	ready := make(chan struct{})
	ok := fixture(t, "web-ok")
	hcp.setPlan("slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ready:
		case <-time.After(wait):
		}
		servePlan(ok)(w, r)
	})
	wantOK(t, s.postTask(t, hcp.task("slow"), ""))
	running := hcp.nextCallback(t)
	close(ready)
	final := hcp.nextCallback(t)
	if a := running.doc.Data.Attributes; a.Status != "running" || a.Message == "" || running.doc.Data.Relationships != nil {
		t.Errorf("first callback: %s", running)
	}
	if a := final.doc.Data.Attributes; a.Status != "passed" {
		t.Errorf("second callback: %s", final)
	}
}

func TestShutdownDrainsTasks(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{Workers: 1, QueueSize: 5})
	release := make(chan struct{})
	fetching := make(chan struct{}, 1)
	broken := fixture(t, "web-missing-return")
	hcp.setPlan("inflight", func(w http.ResponseWriter, r *http.Request) {
		fetching <- struct{}{}
		<-release
		servePlan(broken)(w, r)
	})
	hcp.setPlan("queued", servePlan(broken))
	wantOK(t, s.postTask(t, hcp.task("inflight"), ""))
	<-fetching
	wantOK(t, s.postTask(t, hcp.task("queued"), ""))

	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	// The listener closes at once; the tasks keep running.
	deadline := time.Now().Add(wait)
	for {
		if _, err := s.client.Get(s.url + "/healthz"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned before its tasks finished: %v", err)
	default:
	}
	close(release)
	for range 2 {
		if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "failed" || c.doc.Data.Relationships == nil {
			t.Errorf("drained task: %s", c)
		}
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestShutdownTimeoutStillCallsBack(t *testing.T) {
	hcp := newFakeHCP(t)
	timing := fastTiming()
	timing.DrainTimeout = 50 * time.Millisecond
	s := start(t, Config{Workers: 1, QueueSize: 5, Timing: timing})
	fetching := make(chan struct{}, 1)
	hang := func(w http.ResponseWriter, r *http.Request) {
		fetching <- struct{}{}
		select { // until the server gives up on the fetch
		case <-r.Context().Done():
		case <-time.After(wait):
		}
	}
	hcp.setPlan("hung", hang)
	hcp.setPlan("queued", hang)
	wantOK(t, s.postTask(t, hcp.task("hung"), ""))
	<-fetching
	wantOK(t, s.postTask(t, hcp.task("queued"), ""))
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for range 2 {
		c := hcp.nextCallback(t)
		got[c.id] = c.doc.Data.Attributes.Status + ": " + c.doc.Data.Attributes.Message
	}
	for _, id := range []string{"hung", "queued"} {
		if got[id] != "failed: "+stoppedMessage {
			t.Errorf("%s: %q", id, got[id])
		}
	}
}

func TestRedirectDropsToken(t *testing.T) {
	hcp := newFakeHCP(t)
	var archiveAuth atomic.Value
	archive := newFakeHCP(t) // another host:port, like archivist.terraform.io
	ok := fixture(t, "web-ok")
	archive.setPlan("signed", func(w http.ResponseWriter, r *http.Request) {
		archiveAuth.Store(r.Header.Get("Authorization"))
		servePlan(ok)(w, r)
	})
	hcp.setPlan("moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, archive.srv.URL+"/plans/signed/json-output?signature=abc", http.StatusTemporaryRedirect)
	})
	s := start(t, Config{})
	wantOK(t, s.postTask(t, hcp.task("moved"), ""))
	if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("result: %s", c)
	}
	if got, _ := archiveAuth.Load().(string); got != "" {
		t.Errorf("the redirect target got Authorization %q", got)
	}
	if got := hcp.requestsFor("moved"); len(got) == 0 || got[0] != "GET /plans/moved/json-output Bearer "+testToken {
		t.Errorf("HCP Terraform requests: %q", got)
	}
}

func TestPrePlanStage(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	task := hcp.task("early")
	task["stage"] = "pre_plan"
	delete(task, "plan_json_api_url")
	wantOK(t, s.postTask(t, task, ""))
	c := hcp.nextCallback(t)
	if a := c.doc.Data.Attributes; a.Status != "failed" || !strings.Contains(a.Message, "attach the run task to the post-plan or pre-apply stage") {
		t.Errorf("result: %s", c)
	}
}

func TestAnalysisFailuresAreReported(t *testing.T) {
	for name, tc := range map[string]struct {
		analyse func(context.Context, string, []byte) (Analysis, error)
		want    string
	}{
		"panic":     {func(context.Context, string, []byte) (Analysis, error) { panic("boom") }, "returnpath failed on this plan (internal error: boom); please report it"},
		"no report": {func(context.Context, string, []byte) (Analysis, error) { return Analysis{}, nil }, "returnpath failed on this plan (internal error: no report); please report it"},
		"bad finding": {func(context.Context, string, []byte) (Analysis, error) {
			return Analysis{Report: &report.Report{Findings: []report.Finding{{Finding: checks.Finding{Rule: "RP001", Resource: "aws_network_acl.a"}}}}}, nil
		}, "returnpath cannot write its result: finding RP001 on aws_network_acl.a: invalid severity 0"},
	} {
		t.Run(name, func(t *testing.T) {
			hcp := newFakeHCP(t)
			s := start(t, Config{Analyse: tc.analyse})
			hcp.setPlan("x", servePlan(fixture(t, "web-ok")))
			wantOK(t, s.postTask(t, hcp.task("x"), ""))
			c := hcp.nextCallback(t)
			if a := c.doc.Data.Attributes; a.Status != "failed" || a.Message != tc.want {
				t.Errorf("result: %s\nwant message %q", c, tc.want)
			}
			s.healthy(t)
		})
	}
}

func TestCallbackRetries(t *testing.T) {
	hcp := newFakeHCP(t)
	var attempts atomic.Int32
	hcp.callbackStatus = func(string) int {
		if attempts.Add(1) == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	s := start(t, Config{})
	hcp.setPlan("flaky", servePlan(fixture(t, "web-ok")))
	wantOK(t, s.postTask(t, hcp.task("flaky"), ""))
	if c := hcp.nextCallback(t); c.doc.Data.Attributes.Status != "passed" {
		t.Errorf("result: %s", c)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("%d PATCHes, want 2", n)
	}
}

func TestCallbackRefusedIsLogged(t *testing.T) {
	hcp := newFakeHCP(t)
	var attempts atomic.Int32
	hcp.callbackStatus = func(string) int { attempts.Add(1); return http.StatusUnprocessableEntity }
	s := start(t, Config{})
	hcp.setPlan("refused", servePlan(fixture(t, "web-ok")))
	wantOK(t, s.postTask(t, hcp.task("refused"), ""))
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("%d PATCHes, want 1 (a 422 is not retried)", n)
	}
	if !strings.Contains(s.logs.String(), `"msg":"task result not delivered"`) || !strings.Contains(s.logs.String(), "422") {
		t.Errorf("logs:\n%s", s.logs)
	}
}

func TestReportURL(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{ReportURL: "https://reports.example.com/{organization_name}/{workspace_name}/{run_id}?task={task_result_id}"})
	hcp.setPlan("url 1", servePlan(fixture(t, "web-missing-return")))
	task := hcp.task("url 1")
	task["workspace_name"] = "net/prod"
	wantOK(t, s.postTask(t, task, ""))
	c := hcp.nextCallback(t)
	if got, want := c.doc.Data.Attributes.URL, "https://reports.example.com/acme/net%2Fprod/run-url%201?task=url%201"; got != want {
		t.Errorf("url %q, want %q", got, want)
	}
	for _, bad := range []string{"https://x/{nope}", "/relative/{run_id}", "ftp://x/{run_id}", "{run_id}"} {
		if _, err := ParseReportURL(bad); err == nil {
			t.Errorf("ParseReportURL(%q) accepted it", bad)
		}
	}
}

func TestLogs(t *testing.T) {
	hcp := newFakeHCP(t)
	s := start(t, Config{})
	hcp.setPlan("logged", servePlan(fixture(t, "web-missing-return")))
	wantOK(t, s.postTask(t, hcp.task("logged"), ""))
	hcp.nextCallback(t)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for line := range strings.Lines(s.logs.String()) {
		var entry struct {
			Msg  string `json:"msg"`
			Task struct {
				RunID string `json:"run_id"`
			} `json:"task"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if entry.Task.RunID == "run-logged" {
			msgs = append(msgs, entry.Msg)
		}
	}
	want := []string{"task received", "task started", "plan fetched", "task result delivered"}
	if !slices.Equal(msgs, want) {
		t.Errorf("task log lines %q, want %q", msgs, want)
	}
	for _, want := range []string{`"signatures_checked":false`, "RETURNPATH_HMAC_KEY is not set", `"msg":"all tasks finished"`} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, s.logs)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	good := Config{Analyse: analyseFixture, Logger: slog.New(slog.DiscardHandler), MaxPlanBytes: 1, Workers: 1, Timing: fastTiming()}
	if _, err := New(good); err != nil {
		t.Fatalf("New: %v", err)
	}
	for name, change := range map[string]func(*Config){
		"no Analyse":     func(c *Config) { c.Analyse = nil },
		"no Logger":      func(c *Config) { c.Logger = nil },
		"no plan bytes":  func(c *Config) { c.MaxPlanBytes = 0 },
		"no workers":     func(c *Config) { c.Workers = 0 },
		"negative queue": func(c *Config) { c.QueueSize = -1 },
		"no attempts":    func(c *Config) { c.Timing.RetryAttempts = 0 },
		"cap below base": func(c *Config) { c.Timing.RetryMax = 0 },
		"no drain":       func(c *Config) { c.Timing.DrainTimeout = 0 },
		"bad report URL": func(c *Config) { c.ReportURL = "x{run_id}" },
	} {
		cfg := good
		change(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func TestServeOnce(t *testing.T) {
	srv, err := New(Config{Analyse: analyseFixture, Logger: slog.New(slog.DiscardHandler), MaxPlanBytes: 1, Workers: 1, Timing: fastTiming()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	first := &server{url: "http://" + ln.Addr().String(), client: &http.Client{Timeout: wait, Transport: &http.Transport{}}}
	first.waitHealthy(t) // the first Serve runs
	first.client.CloseIdleConnections()
	if err := srv.Serve(ctx, ln); err == nil || !strings.Contains(err.Error(), "serves once") {
		t.Errorf("second Serve: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("first Serve: %v", err)
	}
}
