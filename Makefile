# The README's commands. `make run` and `make test` do all set-up on a fresh Debian 12 machine.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/examples/dev.yaml

# Test stages (README "Test stages"): each sanitizer has its own build folder. ccache keeps
# rebuilds cheap; its cache lives outside the tree so clean clones share it.
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_CI_SECONDS ?= 20
export CCACHE_DIR ?= /var/cache/rivet-ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE ?= 10G
# Every sanitizer report, from a test or from a rivetd/rivetctl it starts, goes to a file:
# a report in a child process whose exit status a test ignores is still a failure.
SAN_COMMON := print_stacktrace=1
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1:log_path=$(abspath $(ASAN_BUILD))/sanitizer-logs/asan \
           UBSAN_OPTIONS=$(SAN_COMMON):halt_on_error=1:log_path=$(abspath $(ASAN_BUILD))/sanitizer-logs/ubsan
TSAN_ENV = TSAN_OPTIONS=second_deadlock_stack=1:history_size=4:suppressions=$(CURDIR)/cmake/tsan.supp:log_path=$(abspath $(TSAN_BUILD))/sanitizer-logs/tsan
# Excluded from the sanitizer stages (README "Test stages" says why). The probe tests need the
# probe child to die of SIGSEGV, which the sanitizers' own SEGV handler turns into exit 1.
SAN_PROBE_CRASH := PluginLoader\.FlippedRelocationBytesCrashOnlyTheProbeNotThisProcess|HotDrop\.TruncatedOrCrashingDroppedFilesAreRefusedAndTheNodeServesOn|PluginCheck/PluginCheckRefuses\..*/flipped_bytes
SAN_RSS := ChannelLimits\.ContentLengthOverLimitGets413BeforeTheBodyAndClosesTheConnection|ChannelLimits\.ChunkedBodyOverLimitGets413AndBuffersAtMostTheLimit
# Under ASan the RSS bounds run once the test scales them by RIVET_TEST_RSS_PERCENT.
ASAN_RSS := $(if $(shell grep -l RIVET_TEST_RSS_PERCENT tests/integration/channel_limits_test.cpp 2>/dev/null),,|$(SAN_RSS))
ASAN_EXCLUDE ?= ^($(SAN_PROBE_CRASH)$(ASAN_RSS))
TSAN_EXCLUDE ?= ^($(SAN_PROBE_CRASH)|$(SAN_RSS))
SAN_JOBS ?= $(JOBS)

.PHONY: all deps configure build test run mesh install format clean \
        test-asan test-tsan fuzz fuzz-ci fuzz-build package test-package

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: configure
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# The A2A interoperability tests drive the real @a2a-js/sdk (pinned, from npm, into the build
# folder); scripts/install-a2a-test-deps.sh fails loudly when it cannot be installed.
test: build
	@scripts/install-a2a-test-deps.sh $(BUILD)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

# $(1) build folder, $(2) RIVET_SANITIZE
define san_configure
	@test -f $(1)/CMakeCache.txt || cmake -S . -B $(1) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRIVET_SANITIZE=$(2) > /dev/null
endef
# $(1) build folder, $(2) environment, $(3) tests to exclude: runs the suite, prints every
# sanitizer report any process wrote, and fails on a failed test or on any report.
define san_test
	@rm -rf $(1)/sanitizer-logs && mkdir -p $(1)/sanitizer-logs
	@status=0; $(2) ctest --test-dir $(1) --output-on-failure -j $(SAN_JOBS) --timeout 600 \
	  -E '$(3)' || status=$$?; \
	for f in $(1)/sanitizer-logs/*; do \
	  if [ -f "$$f" ] && grep -q probeInChild "$$f" && grep -q "SEGV on unknown address" "$$f"; then \
	    echo "$(1): $$f: a plugin probe child crashed on a broken fixture, as designed"; rm "$$f"; fi; \
	done; \
	if ls $(1)/sanitizer-logs/* > /dev/null 2>&1; then \
	  for f in $(1)/sanitizer-logs/*; do echo "--- $$f"; cat "$$f"; done; \
	  echo "$(1): $$(ls $(1)/sanitizer-logs | wc -l) sanitizer report file(s) above"; status=1; \
	fi; exit $$status
endef

test-asan: deps
	$(call san_configure,$(ASAN_BUILD),address)
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	@scripts/install-a2a-test-deps.sh $(ASAN_BUILD)
	$(call san_test,$(ASAN_BUILD),$(ASAN_ENV),$(ASAN_EXCLUDE))

test-tsan: deps
	$(call san_configure,$(TSAN_BUILD),thread)
	@cmake --build $(TSAN_BUILD) -j $(JOBS) -- --no-print-directory
	@scripts/install-a2a-test-deps.sh $(TSAN_BUILD)
	$(call san_test,$(TSAN_BUILD),$(TSAN_ENV),$(TSAN_EXCLUDE))

fuzz-build: deps
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIVET_SANITIZE=fuzzer -DRIVET_BUILD_FUZZERS=ON \
	  -DRIVET_BUILD_TESTS=OFF > /dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers -- --no-print-directory

fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-ci: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_CI_SECONDS)

run: build
	@scripts/dev-run.sh $(BUILD) $(CONFIG)

mesh: build
	@scripts/dev-mesh.sh $(BUILD)

install: build
	@cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

# Debian packages rivet-mesh and rivet-mesh-dev in $(BUILD) (docs/operations.md, "Packages").
package: build
	@rm -f $(BUILD)/rivet-mesh_*.deb $(BUILD)/rivet-mesh-dev_*.deb
	@cd $(BUILD) && cpack -G DEB | grep -E '^CPack: - package: ' || { echo "make package: cpack failed; cd $(BUILD) && cpack -G DEB shows why" >&2; exit 1; }

# The packages checked (packaging/test-package.sh): lintian, systemd-analyze, and the packaged
# rivetd and rivetctl run from a scratch root.
test-package: package
	@packaging/test-package.sh $(BUILD)

format:
	@git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)

# The status page in headless Chromium (tests/browser/run.sh); installs chromium, npm and a
# pinned puppeteer-core into $(BUILD)/browser-test first.
.PHONY: test-browser
test-browser: build
	scripts/install-browser-deps.sh $(BUILD)
	tests/browser/run.sh $(BUILD)
