# datalab: a terminal console for cloud-native datalabs, and its sandbox.
#
#   make            bin/datalab and bin/datalab-sandbox
#   make check      unit tests, end-to-end tests, then the unit tests again
#                   under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       the console against a fresh local sandbox
#   make bench      speed figures, compared with peers in the same run
#   make fuzz       each libFuzzer target for a short bounded time
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#
# Sources are found by wildcard: a new module is a new .c/.h pair, a new
# unit test is tests/unit/test_<name>.c, a new e2e test tests/e2e/t_<name>.sh.

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

DL_PKGS := ncursesw libcurl libcjson yaml-0.1 vterm expat libarchive libcrypto
SB_PKGS := libmicrohttpd libcjson yaml-0.1 libcrypto libarchive expat

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(sort $(DL_PKGS) $(SB_PKGS) check) 2>/dev/null)
DL_LIBS := $(shell $(PKG_CONFIG) --libs $(DL_PKGS) 2>/dev/null)
SB_LIBS := $(shell $(PKG_CONFIG) --libs $(SB_PKGS) 2>/dev/null) -lutil
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT ?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS += -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS)

ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(FUZZ),1)
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

DL_DIRS := core net kube s3 helm catalog model ui term cli
DL_SRC := $(foreach d,$(DL_DIRS),$(wildcard src/$(d)/*.c))
CORE_SRC := $(wildcard src/core/*.c)
SB_SRC := $(filter-out src/sandbox/main.c,$(wildcard src/sandbox/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

DL_OBJ := $(call obj,$(DL_SRC))
CORE_OBJ := $(call obj,$(CORE_SRC))
SB_OBJ := $(call obj,$(SB_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRC))

.SECONDARY:

.PHONY: all check unit e2e asan-unit fuzz-replay fuzzers demo bench fuzz install clean lint deps

all: bin/datalab $(if $(wildcard src/sandbox/main.c),bin/datalab-sandbox)

bin/datalab: $(BUILD)/obj/src/main.o $(BUILD)/libdatalab.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DL_LIBS) -lm

bin/datalab-sandbox: $(BUILD)/obj/src/sandbox/main.o $(BUILD)/libsandbox.a $(BUILD)/libdatalab.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(SB_LIBS) -lm

$(BUILD)/libdatalab.a: $(DL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libcore.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libsandbox.a: $(SB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(SB_OBJ) $(if $(SB_OBJ),,$(CORE_OBJ))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The stamp (version, data folder) reaches core/build.c alone, rebuilt
# when the stamp changes: a commit does not rebuild the tree.
STAMP := -DDATALAB_VERSION=\"$(VERSION)\" -DDATALAB_DATADIR=\"$(PREFIX)/share/datalab\"
$(BUILD)/stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(STAMP)' | cmp -s - $@ || echo '$(STAMP)' >$@
$(BUILD)/obj/src/core/build.o: CPPFLAGS += $(STAMP)
$(BUILD)/obj/src/core/build.o: $(BUILD)/stamp
FORCE:

# The two programs' modules share one name space only through core: a
# test or fuzz target that includes a sandbox header links libsandbox.a
# before libdatalab.a, every other one links libdatalab.a alone, so a
# sandbox module and a console module may share a name (cluster, ...).
SB_UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(shell grep -l 'datalab/sandbox/' $(UNIT_SRC) /dev/null))
DL_UNIT_BIN := $(filter-out $(SB_UNIT_BIN),$(UNIT_BIN))
SB_FUZZ := $(patsubst tests/fuzz/%.c,%,$(shell grep -l 'datalab/sandbox/' $(FUZZ_SRC) /dev/null))
libs_for = $(if $(filter $(1),$(SB_FUZZ)),$(BUILD)/libsandbox.a) $(BUILD)/libdatalab.a

$(SB_UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libsandbox.a $(BUILD)/libdatalab.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(DL_LIBS) $(SB_LIBS) -lm

$(DL_UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libdatalab.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(DL_LIBS) $(SB_LIBS) -lm

# Fuzz targets replayed over their saved corpus (any compiler).
.SECONDEXPANSION:
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $$(call libs_for,$$*)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DL_LIBS) $(SB_LIBS) -lm

# libFuzzer binaries (make fuzz: CC=clang FUZZ=1 BUILD=build/fuzz).
$(BUILD)/fuzzer/%: $(BUILD)/obj/tests/fuzz/%.o $$(call libs_for,$$*)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DL_LIBS) $(SB_LIBS) -lm

fuzzers: $(patsubst tests/fuzz/%.c,$(BUILD)/fuzzer/%,$(FUZZ_SRC))

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(BUILD)/tests

fuzz-replay: $(REPLAY_BIN)
	@scripts/run-fuzz-replay.sh $(BUILD)/fuzz-replay

e2e: all
	@tests/e2e/run.sh

asan-unit:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" unit fuzz-replay

check: deps
	@$(MAKE) --no-print-directory all
	@scripts/check.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: all
	@bench/run.sh

fuzz:
	@scripts/fuzz.sh

lint:
	@scripts/lint.sh

deps:
	@scripts/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/datalab/themes $(DESTDIR)$(PREFIX)/share/datalab/catalogs
	install -m 755 bin/datalab bin/datalab-sandbox $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/datalab.1 man/datalab-sandbox.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 themes/*.yaml $(DESTDIR)$(PREFIX)/share/datalab/themes/
	cp -R catalogs/. $(DESTDIR)$(PREFIX)/share/datalab/catalogs/

clean:
	rm -rf build bin

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
