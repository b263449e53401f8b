# camkit — see README.md. `make check` and `make demo` install what they need.
VERSION     = 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS        = libcurl libcrypto expat libosip2 libpcap jansson

SANITIZE   ?= 0
ifeq ($(SANITIZE),1)
BUILD      ?= build-san
SANFLAGS    = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD      ?= build
SANFLAGS    =
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation \
              -Ilib -DCAMKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS    += $(SANFLAGS)
LDLIBS     += -Wl,--as-needed $(PKG_LIBS) -lm

LIB_SRC    := $(sort $(wildcard lib/*/*.c))
CMD_SRC    := $(sort $(wildcard cmd/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TOOLS      := $(patsubst cmd/%.c,%,$(CMD_SRC))
LIB_OBJ    := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
BINS       := $(addprefix $(BUILD)/bin/,$(TOOLS))
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
FUZZERS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
MAN1       := $(wildcard man/*.1)
MAN7       := $(wildcard man/*.7)
FUZZ_TIME  ?= 30

.PHONY: all check lint install uninstall clean fuzz fuzz-build bench demo deps unit
.DEFAULT_GOAL := all
# objects are kept: without this make deletes cmd/ and unit objects as
# intermediates, relinks every tool on each run, and `make install` in the
# test suite would rewrite binaries other tests are running
.SECONDARY:

all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcamkit.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/cmd/%.o $(BUILD)/libcamkit.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libcamkit.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer harnesses: clang, with ASan+UBSan, linked against the library
# sources compiled the same way.
FUZZ_CC     ?= clang
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -DCAMKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard lib/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lm

fuzz-build: $(FUZZERS)

# Each harness for FUZZ_TIME seconds, starting from its seed corpus.
# Targets that start with `deps` build through a sub-make: pkg-config must
# be asked again once the -dev packages are installed on a fresh machine.
fuzz: deps
	$(MAKE) fuzz-build
	@set -e; for f in $(FUZZERS); do n=$${f##*/}; \
	  mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_TIME)s)"; \
	  $$f -max_total_time=$(FUZZ_TIME) -max_len=65536 -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | tail -n 12; done

unit: $(UNITS)

check: deps
	$(MAKE) all unit
	BUILD=$(BUILD) SANITIZE=$(SANITIZE) bash tests/run

lint: deps
	$(MAKE) all
	@set -e; for m in $(MAN1) $(MAN7); do mandoc -Tlint -W warning $$m; done; \
	echo "mandoc -Tlint: $(words $(MAN1) $(MAN7)) pages clean"
	bash -n tests/tools/*.sh bench/*.sh bench/*.bash completions/bash/*
	zsh -n completions/zsh/_camkit 2>/dev/null || ! command -v zsh >/dev/null

bench: deps
	$(MAKE) all
	@set -e; for b in bench/*.sh; do echo "== $$b"; BUILD=$(BUILD) bash $$b; done

demo: deps
	$(MAKE) all
	BUILD=$(BUILD) bash tests/tools/demo.sh

deps:
	@bash tests/tools/deps.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 $(wildcard completions/bash/*) $(DESTDIR)$(BASHCOMPDIR)/
	install -m 644 completions/zsh/_camkit $(DESTDIR)$(ZSHCOMPDIR)/_camkit

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(notdir $(wildcard completions/bash/*)))
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_camkit

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
