package prcomment

import (
	"context"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/fakegithub"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
)

func TestParsePatch(t *testing.T) {
	patch := "@@ -1,3 +1,4 @@ a\n a\n+b\n c\n d\n@@ -20 +21,0 @@\n-x\n@@ -40,2 +41 @@ z\n-y\n z"
	got := ParsePatch(patch)
	want := [][2]int{{1, 4}, {41, 41}} // the empty hunk shows no head line
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ParsePatch = %v, want %v", got, want)
	}
}

// finding is an error finding with a patch of one edit of lines from-to.
func finding(resource string, from, to int, lines string) report.Finding {
	return report.Finding{
		Finding: checks.Finding{Rule: "RP001", Severity: checks.Error, Resource: plan.Address("aws_network_acl." + resource), Message: "replies are dropped"},
		Patch:   &report.Patch{Description: "add egress rule 110", Edits: []report.PatchEdit{{File: "main.tf", FromLine: from, ToLine: to, Lines: lines}}},
	}
}

func TestSuggestionsInsideAndOutsideTheDiff(t *testing.T) {
	r := &report.Report{Findings: []report.Finding{
		finding("in", 10, 10, "  }\n\n  egress {}"),
		finding("multi", 12, 14, "a\nb\nc\nd"),
		finding("across", 19, 21, "x"), // spans two hunks
		finding("out", 40, 40, "y"),
	}}
	hunks := Hunks{"main.tf": {{5, 20}, {21, 25}}}
	in, outside := Suggestions(r, hunks)
	if len(in) != 2 || in[0].Line != 10 || in[0].StartLine != 10 || in[1].StartLine != 12 || in[1].Line != 14 {
		t.Fatalf("inside: %+v", in)
	}
	if !strings.Contains(in[0].Body, "```suggestion\n  }\n\n  egress {}\n```") || !strings.HasPrefix(in[0].Body, SuggestionMarker+"fingerprint=") {
		t.Errorf("body: %q", in[0].Body)
	}
	if len(outside) != 2 || outside[0].Resource != "aws_network_acl.across" || outside[1].Resource != "aws_network_acl.out" {
		t.Errorf("outside: %+v", outside)
	}
}

func TestReviewPostsMultiLineSuggestionsOnce(t *testing.T) {
	c, fake, _ := newClient(t, "", 1) // one comment a page: the listing pages
	fake.SetFiles("acme", "infra", 7, fakegithub.File{Filename: "main.tf", Status: "modified", Patch: "@@ -1,30 +1,30 @@\n x"})
	r := &report.Report{Findings: []report.Finding{finding("a", 10, 10, "one"), finding("b", 12, 14, "two\nthree")}}
	hunks, err := c.Hunks(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := Suggestions(r, hunks)
	res, err := c.Review(context.Background(), pr, "abc", in)
	if err != nil || res.Posted != 2 || res.URL == "" {
		t.Fatalf("first review: %+v, %v", res, err)
	}
	rc := fake.ReviewComments("acme", "infra", 7)
	if len(rc) != 2 || rc[1].StartLine != 12 || rc[1].Line != 14 {
		t.Errorf("comments: %+v", rc)
	}
	res, err = c.Review(context.Background(), pr, "abc", in)
	if err != nil || res.Posted != 0 || res.Kept != 2 || len(fake.Reviews()) != 1 {
		t.Errorf("second review: %+v, %v, %d reviews", res, err, len(fake.Reviews()))
	}
	// One fix changed (a new rule number): the old one is outdated, the
	// new one posted in a second review.
	r.Findings[1].Patch.Edits[0].Lines = "two\nfour"
	in, _ = Suggestions(r, hunks)
	res, err = c.Review(context.Background(), pr, "def", in)
	if err != nil || res.Posted != 1 || res.Kept != 1 || res.Outdated != 1 || len(fake.Reviews()) != 2 {
		t.Errorf("third review: %+v, %v, %d reviews", res, err, len(fake.Reviews()))
	}
}

func TestReviewNeedsTheHeadCommit(t *testing.T) {
	c, _, _ := newClient(t, "", 10)
	if _, err := c.Review(context.Background(), pr, "", nil); err == nil || !strings.Contains(err.Error(), "--sha") {
		t.Errorf("err = %v", err)
	}
}

// TestReviewTouchesOnlyItsOwnIdentity: with a user's token, the user's own
// suggestions are returnpath's; the Actions bot's, marker or not, are not.
func TestReviewTouchesOnlyItsOwnIdentity(t *testing.T) {
	c, fake, _ := newClient(t, "", 10)
	fake.SetIdentity(fakegithub.Identity{Viewer: "octocat", Login: "octocat", UserEndpoint: true})
	fake.SetFiles("acme", "infra", 7, fakegithub.File{Filename: "main.tf", Status: "modified", Patch: "@@ -1,30 +1,30 @@\n x"})
	botID := fake.AddReviewComment("acme", "infra", 7, fakegithub.BotLogin, "main.tf", 3, SuggestionMarker+"fingerprint=old -->\nthe bot's")
	r := &report.Report{Findings: []report.Finding{finding("a", 10, 10, "one")}}
	in, _ := Suggestions(r, Hunks{"main.tf": {{1, 30}}})
	for run := 1; run <= 2; run++ {
		res, err := c.Review(context.Background(), pr, "abc", in)
		if err != nil || res.Outdated != 0 || (run == 1) != (res.Posted == 1) || (run == 2) != (res.Kept == 1) {
			t.Errorf("run %d: %+v, %v", run, res, err)
		}
	}
	for _, rc := range fake.ReviewComments("acme", "infra", 7) {
		if rc.ID == botID && rc.Body != SuggestionMarker+"fingerprint=old -->\nthe bot's" {
			t.Errorf("the bot's comment changed: %q", rc.Body)
		}
	}
}
