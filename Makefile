# kommo-bulk: the two commands a new machine needs are `make demo` and `make test`.
GO      ?= go
PKGS    := ./...
BIN     := bin/kommo-bulk
WASMPKG := ./wasm/... ./engine/... ./migrate/... ./sheet/... ./value/...

.PHONY: all build test vet fmt-check unit wasm wasm-deps wasm-build browser-deps browser-test browser-bench demo bench emulator soak libreoffice-check clean

# The browser engine: the wasm module and the wasm_exec.js of the same Go,
# embedded by the web package into "kommo-bulk serve".
WASM_OUT  := web/dist/kommo-bulk.wasm
WASM_EXEC := web/dist/wasm_exec.js
E2E       := web/e2e

all: build

build: wasm-build
	$(GO) build -o $(BIN) ./cmd/kommo-bulk

## test: everything CI checks (formatting, vet, race tests, the wasm build, the browser suite)
test: fmt-check vet wasm-deps unit wasm browser-test

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit: wasm-build
	KOMMO_BULK_REQUIRE_WASM=1 $(GO) test -race -count=1 $(PKGS)

wasm:
	GOOS=js GOARCH=wasm $(GO) vet ./mapping/... $(WASMPKG)
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./mapping/... $(WASMPKG)

## wasm-deps: ./wasm links none of the native-only libraries (excelize, gocsv, the
# packages built on them: workbook, tables), nor html/template, nor net/http's Transport (it
# fetches through the browser; net/http itself is in its deps for kommo's types, so the
# check reads the function names of an unstripped build)
WASM_NATIVE_ONLY := ^(github.com/xuri/excelize|github.com/gocarina/gocsv|github.com/kommo-bulk/kommo-bulk/(workbook|tables)|html/template$$)
wasm-deps:
	@bad=$$(GOOS=js GOARCH=wasm $(GO) list -deps ./wasm | grep -E '$(WASM_NATIVE_ONLY)'); \
	if [ -n "$$bad" ]; then echo "./wasm must not import:"; echo "$$bad"; exit 1; fi
	@tmp=$$(mktemp); GOOS=js GOARCH=wasm $(GO) build -o $$tmp ./wasm || { rm -f $$tmp; exit 1; }; \
	if grep -a -q -F 'net/http.(*Transport).' $$tmp; then rm -f $$tmp; echo "./wasm links net/http's Transport"; exit 1; fi; rm -f $$tmp

## libreoffice-check: LibreOffice Calc (headless) reads a template and an edit export as
# written: lists, validations, hidden sheets, formulas (needs libreoffice-calc-nogui;
# not part of test: it starts LibreOffice several times)
libreoffice-check:
	@command -v soffice >/dev/null 2>&1 || { echo "installing Debian's libreoffice-calc-nogui"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui; }
	$(GO) test -tags libreoffice -run '^TestLibreOffice' -count=1 -v ./workbook/

## wasm-build: the engine for the browser, into web/dist (before any go build or test of cmd),
# with its gzip -9 and Brotli (quality 11) forms for serve
# (files are replaced only when they change, so go's test cache holds)
wasm-build:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASM_OUT).tmp ./wasm
	@if cmp -s $(WASM_OUT).tmp $(WASM_OUT) && [ -f $(WASM_OUT).gz ] && [ -f $(WASM_OUT).br ]; then rm $(WASM_OUT).tmp; \
	else mv $(WASM_OUT).tmp $(WASM_OUT) && gzip -9 -n -k -f $(WASM_OUT) && \
		echo "compressing $(WASM_OUT) with brotli (quality 11, ~30 s)" && $(GO) run ./web/internal/precompress $(WASM_OUT) && \
		echo "built $(WASM_OUT), $(WASM_OUT).gz and $(WASM_OUT).br"; fi
	@cmp -s "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_EXEC) || cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_EXEC)

## browser-deps: Debian's chromium and npm's playwright-core (never a downloaded browser)
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi
	@command -v npm >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
	@if [ ! -d $(E2E)/node_modules/playwright-core ] || [ $(E2E)/package-lock.json -nt $(E2E)/node_modules/.package-lock.json ]; then \
		cd $(E2E) && npm ci --no-audit --no-fund --ignore-scripts; \
	fi

## browser-test: the page, the module and serve end to end in headless Chromium (screenshots in test-artifacts/)
browser-test: build browser-deps
	cd $(E2E) && KOMMO_BULK_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 --test-reporter=spec *.test.mjs

## browser-bench: .wasm size, parse+validate of 100k rows in the browser vs native, page load to ready
browser-bench: build browser-deps
	cd $(E2E) && KOMMO_BULK_BIN=$(CURDIR)/$(BIN) node bench.mjs

## demo: run a short session against the built-in emulator and show the result
demo:
	$(GO) run ./cmd/kommo-bulk demo

## emulator: serve the emulator on 127.0.0.1:8077 (token from KOMMO_TOKEN, default dev-token)
emulator:
	KOMMO_TOKEN=$${KOMMO_TOKEN:-dev-token} $(GO) run ./cmd/kommo-bulk emulator --state $${STATE:-emulator-state.json}

## bench: Go benchmarks (figures are ratios measured in one run)
bench: wasm-build
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)
	$(MAKE) browser-bench

## soak: kill -9 an import and a migration at random moments, then start two resumers at once,
# SOAK_ROUNDS times each (default 20; SOAK_SEED repeats a run); asserts nothing lost or
# written twice. Not part of test: it runs some 250 processes.
soak: wasm-build
	$(GO) test -tags soak -run '^TestSoak$$' -count=1 -v -timeout 60m ./cmd/kommo-bulk/

clean:
	rm -rf bin test-artifacts $(E2E)/node_modules
	rm -f $(WASM_OUT) $(WASM_OUT).gz $(WASM_OUT).br $(WASM_EXEC)
