# The two commands of README.md. Each installs what it needs first (scripts/setup.sh).
SWIFT ?= swift
DEMO_OUT ?= Reports/demo

.PHONY: setup build release test demo clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: setup
	$(SWIFT) test

demo: release
	@scripts/demo.sh "$(DEMO_OUT)"

clean:
	rm -rf .build $(DEMO_OUT)
