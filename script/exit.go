package script

import "fmt"

// ExitError is a command that failed the way a shell command fails: with
// an exit code. Its message was already written to the command's error
// stream in the real tool's words, exactly once; callers must not print it
// again. Line, when not zero, is the script line of the failing command.
type ExitError struct {
	Code int
	Line int
	Err  error
}

// Error renders the failure for logs: the line, when known, and the
// cause (or the exit status when there is none).
func (e *ExitError) Error() string {
	msg := fmt.Sprintf("exit status %d", e.Code)
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return msg
}

// Unwrap returns the cause, so errors.Is and errors.As see through.
func (e *ExitError) Unwrap() error { return e.Err }
