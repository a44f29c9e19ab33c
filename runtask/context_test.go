package runtask

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestFetchContextsBounds: a JSON state over the size limit, a fetch past
// the time limit and a missing token are problems that name the workspace
// and the reason, never a hang or an unbounded read.
func TestFetchContextsBounds(t *testing.T) {
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("GET /api/v2/workspaces/{id}/current-state-version", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"id":"sv-` + r.PathValue("id") + `","attributes":{"hosted-json-state-download-url":"` + base + `/state/` + r.PathValue("id") + `"}}}`))
	})
	mux.HandleFunc("GET /api/v2/workspaces/ws-old/current-state-version", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"id":"sv-old","attributes":{"hosted-json-state-download-url":null}}}`))
	})
	mux.HandleFunc("GET /state/ws-big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"format_version":"1.0","values":{"root_module":{}},"padding":"` + strings.Repeat("x", 2048) + `"}`))
	})
	mux.HandleFunc("GET /state/ws-slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /state/ws-ok", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"format_version":"1.0","values":{"root_module":{}}}`))
	})
	fake := httptest.NewServer(mux)
	defer fake.Close()
	base = fake.URL
	req := Request{WorkspaceName: "app", OrganizationName: "acme", PlanJSONAPIURL: fake.URL + "/api/v2/plans/plan-1/json-output"}
	for _, tc := range []struct {
		name, workspace, token, want string
		timeout                      time.Duration
	}{
		{"ok", "ws-ok", "t", "", time.Second},
		{"too large", "ws-big", "t", "ws-big: its JSON state is larger than 1024 bytes", time.Second},
		{"too slow", "ws-slow", "t", "ws-slow: not fetched within 200ms", 200 * time.Millisecond},
		{"no JSON state", "ws-old", "t", "ws-old: its current state version sv-old has no JSON state", time.Second},
		{"no token", "ws-ok", "", "ws-ok: no token to read it: set RETURNPATH_TFE_TOKEN", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{client: newClient(), cfg: Config{Version: "test", Context: ContextConfig{
				Workspaces: func(string) []string { return []string{tc.workspace} },
				Token:      tc.token, MaxBytes: 1024, Timeout: tc.timeout,
			}}}
			start := time.Now()
			states, problems := s.fetchContexts(context.Background(), req)
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			var got string
			for _, p := range problems {
				got += p.Workspace + ": " + p.Reason
			}
			switch {
			case tc.want == "" && (len(states) != 1 || got != ""):
				t.Errorf("states %d, problems %q", len(states), got)
			case tc.want != "" && (len(states) != 0 || !strings.HasPrefix(got, tc.want)):
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}
