// Package checks evaluates the network model the way AWS evaluates network
// ACLs (first match by rule number, implicit deny, IPv4 and IPv6 apart) and
// turns broken return paths into findings.
//
// Each rule is a declarative Check value; All lists them in one place. A
// Finding is plain data: formatters and integrations only read it.
package checks
