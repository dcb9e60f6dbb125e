package model

import (
	"strings"
	"testing"
)

func TestValidateNamespaceName(t *testing.T) {
	t.Parallel()
	rule := ": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters (e.g. 'my-name')"
	tests := []struct {
		name    string
		wantErr string // "" = valid
	}{
		{name: "demo"},
		{name: "a"},
		{name: "my-app-1"},
		{name: "0abc"},
		{name: strings.Repeat("a", 63)},
		{name: "Demo", wantErr: `invalid namespace name "Demo": character "D" at position 1 is not allowed` + rule},
		{name: "my_app", wantErr: `invalid namespace name "my_app": character "_" at position 3 is not allowed` + rule},
		{name: "-demo", wantErr: `invalid namespace name "-demo": character "-" at position 1 is not allowed at the start` + rule},
		{name: "demo-", wantErr: `invalid namespace name "demo-": character "-" at position 5 is not allowed at the end` + rule},
		{name: "a.b", wantErr: `invalid namespace name "a.b": character "." at position 2 is not allowed` + rule},
		{name: "", wantErr: `invalid namespace name "": must not be empty` + rule},
		{name: "AbC", wantErr: `invalid namespace name "AbC": character "A" at position 1 is not allowed; character "C" at position 3 is not allowed` + rule},
		{name: "ABCDE", wantErr: `invalid namespace name "ABCDE": character "A" at position 1 is not allowed; character "B" at position 2 is not allowed; character "C" at position 3 is not allowed; and 2 more` + rule},
		{name: strings.Repeat("a", 64), wantErr: `invalid namespace name "` + strings.Repeat("a", 64) + `": it is 64 characters long, more than 63` + rule},
		{name: "dé", wantErr: `invalid namespace name "dé": character "é" at position 2 is not allowed` + rule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateNamespaceName(tt.name)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateNamespaceName(%q) = %v, want nil", tt.name, err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("ValidateNamespaceName(%q)\n got: %v\nwant: %s", tt.name, err, tt.wantErr)
			}
		})
	}
}

func TestValidateLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		labels map[string]string
		want   []string // substrings, one per line, in order
	}{
		{name: "valid", labels: labelsOf(LabelInjection, "enabled", LabelRevision, "1-22", "team", "", "app.kubernetes.io/name", "x")},
		{name: "nil", labels: nil},
		{name: "bad value", labels: labelsOf("team", "a b"), want: []string{`invalid value "a b" for label "team": a valid label must be`}},
		{name: "bad key", labels: labelsOf("bad key", "x"), want: []string{`invalid label key "bad key": name part must consist of`}},
		{
			name:   "every problem sorted by key",
			labels: labelsOf("zz", "-bad-", "a/b/c", "ok", "Mid", strings.Repeat("v", 64)),
			want: []string{
				`invalid value "` + strings.Repeat("v", 64) + `" for label "Mid": must be no more than 63 bytes`,
				`invalid label key "a/b/c": a valid label key must consist of`,
				`invalid value "-bad-" for label "zz": a valid label must be`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateLabels(tt.labels)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("ValidateLabels = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateLabels = nil, want %d errors", len(tt.want))
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestValidateLabelKeyAndValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value     string
		keyOK, valueOK bool
	}{
		{LabelInjection, "enabled", true, true},
		{"example.com/x", "A_b.c-1", true, true},
		{"", "x", false, true},
		{"x", "no spaces", true, false},
		{"/x", "ok", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			if err := ValidateLabelKey(tt.key); (err == nil) != tt.keyOK {
				t.Errorf("ValidateLabelKey(%q) = %v", tt.key, err)
			}
			if err := ValidateLabelValue(tt.key, tt.value); (err == nil) != tt.valueOK {
				t.Errorf("ValidateLabelValue(%q) = %v", tt.value, err)
			}
		})
	}
}
