# remit: a tiny static init for containers.
#   make          build ./remit (static; musl when musl-tools is installed)
#   make check    the suites that need only ./remit and what is installed (2 min)
#   make test     unit and end-to-end tests (installs what they need as root)
#   make test-repeat  make test's suites N times (20) under load, per-test failures
#   make demo     the nats-server case end to end
#   make bench    size, start-up, idle, reaping and signal figures vs peers
#   make release  binaries, image and packages for every architecture, SHA256SUMS
#   make image    dist/remit-VERSION-image.tar, the multi-platform OCI image
#   make test-arch  each architecture's binary under qemu-user (in make test)
#   make fuzz     fuzz remit as a whole, then its parsers, for FUZZ_SECONDS
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60

# The binary: C++ with C headers only, no exceptions, RTTI or libstdc++,
# linked with gcc so no C++ runtime comes along.  musl-gcc's specs keep it
# tiny; LIBC=glibc builds with glibc -static on purpose (about 800 KB).
# Looked up when the recipe runs (=, not :=): `make demo` and `make test`
# install musl-tools only after the Makefile has been read.
MUSL_GCC = $(shell command -v musl-gcc 2>/dev/null)
LIBC ?= musl
BIN_CC = $(if $(filter glibc,$(LIBC)),gcc,$(MUSL_GCC))
BIN_FLAGS := -x c++ -std=c++20 -nostdinc++ -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-stack-protector -Os -Wall -Wextra -Wshadow -Wvla -ffunction-sections -fdata-sections \
	-fno-pie -fwhole-program
# A packager's flags (dpkg-buildflags) come last, so that they win; the
# release binaries (dist/) take none, so they stay the same bytes anywhere.
CPPFLAGS ?=
CXXFLAGS ?=
LDFLAGS ?=
# No stack protector, PIE or RELRO: 0.7-4 KB each, past 48 KiB on MIPS and
# ppc64el; every stack buffer's writes are bounds-checked instead (README,
# "Every architecture", has the figures).
# -fwhole-program: init.cpp is the whole program, so functions called once
# are inlined wherever they are defined (1.3 KB on MIPS).
# -fno-pie: a static executable is never relocated, so its code can use
# absolute addresses and its tables of pointers need no relocation (Debian's
# gcc builds for PIE unless told; 450 bytes on amd64).
# common-page-size=64: the data segment starts right after the code in the
# file (mapped from the same page) instead of at the next 4 KiB boundary,
# which ld would otherwise pad the file to once the code passes 28 KiB.
BIN_LDFLAGS := -no-pie -static -s -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=64

HEADERS := signals.hpp remap.hpp personality.hpp messages.hpp settings.hpp sys.hpp out.hpp report.hpp terminal.hpp supervise.hpp signal_source.hpp voice.hpp

# What a build says it is (`remit --version`): the commit, `unknown` outside
# git; the same commit gives the same bytes.  The image and the packages
# take that commit's time for every timestamp (SOURCE_DATE_EPOCH).
REVISION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
REV_FLAGS = -DREMIT_REVISION='"$(REVISION)"'

remit: init.cpp $(HEADERS) .build-cc .revision
	@[ -n "$(BIN_CC)" ] || { echo "make: no musl-gcc: apt-get install musl-tools" \
		"(make test and make demo do), or make LIBC=glibc for a glibc -static ./remit (about 800 KB)" >&2; exit 1; }
	$(BIN_CC) $(BIN_FLAGS) $(CPPFLAGS) $(CXXFLAGS) $(REV_FLAGS) $(BIN_LDFLAGS) $(LDFLAGS) -o $@ init.cpp
	strip -R .comment $@

