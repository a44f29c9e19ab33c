package prcomment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request":{"number":12,"head":{"sha":"aaaa1111"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{
		"GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_PATH": event, "GITHUB_SHA": "bbbb2222",
		"GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://ghe.example.com/",
	}
	with := func(over map[string]string) func(string) string {
		env := map[string]string{}
		for k, v := range actions {
			env[k] = v
		}
		for k, v := range over {
			env[k] = v
		}
		return func(k string) string { return env[k] }
	}
	for _, tc := range []struct {
		name  string
		flags Flags
		env   func(string) string
		want  Target
	}{
		{"all from Actions", Flags{}, with(nil), Target{
			PullRequest: PullRequest{"acme", "infra", 12}, HeadSHA: "aaaa1111", RunID: 42,
			RunURL: "https://ghe.example.com/acme/infra/actions/runs/42"}},
		{"flags first", Flags{Repo: "other/repo", PR: 3, SHA: "cccc3333"}, with(nil), Target{
			PullRequest: PullRequest{"other", "repo", 3}, HeadSHA: "cccc3333", RunID: 42,
			RunURL: "https://ghe.example.com/acme/infra/actions/runs/42"}},
		{"flags make the event unneeded", Flags{PR: 3, SHA: "cccc3333"}, with(map[string]string{"GITHUB_EVENT_PATH": filepath.Join(dir, "missing.json")}), Target{
			PullRequest: PullRequest{"acme", "infra", 3}, HeadSHA: "cccc3333", RunID: 42,
			RunURL: "https://ghe.example.com/acme/infra/actions/runs/42"}},
		{"GITHUB_SHA without a head in the event", Flags{PR: 3}, with(map[string]string{"GITHUB_EVENT_PATH": ""}), Target{
			PullRequest: PullRequest{"acme", "infra", 3}, HeadSHA: "bbbb2222", RunID: 42,
			RunURL: "https://ghe.example.com/acme/infra/actions/runs/42"}},
		{"outside Actions", Flags{Repo: "acme/infra", PR: 3}, func(string) string { return "" }, Target{
			PullRequest: PullRequest{"acme", "infra", 3}}},
		{"no server URL, no link", Flags{}, with(map[string]string{"GITHUB_SERVER_URL": ""}), Target{
			PullRequest: PullRequest{"acme", "infra", 12}, HeadSHA: "aaaa1111", RunID: 42}},
	} {
		got, err := Resolve(tc.flags, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v\nwant %+v", tc.name, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		flags    Flags
		env      map[string]string
		contains string
	}{
		{Flags{}, map[string]string{"GITHUB_REPOSITORY": ""}, "missing --repo"},
		{Flags{PR: -2}, nil, "--pr -2"},
		{Flags{SHA: "v1.0"}, nil, "--sha"},
		{Flags{}, map[string]string{"GITHUB_EVENT_PATH": filepath.Join(dir, "missing.json")}, "missing.json"},
		{Flags{}, map[string]string{"GITHUB_SHA": "x", "GITHUB_EVENT_PATH": ""}, "missing --pr NUMBER (GITHUB_EVENT_PATH is not set)"},
		{Flags{PR: 1}, map[string]string{"GITHUB_SHA": "x", "GITHUB_EVENT_PATH": ""}, "GITHUB_SHA"},
		{Flags{}, map[string]string{"GITHUB_RUN_ID": "0"}, `GITHUB_RUN_ID "0"`},
	} {
		if _, err := Resolve(tc.flags, with(tc.env)); err == nil || !strings.Contains(err.Error(), tc.contains) {
			t.Errorf("%+v %v: error %v, want %q", tc.flags, tc.env, err, tc.contains)
		}
	}
}

func TestAppendStepSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	env := func(k string) string { return map[string]string{"GITHUB_STEP_SUMMARY": path}[k] }
	for _, part := range []string{"one\n", "two\n"} {
		if wrote, err := AppendStepSummary(env, part); !wrote || err != nil {
			t.Fatalf("%v, %v", wrote, err)
		}
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "one\ntwo\n" {
		t.Errorf("summary %q, %v", data, err)
	}
	if wrote, err := AppendStepSummary(func(string) string { return "" }, "x"); wrote || err != nil {
		t.Errorf("without GITHUB_STEP_SUMMARY: %v, %v", wrote, err)
	}
	bad := func(string) string { return filepath.Join(path, "not-a-dir", "x.md") }
	if _, err := AppendStepSummary(bad, "x"); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Errorf("unwritable summary: %v", err)
	}
}
