# libemo - top-level Makefile.
#   make            libemo.so.1 + libemo.a + example programs (in build/)
#   make check      unit tests (plain and ASan/UBSan), ABI, symbols,
#                   pkg-config consumers, Python binding, PyTorch oracle
#   make check-cross  the unit tests cross-built for s390x (big-endian) and
#                   arm64, run under qemu-user (CROSS_ARCHS; build/cross/)
#   make demo       detect faces and emotions on the sample photograph
#   make bench      speed against OpenCV and PyTorch (medians, ratios)
#   make fuzz       libFuzzer on every parser (clang; FUZZ_SECONDS each)
#   make install PREFIX=/usr/local [DESTDIR=...]
# Missing Debian packages are installed by tools/install-deps.sh.

VERSION_MAJOR := 1
VERSION_MINOR := 0
VERSION_PATCH := 0
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
CXX ?= c++
PYTHON ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config
B := build

# -march=native by default: the kernels need AVX2/FMA to be fast.
# Packagers building for other machines set ARCHFLAGS (e.g. -march=x86-64-v3).
ARCHFLAGS ?= -march=native
OPT ?= -O2
DEPS_PC := libpng libjpeg libxml-2.0 openblas
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs $(DEPS_PC) 2>/dev/null) -lm -lpthread
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -g $(ARCHFLAGS) \
        -Iinclude -Ilibemo $(DEPS_CFLAGS)
LIB_CFLAGS := $(BASE_CFLAGS) $(OPT) -fPIC -fvisibility=hidden \
        -DEMO_BUILDING_LIBRARY $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined

