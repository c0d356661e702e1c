# mailflow — build, test and install.
#
#   make            build ./mailflow
#   make deps       install the Debian packages needed to build and test
#   make check      deps, then every test: once normally, once under ASan+UBSan
#   make check-unit the tests that need neither root nor the lab (< 1 min)
#   make lint       cppcheck, clang-tidy and shellcheck, all clean
#   make fuzz       the libFuzzer targets in fuzz/ (clang), into build/fuzz/
#   make fuzz-run   each of them for FUZZ_SECONDS (300) over fuzz/corpus/
#   make bench      the figures of BENCHMARKS.md, on the test lab (root)
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#
# Objects go to build/<variant>/ so the normal and the sanitizer builds never
# mix; the core (everything in src/ but src/ui/ and src/main.c) is one static
# library that the program and every test link.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/mailflow
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
CC      ?= cc
PKG_CONFIG ?= pkg-config

PKGS := ncursesw libcares openssl libidn2 libcurl
PKGS += gmime-3.0
PKGS += libunbound
VERSION := 0.1.0

# Only evaluated when a target needs them, so `make deps` works on a machine
# that has no pkg-config yet.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

WARN    := -Wall -Wextra -Werror -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) \
	-Iinclude -DMAILFLOW_VERSION='"$(VERSION)"' \
	-DMAILFLOW_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS)

SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
UI_SRC   := $(wildcard src/ui/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard fuzz/*-fuzzer.c)

# make V=1 shows the full commands.
Q := $(if $(V),,@)

BUILD ?= build/normal
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   := $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: demo all deps check check-normal check-asan check-unit build-normal build-asan \
	tests layering lint lint-cppcheck lint-tidy lint-shell install uninstall clean FORCE \
	fuzz fuzzers fuzz-run bench completions deb

all: layering mailflow

# The core never includes curses: only src/ui/ and src/main.c may.
layering:
	@bad=$$(grep -rlE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](n?curses(w)?/)?(n?curses|curses|panel|menu|form|term)\.h' \
		src include | grep -vE '^src/ui/|^src/main\.c$$' || true); \
	if [ -n "$$bad" ]; then \
		echo "layering: curses included outside src/ui/ and src/main.c:" >&2; \
		echo "$$bad" >&2; exit 1; fi

mailflow: $(BUILD)/mailflow
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/mailflow: $(BUILD)/src/main.o $(UI_OBJ) $(BUILD)/libmailflow.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/libmailflow.a: $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/%.o: %.c | layering
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmailflow.a
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libmailflow.a $(CMOCKA_LIBS) \
		$(PKG_LIBS) $(LDFLAGS)

tests: $(TEST_BIN) $(BUILD)/mailflow $(BUILD)/tests/fakesmtp

# The lab's scriptable SMTP server; tests/lab/start looks for it in
# build/normal/tests/fakesmtp (or MAILFLOW_FAKESMTP).
$(BUILD)/tests/fakesmtp: tests/fakesmtp/fakesmtp.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs openssl) $(LDFLAGS)

# Fuzzing (fuzz/README): libFuzzer needs clang. The core is built again
# with the fuzzer's coverage and ASan+UBSan into build/fuzz/, and each
# fuzz/NAME-fuzzer.c links against it as build/fuzz/NAME-fuzzer.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 300
# check-unit builds them only where clang is (test_fuzz.sh says it skipped).
FUZZ_IF_CC = $(if $(shell command -v $(FUZZ_CC) 2>/dev/null),fuzz)

fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC='$(FUZZ_CC)' CFLAGS='$(FUZZ_FLAGS)' \
		fuzzers

fuzzers: $(FUZZ_SRC:fuzz/%.c=$(BUILD)/%)

$(BUILD)/%-fuzzer: fuzz/%-fuzzer.c $(BUILD)/libmailflow.a
	@echo "  FUZZER  $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libmailflow.a \
		$(PKG_LIBS) $(LDFLAGS)

# The documented long run: every target FUZZ_SECONDS over its corpus, two
# at once; tests/scripts/test_fuzz.sh is also make check's 20 s run.
fuzz-run: fuzz
	@MAILFLOW_FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/scripts/test_fuzz.sh

# make bench's timer (tests/bench/run): wait4() microseconds and peak RSS.
$(BUILD)/tests/benchtime: tests/bench/benchtime.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)

# What figure 2 is bounded by: an empty program linked with mailflow's
# libraries (benchfloor), and with those of a check that needs neither
# libcurl nor GMime (benchfloor-base). --no-as-needed keeps the libraries an
# empty main does not call, so the loader maps and initialises them as it
# does for mailflow.
FLOOR_BASE_PKGS := ncursesw libcares openssl libidn2
$(BUILD)/tests/benchfloor: tests/bench/benchfloor.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -Wl,--no-as-needed $(PKG_LIBS) $(LDFLAGS)
$(BUILD)/tests/benchfloor-base: tests/bench/benchfloor.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -Wl,--no-as-needed \
		$(shell $(PKG_CONFIG) --libs $(FLOOR_BASE_PKGS)) $(LDFLAGS)

deps:
	@bash tests/deps

# Not part of check: minutes long, and it holds the lab (and its lock)
# throughout. Prints the table and writes BENCHMARKS.md.
bench:
	@$(MAKE) --no-print-directory BUILD=build/normal all build/normal/tests/fakesmtp \
		build/normal/tests/benchtime build/normal/tests/benchfloor \
		build/normal/tests/benchfloor-base
	@bash tests/bench/run build/normal

# Both variants run every suite; tests/run prints "N passed, M failed".
check: deps
	@$(MAKE) --no-print-directory build-normal build-asan fuzz
	@bash tests/run build/normal:normal build/asan:asan

check-normal: build-normal
	@bash tests/run build/normal:normal

check-asan: build-asan
	@bash tests/run build/asan:asan

# What a developer runs after each change: the suites that need neither root
# nor the test lab (tests/run --unit), on both builds, built side by side.
# The fuzzers only replay their corpus here (the crashes found so far); the
# 20 s runs are make check's.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check-unit:
	@$(MAKE) --no-print-directory -j$(JOBS) build-normal build-asan $(FUZZ_IF_CC)
	@MAILFLOW_FUZZ_SECONDS=0 bash tests/run --unit build/normal:normal build/asan:asan

# make lint: three analysers, each must exit 0.  Suppressions, each with its
# reason, live in .clang-tidy, tests/lint/cppcheck.supp and (shellcheck) in
# a directive on the line concerned.  tests/lint/ is first on the analysers'
# include path: its cmocka.h tells them that a failed assertion ends a test.
# clang-tidy (the slow one: the analyzer) runs one job per file, JOBS at once.
CPPCHECK   ?= cppcheck
CLANG_TIDY ?= clang-tidy
SHELLCHECK ?= shellcheck
HASH := \#
LINT_C  := src/main.c $(CORE_SRC) $(UI_SRC) $(TEST_SRC) tests/fakesmtp/fakesmtp.c $(FUZZ_SRC) \
	tests/bench/benchtime.c
# Every shell script: the *.sh files and whatever starts with a sh/bash #!.
LINT_SH  = $(sort $(wildcard tests/*/*.sh) \
	$(shell grep -rlE '^$(HASH)!.*\<(ba)?sh\>' .ci tests 2>/dev/null))
LINT_CFLAGS = $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -isystem tests/lint

lint: layering
	@for t in $(CPPCHECK) $(CLANG_TIDY) $(SHELLCHECK); do \
		command -v $$t >/dev/null || { echo "lint: $$t is missing (make deps installs it)" >&2; exit 1; }; \
	done
	@$(MAKE) --no-print-directory -k -j$(JOBS) --output-sync=target \
		lint-cppcheck lint-tidy lint-shell

lint-cppcheck:
	@echo "  CPPCHECK $(words $(LINT_C)) files"
	$(Q)$(CPPCHECK) -q --std=c11 --enable=warning,style,performance,portability \
		--error-exitcode=1 --inline-suppr --suppressions-list=tests/lint/cppcheck.supp \
		--template='{file}:{line}: {severity}: {message} [{id}]' \
		-Itests/lint $(filter -D% -U% -Iinclude,$(ALL_CFLAGS)) $(LINT_C)

