package checks

import (
	"fmt"
	"net/netip"

	"github.com/returnpath-dev/returnpath/plan"
)

// Severity ranks findings; the zero value is invalid so that a finding
// built without one is caught.
type Severity uint8

// Severities, lowest first.
const (
	Notice Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Notice:
		return "notice"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "invalid-severity"
}

// ParseSeverity reads "error", "warning" or "notice".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "error":
		return Error, nil
	case "warning":
		return Warning, nil
	case "notice":
		return Notice, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or notice)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Notice || s > Error {
		return nil, fmt.Errorf("invalid severity %d", s)
	}
	return []byte(s.String()), nil
}

// Status says whether this plan introduces a finding or it exists today.
type Status uint8

// Statuses; the zero value is invalid.
const (
	New Status = iota + 1
	Existing
)

func (s Status) String() string {
	switch s {
	case New:
		return "new"
	case Existing:
		return "existing"
	}
	return "invalid-status"
}

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) {
	if s != New && s != Existing {
		return nil, fmt.Errorf("invalid status %d", s)
	}
	return []byte(s.String()), nil
}

// RuleRef names one rule: the resource that wrote it and, for a NACL rule,
// its number (security-group rules have none: 0).
type RuleRef struct {
	Address plan.Address `json:"address"`
	Number  int          `json:"number,omitempty"`
}

func (r RuleRef) String() string {
	if r.Number == 0 {
		return string(r.Address)
	}
	return fmt.Sprintf("%s rule %d", r.Address, r.Number)
}

// Leg says which half of a connection a flow finding is about; the zero
// value is invalid.
type Leg uint8

// Legs of a connection through a NACL.
const (
	// RequestLeg: the NACL drops the requests themselves.
	RequestLeg Leg = iota + 1
	// ReplyLeg: the requests pass, their replies are dropped.
	ReplyLeg
)

// MarshalText writes the leg's name.
func (l Leg) MarshalText() ([]byte, error) {
	if l != RequestLeg && l != ReplyLeg {
		return nil, fmt.Errorf("invalid leg %d", l)
	}
	return []byte(l.String()), nil
}

func (l Leg) String() string {
	switch l {
	case RequestLeg:
		return "request"
	case ReplyLeg:
		return "reply"
	}
	return "invalid-leg"
}

// Packet is one concrete packet, as a witness of a dropped flow. The local
// end (Src of a reply leaving the subnet, Dst of one entering it) is the
// zero value when the NACL has no subnet of the flow's family.
type Packet struct {
	Protocol plan.Protocol
	Src      netip.AddrPort
	Dst      netip.AddrPort
}

// Flow describes the broken connection of a return-path finding.
type Flow struct {
	// Direction is the direction in which the requests cross the NACL;
	// the replies travel the opposite way.
	Direction plan.Direction
	// Leg is the half of the connection the NACL drops.
	Leg          Leg
	Family       plan.Family
	Protocol     plan.Protocol
	PeerCIDR     netip.Prefix
	ServicePorts plan.PortRange
	ClientPorts  plan.PortRange // the ephemeral range replies must reach
	// MissingPorts are the dropped ports: of the replies (client ports) or
	// of the requests (service ports).
	MissingPorts []plan.PortRange
	// IntentRule is the rule that allows the connection: a NACL rule, or
	// a security-group rule (without number).
	IntentRule RuleRef
	// BlockingRule is the deny that drops the witness, nil for the
	// implicit deny at the end of the NACL.
	BlockingRule *RuleRef
	// Witness is one dropped packet: a reply, or for a RequestLeg a
	// request.
	Witness Packet
	// FailingShare is the fraction of Linux ephemeral ports (32768-60999)
	// whose replies from the witness peer are dropped (1 when the requests
	// themselves are).
	FailingShare float64
	// FailingPeers are the addresses of the witness peer's range where
	// that share fails, when they are only part of PeerCIDR (a deny on
	// 172.16.0.0/12 inside an allow from 0.0.0.0/0); nil: all of it.
	FailingPeers []netip.Prefix
	// Suggestion is the HCL of a rule that fixes the flow: the Finding's
	// Fix, rendered by Fix.HCL.
	Suggestion string
}

// Finding is one problem, as plain data.
type Finding struct {
	Rule     string // "RP001"
	Severity Severity
	Resource plan.Address // where the fix belongs
	Status   Status
	Message  string
	// Subnets the NACL applies to, for context ("" list: unassociated).
	Subnets []SubnetRef
	Flow    *Flow // nil for findings that are not about one flow
	// Fix is the NACL rule that repairs the flow, numbered by Run; nil
	// when the finding suggests none.
	Fix *Fix
	// Suppression is set when an ignore silences the finding: it stays in
	// the reports that can show it (JSON, SARIF) but not in the exit code.
	Suppression *Suppression
}

// SuppressionKind says where an ignore was written; the zero value is
// invalid.
type SuppressionKind uint8

// Where ignores come from (SARIF's suppression kinds).
const (
	// InSource is a "# returnpath:ignore" comment above the resource block.
	InSource SuppressionKind = iota + 1
	// External is an ignore block of the .returnpath.hcl configuration.
	External
)

func (k SuppressionKind) String() string {
	switch k {
	case InSource:
		return "inSource"
	case External:
		return "external"
	}
	return "invalid-suppression-kind"
}

// MarshalText writes the kind's name, as SARIF spells it.
func (k SuppressionKind) MarshalText() ([]byte, error) {
	if k != InSource && k != External {
		return nil, fmt.Errorf("invalid suppression kind %d", k)
	}
	return []byte(k.String()), nil
}

// Suppression is why a finding is silenced.
type Suppression struct {
	Kind   SuppressionKind
	Reason string
	// Source is where the ignore is written, e.g. ".returnpath.hcl:12" or
	// "main.tf:7".
	Source string
}

// SubnetRef names a subnet a finding applies to.
type SubnetRef struct {
	Address plan.Address `json:"address"`
	CIDR    string       `json:"cidr,omitempty"`
}
