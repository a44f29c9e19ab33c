package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

const secret = "ghs_SECRET0123456789"

func TestString(t *testing.T) {
	if got := String("a "+secret+" b "+secret, "", secret); got != "a [REDACTED] b [REDACTED]" {
		t.Errorf("String = %q", got)
	}
	if got := String("nothing", ""); got != "nothing" {
		t.Errorf("an empty secret changed %q", got)
	}
}

func TestSet(t *testing.T) {
	s := NewSet("", secret)
	s.Add("tok-2")
	s.Add("tok-2")
	s.Remove("tok-2")
	if got := s.String(secret + " tok-2"); got != "[REDACTED] [REDACTED]" {
		t.Errorf("String = %q", got)
	}
	s.Remove("tok-2")
	if got := s.String("tok-2"); got != "tok-2" {
		t.Errorf("after its last Remove: %q", got)
	}
}

func TestWriterSplitWrites(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, NewSet(secret))
	// The secret comes in pieces, one byte per write.
	for _, b := range []byte("url: https://x/" + secret + "/c\nnext " + secret[:5]) {
		if _, err := w.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte(secret[5:] + " end"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "url: https://x/[REDACTED]/c\nnext [REDACTED] end"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func TestWriterLongLine(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, NewSet(secret))
	long := strings.Repeat("x", maxLine)
	w.Write([]byte(long + secret[:7]))
	if out.Len() == 0 || out.Len() > len(long)+7 {
		t.Fatalf("held back %d bytes", len(long)+7-out.Len())
	}
	w.Write([]byte(secret[7:]))
	w.Flush()
	if got := out.String(); got != long+"[REDACTED]" {
		t.Errorf("long line ends %q", got[len(got)-20:])
	}
}

func TestHandler(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&out, nil), NewSet(secret)))
	log = log.With("token", secret).WithGroup("g")
	log.Info("got "+secret, "error", errors.New("echo: Bearer "+secret),
		slog.Group("task", "url", "https://x/"+secret), "list", []string{secret}, "n", 3)
	if strings.Contains(out.String(), secret) || strings.Count(out.String(), Placeholder) != 5 || !strings.Contains(out.String(), `"n":3`) {
		t.Errorf("log line: %s", out.String())
	}
}
