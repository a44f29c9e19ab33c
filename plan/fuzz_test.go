package plan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// FuzzParse checks that no input makes the loader panic, and that it either
// builds a whole model or returns an InputError naming the file in one line.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"", "{}", "[]", "null", "42", `"plan"`,
		`{"format_version":"1.2","resource_changes":[]}`,
		`{"format_version":"0.1","planned_values":{}}`,
		`{"format_version":"2.0"}`,
		`{"format_version":"1.0","values":{"root_module":{}}}`,
		`{"@level":"info","@message":"x","type":"version"}` + "\n",
		"[command]terraform show -json\n{\"format_version\":\"1.2\",\"resource_changes\":[]}\n::debug::x",
		`{"format_version":"1.2","resource_changes":[{"address":"aws_network_acl_rule.r","mode":"managed","type":"aws_network_acl_rule","name":"r","index":"k","change":{"actions":["create"],"after":{"rule_number":100,"egress":true,"protocol":"tcp","rule_action":"allow","cidr_block":"0.0.0.0/0","from_port":1,"to_port":2},"after_unknown":{"network_acl_id":true}}}],"configuration":{"root_module":{"resources":[{"address":"aws_network_acl_rule.r","mode":"managed","type":"aws_network_acl_rule","name":"r","expressions":{"network_acl_id":{"references":["module.m[\"k\"].id","var.x","each.value","local.y","data.aws_vpc.v.id"]}}}]}}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// Real plans: every resource type, module nesting, prior state.
	for _, name := range []string{"vpc-module-style", "module-output-input", "update-deletes-return", "association-each-value"} {
		if data, err := os.ReadFile(filepath.Join("..", "fixtures", name, "plan.json")); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.json", data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "fuzz.json" {
				t.Fatalf("error %v is not an InputError naming the file", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if m == nil || m.Planned == nil {
			t.Fatal("no error and no model")
		}
		// The one-pass decoder validates what it skips: it accepts only
		// JSON (after the wrapper lines around it).
		if body := planjson.Body(data); !json.Valid(body) {
			t.Fatalf("accepted a plan that is not valid JSON: %q", body)
		}
	})
}
