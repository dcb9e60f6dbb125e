package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profileFlags are sim run's --cpuprofile and --memprofile: where to
// write pprof profiles of the run ("" for none).
type profileFlags struct {
	cpu, mem string
}

func (p *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the run to `FILE` (read it with go tool pprof)")
	fs.StringVar(&p.mem, "memprofile", "", "write a heap profile, taken when the run ends, to `FILE` (read it with go tool pprof)")
}

// start begins the CPU profile, if asked for; stop ends it and writes the
// heap profile, if asked for. A file that cannot be created fails start,
// before anything has run.
func (p *profileFlags) start() (stop func() error, err error) {
	var cpuFile, memFile *os.File
	if p.mem != "" {
		if memFile, err = os.Create(p.mem); err != nil {
			return nil, fmt.Errorf("memory profile: %w", err)
		}
	}
	if p.cpu != "" {
		if cpuFile, err = os.Create(p.cpu); err != nil {
			closeFile(memFile)
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			closeFile(memFile)
			closeFile(cpuFile)
			return nil, fmt.Errorf("CPU profile %s: %w", p.cpu, err)
		}
	}
	return func() error {
		var errs []error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				errs = append(errs, fmt.Errorf("CPU profile: %w", err))
			}
		}
		if memFile != nil {
			runtime.GC() // the heap profile shows what is live at the end
			if err := pprof.WriteHeapProfile(memFile); err != nil {
				errs = append(errs, fmt.Errorf("memory profile %s: %w", p.mem, err))
			}
			if err := memFile.Close(); err != nil {
				errs = append(errs, fmt.Errorf("memory profile: %w", err))
			}
		}
		return errors.Join(errs...)
	}, nil
}

func closeFile(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}
