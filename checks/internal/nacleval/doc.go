// Package nacleval evaluates network ACL rules the way AWS does, as exact
// set arithmetic: a Space is a union of disjoint boxes (IP protocol × peer
// address × port, one address family), and FirstMatch walks one NACL
// direction in rule-number order, each entry deciding what no earlier
// entry matched, with the implicit deny at the end. Denied, AllowsAny,
// AllowsAll, Judge and Decisions read that one walk. Rules is a NACL
// direction compiled for one family (CompileRules), for callers that walk
// it many times; AppendShape and Decided let them share one walk among
// directions whose entries match the same traffic. It owns no cache and
// knows no rule: the checks package builds findings on top of it.
package nacleval
