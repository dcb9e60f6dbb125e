package steps

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummaryReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		required []string
		record   func(s *Summary)
		lines    []string
		wantErr  string
	}{
		{
			name:     "every required tag passed",
			required: []string{"B01", "B02"},
			record: func(s *Summary) {
				s.Record([]string{"@B01"}, true)
				s.Record([]string{"@B01", "@B02"}, true)
				s.Record([]string{"@B02", "@validation"}, false)
			},
			lines: []string{"B01  2 passed", "B02  1 passed, 1 failed", "validation  0 passed, 1 failed"},
		},
		{
			name:     "a tag with only failures and one with none",
			required: []string{"B01", "B02", "B03"},
			record: func(s *Summary) {
				s.Record([]string{"@B01"}, true)
				s.Record([]string{"@B02"}, false)
			},
			lines:   []string{"B02  0 passed, 1 failed  NO PASSING SCENARIO", "B03  0 passed  NO PASSING SCENARIO"},
			wantErr: "no passing scenario for 2 of the required tags: B02, B03",
		},
		{
			name:     "a tag repeated on one scenario counts once",
			required: []string{"B01"},
			record:   func(s *Summary) { s.Record([]string{"@B01", "@B01"}, true) },
			lines:    []string{"B01  1 passed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewSummary(tt.required)
			tt.record(s)
			var out bytes.Buffer
			err := s.Report(&out)
			for _, l := range tt.lines {
				if !containsLine(out.String(), l) {
					t.Errorf("expected the report to have line %q, got:\n%s", l, out.String())
				}
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("expected no error, got %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("expected error %q, got %v", tt.wantErr, err)
			}
		})
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.Join(strings.Fields(l), " ") == strings.Join(strings.Fields(line), " ") {
			return true
		}
	}
	return false
}

func TestBehaviourIDs(t *testing.T) {
	t.Parallel()
	ids := BehaviourIDs(36)
	if len(ids) != 36 || ids[0] != "B01" || ids[8] != "B09" || ids[35] != "B36" {
		t.Errorf("expected B01..B36, got %v", ids)
	}
}
