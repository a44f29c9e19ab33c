// Package plan loads the JSON of `terraform show -json` and builds the typed
// network model every check reads: VPCs, subnets, network ACLs with their
// rules in evaluation order, and what could not be linked.
//
// The JSON itself is read by internal/planjson (the scanner, the one-pass
// decoder and the attribute value structs); plan links what it returns and
// is the only place that knows the plan's strings ("tcp", "-1", "acl-…",
// references such as "aws_network_acl.this[0].id"); everything after it
// works with netip.Prefix, PortRange, Protocol and ResourceAddress.
package plan
