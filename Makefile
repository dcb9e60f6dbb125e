# The project's everyday commands. Each is also spelled out in README.md.
GO ?= go

.PHONY: test lint bench example

# The whole suite, as CI runs it.
test:
	$(GO) test -race -count=1 ./...

# gofmt must have nothing to say; go vet must pass.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Benchmarks with memory figures; compare ratios within one run.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The README's first command.
example:
	$(GO) run ./cmd/sim run --echo examples/003-eci-virtual-nodes.txt
