package plan

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// The instances of one block share a reference list; the linker resolves it
// once for all of them unless the result may depend on the instance: its
// count.index or each.key, or a local (read from the module's source, whose
// references the linker does not know before it reads them).
func TestFollowOncePerBlockUnlessKeyed(t *testing.T) {
	dir := t.TempDir()
	src := "locals {\n  acl = aws_network_acl.this[count.index].id\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	expr := func(refs ...string) map[string]*tfjson.Expression {
		return map[string]*tfjson.Expression{"network_acl_id": {ExpressionData: &tfjson.ExpressionData{References: refs}}}
	}
	blocks := map[string]*tfjson.ConfigResource{
		"shared":   {Expressions: expr("aws_network_acl.this[0].id", "aws_network_acl.this[0]")},
		"paired":   {Expressions: expr("aws_network_acl.this", "count.index")},
		"vialocal": {Expressions: expr("local.acl")},
	}
	cfg := newConfigIndex(&tfjson.Config{RootModule: &tfjson.ConfigModule{}}, dir)
	var instances []*instance
	for _, key := range []string{"0", "1"} {
		acl := stateInstance(typeNACL, "this["+key+"]", `{}`)
		acl.Name, acl.Key, acl.Unknown = "this", key, unknowns(t, `{"id": true}`)
		instances = append(instances, acl)
	}
	for _, name := range []string{"shared", "paired", "vialocal"} {
		for _, key := range []string{"0", "1"} {
			rule := stateInstance(typeNACLRule, name+"["+key+"]", `{}`)
			rule.Name, rule.Key, rule.Config = name, key, blocks[name]
			rule.Unknown = unknowns(t, `{"network_acl_id": true}`)
			instances = append(instances, rule)
		}
	}
	l := newLinker(planjson.NewDecoder(modelled), instances, cfg, &idIndex{})
	for _, want := range [][2]string{
		{"shared[0]", "aws_network_acl.this[0]"}, {"shared[1]", "aws_network_acl.this[0]"},
		{"paired[0]", "aws_network_acl.this[0]"}, {"paired[1]", "aws_network_acl.this[1]"},
		// a local's count.index is not followed: both NACLs
		{"vialocal[0]", "aws_network_acl.this[0] aws_network_acl.this[1]"},
		{"vialocal[1]", "aws_network_acl.this[0] aws_network_acl.this[1]"},
	} {
		i := slices.IndexFunc(instances, func(i *instance) bool { return string(i.Address) == typeNACLRule+"."+want[0] })
		found, err := l.follow(instances[i], "network_acl_id")
		var got []string
		for _, f := range found {
			got = append(got, string(f.Address))
		}
		if err != nil || strings.Join(got, " ") != want[1] {
			t.Errorf("%s links to %v (%v), want %s", want[0], got, err, want[1])
		}
	}
	if len(l.followed) != 1 {
		t.Errorf("%d reference lists resolved once for all instances, want 1 (shared)", len(l.followed))
	}
}
