package script

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGrep(t *testing.T) {
	t.Parallel()
	input := "NAME    READY   STATUS\nnginx   2/2     Running\nweb-1   1/1     Pending\nA|B\na.b\naxb\n-v\n"
	tests := []struct {
		args string
		want string
		code int
	}{
		{"nginx", "nginx   2/2     Running\n", 0},
		{"-v Running", "NAME    READY   STATUS\nweb-1   1/1     Pending\nA|B\na.b\naxb\n-v\n", 0},
		{"-i NGINX", "nginx   2/2     Running\n", 0},
		{"-c /", "2\n", 0},
		{"-vc /", "5\n", 0},
		{"-q nginx", "", 0},
		{"'A|B'", "A|B\n", 0}, // | is literal in a basic regexp
		{`'nginx\|web'`, "nginx   2/2     Running\nweb-1   1/1     Pending\n", 0}, // \| is alternation
		{"-E 'nginx|web'", "nginx   2/2     Running\nweb-1   1/1     Pending\n", 0},
		{"-E 'A\\|B'", "A|B\n", 0},
		{"a.b", "a.b\naxb\n", 0},
		{"-F a.b", "a.b\n", 0},
		{"'[0-9]/[0-9] *Running'", "nginx   2/2     Running\n", 0},
		{"'2/2 \\+Running'", "nginx   2/2     Running\n", 0},
		{"-w web", "web-1   1/1     Pending\n", 0},
		{"-w we", "", 1},
		{"-x a.b", "a.b\naxb\n", 0},
		{"-e -v", "-v\n", 0},
		{"-- -v", "-v\n", 0},
		{"--regexp=-v", "-v\n", 0},
		{"Running -c", "1\n", 0}, // flags after the pattern, as GNU grep
		{"'^[[:upper:]]'", "NAME    READY   STATUS\nA|B\n", 0},
		{"zzz", "", 1},
		{"-c zzz", "0\n", 1},
		{"-z x", "", 2},
		{"", "", 2},
		{"x file.txt", "", 2},
		{"-E '('", "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			cmds, err := Parse("", "grep "+tt.args)
			require.NoError(t, err)
			require.Len(t, cmds, 1)
			var out, errOut bytes.Buffer
			err = Grep(cmds[0].Stages[0].Args[1:], strings.NewReader(input), &out, &errOut)
			code := 0
			if err != nil {
				var ee *ExitError
				require.ErrorAs(t, err, &ee)
				code = ee.Code
			}
			assert.Equal(t, tt.code, code, "exit code (stderr %q)", errOut.String())
			assert.Equal(t, tt.want, out.String())
			if tt.code == 2 {
				assert.True(t, strings.HasPrefix(errOut.String(), "grep: "), "stderr = %q, want a grep: error", errOut.String())
			}
		})
	}
}