LIB_SRC := $(sort $(wildcard libemo/*.c libemo/nn/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
LIB_HDR := $(wildcard include/*.h libemo/*.h libemo/nn/*.h)

SONAME := libemo.so.$(VERSION_MAJOR)
SHARED := $(B)/libemo.so.$(VERSION)
STATIC := $(B)/libemo.a

EXAMPLES := $(patsubst examples/%.c,$(B)/%,$(wildcard examples/emo-*.c))
TEST_SRC := $(sort $(filter-out tests/check_main.c,$(wildcard tests/check_*.c)))
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

.PHONY: all lib examples check check-unit check-san check-abi check-symbols \
        check-pkgconfig check-python check-oracle check-docs demo bench install \
        bench-programs check-cross \
        uninstall clean deps abi-baseline fuzz check-fuzz

all: lib examples

deps:
	@sh tools/install-deps.sh build

lib: $(SHARED) $(STATIC)

$(B)/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(B)/san/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(SAN) -DEMO_BUILDING_LIBRARY $(CFLAGS) -c $< -o $@

$(SHARED): $(LIB_OBJ) libemo/libemo.map
	$(CC) -shared -o $@ $(LIB_OBJ) -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=libemo/libemo.map -Wl,-z,noexecstack \
	  -Wl,-z,relro -Wl,-z,now -Wl,--no-undefined $(LDFLAGS) $(DEPS_LIBS)
	ln -sf libemo.so.$(VERSION) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libemo.so

$(STATIC): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

examples: $(EXAMPLES)

$(B)/emo-%: examples/emo-%.c $(wildcard examples/*.h examples/common/*.[ch]) include/emo.h $(SHARED)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -g $(OPT) -Iinclude $(CFLAGS) \
	  $< $(wildcard examples/common/*.c) -o $@ -L$(B) -lemo -lm \
	  -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(LDFLAGS)

# Benchmark programs (run by `make bench`; built by `make check` too, so a
# change that breaks them shows there).
BENCH_PROGS := $(B)/nn_bench $(B)/detect_bench
bench-programs: $(BENCH_PROGS)

$(B)/nn_bench: bench/nn_bench.c examples/common/cli.c examples/common/cli.h \
               include/emo.h $(SHARED)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iinclude -Iexamples/common \
	  $(DEPS_CFLAGS) $(CFLAGS) $< examples/common/cli.c -o $@ -L$(B) -lemo \
	  $(DEPS_LIBS) -Wl,-rpath,'$$ORIGIN' $(LDFLAGS)

$(B)/detect_bench: bench/detect_bench.c include/emo.h $(SHARED)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iinclude $(CFLAGS) $< -o $@ \
	  -L$(B) -lemo -Wl,-rpath,'$$ORIGIN' $(LDFLAGS)

# --- tests -----------------------------------------------------------------
# Each tests/check_<name>.c defines `Suite *<name>_suite(void)`; the list
# of suites is generated so that adding a file is all a new module needs.
$(B)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@{ for f in $(TEST_SRC); do n=$$(basename $$f .c); n=$${n#check_}; \
	   echo "SUITE($$n)"; done; } > $@.tmp && mv $@.tmp $@

TEST_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Wno-missing-prototypes -g \
        $(ARCHFLAGS) -Iinclude -Ilibemo -Itests -I$(B)/tests $(DEPS_CFLAGS) \
        -DEMO_SOURCE_DIR='"$(CURDIR)"'

$(B)/check_libemo: $(TEST_SRC) tests/check_main.c tests/testutil.h \
                   $(B)/tests/suites.h $(STATIC)
	$(CC) $(TEST_CFLAGS) -O1 tests/check_main.c $(TEST_SRC) -o $@ \
	  $(STATIC) $(CHECK_LIBS) $(DEPS_LIBS)

$(B)/check_libemo_san: $(TEST_SRC) tests/check_main.c tests/testutil.h \
                       $(B)/tests/suites.h $(SAN_OBJ)
	$(CC) $(TEST_CFLAGS) -O1 $(SAN) tests/check_main.c $(TEST_SRC) \
	  $(SAN_OBJ) -o $@ $(CHECK_LIBS) $(DEPS_LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(B)/check_libemo $(B)/check_libemo_san \
	  bench-programs
	@$(MAKE) --no-print-directory check-symbols check-abi check-pkgconfig \
	  check-python check-docs check-oracle check-detect check-fuzz check-san
	@$(MAKE) --no-print-directory check-unit

check-unit: $(B)/check_libemo
	@echo "== unit tests"
	@$(B)/check_libemo

check-san: $(B)/check_libemo_san
	@echo "== unit tests under AddressSanitizer + UBSan"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  EMO_TEST_QUIET=1 $(B)/check_libemo_san

check-symbols: $(SHARED)
	@sh tests/check-symbols.sh $(SHARED) $(SONAME)

check-abi: $(SHARED)
	@sh tests/check-abi.sh $(SHARED) libemo/abi

abi-baseline: $(SHARED)
	abidw --no-corpus-path --headers-dir include $(SHARED) \
	  > libemo/abi/libemo.so.$(VERSION).abi
	nm -D --defined-only $(SHARED) | awk '$$2 == "T" {print $$3}' \
	  | sed 's/@.*//' | sort > libemo/abi/symbols.txt

check-pkgconfig: lib
	@sh tests/check-pkgconfig.sh "$(MAKE)"

check-python: lib examples
	@sh tests/check-python.sh $(PYTHON)

# docs/api.md is generated from the header: it must not fall behind.
check-docs:
	@$(PYTHON) tools/gen-api-doc.py include/emo.h | cmp -s - docs/api.md || \
	  { echo "docs: FAIL: docs/api.md is stale (regenerate: $(PYTHON)" \
	    "tools/gen-api-doc.py include/emo.h > docs/api.md)"; exit 1; }
	@echo "docs: ok (docs/api.md matches include/emo.h)"

check-oracle: lib
	@sh tests/check-oracle.sh $(PYTHON)

check-detect: lib examples
	@sh tests/check-detect.sh $(PYTHON)

# Other architectures, each cross-built in build/cross/ARCH against the
# foreign packages unpacked in build/cross/sysroot-ARCH; the unit tests run
# under qemu-user with EMO_TEST_SCALE (default 0.1) and longer timeouts.
CROSS_ARCHS ?= s390x arm64

$(B)/cross_model: tests/cross_model.c include/emo.h $(SHARED)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iinclude $(CFLAGS) $< -o $@ \
	  -L$(B) -lemo -Wl,-rpath,'$$ORIGIN' $(LDFLAGS)

check-cross:
	@sh tools/install-deps.sh cross
	@$(MAKE) --no-print-directory all $(B)/cross_model
	@status=0; for a in $(CROSS_ARCHS); do \
	  sh tests/check-cross.sh "$(MAKE)" $$a || status=1; done; exit $$status

# --- fuzzing -----------------------------------------------------------------
# tests/fuzz/fuzz_<name>.c each define LLVMFuzzerTestOneInput.  `make fuzz`
# builds them with clang's libFuzzer; `make check` replays the generated
# seeds, and any inputs committed under tests/fuzz/regress/, through the
# same entry points under ASan+UBSan with the default compiler (replay.c).
FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ := $(LIB_SRC:%.c=$(B)/fuzzobj/%.o)
.SECONDARY: $(FUZZ_OBJ)

$(B)/fuzzobj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	  -DEMO_BUILDING_LIBRARY $(CFLAGS) -c $< -o $@

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer $(FUZZ_SAN) $< \
	  $(FUZZ_OBJ) -o $@ $(DEPS_LIBS)

$(B)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
                    tests/fuzz/fuzz_common.h $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(SAN) $< tests/fuzz/replay.c $(SAN_OBJ) \
	  -o $@ $(DEPS_LIBS)

$(B)/fuzz/seeds: tests/fuzz/seeds.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 -Iinclude -Ilibemo $(CFLAGS) \
	  $< $(STATIC) -o $@ $(DEPS_LIBS)

fuzz: $(FUZZERS:%=$(B)/fuzz/fuzz_%) $(B)/fuzz/seeds
	@sh tools/fuzz.sh $(B) $(FUZZ_SECONDS) $(FUZZERS)

check-fuzz: $(FUZZERS:%=$(B)/fuzz/replay_%) $(B)/fuzz/seeds
	@sh tests/check-fuzz.sh $(B) $(FUZZERS)

# --- user-facing targets -----------------------------------------------------
demo:
	@sh tools/install-deps.sh build
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

bench:
	@sh tools/install-deps.sh bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh $(PYTHON)

# Regenerated on every install: PREFIX may differ between runs.
$(B)/libemo.pc: pkgconfig/libemo.pc.in FORCE
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    $< > $(B)/libemo.pc

install: all $(B)/libemo.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(PREFIX)/share/libemo/models
	install -m 644 include/emo.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libemo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libemo.so
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(B)/libemo.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for e in $(EXAMPLES); do install -m 755 $$e $(DESTDIR)$(BINDIR)/; done
	for m in $(wildcard models/*.emo); do \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/libemo/models/; done

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/emo.h $(DESTDIR)$(LIBDIR)/libemo.* \
	  $(DESTDIR)$(PKGCONFIGDIR)/libemo.pc
	for e in $(notdir $(EXAMPLES)); do rm -f $(DESTDIR)$(BINDIR)/$$e; done

clean:
	rm -rf $(B)

FORCE:
