package sariftest

import (
	"fmt"
	"testing"
)

// recorder catches what Validate reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestValidate(t *testing.T) {
	s := Schema(t)
	if s == nil {
		t.Skipf("%s is absent", SchemaFile)
	}
	valid := `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "informationUri": "https://example.com/x"}}, "results": []}]}`
	for name, doc := range map[string]string{
		"wrong version":     `{"version": "2.0.0", "runs": []}`,
		"result level":      `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		"informationUri":    `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "informationUri": "not a uri"}}}]}`,
		"not JSON":          `{"version": `,
		"unknown top field": `{"version": "2.1.0", "runs": [], "extra": 1}`,
	} {
		r := &recorder{TB: t}
		Validate(r, s, []byte(doc))
		if len(r.errors) == 0 {
			t.Errorf("%s: invalid SARIF validated", name)
		}
	}
	r := &recorder{TB: t}
	Validate(r, s, []byte(valid))
	if len(r.errors) > 0 {
		t.Errorf("valid SARIF rejected: %v", r.errors)
	}
}
