# The project's everyday commands. Each is also spelled out in README.md.
GO ?= go

.PHONY: test lint bench example real-deps test-real oracle oracle-e2e kind-image test-kind

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

# The real control plane's programs (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok), built once from Go sources
# at pinned versions into ~/.cache/meshtwin/bin (about 15 minutes cold).
real-deps:
	$(GO) run ./cmd/real-deps

# The tests that start real control planes and kind nodes, failing (not
# skipping) when a binary, the Docker engine or the node image is missing.
test-real: real-deps kind-image
	MESHTWIN_REQUIRE_REAL=1 $(GO) test -count=1 -v -run Integration ./realk8s/...

# kind without an image registry: a Docker engine (Debian's docker.io,
# installed and started when none answers; on hosts lacking
# CAP_SYS_RESOURCE with cmd/meshtwin-runc as its default runtime) and a kind
# node image built from Debian packages and Go sources, cached by version
# and recipe (realk8s/kindnode). Prints the image's reference.
kind-image:
	$(GO) run ./cmd/kind-image

# The Gherkin features on kind clusters with real kubelets, after sim and
# local: ensures the Docker engine and the node image (as kind-image),
# creates the kind clusters (one per cluster shape of the scenarios, reset
# between scenarios), runs every feature that applies to kind, deletes the
# clusters (MESHTWIN_KIND_KEEP=1 keeps them for the next run) and prints
# the parity table across sim, local and kind.
test-kind: real-deps
	@log=$$(mktemp); start=$$(date +%s); \
	if ! MESHTWIN_BACKEND=sim,local,kind MESHTWIN_REQUIRE_REAL=1 $(GO) test -count=1 -v -timeout 180m -run TestFeatures ./features/ >$$log 2>&1; then \
		grep -vE '^(=== RUN|    --- PASS)' $$log | tail -150; echo "log: $$log"; exit 1; fi; \
	sed -n '/^Parity/,$$p' $$log | grep -vE '^(--- PASS|    --- PASS|PASS$$|ok )'; \
	echo "test-kind: $$(( $$(date +%s) - start )) s"; rm -f $$log

# Upstream Istio's own injector against the model's istio profile, in the
# separate module oracle/ (Istio's dependencies stay out of the main module).
# Prints, last, "oracle: N cases, D disagreements"; fails on a class of
# disagreement not listed in oracle/known-divergences.
ORACLE_CASES ?= 5000
oracle:
	cd oracle && $(GO) vet . && $(GO) run . -cases $(ORACLE_CASES)

# The oracle's end-to-end tier: upstream istiod (pilot-discovery, built once
# from the istio.io/istio oracle/ requires and cached in
# ~/.cache/meshtwin/bin) serving the chart's webhooks to a local control
# plane, random pods created through the real API server and compared with
# the model's prediction. Prints, last, "oracle e2e: N pods, D disagreements".
ORACLE_E2E_PODS ?= 200
oracle-e2e: real-deps
	cd oracle && $(GO) vet . && $(GO) run . -e2e -cases $(ORACLE_E2E_PODS)
