package oneline

import "testing"

func TestOf(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"one":                  "one",
		"a\n\n  b \r\nc":       "a; b; c",
		"progress\rover":       "progress; over",
		"trailing\n":           "trailing",
		" \n\t\r\n":            "",
		"first: x\nfirst: x\n": "first: x; first: x",
	} {
		if got := Of(in); got != want {
			t.Errorf("Of(%q) = %q, want %q", in, got, want)
		}
	}
}
