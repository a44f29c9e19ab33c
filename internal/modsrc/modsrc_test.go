package modsrc

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const sgModule = `
variable "create" { default = true }
variable "create_sg" { default = true }
variable "security_group_id" { default = null }
locals {
  create     = var.create
  create_sg  = local.create && var.create_sg
  this_sg_id = local.create_sg ? concat(aws_security_group.this[*].id, aws_security_group.prefixed[*].id, [""])[0] : var.security_group_id
  vpc_id     = try(aws_vpc_ipv4_cidr_block_association.extra[0].vpc_id, aws_vpc.this[0].id, "")
  subnet     = element(concat(aws_subnet.a[*].id, [""]), 0)
  picked     = coalesce(var.security_group_id, module.inner.id)
  loop       = local.loop
  opaque     = [for s in aws_subnet.a : s.id if s.tags["x"] == "y"]
}
`

func TestChoices(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.tf": `module "sg" { source = "./modules/sg" }`, "modules/sg/main.tf": sgModule})
	tree := NewTree(dir)
	m, err := tree.Module([]Call{{"sg", "./modules/sg"}})
	if err != nil {
		t.Fatal(err)
	}
	none := func(string) bool { return false }
	setsID := func(n string) bool { return n == "security_group_id" }
	for _, c := range []struct {
		name  string
		vars  map[string]cty.Value
		set   func(string) bool
		local string
		want  [][]string
		err   string
	}{
		{name: "defaults create the group", set: none, local: "this_sg_id",
			want: [][]string{{"aws_security_group.this"}, {"aws_security_group.prefixed"}}},
		{name: "create_sg false takes the input", vars: map[string]cty.Value{"create_sg": cty.False}, set: setsID, local: "this_sg_id",
			want: [][]string{{"var.security_group_id"}}},
		{name: "unknown condition keeps both branches", vars: map[string]cty.Value{"create_sg": cty.UnknownVal(cty.Bool)}, set: setsID, local: "this_sg_id",
			want: [][]string{{"aws_security_group.this", "aws_security_group.prefixed", "var.security_group_id"}}},
		{name: "try in order", set: none, local: "vpc_id",
			want: [][]string{{"aws_vpc_ipv4_cidr_block_association.extra[0].vpc_id"}, {"aws_vpc.this[0].id"}}},
		{name: "element 0 of concat", set: none, local: "subnet", want: [][]string{{"aws_subnet.a"}}},
		{name: "coalesce in order", set: setsID, local: "picked", want: [][]string{{"var.security_group_id"}, {"module.inner.id"}}},
		{name: "for expression names its collection", set: none, local: "opaque", want: [][]string{{"aws_subnet.a"}}},
		{name: "cycle", set: none, local: "loop", err: "refers to itself"},
		{name: "undefined", set: none, local: "nope", err: "local.nope is not defined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := m.Scope(c.vars, c.set).Choices(c.local)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// A module block's arguments are read from the caller's source and
// evaluated in the caller's scope: what the plan records of an argument
// that is not a constant is only its references.
func TestInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.tf": `
variable "enabled" {}
locals { wide = !var.enabled }
module "sg" {
  source    = "./modules/sg"
  create    = var.enabled
  create_sg = local.wide || var.enabled
  vpc_id    = aws_vpc.main.id
  name      = each.key
}
`, "modules/sg/main.tf": sgModule})
	root, err := NewTree(dir).Module(nil)
	if err != nil {
		t.Fatal(err)
	}
	scope := root.Scope(map[string]cty.Value{"enabled": cty.True}, func(string) bool { return true })
	for arg, want := range map[string]cty.Value{"create": cty.True, "create_sg": cty.True} {
		if got, ok := scope.Input("sg", arg); !ok || !got.RawEquals(want) {
			t.Errorf("Input(sg, %s) = %#v, %v; want %#v", arg, got, ok, want)
		}
	}
	for _, arg := range []string{"vpc_id", "name", "missing"} {
		if got, ok := scope.Input("sg", arg); ok {
			t.Errorf("Input(sg, %s) = %#v, want unknown", arg, got)
		}
	}
	if got, ok := scope.Input("other", "create"); ok {
		t.Errorf("Input of a module block the source lacks = %#v, want unknown", got)
	}
	unset := root.Scope(nil, func(string) bool { return true })
	if got, ok := unset.Input("sg", "create"); ok {
		t.Errorf("Input with the root variable unknown = %#v, want unknown", got)
	}
}

func TestDirFromManifest(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"main.tf": `module "db" { source = "acme/rds/aws" }`,
		".terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},
			{"Key":"db","Source":"registry.terraform.io/acme/rds/aws","Version":"1.0.0","Dir":".terraform/modules/db"},
			{"Key":"db.group","Source":"./modules/group","Dir":".terraform/modules/db/modules/group"}]}`,
		".terraform/modules/db/main.tf":               `locals { name = module.group.id }`,
		".terraform/modules/db/modules/group/main.tf": `locals { id = aws_db_subnet_group.this[0].id }`,
	})
	tree := NewTree(dir)
	m, err := tree.Module([]Call{{"db", "acme/rds/aws"}, {"group", "./modules/group"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".terraform/modules/db/modules/group"); m.Dir != want {
		t.Errorf("dir %s, want %s", m.Dir, want)
	}
	again, _ := tree.Module([]Call{{"db", "acme/rds/aws"}, {"group", "./modules/group"}})
	if again != m {
		t.Error("the directory was read twice")
	}
	got, err := m.Scope(nil, func(string) bool { return false }).Choices("id")
	if err != nil || !reflect.DeepEqual(got, [][]string{{"aws_db_subnet_group.this[0].id"}}) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestDirErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.tf": `module "sg" { source = "acme/sg/aws" }`})
	_, err := NewTree(dir).Module([]Call{{"sg", "acme/sg/aws"}})
	if err == nil || !strings.Contains(err.Error(), `module.sg comes from "acme/sg/aws", which .terraform/modules/modules.json does not list`) {
		t.Errorf("registry module without a manifest: %v", err)
	}
	_, err = NewTree(dir).Module([]Call{{"x", "./missing"}})
	if err == nil || !strings.Contains(err.Error(), "the module's source is not in") {
		t.Errorf("missing local module: %v", err)
	}
	_, err = NewTree("").Module(nil)
	if err == nil {
		t.Error("no root: no error")
	}
	write(t, dir, map[string]string{"bad/main.tf": `locals { x = `})
	_, err = NewTree(dir).Module([]Call{{"bad", "./bad"}})
	if err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("bad module: %v", err)
	}
}

// TestNothingOutsideTheRepository: a module source outside the repository
// (../outside) and a .tf file linked out of it are not read, and no
// message shows an absolute path.
func TestNothingOutsideTheRepository(t *testing.T) {
	base := t.TempDir()
	repoDir := filepath.Join(base, "repo")
	write(t, base, map[string]string{
		"repo/.git/HEAD":           "ref: refs/heads/main\n",
		"repo/infra/main.tf":       "",
		"repo/infra/inner/main.tf": "locals { a = \"in\" }\n",
		"repo/infra/linked/x.tf":   "locals { b = \"in\" }\n",
		"outside/main.tf":          "locals { a = \"out\" }\n",
		"secret.tf":                "locals { c = \"out\" }\n",
	})
	if err := os.Symlink(filepath.Join(base, "secret.tf"), filepath.Join(repoDir, "infra", "linked", "y.tf")); err != nil {
		t.Fatal(err)
	}
	tree := NewTree(filepath.Join(repoDir, "infra"))
	if m, err := tree.Module([]Call{{Name: "inner", Source: "./inner"}}); err != nil || m.Locals["a"] == nil {
		t.Fatalf("a module inside the repository: %v", err)
	}
	for _, c := range []Call{{Name: "out", Source: "../../outside"}, {Name: "linked", Source: "./linked"}} {
		m, err := tree.Module([]Call{c})
		if err == nil {
			t.Errorf("%s: read (%v), want refused", c.Source, m.Locals)
			continue
		}
		if strings.Contains(err.Error(), base) {
			t.Errorf("%s: the message shows an absolute path: %v", c.Source, err)
		}
		if !strings.Contains(err.Error(), "outside the repository") && !strings.Contains(err.Error(), "out of the repository") {
			t.Errorf("%s: %v", c.Source, err)
		}
	}
}
