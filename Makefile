# carelog — see README.md. `make run` and `make check` install what is
# missing (tools/install-deps), then build and run or test.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/carelog
MANDIR   = $(PREFIX)/share/man
LOCALEDIR = $(PREFIX)/share/locale

CC      ?= cc
PKG_CONFIG ?= pkg-config
BUILD   ?= build

CORE_PKGS = sqlcipher libsodium jansson pangocairo xlsxwriter libutf8proc
UI_PKGS   = ncursesw

WARNINGS = -Wall -Wextra -Wpedantic -Werror -Wshadow -Wformat=2 \
           -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
           -Wvla -Wundef -Wpointer-arith -Wwrite-strings -Wcast-align \
           -Wnull-dereference -Wimplicit-fallthrough
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -DSQLITE_HAS_CODEC -Iinclude $(WARNINGS) \
              -DCARELOG_DATADIR='"$(DATADIR)"' -DCARELOG_LOCALEDIR='"$(LOCALEDIR)"'
OPT ?= -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
SAN  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# The test hooks (CARELOG_TEST_FAST_KDF, _NOW, _CRASH_AT, _PAUSE_AT) exist
# only in builds with this flag: build/test and build/san, which `make
# check` uses. The program users run, build/carelog, has none of them.
TEST_HOOKS = -DCARELOG_TEST_HOOKS

# Evaluated lazily so that `make run`/`make check` can install the packages
# before pkg-config is asked about them.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) $(UI_PKGS))
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) $(UI_PKGS)) -lcsv
TEST_LIBS  = $(shell $(PKG_CONFIG) --libs cmocka zlib)

