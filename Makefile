# libemo - top-level Makefile.
#   make            libemo.so.1 + libemo.a + example programs (in build/)
#   make check      unit tests (plain, ASan/UBSan, valgrind), ABI, symbols,
#                   layout, pkg-config consumers, Python binding, PyTorch
#                   oracle, each OpenBLAS core type and ISA level
#   make check-cross  the unit tests cross-built for s390x (big-endian) and
#                   arm64, run under qemu-user (CROSS_ARCHS; build/cross/)
#   make demo       detect faces and emotions on the sample photograph
#   make bench      speed against OpenCV and PyTorch (medians, ratios)
#   make fuzz       libFuzzer on every parser (clang; FUZZ_SECONDS each)
#   make install PREFIX=/usr/local [DESTDIR=...]
# Missing Debian packages are installed by tools/install-deps.sh.

VERSION_MAJOR := 1
VERSION_MINOR := 1
VERSION_PATCH := 0
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DATADIR ?= $(PREFIX)/share
MODELDIR ?= $(DATADIR)/libemo/models
MANDIR ?= $(DATADIR)/man

CC ?= cc
CXX ?= c++
PYTHON ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config
B := build
# Where `make install` puts the Python package `emo`: a directory the
# system python3 imports without PYTHONPATH (Debian's dist-packages under
# /usr/local or /usr, site-packages elsewhere).  Override with PYTHONDIR.
PYTHONDIR ?= $(shell $(PYTHON) tools/pythondir.py $(PREFIX) 2>/dev/null || \
                     echo $(PREFIX)/lib/python3/dist-packages)

# -march=native by default: the kernels need AVX2/FMA to be fast.
# Packagers building for other machines set ARCHFLAGS (e.g. -march=x86-64-v3).
ARCHFLAGS ?= -march=native
OPT ?= -O2
DEPS_PC := libpng libjpeg libtiff-4 libxml-2.0 openblas
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs $(DEPS_PC) 2>/dev/null) -lm -lpthread
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -g $(ARCHFLAGS) \
        -Iinclude -Ilibemo -I$(B)/gen $(DEPS_CFLAGS)
LIB_CFLAGS := $(BASE_CFLAGS) $(OPT) -fPIC -fvisibility=hidden \
        -DEMO_BUILDING_LIBRARY $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined

