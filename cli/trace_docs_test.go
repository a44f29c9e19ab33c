package cli

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/report"
)

// TestTraceDocs keeps docs/trace.md true: it documents every flag and
// format of trace, and its two examples are the goldens of the traces they
// show, command and output.
func TestTraceDocs(t *testing.T) {
	data, err := os.ReadFile("../docs/trace.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	fs, _ := traceFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(doc, "`--"+f.Name) {
			t.Errorf("docs/trace.md does not document --%s", f.Name)
		}
	})
	for _, f := range report.TraceFormats() {
		if !strings.Contains(doc, "`"+f.Name+"`") {
			t.Errorf("docs/trace.md does not mention format %s", f.Name)
		}
	}
	for _, ex := range []struct{ command, golden string }{
		{"$ returnpath trace --from aws_instance.worker --to 203.0.113.7 --port tcp/443 fixtures/nat-gateway-return/plan.json\n", "testdata/trace/nat-gateway-reply-dropped.txt"},
		{"$ returnpath trace --from 203.0.113.7 --to aws_instance.web --port tcp/443 fixtures/trace-update-breaks/plan.json\n", "testdata/trace/plan-breaks-it.txt"},
	} {
		want, err := os.ReadFile(ex.golden)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(doc, "```\n"+ex.command+string(want)+"```\n") {
			t.Errorf("docs/trace.md does not show %q followed by %s", ex.command, ex.golden)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "(docs/trace.md)") {
		t.Error("README.md does not link docs/trace.md")
	}
}