CORE_SRC = $(sort $(wildcard src/core/*.c))
CLI_SRC  = $(sort $(wildcard src/cli/*.c))
UI_SRC   = $(sort $(wildcard src/ui/*.c))
APP_SRC  = $(CLI_SRC) $(UI_SRC) src/main.c
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC = $(sort $(wildcard tests/bench/bench_*.c))

obj = $(patsubst %.c,$(1)/%.o,$(2))

FORM_FILES = $(sort $(wildcard forms/*.form))

CORE_OBJ      = $(call obj,$(BUILD)/rel,$(CORE_SRC)) $(BUILD)/rel/gen/forms_builtin.o $(BUILD)/rel/gen/unihan_tables.o
APP_OBJ       = $(call obj,$(BUILD)/rel,$(APP_SRC))
CORE_OBJ_TEST = $(call obj,$(BUILD)/test,$(CORE_SRC)) $(BUILD)/test/gen/forms_builtin.o $(BUILD)/test/gen/unihan_tables.o
APP_OBJ_TEST  = $(call obj,$(BUILD)/test,$(APP_SRC))
CORE_OBJ_SAN  = $(call obj,$(BUILD)/san,$(CORE_SRC)) $(BUILD)/san/gen/forms_builtin.o $(BUILD)/san/gen/unihan_tables.o
TEST_CARELOG  = $(BUILD)/test/carelog
UNIT_BIN      = $(patsubst tests/unit/%.c,$(BUILD)/test/tests/%,$(UNIT_SRC))
UNIT_BIN_SAN  = $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRC))
FUZZ_BIN      = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
REPLAY_BIN    = $(patsubst tests/fuzz/%.c,$(BUILD)/san/replay/%,$(FUZZ_SRC))

.PHONY: i18n-check pot all deps test-deps run check build-check unit unit-san e2e bench demo \
        fuzz fuzz-replay install-check bench-smoke install uninstall clean sqlcipher-version

LINGUAS = $(shell cat po/LINGUAS)
MO_FILES = $(patsubst %,$(BUILD)/locale/%/LC_MESSAGES/carelog.mo,$(LINGUAS))

all: $(BUILD)/carelog $(MO_FILES)

# Translations (see include/carelog/i18n.h). `make pot` gathers every _()
# and N_() string into po/carelog.pot and merges it into each language.
$(BUILD)/locale/%/LC_MESSAGES/carelog.mo: po/%.po
	@mkdir -p $(dir $@)
	@msgfmt --check -o $@ $<

# Every string the sources mark is in po/carelog.pot's place and translated
# in every language (part of `make check`).
i18n-check:
	@t=$$(mktemp -d) && xgettext --from-code=UTF-8 -k_ -kN_ -kNP_:1,2 -kngettext:1,2 -kcl_db_fail:2 -o $$t/now.pot \
	  $(CORE_SRC) $(APP_SRC) && \
	  for l in $(LINGUAS); do msgcmp po/$$l.po $$t/now.pot || { rm -rf $$t; \
	    echo "po/$$l.po lacks translations (run make pot, then translate)"; exit 1; }; \
	  msgfmt --check -o /dev/null po/$$l.po || { rm -rf $$t; exit 1; }; \
	  test -z "$$(msgattrib --only-fuzzy --no-obsolete po/$$l.po)" || { rm -rf $$t; \
	    echo "po/$$l.po has fuzzy translations: check them and remove the fuzzy mark"; exit 1; }; done; \
	  rm -rf $$t; echo "i18n check: ok"

pot:
	@xgettext --from-code=UTF-8 -k_ -kN_ -kNP_:1,2 -kngettext:1,2 -kcl_db_fail:2 --add-comments=TRANSLATORS \
	  --package-name=carelog -o po/carelog.pot $(CORE_SRC) $(APP_SRC) $(wildcard src/core/*.h)
	@for l in $(LINGUAS); do msgmerge -q --update --backup=none po/$$l.po po/carelog.pot; done

deps:
	@./tools/install-deps

test-deps:
	@./tools/install-deps --test

run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/carelog

demo: deps
	@$(MAKE) --no-print-directory all
	@./tools/demo

check: test-deps
	@$(MAKE) --no-print-directory build-check

build-check: all i18n-check unit unit-san fuzz-replay e2e install-check bench-smoke

sqlcipher-version:
	@$(PKG_CONFIG) --atleast-version=3.26.0 sqlcipher 2>/dev/null || { \
	  echo "carelog needs SQLCipher 4 (found: $$($(PKG_CONFIG) --modversion sqlcipher 2>/dev/null || echo none))."; \
	  echo "On Debian bookworm run ./tools/install-deps, which installs libsqlcipher-dev from bookworm-backports."; \
	  exit 1; }

$(BUILD)/carelog: $(APP_OBJ) $(BUILD)/rel/libcarelog.a
	@echo "LINK    $@"
	@$(CC) $(OPT) -o $@ $(APP_OBJ) $(BUILD)/rel/libcarelog.a $(PKG_LIBS)

$(BUILD)/rel/libcarelog.a: $(CORE_OBJ)
	@rm -f $@
	@ar rcs $@ $^

# The same program with the test hooks, for the end-to-end tests; it finds
# the translations through build/test/locale.
$(TEST_CARELOG): $(APP_OBJ_TEST) $(BUILD)/test/libcarelog.a $(MO_FILES)
	@echo "LINK    $@"
	@$(CC) $(OPT) -o $@ $(APP_OBJ_TEST) $(BUILD)/test/libcarelog.a $(PKG_LIBS)
	@ln -sfn ../locale $(BUILD)/test/locale

$(BUILD)/test/libcarelog.a: $(CORE_OBJ_TEST)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/san/libcarelog.a: $(CORE_OBJ_SAN)
	@rm -f $@
	@ar rcs $@ $^

# The shipped forms are built into the program (see catalog.h).
$(BUILD)/gen/forms_builtin.c: $(FORM_FILES) tools/embed-forms
	@mkdir -p $(dir $@)
	@./tools/embed-forms $(FORM_FILES) > $@

# Pinyin readings and traditional → simplified folding for search, from
# Unihan (Debian's unicode-data; see include/carelog/pinyin.h).
UNIHAN_DIR ?= /usr/share/unicode
$(BUILD)/gen/unihan_tables.c: tools/gen-unihan $(UNIHAN_DIR)/Unihan_Readings.txt.bz2 $(UNIHAN_DIR)/Unihan_Variants.txt.bz2
	@mkdir -p $(dir $@)
	@./tools/gen-unihan $(UNIHAN_DIR) > $@.part && mv $@.part $@

$(BUILD)/rel/gen/%.o: $(BUILD)/gen/%.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@$(CC) $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/test/gen/%.o: $(BUILD)/gen/%.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(OPT) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/san/gen/%.o: $(BUILD)/gen/%.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(SAN) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/rel/%.o: %.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@echo "CC      $<"
	@$(CC) $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/test/%.o: %.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@echo "CC test $<"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(OPT) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/%.o: %.c | sqlcipher-version
	@mkdir -p $(dir $@)
	@echo "CC san  $<"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(SAN) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/test/tests/%: tests/unit/%.c $(BUILD)/test/libcarelog.a
	@mkdir -p $(dir $@)
	@echo "LINK    $@"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(OPT) $(PKG_CFLAGS) -o $@ $< $(BUILD)/test/libcarelog.a $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/san/tests/%: tests/unit/%.c $(BUILD)/san/libcarelog.a
	@mkdir -p $(dir $@)
	@echo "LINK    $@"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(SAN) $(PKG_CFLAGS) -o $@ $< $(BUILD)/san/libcarelog.a $(PKG_LIBS) $(TEST_LIBS)

unit: $(UNIT_BIN)
	@./tests/run-unit $(UNIT_BIN)

unit-san: $(UNIT_BIN_SAN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	  ./tests/run-unit $(UNIT_BIN_SAN)

# The end-to-end tests drive the test build; CARELOG_RELEASE names the
# program users get, so that a test can prove it ignores every test hook.
e2e: $(BUILD)/carelog $(TEST_CARELOG)
	@CARELOG=$(abspath $(TEST_CARELOG)) CARELOG_RELEASE=$(abspath $(BUILD)/carelog) ./tests/run-e2e

# Fuzz targets build as plain programs that replay a corpus (libFuzzer-style
# entry point); with clang, `make fuzz FUZZ_CC=clang` builds real fuzzers.
FUZZ_CC ?= clang
fuzz: $(FUZZ_BIN)

# Every fuzz target's seed corpus (tests/fuzz/corpus/NAME/) replayed under
# ASan and UBSan with gcc; part of `make check`.
fuzz-replay: $(REPLAY_BIN)
	@for t in $(REPLAY_BIN); do n=$$(basename $$t); \
	  $$t $$(find tests/fuzz/corpus/$${n#fuzz_} -type f 2>/dev/null) || exit 1; done

$(BUILD)/san/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/san/libcarelog.a
	@mkdir -p $(dir $@)
	@echo "LINK    $@"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) -Wno-missing-prototypes $(SAN) $(PKG_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(BUILD)/san/libcarelog.a $(PKG_LIBS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(BUILD)/gen/forms_builtin.c $(BUILD)/gen/unihan_tables.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) $(TEST_HOOKS) -Wno-missing-prototypes -g -O1 -fsanitize=fuzzer,address,undefined \
	  $(PKG_CFLAGS) -o $@ $< $(CORE_SRC) $(BUILD)/gen/forms_builtin.c $(BUILD)/gen/unihan_tables.c $(PKG_LIBS)

BENCH_BIN = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
bench: all $(BENCH_BIN) $(TEST_CARELOG)
	@BUILD=$(BUILD) ./tests/bench/run

# The benchmarks on a tiny workload, so that `make check` notices one that
# no longer builds or runs; nothing is timed or compared here.
bench-smoke: $(BENCH_BIN) $(TEST_CARELOG)
	@for b in $(BENCH_BIN); do $$b 50 >/dev/null || { echo "benchmark $$b failed"; exit 1; }; done; \
	  echo "bench smoke: ok"

# Benchmarks skip the Argon2id cost (CARELOG_TEST_FAST_KDF): they link the
# test build, which is compiled with the same optimisation as the release.
$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/test/libcarelog.a
	@mkdir -p $(dir $@)
	@echo "LINK    $@"
	@$(CC) $(BASE_CFLAGS) $(TEST_HOOKS) $(OPT) $(PKG_CFLAGS) -o $@ $< $(BUILD)/test/libcarelog.a $(PKG_LIBS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/forms $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/carelog $(DESTDIR)$(BINDIR)/carelog
	install -m 0644 forms/*.form $(DESTDIR)$(DATADIR)/forms/
	install -m 0644 man/carelog.1 $(DESTDIR)$(MANDIR)/man1/carelog.1
	install -d $(DESTDIR)$(MANDIR)/zh_CN/man1
	install -m 0644 man/zh_CN/carelog.1 $(DESTDIR)$(MANDIR)/zh_CN/man1/carelog.1
	for l in $(LINGUAS); do install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	  install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/carelog.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/carelog.mo; done

# `make install` and `make uninstall` into a scratch DESTDIR: every file
# lands, and nothing is left behind. Both man pages read without a groff
# warning (the Chinese one through preconv, -k, and zh.tmac's line breaks).
install-check: all
	@for m in man/carelog.1 man/zh_CN/carelog.1; do w=$$(groff -k -man -Tutf8 -ww $$m 2>&1 >/dev/null); \
	  test -z "$$w" || { echo "$$m: $$w"; exit 1; }; done
	@d=$$(mktemp -d) && \
	  $(MAKE) --no-print-directory install DESTDIR=$$d PREFIX=/usr >/dev/null && \
	  test -x $$d/usr/bin/carelog && test -f $$d/usr/share/man/man1/carelog.1 && \
	  test -f $$d/usr/share/man/zh_CN/man1/carelog.1 && \
	  test -f $$d/usr/share/carelog/forms/student.form && \
	  $(MAKE) --no-print-directory uninstall DESTDIR=$$d PREFIX=/usr >/dev/null && \
	  test -z "$$(find $$d -type f)" && rm -rf $$d && echo "install check: ok"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/carelog $(DESTDIR)$(MANDIR)/man1/carelog.1 $(DESTDIR)$(MANDIR)/zh_CN/man1/carelog.1
	-rmdir $(DESTDIR)$(MANDIR)/zh_CN/man1 $(DESTDIR)$(MANDIR)/zh_CN 2>/dev/null
	rm -f $(DESTDIR)$(DATADIR)/forms/*.form
	for l in $(LINGUAS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/carelog.mo; \
	  rmdir $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES $(DESTDIR)$(LOCALEDIR)/$$l 2>/dev/null; done; true
	-rmdir $(DESTDIR)$(LOCALEDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(DATADIR)/forms $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