# Every module folder of libemo/ (see libemo/README.md).
LIB_SRC := $(sort $(wildcard libemo/*.c libemo/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
LIB_HDR := $(wildcard include/*.h libemo/*.h libemo/*/*.h)

SONAME := libemo.so.$(VERSION_MAJOR)
SHARED := $(B)/libemo.so.$(VERSION)
STATIC := $(B)/libemo.a

EXAMPLES := $(patsubst examples/%.c,$(B)/%,$(wildcard examples/emo-*.c))
TEST_SRC := $(sort $(filter-out tests/check_main.c,$(wildcard tests/check_*.c)))
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

.PHONY: all lib examples check check-unit check-san check-abi check-symbols \
        check-pkgconfig check-python check-oracle check-docs check-valgrind \
        check-cpu check-layout check-cli check-mpi mpi demo bench install man \
        bench-programs check-cross \
        uninstall clean deps abi-baseline fuzz check-fuzz

all: lib examples man

deps:
	@sh tools/install-deps.sh build

lib: $(SHARED) $(STATIC)

# The install's model directory, baked into the library as the last place
# emo_default_model_path() looks; rewritten only when MODELDIR changes so
# that `make install PREFIX=...` rebuilds just the one file.
CONFIG_H := $(B)/gen/emo_config.h
$(CONFIG_H): FORCE
	@mkdir -p $(dir $@)
	@echo '#define EMO_MODELDIR "$(MODELDIR)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(B)/obj/libemo/model/default_path.o $(B)/san/libemo/model/default_path.o \
$(B)/fuzzobj/libemo/model/default_path.o: $(CONFIG_H)

$(B)/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(FILE_CFLAGS) -c $< -o $@

# Loops that GCC vectorises only past -O2 (whose "very cheap" cost model
# takes only trip counts known to be multiples of the vector width): the
# CNN kernels' elementwise loops get -O3 (im2col without turning its
# short zeroing loops into memset calls), the pixel operations the full
# vectoriser.  Clang vectorises them at -O2.  Measured (Xeon, AVX-512): at plain -O2 build/nn_bench's
# default net is 13-32 % slower, the Gaussian and conversions 5x.
ifeq ($(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -c __clang__),0)
$(patsubst %,$(B)/obj/libemo/nn/%.o,batchnorm conv dropout fc lrn pool relu): \
  FILE_CFLAGS := -O3
$(patsubst %,$(B)/obj/libemo/nn/%.o,im2col conv_winograd): \
  FILE_CFLAGS := -O3 -fno-tree-loop-distribute-patterns
$(B)/obj/libemo/image/ops.o: \
  FILE_CFLAGS := -ftree-vectorize -fvect-cost-model=dynamic
endif

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

# Data-parallel training over MPI (examples/mpi/): built with mpicc, by
# `make mpi` and by `make check` when mpicc is there (check-mpi).
MPICC ?= mpicc
mpi: $(B)/emo-train-mpi $(B)/mpi_allreduce

$(B)/emo-train-mpi: examples/mpi/emo-train-mpi.c examples/mpi/mpi_exit.h \
                    $(wildcard examples/common/*.[ch]) include/emo.h $(SHARED)
	$(MPICC) -std=c11 -D_GNU_SOURCE $(WARN) -g $(OPT) -Iinclude -Iexamples \
	  $(CFLAGS) $< $(wildcard examples/common/*.c) -o $@ -L$(B) -lemo -lm \
	  -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(LDFLAGS)

# emo-eval sharded over MPI ranks: one report, emo-eval's (examples/common/eval.c).
mpi: $(B)/emo-eval-mpi
$(B)/emo-eval-mpi: examples/mpi/emo-eval-mpi.c examples/mpi/mpi_exit.h \
                   $(wildcard examples/common/*.[ch]) include/emo.h $(SHARED)
	$(MPICC) -std=c11 -D_GNU_SOURCE $(WARN) -g $(OPT) -Iinclude -Iexamples \
	  $(CFLAGS) $< $(wildcard examples/common/*.c) -o $@ -L$(B) -lemo -lm \
	  -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(LDFLAGS)

# emo-detect over a file list split by rank (examples/mpi/emo-detect-mpi.c,
# emo-detect's work from examples/common/detect.c).
mpi: $(B)/emo-detect-mpi

$(B)/emo-detect-mpi: examples/mpi/emo-detect-mpi.c examples/mpi/mpi_exit.h \
                     $(wildcard examples/common/*.[ch]) include/emo.h $(SHARED)
	$(MPICC) -std=c11 -D_GNU_SOURCE $(WARN) -g $(OPT) -Iinclude -Iexamples \
	  $(CFLAGS) $< $(wildcard examples/common/*.c) -o $@ -L$(B) -lemo -lm \
	  -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(LDFLAGS)

$(B)/mpi_allreduce: bench/mpi_allreduce.c
	@mkdir -p $(B)
	$(MPICC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(CFLAGS) $< -o $@ $(LDFLAGS)

# Two ranks against one process on the same global batches; skipped
# without Open MPI (tools/install-deps.sh installs it).
check-mpi: lib
	@sh tests/check-mpi.sh "$(MAKE)" $(PYTHON)

# Benchmark programs (run by `make bench`; built by `make check` too, so a
# change that breaks them shows there).
BENCH_PROGS := $(B)/nn_bench $(B)/detect_bench $(B)/conv_bench
bench-programs: $(BENCH_PROGS)

$(B)/nn_bench: bench/nn_bench.c examples/common/cli.c examples/common/cli.h \
               include/emo.h $(SHARED)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iinclude -Iexamples/common \
	  $(DEPS_CFLAGS) $(CFLAGS) $< examples/common/cli.c -o $@ -L$(B) -lemo \
	  $(DEPS_LIBS) -Wl,-rpath,'$$ORIGIN' $(LDFLAGS)

# Internal kernels: links the static library, built for the library's
# ISA (nn.h's inline vector helpers are compiled into it).
$(B)/conv_bench: bench/conv_bench.c $(LIB_HDR) $(STATIC)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(ARCHFLAGS) -Iinclude -Ilibemo \
	  $(DEPS_CFLAGS) $(CFLAGS) $< -o $@ $(STATIC) $(DEPS_LIBS) $(LDFLAGS)

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

# check_draw.c compiles in examples/common's drawing and plots.
$(B)/check_libemo: $(TEST_SRC) tests/check_main.c tests/testutil.h \
                   $(B)/tests/suites.h $(STATIC) $(wildcard examples/common/*.[ch])
	$(CC) $(TEST_CFLAGS) -O1 tests/check_main.c $(TEST_SRC) -o $@ \
	  $(STATIC) $(CHECK_LIBS) $(DEPS_LIBS)

$(B)/check_libemo_san: $(TEST_SRC) tests/check_main.c tests/testutil.h \
                       $(B)/tests/suites.h $(SAN_OBJ) \
                       $(wildcard examples/common/*.[ch])
	$(CC) $(TEST_CFLAGS) -O1 $(SAN) tests/check_main.c $(TEST_SRC) \
	  $(SAN_OBJ) -o $@ $(CHECK_LIBS) $(DEPS_LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(B)/check_libemo $(B)/check_libemo_san \
	  bench-programs
	@$(MAKE) --no-print-directory check-symbols check-abi check-layout \
	  check-pkgconfig check-python check-docs check-oracle check-detect check-cli \
	  check-fuzz check-san check-valgrind check-cpu check-mpi
	@$(MAKE) --no-print-directory check-unit

check-unit: $(B)/check_libemo
	@echo "== unit tests"
	@$(B)/check_libemo

check-san: $(B)/check_libemo_san
	@echo "== unit tests under AddressSanitizer + UBSan"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  EMO_TEST_QUIET=1 $(B)/check_libemo_san

# Memcheck on a build of its own: valgrind 3.19 cannot decode the AVX-512
# that -march=native emits on some machines.  Only the fast suites run (a
# minute or two); without valgrind the script says it skips.
VG_B := $(B)-v3
VG_SUITES := core vote nn_grad train reduce dataset image tiff cascade
check-valgrind:
	@if command -v valgrind >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory B=$(VG_B) ARCHFLAGS=-march=x86-64-v3 \
	    $(VG_B)/emo-detect $(VG_B)/check_libemo || exit 1; fi
	@sh tests/check-valgrind.sh $(VG_B) $(VG_SUITES)

check-symbols: $(SHARED)
	@sh tests/check-symbols.sh $(SHARED) $(SONAME)

check-abi: $(SHARED)
	@sh tests/check-abi.sh $(SHARED) libemo/abi

# libemo/'s folders as libemo/README.md lists them: arrows down, no cycles.
check-layout: $(LIB_OBJ)
	@$(PYTHON) tools/check-layout.py $(B)/obj/libemo

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

# Kernel suites and oracle under each OpenBLAS core type and x86-64 ISA
# level the CPU runs (one machine checks what the other CPU family sees).
check-cpu: lib $(B)/check_libemo
	@sh tests/check-cpu.sh "$(MAKE)" $(PYTHON)

check-detect: lib examples
	@sh tests/check-detect.sh $(PYTHON)

# With mpicc, the MPI programs too (check-cli.sh skips those not built).
check-cli: examples man $(if $(shell command -v $(MPICC) 2>/dev/null),mpi)
	@sh tests/check-cli.sh $(B)

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
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 -Iinclude -Ilibemo \
	  $(DEPS_CFLAGS) $(CFLAGS) $< $(STATIC) -o $@ $(DEPS_LIBS)

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
	    -e 's|@MODELDIR@|$(MODELDIR)|' \
	    $< > $(B)/libemo.pc

# The paths an installed Python package was installed with.
$(B)/python/_config.py: FORCE
	@mkdir -p $(dir $@)
	@{ echo '"""Written by make install: where libemo was installed."""'; \
	   echo 'LIBRARY = "$(LIBDIR)/$(SONAME)"'; \
	   echo 'MODEL = "$(MODELDIR)/default.emo"'; } > $@

# Manual pages, generated from docs/ by tools/gen-man.py (python3 only).
MAN1 := emo-detect emo-train emo-eval emo-live
# The MPI programs' pages (make mpi; not installed, as the programs are
# not) are built without MPI, from docs/scaling.md.
MAN1_MPI := emo-train-mpi emo-detect-mpi emo-eval-mpi
MAN_PAGES := $(MAN1:%=$(B)/man/%.1) $(MAN1_MPI:%=$(B)/man/%.1) \
             $(B)/man/libemo.3
man: $(MAN_PAGES)

$(B)/man/%.1: docs/%.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) $< > $@

# emo-train and emo-eval are sections of docs/datasets.md.
$(B)/man/emo-train.1: docs/datasets.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) \
	  --name emo-train --part emo-train \
	  --summary "train an emotion model on labelled face datasets" $< > $@

$(B)/man/emo-eval.1: docs/datasets.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) \
	  --name emo-eval --part emo-eval \
	  --summary "accuracy, per-class recall and calibration of a model" \
	  $< > $@

# emo-train-mpi is all of docs/scaling.md; the other two, their sections.
$(B)/man/emo-train-mpi.1: docs/scaling.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) \
	  --name emo-train-mpi \
	  --summary "data-parallel training of an emotion model over MPI ranks" \
	  $< > $@

$(B)/man/emo-detect-mpi.1: docs/scaling.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) \
	  --name emo-detect-mpi --part "Detection over a file list" \
	  --summary "emo-detect over a file list split over MPI ranks" $< > $@

$(B)/man/emo-eval-mpi.1: docs/scaling.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 1 --version $(VERSION) \
	  --name emo-eval-mpi --part "Sharded evaluation: emo-eval-mpi" \
	  --summary "emo-eval's evaluation sharded over MPI ranks" $< > $@

$(B)/man/libemo.3: docs/guide.md tools/gen-man.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen-man.py --section 3 --name libemo --version $(VERSION) \
	  --summary "real-time facial emotion recognition library" $< > $@

PY_SRC := $(wildcard bindings/python/emo/*.py)

install: all $(B)/libemo.pc $(B)/python/_config.py
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(MODELDIR) $(DESTDIR)$(PYTHONDIR)/emo \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 644 include/emo.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libemo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libemo.so
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(B)/libemo.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for e in $(EXAMPLES); do install -m 755 $$e $(DESTDIR)$(BINDIR)/; done
	for m in $(wildcard models/*.emo); do \
	  install -m 644 $$m $(DESTDIR)$(MODELDIR)/; done
	install -m 644 $(PY_SRC) $(B)/python/_config.py $(DESTDIR)$(PYTHONDIR)/emo/
	install -m 644 $(MAN1:%=$(B)/man/%.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(B)/man/libemo.3 $(DESTDIR)$(MANDIR)/man3/

# Removes what install added, then the directories it made that are empty.
uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/emo.h \
	  $(DESTDIR)$(LIBDIR)/libemo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libemo.so $(DESTDIR)$(LIBDIR)/libemo.a \
	  $(DESTDIR)$(PKGCONFIGDIR)/libemo.pc
	for e in $(notdir $(EXAMPLES)); do rm -f $(DESTDIR)$(BINDIR)/$$e; done
	for m in $(notdir $(wildcard models/*.emo)); do \
	  rm -f $(DESTDIR)$(MODELDIR)/$$m; done
	rm -rf $(DESTDIR)$(PYTHONDIR)/emo
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m.1; done
	rm -f $(DESTDIR)$(MANDIR)/man3/libemo.3
	rmdir $(DESTDIR)$(MODELDIR) $(DESTDIR)$(DATADIR)/libemo 2>/dev/null || true

clean:
	rm -rf $(B) $(VG_B)

FORCE:
