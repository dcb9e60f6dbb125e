package steps

import (
	"strings"
	"testing"
)

func TestContainsLines(t *testing.T) {
	t.Parallel()
	got := "NAME READY\nold-1 1/1\nold-2 1/1\nnew-1 0/2\n"
	tests := []struct {
		name  string
		want  string
		match bool
	}{
		{"one line", "new-1 0/2", true},
		{"in order with gaps", "NAME READY\nnew-1 0/2", true},
		{"each expected line needs its own line", "old-* 1/1\nold-* 1/1", true},
		{"three matches needed, two present", "old-* 1/1\nold-* 1/1\nold-* 1/1", false},
		{"out of order", "new-1 0/2\nNAME READY", false},
		{"indentation is ignored", "    old-1   1/1", true},
		{"star inside a word", "new-* */2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ContainsLines(got, tt.want) != tt.match {
				t.Errorf("ContainsLines(%q): expected %t, got %t", tt.want, tt.match, !tt.match)
			}
		})
	}
}

func TestColumnValues(t *testing.T) {
	t.Parallel()
	wide := strings.Join([]string{
		"NAME                      READY   STATUS    RESTARTS   AGE   IP              NODE                           NOMINATED NODE   READINESS GATES",
		"my-app-6b7d8f9c4d-abc12   2/2     Running   0          30s   192.168.0.4     virtual-kubelet-cn-beijing-i   <none>           <none>",
		"my-app-6b7d8f9c4d-def34   1/1     Running   0          28s   10.0.0.5        node-1                         <none>           <none>",
		"web                       1/1     Pending   0          1s    <none>          <none>                         <none>           <none>",
	}, "\n")
	tests := []struct {
		name    string
		table   string
		column  string
		row     string
		want    map[string]string
		wantErr string
	}{
		{"exact row", wide, "READY", "web", map[string]string{"web": "1/1"}, ""},
		{"prefix rows", wide, "READY", "my-app-*", map[string]string{"my-app-6b7d8f9c4d-abc12": "2/2", "my-app-6b7d8f9c4d-def34": "1/1"}, ""},
		{"column after a two-word header", wide, "NODE", "my-app-6b7d8f9c4d-abc12", map[string]string{"my-app-6b7d8f9c4d-abc12": "virtual-kubelet-cn-beijing-i"}, ""},
		{"two-word header", wide, "NOMINATED NODE", "web", map[string]string{"web": "<none>"}, ""},
		{"name column not first", "NAMESPACE   NAME   READY\ndemo        web    2/2", "READY", "web", map[string]string{"web": "2/2"}, ""},
		{"labels column", "NAME   STATUS   AGE   LABELS\ndemo   Active   5s    a=b,c=d", "LABELS", "demo", map[string]string{"demo": "a=b,c=d"}, ""},
		{"unknown column", wide, "AGEX", "web", nil, "expected a table with a AGEX column, got none"},
		{"earlier output before the header", "pod/web created\nNAME   READY\nweb    2/2", "READY", "web", map[string]string{"web": "2/2"}, ""},
		{"the last table counts", "NAME   READY\nweb    1/1\nnamespace/demo labeled\nNAME   READY\nweb    2/2", "READY", "web", map[string]string{"web": "2/2"}, ""},
		{"unknown row", wide, "READY", "nginx", nil, `expected a row for "nginx"`},
		{"empty output", "", "READY", "web", nil, "got no output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ColumnValues(tt.table, tt.column, tt.row)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("expected an error containing %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("expected no error, got %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("expected %v, got %v", tt.want, got)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("expected %s=%q, got %q", k, v, got[k])
				}
			}
		})
	}
}
