package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/report"
)

// TestREADME keeps README.md true to the code: its rule table lists every
// check with its default severity (and marks the others planned), and it
// documents every flag and format.
func TestREADME(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	rows := map[string][]string{} // "RP001" → cells
	for _, line := range strings.Split(readme, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) >= 3 && strings.HasPrefix(strings.TrimSpace(cells[0]), "RP") {
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows[cells[0]] = cells
		}
	}
	implemented := map[string]bool{}
	for _, c := range checks.All() {
		implemented[c.ID] = true
		row, ok := rows[c.ID]
		switch {
		case !ok:
			t.Errorf("README rule table lacks %s", c.ID)
		case row[1] != fmt.Sprint(c.Severity):
			t.Errorf("README says %s is %s; checks.All says %s", c.ID, row[1], c.Severity)
		case strings.Contains(row[2], "planned"):
			t.Errorf("README marks %s planned, but checks.All runs it", c.ID)
		}
	}
	for id, row := range rows {
		if !implemented[id] && !strings.Contains(row[2], "planned") {
			t.Errorf("README lists %s as if it ran, but checks.All does not have it: mark it planned", id)
		}
	}
	fs, _ := checkFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(readme, "`--"+f.Name) {
			t.Errorf("README does not document --%s", f.Name)
		}
	})
	for _, f := range report.Names() {
		if !strings.Contains(readme, "`"+f+"`") {
			t.Errorf("README does not mention format %s", f)
		}
	}
}
