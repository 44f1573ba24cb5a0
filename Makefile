# remit: a tiny static init for containers.
#   make          build ./remit (static; musl when musl-tools is installed)
#   make test     unit and end-to-end tests (installs what they need as root)
#   make demo     the nats-server case end to end
#   make bench    size, start-up, idle, reaping and signal figures vs peers
#   make fuzz     fuzz the rule parser for FUZZ_SECONDS
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60

# The binary: C++ with C headers only, no exceptions, RTTI or libstdc++,
# linked with gcc so no C++ runtime comes along.  musl-gcc's specs keep it
# tiny; without musl-tools, glibc -static works too (about 800 KB).
# Looked up when the recipe runs (=, not :=): `make demo` and `make test`
# install musl-tools only after the Makefile has been read.
MUSL_GCC = $(shell command -v musl-gcc 2>/dev/null)
BIN_CC = $(if $(MUSL_GCC),$(MUSL_GCC),gcc)
BIN_FLAGS := -x c++ -std=c++17 -nostdinc++ -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-stack-protector -Os -Wall -Wextra -ffunction-sections -fdata-sections
# common-page-size=64: the data segment starts right after the code in the
# file (mapped from the same page) instead of at the next 4 KiB boundary,
# which ld would otherwise pad the file to once the code passes 28 KiB.
BIN_LDFLAGS := -static -s -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=64

HEADERS := remap.hpp settings.hpp out.hpp

remit: init.cpp $(HEADERS) .build-cc
	$(BIN_CC) $(BIN_FLAGS) $(BIN_LDFLAGS) -o $@ init.cpp

# Which compiler built ./remit: when musl-tools arrives (make test installs
# it), a glibc ./remit from before is rebuilt rather than kept.
.build-cc: FORCE
	@echo '$(BIN_CC)' | cmp -s - $@ || echo '$(BIN_CC)' > $@

# Tests: every tests/*.cpp is one Criterion suite, linked into one runner.
TEST_SRC := $(wildcard tests/*.cpp)
TEST_CXXFLAGS := -std=c++17 -g -O1 -Wall -Wextra -Wno-missing-field-initializers -I.

tests/runner: $(TEST_SRC) $(wildcard tests/*.hpp) $(HEADERS)
	g++ $(TEST_CXXFLAGS) -o $@ $(TEST_SRC) -lcriterion

deps:
	@sh tests/deps.sh

# make test: the pure unit tests under ASan/UBSan, the fuzzer for a few
# seconds (make fuzz for longer), then every suite against ./remit; the
# last line is Criterion's count.
test: deps test-san fuzz-short remit tests/runner
	tests/runner --jobs 2

# The unit tests that start no process (remap.hpp, settings.hpp fed hostile
# input), again built with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_SRC := $(wildcard tests/remap_test.cpp) tests/reliability_test.cpp
SAN_SUITES := remap|reliability_unit
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

tests/runner-san: $(SAN_SRC) $(wildcard tests/*.hpp) $(HEADERS)
	g++ $(TEST_CXXFLAGS) $(SAN_FLAGS) -o $@ $(SAN_SRC) -lcriterion

test-san: deps tests/runner-san
	tests/runner-san --jobs 2 --filter '@($(SAN_SUITES))/*'

# libFuzzer on remap.hpp's parsers and matcher and on read_settings(), seeded
# from fuzz/corpus; what it finds goes to fuzz/found, crashes to fuzz/crash-*.
FUZZ_SHORT_SECONDS ?= 15
FUZZ_FLAGS := -std=c++17 -g -O1 -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

fuzz/remap_fuzz: fuzz/remap_fuzz.cpp $(HEADERS)
	clang++ $(FUZZ_FLAGS) -o $@ fuzz/remap_fuzz.cpp

fuzz: deps fuzz/remap_fuzz
	@mkdir -p fuzz/found
	fuzz/remap_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=fuzz/ fuzz/found fuzz/corpus

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS)

# remit itself built with ASan/UBSan (glibc, dynamic) under the end-to-end
# suites that do not depend on the static binary.  Not part of make test:
# it repeats them.  A sanitizer report makes remit exit 1, failing a test.
tests/remit-san: init.cpp $(HEADERS)
	g++ -x c++ -std=c++17 -g -O1 -fno-exceptions -fno-rtti $(SAN_FLAGS) -o $@ init.cpp

test-remit-san: deps tests/remit-san tests/runner
	REMIT_BIN=$(CURDIR)/tests/remit-san ASAN_OPTIONS=detect_leaks=0 \
		tests/runner --jobs 2 --filter '@(reliability|rules|shutdown)/*'

# The nats-server case end to end (tests/demo.sh); its packages first, so
# that musl-tools is there before ./remit is built.
demo-deps:
	@sh tests/demo.sh --deps

demo: demo-deps remit
	@sh tests/demo.sh

# Figures against tini-static, catatonit and dumb-init (bench/RESULTS.md).
bench: remit
	@sh bench/bench.sh

clean:
	rm -f remit .build-cc tests/runner tests/runner-san tests/remit-san fuzz/remap_fuzz
	rm -rf bench/build

install: remit
	install -D -m 755 remit $(DESTDIR)$(PREFIX)/bin/remit
	install -D -m 644 man/remit.1 $(DESTDIR)$(PREFIX)/share/man/man1/remit.1

.PHONY: deps test clean install demo demo-deps bench
.PHONY: test-san fuzz fuzz-short test-remit-san FORCE
