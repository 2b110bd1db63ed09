# pathcast -- build, test, demo, bench.
#
# `make demo` and `make test` first make sure the Debian packages are there
# (tools/deps.sh installs them with apt when run as root), then build in a
# sub-make so that pkg-config is asked only once the packages exist.

CC      := mpicc
PKGS    := hdf5-openmpi gsl cairo
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# CI builds with WERROR=1: a warning fails the build.
WARN    += $(if $(WERROR),-Werror)
# Functions start on 64-byte boundaries, so where a hot loop falls relative
# to the processor's fetch blocks depends on its own function only: a change
# in the driver once moved the XGBoost feature kernel by 96 bytes and made it
# 11-25% slower (docs/PERFORMANCE.md, "Functions aligned to 64 bytes").
CFLAGS  ?= -O2 -g -falign-functions=64
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# HDF5's high-level library (dimension scales, H5DS) comes with the same
# build, but pkg-config lists only -lhdf5.
HDF5_HL    = $(shell pkg-config --libs-only-L hdf5-openmpi) -lhdf5_hl
PKG_LIBS   = $(HDF5_HL) $(shell pkg-config --libs $(PKGS)) -lxgboost -lm
TEST_LIBS  = $(shell pkg-config --libs cmocka)

BUILD   ?= build
# src/<layer>/: core, models, store, job, eval, driver, cli (docs/DESIGN.md,
# "Layers"; tools/check_layers.sh holds every include to the rule).
LAYERS  := core models store job eval driver cli
LIB_SRC := $(filter-out src/cli/main.c,$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
LIB     := $(BUILD)/libpathcast.a
BIN     := bin/pathcast
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps demo test unit integration bench data sanitize valgrind fuzz lint clean

all: $(BIN) $(UNIT_BIN) $(BUILD)/arima_search

deps:
	@tools/deps.sh

# Each object lists the headers it includes (-MMD, read back below), so a
# header change rebuilds exactly what uses it; -MP keeps a removed header
# from breaking the build.
$(BUILD)/obj/%.o: src/%.c | $(addprefix $(BUILD)/obj/,$(LAYERS))
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

# The path kernels must compute the same numbers at every SIMD width: no
# multiply-add may be fused in one width and not in another.
# (private: not passed on to the objects built on the way to a target.)
$(BUILD)/obj/core/paths.o $(BUILD)/tests/test_paths_wide: private override CFLAGS += -ffp-contract=off
# It runs the 8-lane kernels as AVX2 code: their 64-byte vectors live in
# inlined static helpers, so the calling-convention note does not apply.
$(BUILD)/tests/test_paths_wide: private override CFLAGS += -Wno-psabi

$(LIB): $(LIB_OBJ)
	ar rcs $@ $^

$(BIN): src/cli/main.c $(LIB) | bin $(BUILD)/deps
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -MF $(BUILD)/deps/main.d -MT $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB) | $(BUILD)/tests $(BUILD)/deps
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -MF $(BUILD)/deps/$*.d -MT $@ $< $(LIB) $(PKG_LIBS) $(TEST_LIBS) $(LDFLAGS) -o $@

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/deps/*.d)

$(addprefix $(BUILD)/obj/,$(LAYERS)) $(BUILD)/tests $(BUILD)/deps bin:
	mkdir -p $@

# The quick start.
demo: deps
	$(MAKE) $(BIN)
	tools/demo.sh

# `make test T=test_store` runs one test (a unit program, an integration or
# Slurm script), `C=pattern` one or some of a unit program's cmocka cases.
test: deps
	$(MAKE) all
	PC_TEST_CASE='$(C)' tests/run.sh $(if $(T),one $(T))

unit: all
	tests/run.sh unit

integration: all
	tests/run.sh integration

# The Slurm suite alone: a private single-node cluster (munge, slurmctld,
# slurmd) running the slurm/ scripts with sbatch and srun (docs/SLURM.md).
.PHONY: test-slurm
test-slurm: deps
	$(MAKE) $(BIN)
	tests/slurm/run.sh

# Tools linked against the library: per-model timings and the path
# benchmark (make bench), and the record and check of the ARIMA order search
# (tests/integration).
$(BUILD)/bench_models $(BUILD)/bench_paths $(BUILD)/arima_search: $(BUILD)/%: tools/%.c $(LIB)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $< $(LIB) $(PKG_LIBS) $(LDFLAGS) -o $@

bench: deps
	$(MAKE) $(BIN) $(BUILD)/bench_models $(BUILD)/bench_paths
	tools/bench.sh
	tools/bench_paths.sh
	$(BUILD)/bench_paths kernels
	tools/bench_eval.sh
	tools/bench_six.sh
	$(BUILD)/bench_models data/coffee.csv
	$(BUILD)/bench_models data/sugar.csv

# The whole suite built with AddressSanitizer and UBSan in its own tree.
sanitize: deps
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" BIN=build-asan/pathcast all
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 PATHCAST_BIN=$(CURDIR)/build-asan/pathcast \
	  PATHCAST_BUILD=build-asan tests/run.sh unit
	# Open MPI's plug-ins leak at exit and are unloaded before LeakSanitizer
	# reports, so they cannot be suppressed by name: under MPI only memory
	# errors and undefined behaviour are checked (the unit tests above and
	# valgrind check our leaks).  The order search's records are refitted
	# for coffee only here (the same code paths as sugar's; sugar's four
	# times slower searches are checked by `make test`).
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  PATHCAST_ARIMA_SEARCH_JOBS=coffee \
	  PATHCAST_BIN=$(CURDIR)/build-asan/pathcast PATHCAST_BUILD=build-asan tests/run.sh integration

# libFuzzer targets (clang) over the CSV reader, the job/option parser and
# the date and holiday parsers; each runs FUZZ_SECONDS from the seed corpus
# in tests/fuzz/<target>/ (new inputs go to build-fuzz/, never the repo).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := csv job date
FUZZ_BIN := $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_TARGETS))
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c)
MPI_LIBS = $(shell pkg-config --libs ompi-c)

# The library is compiled once for every target (instrumented for coverage
# and the sanitizers, without libFuzzer's main), then each target links it.
FUZZ_CFLAGS = $(WARN) -g -O1 $(CPPFLAGS) $(PKG_CFLAGS) $(MPI_CFLAGS)
FUZZ_OBJ := $(patsubst src/%.c,build-fuzz/obj/%.o,$(LIB_SRC))
build-fuzz/obj/%.o: src/%.c $(wildcard include/pathcast/*/*.h src/*/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build-fuzz/libpathcast.a: $(FUZZ_OBJ)
	ar rcs $@ $^
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libpathcast.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $< \
	  build-fuzz/libpathcast.a $(PKG_LIBS) $(MPI_LIBS) -o $@

fuzz: deps
	$(MAKE) $(FUZZ_BIN)
	tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Static analysis (Debian's cppcheck) over every C file of the project: no
# finding is tolerated (an inline `cppcheck-suppress` must say why).
lint: deps
	cppcheck --quiet --enable=warning,performance,portability --std=c11 \
	  -Iinclude --inline-suppr -D_POSIX_C_SOURCE=200809L \
	  --error-exitcode=1 src tools tests/unit tests/fuzz

# A small backfill and daily run under valgrind memcheck: no invalid access,
# no leak of pathcast's own (tools/valgrind.supp documents the library noise).
valgrind: deps
	$(MAKE) $(BIN)
	tools/valgrind.sh

# Regenerates the shipped synthetic data (see data/README.md).
data: | bin
	gcc $(WARN) -O2 -o bin/gendata tools/gendata.c $(shell pkg-config --cflags --libs gsl) -lm
	mkdir -p data && bin/gendata data

clean:
	rm -rf build build-asan build-fuzz bin
