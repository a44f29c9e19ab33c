package prcomment

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Marker is the first line of every returnpath comment (and of `returnpath
// check --format markdown`): a hidden HTML comment that finds returnpath's
// pull-request comment among the others.
const Marker = "<!-- returnpath -->"

// CommentMeta is what a pull-request comment records about itself in hidden
// lines after Marker: which sticky comment it is and which run wrote it.
type CommentMeta struct {
	// Key tells apart several comments on one pull request (one per
	// workspace or directory); "" is the comment without a key.
	Key string
	// HeadSHA is the commit the plan was made for; "" when unknown.
	HeadSHA string
	// RunID is the CI run that wrote the comment (GITHUB_RUN_ID); 0 when
	// unknown.
	RunID int64
}

const (
	keyPrefix = "<!-- returnpath:"
	runPrefix = "<!-- returnpath-run:"
	htmlClose = " -->"
)

var (
	validKey = regexp.MustCompile(`^[A-Za-z0-9._/@+=:-]{1,100}$`)
	validSHA = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)
)

// ValidateKey checks a comment key: 1-100 letters, digits and ._/@+=:-
// (it goes into an HTML comment, which "--" would end early).
func ValidateKey(key string) error {
	if !validKey.MatchString(key) || strings.Contains(key, "--") {
		return fmt.Errorf("comment key %q: want 1-100 letters, digits or ._/@+=:- without \"--\"", key)
	}
	return nil
}

// ValidateSHA checks a commit SHA (hexadecimal, 4 to 64 digits).
func ValidateSHA(sha string) error {
	if !validSHA.MatchString(sha) {
		return fmt.Errorf("commit %q is not a hexadecimal SHA", sha)
	}
	return nil
}

func (m CommentMeta) validate() error {
	if m.Key != "" {
		if err := ValidateKey(m.Key); err != nil {
			return err
		}
	}
	if m.HeadSHA != "" {
		if err := ValidateSHA(m.HeadSHA); err != nil {
			return err
		}
	}
	if m.RunID < 0 {
		return fmt.Errorf("run id %d is negative", m.RunID)
	}
	return nil
}

// Header is the hidden lines a comment body starts with: Marker, then the
// key and the run when set, each ending in "\n". It is the Header of the
// report.Markdown that writes the body; ParseCommentMeta reads it back.
func (m CommentMeta) Header() (string, error) {
	if err := m.validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(Marker + "\n")
	if m.Key != "" {
		b.WriteString(keyPrefix + m.Key + htmlClose + "\n")
	}
	var run []string
	if m.HeadSHA != "" {
		run = append(run, "sha="+m.HeadSHA)
	}
	if m.RunID != 0 {
		run = append(run, "run_id="+strconv.FormatInt(m.RunID, 10))
	}
	if len(run) > 0 {
		b.WriteString(runPrefix + " " + strings.Join(run, " ") + htmlClose + "\n")
	}
	return b.String(), nil
}

// ParseCommentMeta reads the hidden lines at the top of a comment body. ok
// is false when the body does not start with Marker: it is not a returnpath
// comment. Lines it does not know are skipped, so that older and newer
// versions read each other's comments.
func ParseCommentMeta(body string) (meta CommentMeta, ok bool) {
	lines := strings.Split(body, "\n")
	if strings.TrimRight(lines[0], "\r") != Marker {
		return CommentMeta{}, false
	}
	for _, line := range lines[1:] {
		line = strings.TrimRight(line, "\r")
		if !strings.HasPrefix(line, "<!--") {
			break
		}
		if rest, found := strings.CutPrefix(line, runPrefix); found {
			for _, field := range strings.Fields(strings.TrimSuffix(rest, htmlClose)) {
				name, value, _ := strings.Cut(field, "=")
				switch name {
				case "sha":
					if ValidateSHA(value) == nil {
						meta.HeadSHA = value
					}
				case "run_id":
					if id, err := strconv.ParseInt(value, 10, 64); err == nil && id > 0 {
						meta.RunID = id
					}
				}
			}
			continue
		}
		if rest, found := strings.CutPrefix(line, keyPrefix); found {
			if key, closed := strings.CutSuffix(rest, htmlClose); closed && ValidateKey(key) == nil {
				meta.Key = key
			}
		}
	}
	return meta, true
}
