package checks

// RP009: an ignore past its expiry date. The configuration finds those
// (config/ignore.go), so Run never reports it; the findings go through
// Config.Grade to honour severity overrides and enabled = false.

// ExpiredIgnore is the ID of the check that reports an ignore past its
// expiry date (config reports it through Config.Grade).
const ExpiredIgnore = "RP009"

var expiredIgnore = Check{
	ID:       ExpiredIgnore,
	Severity: Warning,
	Title:    "an ignore has passed its expiry date",
	Doc: "An ignore block of .returnpath.hcl or a returnpath:ignore comment has an expires date " +
		"that has passed. It no longer silences anything: the findings it covered are reported " +
		"again, and this warning names the ignore even when nothing matches it any more. Fix " +
		"the findings and remove the ignore, or give it a later date and a current reason.",
	Explain: explainRP009,
}

const explainRP009 = `Why: an ignore with an expiry date is a promise to look again. An ignore
block of .returnpath.hcl, or a returnpath:ignore comment above a resource
block, holds through its expires date (UTC) and lapses the day after. From
then on it silences nothing: the findings it covered are reported again with
their own severity, and this warning names the ignore, even when no finding
matches it any more, until the ignore is removed or renewed.

Example:

  ignore {
    rule     = "RP001"
    resource = "module.legacy.aws_network_acl.this[*]"
    reason   = "legacy VPC, replaced in Q3"
    expires  = "2027-03-31"
  }

  # returnpath:ignore RP001 expires=2027-03-31 legacy VPC, replaced in Q3

Fix: when the findings are fixed, remove the ignore. When the exception
still stands, set a later date and say why in the reason. To stop these
warnings altogether (not recommended), write rule "RP009" { enabled = false }.
`