# Release: one static binary per Debian architecture, each built with
# Debian's cross compiler and musl-dev:ARCH's wrapper where the archive has
# musl for ARCH, else glibc -static (400 to 700 KB): Debian 12 has no musl
# for riscv64, Debian 13 none for mips64el and mipsel.  Nothing in the
# files depends on where or when they were built (no debug info, no build
# id, paths mapped), so the same commit gives the same bytes anywhere with
# the same Debian release.
VERSION := $(shell sed -n 's/^\#define REMIT_VERSION "\(.*\)"/\1/p' personality.hpp)
ARCHS := amd64 arm64 armhf armel i386 ppc64el s390x riscv64 mips64el mipsel
CC_amd64 := x86_64-linux-musl-gcc
CC_arm64 := aarch64-linux-musl-gcc
CC_armhf := arm-linux-musleabihf-gcc
CC_armel := arm-linux-musleabi-gcc
CC_i386 := i386-linux-musl-gcc
CC_ppc64el := powerpc64le-linux-musl-gcc
CC_s390x := s390x-linux-musl-gcc
CC_riscv64 := riscv64-linux-musl-gcc
CC_mips64el := mips64el-linux-musl-gcc
CC_mipsel := mipsel-linux-musl-gcc
GXX_arm64 := aarch64-linux-gnu
GXX_armhf := arm-linux-gnueabihf
GXX_armel := arm-linux-gnueabi
GXX_i386 := i686-linux-gnu
GXX_ppc64el := powerpc64le-linux-gnu
GXX_s390x := s390x-linux-gnu
GXX_riscv64 := riscv64-linux-gnu
GXX_mips64el := mips64el-linux-gnuabi64
GXX_mipsel := mipsel-linux-gnu
# The packages: g++-TRIPLET and musl-dev:ARCH where the archive has it
# (tests/deps.sh adds the foreign architecture to dpkg first; `?`: optional).
ARCH_PKGS := musl-tools $(foreach a,$(filter-out amd64,$(ARCHS)),g++-$(GXX_$(a)) musl-dev:$(a)?)
# ARCH's compiler: musl's wrapper if installed, else the GNU one, glibc.
# Looked up when the recipe runs (=), after deps-release installed them.
arch_cc = $(if $(shell command -v $(CC_$(1)) 2>/dev/null),$(CC_$(1)),$(GXX_$(1))-gcc)
DIST := $(ARCHS:%=dist/remit-$(VERSION)-%)
# The compilers' names in .comment, which -s leaves: 100-230 bytes with
# its section header (the binutils of ARCH's cross compiler strip it).
arch_strip = $(if $(GXX_$(1)),$(GXX_$(1))-strip,strip)
REPRO_FLAGS := -ffile-prefix-map=$(CURDIR)=.
# Per-architecture size flags (make bench shows the sizes).  armel's default
# is ARM code; Thumb (armv5te has it, as armhf has Thumb-2) is 4 KB smaller.
# MIPS: plain non-PIC code (-mno-abicalls; musl's PIC objects still link),
# and on mips64el 32-bit symbol addresses (-msym32), so the program is
# linked low enough for them.  -mno-check-zero-division: remit only ever
# divides by constants (and division by zero is UB the sanitizer build checks).
# No sibling calls and sections sorted by alignment: less padding (about 200
# bytes; the MIPS and ppc64el builds are the ones closest to 48 KiB), and on
# MIPS no loop or shrink-wrapping transforms, which grow -Os code there
# (about 200 bytes on each).
# (BIN_LDFLAGS's common-page-size=64 keeps every target's data segment from
# being padded to a page boundary in the file, 64 KiB-page ones included.)
# ppc64el: no vector registers either (remit has nothing to vectorise; 256
# bytes of vector stores and loads for structure copies), and no clones with
# scalarised arguments (-fno-ipa-sra, as on MIPS), which push its TOC past a
# 256-byte boundary (256 bytes).
FLAGS_armel := -mthumb
SMALL_PAD := -fno-optimize-sibling-calls -Wl,--sort-section=alignment
MIPS_SMALL := -fno-tree-loop-optimize -fno-tree-loop-im -fno-shrink-wrap -fno-ipa-sra -fno-partial-inlining
FLAGS_ppc64el := -mno-vsx -mno-altivec -fno-ipa-sra $(SMALL_PAD)
FLAGS_mipsel := -mno-abicalls -mno-check-zero-division $(SMALL_PAD) $(MIPS_SMALL)
FLAGS_mips64el := -mno-abicalls -mno-check-zero-division $(SMALL_PAD) $(MIPS_SMALL) -msym32 -Wl,-Ttext-segment=0x400000

SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# The repository the image's labels and the packages point to, and who answers.
SOURCE_URL ?= https://example.invalid/remit
MAINTAINER ?= remit maintainers <maintainers@remit.invalid>
IMAGE := dist/remit-$(VERSION)-image.tar
DEBS := $(ARCHS:%=dist/remit_$(VERSION)_%.deb)

# make release refuses a version CHANGELOG.md has no section for, before
# building anything.
CHANGELOG ?= CHANGELOG.md
release: check-changelog
	@$(MAKE) --no-print-directory deps-release dist/SHA256SUMS

check-changelog:
	@grep -q '^## \[$(VERSION)\] - [0-9]' $(CHANGELOG) || { echo "make release:" \
		"$(CHANGELOG) has no section '## [$(VERSION)] - DATE': say what $(VERSION) changes first" >&2; exit 1; }

deps-release:
	@sh tests/deps.sh "make release" $(ARCH_PKGS)

dist/remit-$(VERSION)-%: init.cpp $(HEADERS) Makefile .revision
	@mkdir -p dist
	$(call arch_cc,$*) $(BIN_FLAGS) $(FLAGS_$*) $(REV_FLAGS) $(REPRO_FLAGS) $(BIN_LDFLAGS) -o $@ init.cpp
	$(call arch_strip,$*) -R .comment $@

dist/SHA256SUMS: $(DIST) $(IMAGE) $(DEBS)
	cd dist && sha256sum $(notdir $(DIST) $(IMAGE) $(DEBS)) > SHA256SUMS

# The image: FROM scratch, /remit, one platform per architecture (pkg/image.sh).
image: deps-release $(IMAGE)

$(IMAGE): $(DIST) pkg/image.sh
	sh pkg/image.sh $@ $(VERSION) $(REVISION) $(SOURCE_DATE_EPOCH) $(SOURCE_URL) \
		$(foreach a,$(ARCHS),$(a)=dist/remit-$(VERSION)-$(a))

deps-pkg:
	@sh tests/deps.sh "make test (package suite)" lintian mandoc

# The platforms suite: systemd-nspawn, and what its container's root holds.
deps-platforms:
	@sh tests/deps.sh "make test (platforms suite)" systemd-container nats-server busybox-static

# The Debian packages (pkg/deb.sh): /usr/bin/remit, the man page, the docs.
deb: deps-release $(DEBS)

