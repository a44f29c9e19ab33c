package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestServeContextWorkspaces: a task of workspace app-prod is checked
// against the current state of network-prod, fetched from an in-process
// fake of HCP Terraform's API (workspace by name, current-state-version,
// hosted-json-state-download-url); a context workspace that cannot be
// fetched leaves an RP008 notice and the callback message says which
// context was used and which not. The read token reaches only the API and
// never the log.
func TestServeContextWorkspaces(t *testing.T) {
	const tfeToken = "tfe-read-token-0123456789"
	var mu sync.Mutex
	var apiCalls []string
	callbacks := make(chan serveCallback, 4)
	mux := http.NewServeMux()
	var srvURL string
	api := func(pattern string, h func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			apiCalls = append(apiCalls, r.Method+" "+r.URL.Path)
			mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+tfeToken {
				http.Error(w, `{"errors":[{"status":"401","title":"unauthorized"}]}`, http.StatusUnauthorized)
				return
			}
			h(w, r)
		})
	}
	mux.HandleFunc("GET /plans/app/json-output", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer cli-test-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		http.ServeFile(w, r, "../fixtures/cross-stack/app/plan.json")
	})
	api("GET /api/v2/organizations/acme/workspaces/network-prod", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"id":"ws-network","type":"workspaces","attributes":{"name":"network-prod"}}}`))
	})
	api("GET /api/v2/organizations/acme/workspaces/{name}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errors":[{"status":"404","title":"not found"}]}`, http.StatusNotFound)
	})
	api("GET /api/v2/workspaces/ws-network/current-state-version", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
			"id": "sv-1", "type": "state-versions",
			"attributes": map[string]any{
				"hosted-state-download-url":      srvURL + "/api/v2/state-versions/sv-1/download",
				"hosted-json-state-download-url": srvURL + "/api/v2/state-versions/sv-1/hosted_json_state",
			},
		}})
	})
	api("GET /api/v2/state-versions/sv-1/hosted_json_state", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "../fixtures/cross-stack/network/state.json")
	})
	mux.HandleFunc("PATCH /callbacks/{id}", func(w http.ResponseWriter, r *http.Request) {
		var c serveCallback
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			t.Errorf("callback: %v", err)
		}
		callbacks <- c
	})
	fake := httptest.NewServer(mux)
	t.Cleanup(fake.Close)
	srvURL = fake.URL

	file := filepath.Join(t.TempDir(), "returnpath.hcl")
	if err := os.WriteFile(file, []byte(`workspace "app-*" {
  context_workspaces = ["network-prod", "network-gone"]
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	o := testOptions
	o.Getenv = func(k string) string {
		if k == TFETokenEnv {
			return tfeToken
		}
		return ""
	}
	srv := startServe(t, o, "--addr", "127.0.0.1:0", "--config", file, "--log-format", "json")
	task := map[string]any{
		"payload_version": 1, "access_token": "cli-test-token", "stage": "post_plan",
		"task_result_id": "t1", "run_id": "run-t1", "workspace_name": "app-prod", "organization_name": "acme",
		"task_result_callback_url": fake.URL + "/callbacks/t1",
		"plan_json_api_url":        fake.URL + "/plans/app/json-output",
	}
	if code := srv.post(t, task, ""); code != http.StatusOK {
		t.Fatalf("task: %d", code)
	}
	c := <-callbacks
	msg := c.Data.Attributes.Message
	if c.Data.Attributes.Status != "failed" || !strings.Contains(msg, "1 error") ||
		!strings.Contains(msg, "· context workspace network-prod") || !strings.Contains(msg, "· context workspace network-gone not used") {
		t.Errorf("status %s, message %q", c.Data.Attributes.Status, msg)
	}
	var outcomes []string
	for _, o := range c.Data.Relationships.Outcomes.Data {
		var doc struct {
			Attributes struct {
				ID          string `json:"outcome-id"`
				Description string `json:"description"`
			} `json:"attributes"`
		}
		json.Unmarshal(o, &doc)
		outcomes = append(outcomes, doc.Attributes.ID+": "+doc.Attributes.Description)
	}
	joined := strings.Join(outcomes, "\n")
	for _, want := range []string{
		"RP003 aws_network_acl.app (workspace network-prod): ",
		"RP008 workspace network-gone: context workspace not used: GET /api/v2/organizations/acme/workspaces/network-gone: 404 Not Found",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("outcomes lack %q:\n%s", want, joined)
		}
	}
	// Without context, the app plan's instances sit in unknown subnets:
	// with network-prod's state they do not.
	if strings.Contains(joined, "RP008 aws_instance") {
		t.Errorf("the network state was not linked:\n%s", joined)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := srv.wait(t); code != ExitOK {
		t.Errorf("exit %d", code)
	}
	if log := srv.stderr.String(); strings.Contains(log, tfeToken) || !strings.Contains(log, "context workspace not used") {
		t.Errorf("log (the token must not appear; the unused context must):\n%s", log)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "GET /api/v2/organizations/acme/workspaces/network-prod,GET /api/v2/workspaces/ws-network/current-state-version," +
		"GET /api/v2/state-versions/sv-1/hosted_json_state,GET /api/v2/organizations/acme/workspaces/network-gone"
	if got := strings.Join(apiCalls, ","); got != want {
		t.Errorf("API calls:\n got %s\nwant %s", got, want)
	}
}