lint-tidy: $(LINT_C:%=build/lint/%.tidy)

# Always run (FORCE): the result depends on every header; nothing is kept.
# clang's "N warnings generated." counts what the header filter hid: dropped.
build/lint/%.tidy: % FORCE
	@echo "  TIDY    $<"
	$(Q)rc=0; out=$$($(CLANG_TIDY) --quiet $< -- $(LINT_CFLAGS) 2>&1) || rc=$$?; \
	[ -z "$$out" ] || printf '%s\n' "$$out" | grep -v '^[0-9]* warnings\? generated\.$$' || true; \
	exit $$rc

lint-shell:
	@echo "  SHCHECK $(words $(LINT_SH)) scripts"
	$(Q)$(SHELLCHECK) -x -f gcc $(LINT_SH)

FORCE:

build-normal:
	@$(MAKE) --no-print-directory BUILD=build/normal all tests

build-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS='$(SAN_FLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' tests

# The TUI on the test lab's domain with the most MX hosts; the lab stops
# when the TUI exits (and by itself after its TTL if this is killed).
demo: deps all
	@bash -c 'tests/lab/start >/dev/null || exit 1; \
		./mailflow --dns 127.0.0.1:5353 --ca-file $${MAILFLOW_LAB_DIR:-/tmp/mailflow-lab}/tls/ca.crt \
			--banner-timeout 8 --timeout 10 postmaster@demo.lab.test; rc=$$?; \
		tests/lab/stop >/dev/null; [ $$rc -eq 1 ] && rc=0; exit $$rc'

# The shell completion, generated by the program from its options table
# (no user config may change it: XDG_CONFIG_HOME points nowhere).
$(BUILD)/completion/mailflow $(BUILD)/completion/_mailflow: $(BUILD)/mailflow
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)XDG_CONFIG_HOME=/nonexistent HOME=/nonexistent $< --completion \
		$(if $(filter _%,$(@F)),zsh,bash) >$@.tmp && mv -f $@.tmp $@

completions: $(BUILD)/completion/mailflow $(BUILD)/completion/_mailflow

install: all completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(MANDIR)/man1
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 mailflow $(DESTDIR)$(BINDIR)/mailflow
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/
	install -m 644 mailflow.1 $(DESTDIR)$(MANDIR)/man1/mailflow.1
	install -m 644 $(BUILD)/completion/mailflow $(DESTDIR)$(BASHCOMPDIR)/mailflow
	install -m 644 $(BUILD)/completion/_mailflow $(DESTDIR)$(ZSHCOMPDIR)/_mailflow

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailflow $(DESTDIR)$(MANDIR)/man1/mailflow.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/mailflow $(DESTDIR)$(ZSHCOMPDIR)/_mailflow
	rm -rf $(DESTDIR)$(DATADIR)

# make deb: the Debian package (debian/, debhelper) built by
# dpkg-buildpackage from a copy of this tree in build/debsrc (so nothing is
# written beside the tree, and no other build is cleaned); the .deb lands
# in build/. The package's own test is tests/scripts/test_deb.sh.
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
DEB      = build/mailflow_$(VERSION)_$(DEB_ARCH).deb
deb:
	@command -v dpkg-buildpackage >/dev/null || { echo "make deb: dpkg-buildpackage is missing (make deps)" >&2; exit 1; }
	$(Q)rm -rf build/debsrc && mkdir -p build/debsrc/mailflow-$(VERSION)
	$(Q)tar -cf - --exclude=./build --exclude=./.git --exclude=./mailflow --exclude='*.deb' . | \
		tar -C build/debsrc/mailflow-$(VERSION) -xf -
	@echo "  DEB     $(DEB)"
	$(Q)cd build/debsrc/mailflow-$(VERSION) && DEB_BUILD_OPTIONS="parallel=$(JOBS) nocheck" \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 30 ../build.log >&2; exit 1; }
	$(Q)cp build/debsrc/mailflow_$(VERSION)_$(DEB_ARCH).deb $(DEB)
	@echo "$(DEB)"

clean:
	rm -rf build mailflow

-include $(shell find build -name '*.d' 2>/dev/null)