dist/remit_$(VERSION)_%.deb: dist/remit-$(VERSION)-% pkg/deb.sh man/remit.1 README.md CHANGELOG.md LICENSE \
		$(wildcard docs/*.md docs/examples/*)
	sh pkg/deb.sh $@ $* $< $(VERSION) $(SOURCE_DATE_EPOCH) '$(MAINTAINER)' $(SOURCE_URL)

# The engines suite's user image for arm64 starts from this root filesystem.
build/base-arm64.tar: tests/foreign-base.sh
	@mkdir -p build
	sh tests/foreign-base.sh arm64 $(GXX_arm64) $@

# make test-arch: the core cases under qemu-user for every architecture,
# with a static test child built for each (tests/arch_child.c).
ARCH_CHILDREN := $(ARCHS:%=build/arch_child-%)

build/arch_child-%: tests/arch_child.c
	@mkdir -p build
	$(call arch_cc,$*) -static -Os -s -Wall -o $@ tests/arch_child.c

# binfmt-support: qemu-user-static only Recommends it (or a running
# systemd-binfmt), and without it a new VM registers no interpreter: the
# engines suite builds arm64 images through binfmt_misc.
deps-arch:
	@sh tests/deps.sh "make test-arch" $(ARCH_PKGS) qemu-user-static binfmt-support util-linux

test-arch: deps-arch $(DIST) $(ARCH_CHILDREN)
	@bash tests/arch.sh $(VERSION) $(ARCHS)

# The revision ./remit and dist/ were built from: a new commit rebuilds them.
.revision: FORCE
	@echo '$(REVISION)' | cmp -s - $@ || echo '$(REVISION)' > $@

# Which compiler and flags built ./remit: when musl-tools arrives (make test
# installs it) or the flags change, a ./remit from before is rebuilt.
.build-cc: FORCE
	@echo '$(BIN_CC) $(CPPFLAGS) $(CXXFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(BIN_CC) $(CPPFLAGS) $(CXXFLAGS) $(LDFLAGS)' > $@

# Tests: every tests/*.cpp is one Criterion suite, linked into one runner.
TEST_SRC := $(wildcard tests/*.cpp)
TEST_CXXFLAGS := -std=c++20 -g -O1 -Wall -Wextra -Wno-missing-field-initializers -I.

# One object a suite, so that make -j builds them side by side and a change
# to one suite rebuilds that one only.
TEST_OBJ := $(TEST_SRC:tests/%.cpp=build/tests/%.o)

build/tests/%.o: tests/%.cpp $(wildcard tests/*.hpp) $(HEADERS)
	@mkdir -p build/tests
	g++ $(TEST_CXXFLAGS) -c -o $@ $<

tests/runner: $(TEST_OBJ)
	g++ -o $@ $(TEST_OBJ) -lcriterion

deps:
	@sh tests/deps.sh

# make check: the suites that need only ./remit and what is installed
# (the peers, busybox-static, runc, mandoc), in about two minutes on 2 CPUs:
# nothing installed, no image, package or cross build; the objects built
# side by side.  A case whose peer or tool is missing or too old is a skip
# with its reason.  make test is the whole run.
CHECK_SUITES := core|supervise|rules|remap|output|report|reliability|reliability_unit|shutdown|stop|compat|docs|container
check: remit
	@$(MAKE) --no-print-directory -j$(shell nproc) tests/runner
	tests/runner --jobs 2 --filter '@($(CHECK_SUITES))/*'

# make test: the pure unit tests under ASan/UBSan, the fuzzer for a few
# seconds (make fuzz for longer), every suite against ./remit (its last line
# is Criterion's count), the parsing and output suites again against remit
# built with ASan/UBSan, then make test-arch.
# What the suites read besides ./remit: the image archive, the package and
# the engines suite's arm64 root (make test-repeat needs them too).
SUITE_INPUTS := remit tests/runner deps-release deps-arch deps-pkg deps-platforms $(IMAGE) \
		dist/remit_$(VERSION)_amd64.deb build/base-arm64.tar
test: deps test-san fuzz-short $(SUITE_INPUTS)
	tests/runner --jobs 2
	@$(MAKE) --no-print-directory test-remit-san
	@$(MAKE) --no-print-directory test-arch

# make test-repeat N=5: the suites make test runs, N times in a row with
# every CPU kept busy by stress-ng, then how often each test failed
# (tests/repeat.sh).  Long: not part of make test or .ci/run.
N ?= 20
test-repeat: deps $(SUITE_INPUTS) tests/runner-san tests/remit-san
	@sh tests/deps.sh "make test-repeat" stress-ng
	REMIT_SAN_SUITES='$(REMIT_SAN_SUITES)' sh tests/repeat.sh $(N)

# The unit tests that start no process (remap.hpp, settings.hpp fed hostile
# input), again built with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_SRC := $(wildcard tests/remap_test.cpp) tests/reliability_test.cpp tests/supervise_test.cpp
SAN_SUITES := remap|reliability_unit|supervise
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

tests/runner-san: $(SAN_SRC) $(wildcard tests/*.hpp) $(HEADERS)
	g++ $(TEST_CXXFLAGS) $(SAN_FLAGS) -o $@ $(SAN_SRC) -lcriterion

test-san: deps tests/runner-san
	tests/runner-san --jobs 2 --filter '@($(SAN_SUITES))/*'

# libFuzzer, one process (the machine is shared).  fuzz/remit_fuzz: remit
# as a whole, argv to exit status, its report and messages checked
# (fuzz/corpus, seeds written by fuzz/make_corpus.py); fuzz/remap_fuzz:
# remap.hpp's parsers and matcher (fuzz/corpus-remap), a quarter of the
# time.  What they find goes to fuzz/found*, crashes to fuzz/crash-*.
FUZZ_SHORT_RUNS ?= 20000
FUZZ_FLAGS := -std=c++20 -g -O1 -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

fuzz/remap_fuzz: fuzz/remap_fuzz.cpp $(HEADERS)
	clang++ $(FUZZ_FLAGS) -o $@ fuzz/remap_fuzz.cpp

fuzz/remit_fuzz: fuzz/remit_fuzz.cpp init.cpp $(HEADERS)
	clang++ $(FUZZ_FLAGS) -o $@ fuzz/remit_fuzz.cpp

fuzz: deps fuzz/remit_fuzz fuzz/remap_fuzz
	@mkdir -p fuzz/found fuzz/found-remap
	fuzz/remit_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
		-artifact_prefix=fuzz/ fuzz/found fuzz/corpus
	fuzz/remap_fuzz -max_total_time=$$(( ($(FUZZ_SECONDS) + 3) / 4 )) -print_final_stats=1 \
		-artifact_prefix=fuzz/ fuzz/found-remap fuzz/corpus-remap

# make test's short pass takes the same inputs on every machine and every
# run (a fixed seed, a count of runs rather than seconds, new units kept in a
# scratch directory), so it passes or fails alike everywhere; make fuzz explores.
fuzz-short: deps fuzz/remit_fuzz fuzz/remap_fuzz
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && mkdir "$$d/a" "$$d/b" && \
	fuzz/remit_fuzz -seed=1 -runs=$(FUZZ_SHORT_RUNS) -max_len=8192 -print_final_stats=1 \
		-artifact_prefix=fuzz/ "$$d/a" fuzz/corpus && \
	fuzz/remap_fuzz -seed=1 -runs=$(FUZZ_SHORT_RUNS) -print_final_stats=1 \
		-artifact_prefix=fuzz/ "$$d/b" fuzz/corpus-remap

# remit itself built with ASan/UBSan (glibc, dynamic) under the end-to-end
# suites that parse input and write output, and those that do not depend on
# the static binary.  The harness points the sanitizers' log_path at each
# test's scratch directory and fails the test on any report, so an
# overflow fails even where remit's status and output come out right.
REMIT_SAN_SUITES := report|rules|compat|output|reliability|shutdown|stop
tests/remit-san: init.cpp $(HEADERS)
	g++ -x c++ -std=c++20 -g -O1 -fno-exceptions -fno-rtti $(SAN_FLAGS) -o $@ init.cpp

test-remit-san: deps tests/remit-san tests/runner
	REMIT_BIN=$(CURDIR)/tests/remit-san ASAN_OPTIONS=detect_leaks=0 \
		tests/runner --jobs 2 --filter '@($(REMIT_SAN_SUITES))/*'

# The nats-server case end to end (tests/demo.sh); its packages first, so
# that musl-tools is there before ./remit is built.
demo-deps:
	@sh tests/demo.sh --deps

demo: demo-deps remit
	@sh tests/demo.sh

# Figures against tini-static, catatonit and dumb-init (bench/RESULTS.md).
# First the file size of every architecture's release binary.
bench: remit deps-release $(DIST)
	@BENCH_DIST="$(DIST)" sh bench/bench.sh

clean:
	rm -f remit .build-cc .revision tests/runner tests/runner-san tests/remit-san fuzz/remap_fuzz fuzz/remit_fuzz
	rm -rf bench/build build dist

install: remit
	install -D -m 755 remit $(DESTDIR)$(PREFIX)/bin/remit
	install -D -m 644 man/remit.1 $(DESTDIR)$(PREFIX)/share/man/man1/remit.1

.PHONY: deps check test clean install demo demo-deps bench release deps-release test-arch deps-arch image deb check-changelog deps-pkg deps-platforms
.PHONY: test-san fuzz fuzz-short test-remit-san test-repeat FORCE
