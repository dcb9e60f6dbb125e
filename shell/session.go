package shell

import "math/rand/v2"

// Options configure a Session.
type Options struct {
	// Seed fixes every random choice the session makes.
	Seed int64
	// Dir is the folder relative file names (kubectl apply -f FILE) are
	// read from; empty means the process's working directory.
	Dir string
}

// Session is one user's shell against a backend: the current kubectl
// context and the commands run so far live here, nowhere else. A Session
// is not safe for concurrent use: like a terminal, it runs one command at
// a time.
type Session struct {
	backend Backend
	opts    Options
	// context is the current kubectl context: "" until the first cluster
	// joins the mesh, then that cluster, or what `kubectl config
	// use-context` chose.
	context string
	// rng is the session's only source of randomness, seeded by
	// Options.Seed.
	rng *rand.Rand
}

// NewSession returns a session on b.
func NewSession(b Backend, opts Options) *Session {
	seed := uint64(opts.Seed)
	return &Session{
		backend: b,
		opts:    opts,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// CurrentContext is the current kubectl context: a cluster's name,
// "asm" for the mesh instance, or "" before any cluster joined the mesh.
func (s *Session) CurrentContext() string { return s.context }
