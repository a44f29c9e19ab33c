// Package checks evaluates the network model the way AWS evaluates network
// ACLs (first match by rule number, implicit deny, IPv4 and IPv6 apart) and
// turns broken return paths into findings.
//
// Each rule is a declarative Check value in its own file, rpNNN_name.go,
// with its run function and its tests beside it (rpNNN_name_test.go); All
// lists them in one place. A Finding is plain data: formatters and
// integrations only read it. A suggested fix is a Fix, numbered by Run in
// one pass after every check has run.
//
// Shared machinery: facts.go (what the checks derive from one network,
// each piece built once and asked for by name), intent_replies.go (the
// evaluation of RP001 and RP002), crossing.go (connections that cross a
// NACL, RP003 and RP004), replygap.go (clients and their replies),
// witness.go, text.go, fix.go and address.go. The set arithmetic and the
// first-match walk are in internal/nacleval; the tests' network builder
// in internal/testnet.
//
// Traces (returnpath trace) ask the same model one question: can this
// packet get from A to B, and its reply back? trace.go follows one packet
// hop by hop (security groups, the NACL of each subnet boundary, a NAT
// gateway's subnet both ways) with the same first-match walk, and the
// replies over the client ranges that apply; trace_endpoint.go resolves
// endpoints (IP addresses, workload addresses, with suggestions);
// trace_witness.go turns a finding's witness into a trace, which is how the
// trace and the findings are kept in agreement (trace_agree_test.go).
package checks
