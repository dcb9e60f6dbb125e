package process_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/process"
)

// healthServer answers 503 to the first notReady checks, then 200.
func healthServer(t *testing.T, notReady int32) *httptest.Server {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= notReady {
			http.Error(w, "[-]etcd failed: not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func bash(script string) *process.Process {
	return &process.Process{Name: "stand-in", Path: "bash", Args: []string{"-c", script}}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStartWaitsForHealthThenStopEndsTheGroup(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")
	p := bash(`sleep 300 & echo $! > ` + pidFile + `; wait`)
	p.HealthURL = healthServer(t, 3).URL
	t.Cleanup(func() { _ = p.Stop() })

	require.NoError(t, p.Start(t.Context()))
	require.NoError(t, p.Exited(), "the program runs after a healthy start")

	var grandchild int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		grandchild, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
	require.True(t, alive(grandchild))

	require.NoError(t, p.Stop())
	require.NoError(t, p.Stop(), "Stop is idempotent")
	<-p.Done()
	assert.Eventually(t, func() bool { return !alive(grandchild) }, 5*time.Second, 10*time.Millisecond,
		"SIGTERM goes to the whole process group, the grandchild too")
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     string
		timeout    time.Duration
		sentinel   error
		wantInText []string
	}{
		{
			name:       "a crash fails at once with the exit status and the output's tail",
			script:     `echo starting; echo "panic: etcd cluster id mismatch" >&2; exit 3`,
			timeout:    time.Minute,
			sentinel:   process.ErrExited,
			wantInText: []string{"start stand-in: exited before it was ready (exit status 3)", "command: bash -c", "panic: etcd cluster id mismatch", "starting"},
		},
		{
			name:       "a taken port is recognised",
			script:     `echo "listen tcp 127.0.0.1:2379: bind: address already in use" >&2; exit 1`,
			timeout:    time.Minute,
			sentinel:   process.ErrPortInUse,
			wantInText: []string{"port in use", "bind: address already in use"},
		},
		{
			name:       "never healthy times out with the last health answer",
			script:     `echo serving; sleep 300`,
			timeout:    300 * time.Millisecond,
			sentinel:   process.ErrNotReady,
			wantInText: []string{"not healthy after 300ms", "503 Service Unavailable", "[-]etcd failed: not ready", "serving"},
		},
		{
			name:       "a missing program",
			script:     "",
			timeout:    time.Minute,
			wantInText: []string{"start stand-in:", "no-such-program-here", "it printed nothing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := bash(tt.script)
			if tt.script == "" {
				p.Path, p.Args = "/no-such-program-here", nil
			}
			p.HealthURL = healthServer(t, 1<<30).URL
			p.StartTimeout = tt.timeout
			t.Cleanup(func() { _ = p.Stop() })

			began := time.Now()
			err := p.Start(t.Context())
			require.Error(t, err)
			assert.Less(t, time.Since(began), 20*time.Second, "a failure is reported when it happens, not at a timeout")
			var se *process.StartError
			require.ErrorAs(t, err, &se)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			}
			for _, want := range tt.wantInText {
				assert.Contains(t, err.Error(), want)
			}
			select {
			case <-p.Done():
			case <-time.After(15 * time.Second):
				t.Fatal("a failed start leaves the program running")
			}
		})
	}
}

func TestStartEndsWithTheContext(t *testing.T) {
	t.Parallel()
	p := bash(`sleep 300`)
	p.HealthURL = healthServer(t, 1<<30).URL
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	err := <-done
	require.ErrorIs(t, err, process.ErrNotReady)
	assert.ErrorContains(t, err, "context canceled")
	<-p.Done()
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	p := bash(`trap "" TERM; echo ignoring; while :; do sleep 0.05; done`)
	p.StopTimeout = 200 * time.Millisecond
	require.NoError(t, p.Start(t.Context()))
	require.Eventually(t, func() bool { return strings.Contains(p.Tail(1), "ignoring") }, 5*time.Second, 10*time.Millisecond)
	err := p.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "killed after it ignored SIGTERM for 200ms")
	<-p.Done()
}

func TestStopBeforeStartIsHarmless(t *testing.T) {
	t.Parallel()
	p := bash(`true`)
	require.NoError(t, p.Stop())
	require.NoError(t, p.Stop())
}
