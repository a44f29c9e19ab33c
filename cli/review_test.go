package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/fakegithub"
	"github.com/returnpath-dev/returnpath/internal/golden"
	"github.com/returnpath-dev/returnpath/source"
)

// TestCommentReview posts the fixes of web-missing-return as review
// suggestions against the fake API: the RP002 fix (ingress block after
// the closing brace on line 32) is inside the diff, the RP001 fix (egress block after line 42)
// is not and stays in the sticky comment only. The next run repeats
// nothing; a run on a clean plan marks the suggestion outdated. The first
// review's payload is a golden file.
func TestCommentReview(t *testing.T) {
	dir := copyFixture(t, "web-missing-return")
	fake := fakegithub.Start(t, testToken, "", 50)
	// The pull request changed lines 21-35 of main.tf (the NACL's first
	// half): a hunk of 15 head-side lines.
	fake.SetFiles("acme", "infra", 7, fakegithub.File{Filename: "main.tf", Status: "modified", Patch: "@@ -21,12 +21,15 @@ resource \"aws_network_acl\" \"public\" {\n context\n"})
	other := fake.AddReviewComment("acme", "infra", 7, "alice", "main.tf", 33, "<!-- returnpath-suggestion fingerprint=abc -->\nnot the bot's")
	c := newCommentRun(t, fake, map[string]string{"GITHUB_RUN_ID": "100"})
	c.o.repoRoot = source.RepoRoot
	planFile := filepath.Join(dir, "plan.json")

	r := c.run(t, "--repo", "acme/infra", "--pr", "7", "--sha", "abc123", "--review", planFile)
	if r.code != ExitFindings {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "1 suggestion(s) posted, 0 kept, 0 marked outdated, 1 fix(es) outside the diff") {
		t.Errorf("stdout: %s", r.stdout)
	}
	reviews := fake.Reviews()
	if len(reviews) != 1 {
		t.Fatalf("%d reviews, want 1", len(reviews))
	}
	var payload any
	if err := json.Unmarshal([]byte(reviews[0].Payload), &payload); err != nil {
		t.Fatal(err)
	}
	var pretty strings.Builder
	enc := json.NewEncoder(&pretty)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(payload); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "review-web-missing-return.json"), pretty.String())
	var mine []fakegithub.ReviewComment
	for _, rc := range fake.ReviewComments("acme", "infra", 7) {
		if rc.Author == fakegithub.BotLogin {
			mine = append(mine, rc)
		}
	}
	if len(mine) != 1 || mine[0].StartLine != 0 || mine[0].Line != 32 || !strings.Contains(mine[0].Body, "```suggestion\n  }\n\n  ingress {\n    rule_no    = 110\n") {
		t.Fatalf("review comments: %+v", mine)
	}
	if comments := fake.Comments("acme", "infra", 7); len(comments) != 1 || !strings.Contains(comments[0].Body, "RP001") {
		t.Errorf("the sticky comment is missing or lacks the fix outside the diff: %+v", comments)
	}

	// The next run: the same suggestion is kept, nothing is posted.
	r = c.run(t, "--repo", "acme/infra", "--pr", "7", "--sha", "abc123", "--review", planFile)
	if !strings.Contains(r.stdout, "0 suggestion(s) posted, 1 kept, 0 marked outdated") || len(fake.Reviews()) != 1 {
		t.Errorf("second run: %s; %d reviews", r.stdout, len(fake.Reviews()))
	}

	// Fixed: the earlier suggestion is marked outdated and loses its block;
	// alice's comment with the same marker is not touched.
	r = c.run(t, "--repo", "acme/infra", "--pr", "7", "--sha", "def456", "--review", "../fixtures/web-ok/plan.json")
	if !strings.Contains(r.stdout, "0 suggestion(s) posted, 0 kept, 1 marked outdated") {
		t.Errorf("clean run: %s %s", r.stdout, r.stderr)
	}
	for _, rc := range fake.ReviewComments("acme", "infra", 7) {
		switch {
		case rc.ID == other:
			if rc.Body != "<!-- returnpath-suggestion fingerprint=abc -->\nnot the bot's" {
				t.Errorf("alice's comment changed: %q", rc.Body)
			}
		case strings.Contains(rc.Body, "```suggestion") || !strings.Contains(rc.Body, "**Outdated**: as of def456"):
			t.Errorf("not marked outdated: %q", rc.Body)
		}
	}
}

// TestCommentReviewMultiLine: the fix of a module input list (the
// terraform-aws-modules/vpc pattern) is a suggestion of two lines on the
// last element's line: that element, then the new one.
func TestCommentReviewMultiLine(t *testing.T) {
	dir := copyFixture(t, "vpc-module-style")
	fake := fakegithub.Start(t, testToken, "", 50)
	fake.SetFiles("acme", "infra", 8, fakegithub.File{Filename: "main.tf", Status: "added", Patch: "@@ -0,0 +1,44 @@\n+..."})
	c := newCommentRun(t, fake, nil)
	c.o.repoRoot = source.RepoRoot
	r := c.run(t, "--repo", "acme/infra", "--pr", "8", "--sha", "abc123", "--review", filepath.Join(dir, "plan.json"))
	if !strings.Contains(r.stdout, "1 suggestion(s) posted") {
		t.Fatalf("stdout: %s %s", r.stdout, r.stderr)
	}
	rc := fake.ReviewComments("acme", "infra", 8)
	if len(rc) != 1 || rc[0].Line != 34 || !strings.Contains(rc[0].Body, "```suggestion\n    { rule_number = 100, rule_action = \"allow\", from_port = 8080") ||
		!strings.Contains(rc[0].Body, "\n    { rule_number = 110, rule_action = \"allow\", from_port = 1024, to_port = 65535, protocol = \"tcp\", cidr_block = \"0.0.0.0/0\" },\n```") {
		t.Errorf("review comments: %+v", rc)
	}
}
