# persona: build, test, install.  GNU make.
#   make            build/persona
#   make check      deps, build, unit and integration suites (Check)
#   make demo       deps, build, run the main job on the embedded busybox
#   make SAN=1 ...  the same with ASan+UBSan, in build/san
#   make WERROR=1   warnings are errors (CI)

CC      ?= gcc
PREFIX  ?= /usr/local
SAN     ?= 0
WERROR  ?= 0

ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS =
endif

PKGS     = libseccomp libcap libcgroup jansson libarchive libcrypto libcurl
CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation $(SANFLAGS) \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lutil
# The persona binary is linked static-pie: no shared library to find or
# relocate at every start (about 1 ms of a ~7 ms container start), and it
# works as the binfmt_misc interpreter inside containers that have no
# glibc of their own.  STATIC=0 links it dynamically (SAN=1 does: the
# sanitizers need it).  The test suites and persona-image link dynamically.
ifeq ($(SAN),1)
STATIC  ?= 0
else
STATIC  ?= 1
endif
ifeq ($(STATIC),1)
PERSONA_LIBS = -static-pie -lseccomp -lcap -lcgroup -ljansson -pthread -lutil
else
PERSONA_LIBS = $(LDLIBS)
endif
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# Components: every .c below these folders (syscall-xlat and winapi-shim
# have sub-folders per personality, trap back-end and DLL).
COMPONENT_SRCS = $(shell find common isolation images syscall-xlat winapi-shim -name '*.c' 2>/dev/null | sort)
LIB_SRCS = $(COMPONENT_SRCS) $(filter-out runtime/main.c runtime/image_main.c,$(wildcard runtime/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
INTEG_SRCS = $(wildcard tests/integration/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_BINS = $(INTEG_SRCS:tests/integration/%.c=$(BUILD)/tests/integration/%)
TEST_COMMON = tests/harness.c

# Debian packages the build, the tests and the benchmark need.
DEPS = build-essential pkg-config libssl-dev libarchive-dev libcurl4-openssl-dev skopeo umoci docker-registry \
       libseccomp-dev libcap-dev libcgroup-dev libjansson-dev \
       check libsubunit-dev busybox-static debootstrap procps iproute2 util-linux \
       golang-go openssl podman apache2-utils libgcrypt20-dev \
       gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 libgcrypt-mingw-w64-dev libz-mingw-w64-dev zlib1g-dev \
       clang-14 libclang-rt-14-dev

# ... and what the benchmarks add: the peers they are measured against.
BENCH_DEPS = crun runc bubblewrap hyperfine wine64 jq qemu-system-x86

.PHONY: all deps check unit integration demo install clean bench

all: $(BUILD)/persona $(BUILD)/persona-image

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Code that runs while a guest owns the FS or GS base (the syscall trap
# handler, Win32 shims entered from PE code) must not touch glibc's TLS:
# no sanitizer runtime, no stack protector there.
$(BUILD)/obj/syscall-xlat/trap/%.o $(BUILD)/obj/winapi-shim/entry/%.o: CFLAGS += -fno-sanitize=all -fno-stack-protector

$(BUILD)/libpersona.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/persona: $(BUILD)/obj/runtime/main.o $(BUILD)/libpersona.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PERSONA_LIBS)

# The image commands (libcurl, libarchive, libcrypto: ~40 shared libraries,
# ~6 ms to load) live in a helper that persona executes for them, so that
# a container start does not pay for loading them.
$(BUILD)/persona-image: $(BUILD)/obj/runtime/image_main.o $(BUILD)/libpersona.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(TEST_COMMON) $(BUILD)/libpersona.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_COMMON) $(BUILD)/libpersona.a $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/tests/integration/%: tests/integration/%.c $(TEST_COMMON) $(BUILD)/libpersona.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_COMMON) $(BUILD)/libpersona.a $(LDLIBS) $(CHECK_LIBS)

deps:
	@./tests/fixtures/install-deps.sh $(DEPS)

unit: $(UNIT_BINS)
	@./tests/run-suites.sh $(UNIT_BINS)

integration: $(BUILD)/persona $(BUILD)/persona-image $(INTEG_BINS)
	@PERSONA_BIN=$(abspath $(BUILD)/persona) ./tests/run-suites.sh $(INTEG_BINS)

check: deps
	@$(MAKE) --no-print-directory all microvm-kernel $(UNIT_BINS) $(INTEG_BINS)
	@./tests/fuzz/run-corpus.sh || [ $$? -eq 2 ]
	@PERSONA_BIN=$(abspath $(BUILD)/persona) ./tests/run-suites.sh $(UNIT_BINS) $(INTEG_BINS)

demo: deps
	@$(MAKE) --no-print-directory all
	@./tests/fixtures/demo.sh $(BUILD)/persona

bench: deps all
	@./tests/fixtures/install-deps.sh $(BENCH_DEPS)
	@./bench/run.sh $(BUILD)/persona
	@./bench/freebsd/run.sh $(BUILD)/persona
	@./bench/windows/run.sh $(BUILD)/persona
	@./bench/images/run.sh $(BUILD)/persona
	@./bench/microvm/run.sh $(BUILD)/persona

install: $(BUILD)/persona $(BUILD)/persona-image
	install -D -m 0755 $(BUILD)/persona $(DESTDIR)$(PREFIX)/bin/persona
	install -D -m 0755 $(BUILD)/persona-image $(DESTDIR)$(PREFIX)/libexec/persona/persona-image
	install -D -m 0644 docs/persona.1 $(DESTDIR)$(PREFIX)/share/man/man1/persona.1

clean:
	rm -rf build

# ---- micro-VM (isolation/microvm, issue 6): libraries, test guest --------
# bzImage payloads are decompressed on the host with the matching library.
PKGS += libzstd liblzma zlib
ifeq ($(STATIC),1)
PERSONA_LIBS += -lzstd -llzma -lz
endif
DEPS += libzstd-dev liblzma-dev zlib1g-dev

# The test guest (tests/microvm): freestanding 64-bit code entered like a
# Linux kernel, linked at 1 MiB.  Its own flags, never the sanitizers'; no
# CET (ENDBR64) and no SSE: KVM's emulator on kvm_pvm hosts runs it.
MICROVM_GUEST_CFLAGS = -std=gnu11 -O2 -Wall -Wextra -ffreestanding -nostdlib -static -fno-pic -no-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -fno-builtin
MICROVM_GUEST_SRCS = tests/microvm/start.S tests/microvm/guest.c tests/microvm/virtio.c
$(BUILD)/tests/microvm/guest.elf: $(MICROVM_GUEST_SRCS) tests/microvm/guest.h tests/microvm/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(MICROVM_GUEST_CFLAGS) $(if $(filter 1,$(WERROR)),-Werror) -Wl,-T,tests/microvm/guest.ld \
		-Wl,--build-id=none -o $@ $(MICROVM_GUEST_SRCS)

# persona's guest init: a freestanding static program of its own, no C
# library (the library's copy of isolation/microvm/guest/init.c is empty
# without PERSONA_GUEST_INIT).  Never sanitized: it runs in the guest.
all: $(BUILD)/persona-guest-init
$(BUILD)/persona-guest-init: isolation/microvm/guest/init.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Os -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -DPERSONA_GUEST_INIT \
		-static -nostdlib -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns -fno-pic -no-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -Wl,--build-id=none -s -o $@ $<

# The bundled guest kernel: Debian's linux-source-6.1, tinyconfig plus
# isolation/microvm/kernel/guest.config and its patches, built once into a
# cache outside the tree (3-7 minutes on 2 cores), then linked here as
# $(BUILD)/persona-vmlinux; and its SMP variant (plus smp.config, for
# --vcpus above 1) as $(BUILD)/persona-vmlinux-smp.  Not part of `all`
# (`make check` builds them, for the suite that boots them): run
# `make microvm-kernel`.
MICROVM_KERNEL_CACHE ?= /var/cache/persona/kernel
DEPS += linux-source-6.1 bc flex bison libelf-dev
# mke2fs: a workload's root disk (isolation/microvm/rootdisk.c)
DEPS += e2fsprogs
.PHONY: microvm-kernel
microvm-kernel:
	@mkdir -p $(BUILD)
	@k=$$(PERSONA_KERNEL_CACHE=$(MICROVM_KERNEL_CACHE) isolation/microvm/kernel/build-kernel.sh) && \
		ln -sfn "$$k" $(BUILD)/persona-vmlinux && echo "$(BUILD)/persona-vmlinux -> $$k"
	@k=$$(PERSONA_KERNEL_CACHE=$(MICROVM_KERNEL_CACHE) isolation/microvm/kernel/build-kernel.sh --smp) && \
		ln -sfn "$$k" $(BUILD)/persona-vmlinux-smp && echo "$(BUILD)/persona-vmlinux-smp -> $$k"

$(BUILD)/tests/unit/test_microvm: $(BUILD)/tests/microvm/guest.elf $(BUILD)/persona $(BUILD)/persona-guest-init
# ---- end of the micro-VM block --------------------------------------------

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
