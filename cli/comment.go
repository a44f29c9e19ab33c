package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/returnpath-dev/returnpath/internal/redact"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/prcomment"
	"github.com/returnpath-dev/returnpath/report"
	"github.com/returnpath-dev/returnpath/source"
)

// commentConfig is what the comment command was asked to do.
type commentConfig struct {
	Repo            string
	PR              int
	Key             string
	SHA             string
	DeleteWhenClean bool
	Review          bool
	analysisFlags
}

func commentFlags() (*flag.FlagSet, *commentConfig) {
	cfg := &commentConfig{}
	fs := flag.NewFlagSet("comment", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, in one line
	fs.StringVar(&cfg.Repo, "repo", "", "the repository `OWNER/NAME` (default: GITHUB_REPOSITORY)")
	fs.IntVar(&cfg.PR, "pr", 0, "the pull request `NUMBER` (default: from the event at GITHUB_EVENT_PATH)")
	fs.StringVar(&cfg.Key, "key", "", "keep one comment per `KEY` (a workspace or directory) on the pull request")
	fs.StringVar(&cfg.SHA, "sha", "", "the checked `COMMIT`, recorded in the comment (default: the pull request's head from the event, else GITHUB_SHA)")
	cfg.analysisFlags.register(fs)
	fs.BoolVar(&cfg.DeleteWhenClean, "delete-when-clean", false, "delete the earlier comment, and post none, when there are no findings")
	fs.BoolVar(&cfg.Review, "review", false, "also post the fixes of error findings as suggestions on the changed lines (a pull-request review; fixes outside the diff stay in the comment); earlier suggestions are kept or marked outdated, not repeated")
	return fs, cfg
}

func printCommentUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath comment [flags] PLAN [PLAN...]

Checks PLAN like 'returnpath check' and posts the markdown report as a
comment on a GitHub pull request, or updates the comment it posted before
(one per --key). Several plans are each checked with the others as context
and share one comment. The exit code is that of check.

Environment:
  GITHUB_TOKEN       a token that may write pull-request comments (required)
  GITHUB_API_URL     the REST API base (default https://api.github.com)
  GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_RUN_ID,
  GITHUB_SERVER_URL, GITHUB_STEP_SUMMARY   as GitHub Actions sets them

Flags:
`)
	printFlags(w, fs)
}

func (o Options) comment(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	// What the API returns (an html_url) may hold the token.
	out := redact.NewWriter(stdout, o.secrets)
	defer out.Flush()
	stdout = out
	fs, cfg := commentFlags()
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommentUsage(stdout, fs)
		return ExitOK, nil
	}
	if err != nil {
		return 0, usagef("comment: %v (run 'returnpath comment --help')", err)
	}
	if len(positional) == 0 {
		_, err := onePlan(positional)
		return 0, usagef("comment: %v", err)
	}
	if cfg.Review && len(positional) > 1 {
		return 0, usagef("comment: --review takes one PLAN, got %d", len(positional))
	}
	if cfg.Key != "" {
		if err := prcomment.ValidateKey(cfg.Key); err != nil {
			return 0, usagef("comment: --key: %v", err)
		}
	}
	target, err := prcomment.Resolve(prcomment.Flags{Repo: cfg.Repo, PR: cfg.PR, SHA: cfg.SHA}, o.Getenv)
	if err != nil {
		return 0, fmt.Errorf("comment: %v", err)
	}
	token := o.Getenv("GITHUB_TOKEN")
	if token == "" {
		return 0, errors.New("comment: GITHUB_TOKEN is not set: it needs a token that may write pull-request comments (in a workflow: permissions: pull-requests: write)")
	}
	client, err := prcomment.New(prcomment.Config{
		Token:     token,
		APIURL:    o.Getenv("GITHUB_API_URL"),
		UserAgent: "returnpath/" + o.Version,
		Sleep:     o.sleep,
	})
	if err != nil {
		return 0, fmt.Errorf("comment: %v", err)
	}

	var reviewed struct {
		m    *plan.Model
		r    *report.Report
		name string
		a    analysis
	}
	keep := func(m *plan.Model, r *report.Report, name string, a analysis) {
		reviewed.m, reviewed.r, reviewed.name, reviewed.a = m, r, name, a
	}
	r, code, _, err := o.analysePlans(fs, cfg.analysisFlags, positional, stdin, keep)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	if cfg.Review {
		line, err := o.postReview(ctx, client, target, reviewed.m, reviewed.r, source.ConfigDir(cfg.Chdir, reviewed.name), reviewed.a.root)
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, line)
	}
	meta := prcomment.CommentMeta{Key: cfg.Key, HeadSHA: target.HeadSHA, RunID: target.RunID}
	header, err := meta.Header()
	if err != nil {
		return 0, fmt.Errorf("comment: %v", err)
	}
	md := report.Markdown{Header: header, Key: meta.Key, Commit: meta.HeadSHA, FullReportURL: target.RunURL}
	var result prcomment.Result
	if cfg.DeleteWhenClean && len(r.Shown()) == 0 {
		result, err = client.Withdraw(ctx, target.PullRequest, meta)
	} else {
		var body string
		if body, err = o.commentBody(md, r); err != nil {
			return 0, err
		}
		result, err = client.Publish(ctx, target.PullRequest, body)
	}
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(stdout, "returnpath: %s — %s\n", r.Tally(), outcome(target.PullRequest, result))
	return code, nil
}

// postReview posts the fixes that land on changed lines as suggestions, and
// says in one line what it did.
func (o Options) postReview(ctx context.Context, client *prcomment.Client, target prcomment.Target, m *plan.Model, r *report.Report, dir, root string) (string, error) {
	attachPatches(m, r, dir, root)
	hunks, err := client.Hunks(ctx, target.PullRequest)
	if err != nil {
		return "", err
	}
	suggestions, outside := prcomment.Suggestions(r, hunks)
	res, err := client.Review(ctx, target.PullRequest, target.HeadSHA, suggestions)
	if err != nil {
		return "", err
	}
	line := fmt.Sprintf("returnpath: review — %d suggestion(s) posted, %d kept, %d marked outdated, %d fix(es) outside the diff (in the comment)",
		res.Posted, res.Kept, res.Outdated, len(outside))
	if res.URL != "" {
		line += ": " + res.URL
	}
	return line, nil
}

// commentBody is the markdown report for the comment. When it had to be
// truncated, the whole report goes to the job summary, which the
// truncation note links to.
func (o Options) commentBody(md report.Markdown, r *report.Report) (string, error) {
	body, truncated, err := md.Render(r)
	if err != nil {
		return "", fmt.Errorf("writing the markdown report: %v", err)
	}
	if !truncated {
		return body, nil
	}
	full := md
	full.MaxBytes, full.FullReportURL = prcomment.MaxStepSummaryBytes, ""
	whole, _, err := full.Render(r)
	if err != nil {
		return "", fmt.Errorf("writing the markdown report: %v", err)
	}
	if _, err := prcomment.AppendStepSummary(o.Getenv, whole); err != nil {
		return "", fmt.Errorf("comment: %v", err)
	}
	return body, nil
}

// outcome says what happened to the comment, with its URL.
func outcome(pr prcomment.PullRequest, r prcomment.Result) string {
	switch r.Action {
	case prcomment.NoComment:
		return "no comment on " + pr.String() + " to delete"
	case prcomment.KeptNewer:
		return fmt.Sprintf("comment left as is: run %d, newer than this one, wrote it: %s", r.NewerRunID, r.URL)
	}
	return fmt.Sprintf("comment %s: %s", r.Action, r.URL)
}
