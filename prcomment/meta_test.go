package prcomment

import (
	"strings"
	"testing"
)

func TestCommentMetaHeader(t *testing.T) {
	meta := CommentMeta{Key: "envs/prod", HeadSHA: "0123456789abcdef0123456789abcdef01234567", RunID: 1234567890123}
	got, err := meta.Header()
	want := "<!-- returnpath -->\n<!-- returnpath:envs/prod -->\n<!-- returnpath-run: sha=0123456789abcdef0123456789abcdef01234567 run_id=1234567890123 -->\n"
	if err != nil || got != want {
		t.Errorf("Header() = %q, %v; want %q", got, err, want)
	}
	if back, ok := ParseCommentMeta(got + "❌ **returnpath: 1 error, 0 warnings**\n"); !ok || back != meta {
		t.Errorf("ParseCommentMeta = %+v, %v; want %+v", back, ok, meta)
	}

	for _, tc := range []struct {
		meta CommentMeta
		want string
	}{
		{CommentMeta{}, Marker + "\n"},
		{CommentMeta{RunID: 7}, "<!-- returnpath -->\n<!-- returnpath-run: run_id=7 -->\n"},
		{CommentMeta{HeadSHA: "abcd"}, "<!-- returnpath -->\n<!-- returnpath-run: sha=abcd -->\n"},
		{CommentMeta{Key: "a"}, "<!-- returnpath -->\n<!-- returnpath:a -->\n"},
	} {
		if got, err := tc.meta.Header(); err != nil || got != tc.want {
			t.Errorf("%+v: Header() = %q, %v; want %q", tc.meta, got, err, tc.want)
		}
	}
}

func TestHeaderRefusesBadMeta(t *testing.T) {
	for _, meta := range []CommentMeta{
		{Key: "a -->"}, {Key: "a--b"}, {Key: strings.Repeat("k", 101)}, {Key: "with space"},
		{HeadSHA: "main"}, {HeadSHA: "abc -->"}, {RunID: -1},
	} {
		if got, err := meta.Header(); err == nil || got != "" {
			t.Errorf("%+v: Header() = %q, %v", meta, got, err)
		}
	}
	for _, key := range []string{"prod", "envs/prod", "eu-west-1.vpc_a", "ws:staging", "team@x", "a=b+c"} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q): %v", key, err)
		}
	}
}

func TestParseCommentMeta(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want CommentMeta
		ok   bool
	}{
		{"plain", "<!-- returnpath -->\n✅ clean", CommentMeta{}, true},
		{"key", "<!-- returnpath -->\n<!-- returnpath:a -->\nx", CommentMeta{Key: "a"}, true},
		{"crlf from the web editor", "<!-- returnpath -->\r\n<!-- returnpath:a -->\r\n<!-- returnpath-run: sha=abcd run_id=9 -->\r\nx", CommentMeta{Key: "a", HeadSHA: "abcd", RunID: 9}, true},
		{"marker only", "<!-- returnpath -->", CommentMeta{}, true},
		{"not first", "hello\n<!-- returnpath -->", CommentMeta{}, false},
		{"quoted by a person", "> <!-- returnpath -->\nme too", CommentMeta{}, false},
		{"other bot", "<!-- tfcmt -->\nplan", CommentMeta{}, false},
		{"marker with text after it", "<!-- returnpath --> hi", CommentMeta{}, false},
		{"empty", "", CommentMeta{}, false},
		{"hidden lines end at the text", "<!-- returnpath -->\nverdict\n<!-- returnpath:late -->", CommentMeta{}, true},
		{"unreadable run fields", "<!-- returnpath -->\n<!-- returnpath-run: sha=not-hex run_id=-3 future=1 -->", CommentMeta{}, true},
		{"invalid key", "<!-- returnpath -->\n<!-- returnpath:a b -->", CommentMeta{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseCommentMeta(tc.body)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseCommentMeta(%q) = %+v, %v; want %+v, %v", tc.body, got, ok, tc.want, tc.ok)
			}
		})
	}
}
