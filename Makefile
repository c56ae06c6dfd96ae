# kommo-bulk: the two commands a new machine needs are `make demo` and `make test`.
GO      ?= go
PKGS    := ./...
BIN     := bin/kommo-bulk
WASMPKG := ./wasm/...

.PHONY: all build test vet fmt-check unit wasm demo bench emulator clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/kommo-bulk

## test: everything CI checks (formatting, vet, race tests, the wasm build)
test: fmt-check vet unit wasm

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 $(PKGS)

wasm:
	GOOS=js GOARCH=wasm $(GO) vet ./mapping/... $(WASMPKG)
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./mapping/... $(WASMPKG)

## demo: run a short session against the built-in emulator and show the result
demo:
	$(GO) run ./cmd/kommo-bulk demo

## emulator: serve the emulator on 127.0.0.1:8077 (token from KOMMO_TOKEN, default dev-token)
emulator:
	KOMMO_TOKEN=$${KOMMO_TOKEN:-dev-token} $(GO) run ./cmd/kommo-bulk emulator --state $${STATE:-emulator-state.json}

## bench: Go benchmarks (figures are ratios measured in one run)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

clean:
	rm -rf bin
