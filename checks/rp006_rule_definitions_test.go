package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestRuleDefinitions(t *testing.T) {
	t.Run("inline and standalone mixed", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{
				rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443),
				standalone(rule(200, true, plan.ProtocolTCP, "10.0.0.0/8", 22, 22), "aws_network_acl_rule.ssh_from_corp"),
			},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)})
		got := summaries(runPlanned(n))
		want := []string{"RP006 warning inline ingress/egress blocks and standalone rules (aws_network_acl_rule.ssh_from_corp) " +
			"are mixed on one NACL: each apply removes the other's rules; keep one style"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("duplicate rule numbers", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_in"),
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 80, 80), "aws_network_acl_rule.http_in"),
			},
			[]plan.Entry{
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), "aws_network_acl_rule.out"),
				standalone(rule(200, true, plan.ProtocolUDP, "0.0.0.0/0", 1024, 65535), "aws_network_acl_rule.a"),
				standalone(rule(200, true, plan.ProtocolUDP, "::/0", 1024, 65535), "aws_network_acl_rule.b"),
				standalone(rule(200, true, plan.ProtocolTCP, "::/0", 1024, 65535), "aws_network_acl_rule.c"),
			})
		got := summaries(runPlanned(n))
		want := []string{
			"RP006 warning egress rule 200 is defined 3 times: by aws_network_acl_rule.a, aws_network_acl_rule.b and aws_network_acl_rule.c",
			"RP006 warning ingress rule 100 is defined twice: by aws_network_acl_rule.https_in and aws_network_acl_rule.http_in",
		}
		if !slices.Equal(got, want) {
			t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
	t.Run("one style, unique numbers", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), rule(101, true, plan.ProtocolTCP, "::/0", 443, 443)},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), rule(101, true, plan.ProtocolTCP, "::/0", 1024, 65535)})
		if got := runPlanned(n); len(got) != 0 {
			t.Errorf("got %v, want nothing", summaries(got))
		}
	})
}
