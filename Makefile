# The two commands of README.md. Each installs what it needs first (scripts/setup.sh).
SWIFT ?= swift
DEMO_OUT ?= Reports/demo

.PHONY: setup build release test demo clean psf-study fuzz libfuzzer

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The browser test (headless Chromium drives the web app and every lesson; a release build, then ~45 s, plus installing chromium once)
# runs first, so the Swift Testing summary stays the last line; BROWSER_TEST=0 skips it.
BROWSER_TEST ?= 1
test: setup
	@if [ "$(BROWSER_TEST)" != 0 ]; then scripts/browser-test.sh "$$(mktemp -d)/browser-test.png"; fi
	$(SWIFT) test

demo: release
	@scripts/demo.sh "$(DEMO_OUT)"

# The fuzz targets (deblur fuzz; issue #28): a million mutated inputs per target, or FUZZ_SECONDS each.
FUZZ_SECONDS ?= 300
fuzz: release
	.build/release/deblur fuzz all --executions 1000000 --seconds $(FUZZ_SECONDS) -o .build/fuzz

# libFuzzer (coverage-guided) with AddressSanitizer: an instrumented build in .build-libfuzzer, then each
# target for FUZZ_SECONDS (scripts/libfuzzer.sh; FUZZ_RUNS=N for N inputs each instead).
libfuzzer: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/libfuzzer.sh

psf-study: release
	.build/release/deblur psf-study --data builtin -o Reports/psf-study

clean:
	rm -rf .build $(DEMO_OUT)
