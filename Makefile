# SPDX-License-Identifier: GPL-2.0-only
#
# Developer wrapper around kbuild. The module build itself is in Kbuild;
# dkms calls kbuild directly and never runs this file.
#
#   make                 build every module against KDIR
#   make KVER=<release>  ... against /lib/modules/<release>/build
#   make demo            boot a stock Debian guest with lvos and show hvdetect
#   make check           every test (build matrix, sparse, checkpatch, dkms,
#                        KUnit, VM tests); ends with "N passed, N failed"
#   make deps            install what the rest needs (Debian archive only)

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
LVOS_VERSION := $(shell sed -n 's/^\#define LVOS_VERSION "\(.*\)"/\1/p' include/lvos/version.h)

# Kernel to build against: KDIR wins; else KVER (default: the running
# kernel, or the newest installed Debian header package if its headers are
# missing).
newest_headers = $(lastword $(sort $(patsubst /usr/src/linux-headers-%,%,\
	$(filter-out %-common %-common-rt,$(wildcard /usr/src/linux-headers-*)))))
ifeq ($(origin KDIR),undefined)
  ifeq ($(origin KVER),undefined)
    KVER := $(shell uname -r)
    ifeq ($(wildcard /lib/modules/$(KVER)/build),)
      KVER := $(newest_headers)
    endif
  endif
  KDIR := /lib/modules/$(KVER)/build
  KREL := $(KVER)
else
  KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif

KBUILD_ARGS := LVOS_KUNIT=1
# the tests' builds (make ko) also get the fault-injection switches
TEST_ARGS := $(KBUILD_ARGS) LVOS_FAULTS=1

.PHONY: all modules clean ko ko-locked tools deps demo check sparse checkpatch help

all modules:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_ARGS) modules

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(BUILD) $(STATIC_TOOLS)

# Out-of-tree kbuild writes objects next to the sources, so each kernel gets
# its own copy of the tree under build/src/<release>; the .ko files land in
# build/ko/<release>/. Any compiler warning fails the build (W=1).
# Serialised per kernel: parallel test runs share build/src/<release>.
ko:
	@test -n "$(KREL)" || { echo "ko: no kernel release for KDIR=$(KDIR)" >&2; exit 1; }
	@test -d "$(KDIR)" || { echo "ko: $(KDIR) missing (make deps)" >&2; exit 1; }
	@mkdir -p $(BUILD)/ko
	@flock $(BUILD)/ko/.$(KREL).lock $(MAKE) --no-print-directory ko-locked KDIR=$(KDIR) KREL=$(KREL)

ko-locked:
	@mkdir -p $(BUILD)/src/$(KREL) $(BUILD)/ko/$(KREL)
	@rsync -a --delete --exclude=build --exclude=.git --exclude='*.ko' \
		--exclude='*.o' --exclude=".*.cmd" --exclude='*.mod' --exclude='*.mod.c' \
		--exclude=modules.order --exclude=Module.symvers \
		Kbuild include hvdetect pagefile-vol vcpu-hotplug blkgrow balloon kunit $(BUILD)/src/$(KREL)/
	@$(MAKE) -C $(KDIR) M=$(BUILD)/src/$(KREL) $(TEST_ARGS) W=1 $(if $(SPARSE),C=2) modules \
		> $(BUILD)/ko/$(KREL)/build.log 2>&1 || { cat $(BUILD)/ko/$(KREL)/build.log >&2; exit 1; }
	@if grep -E 'warning:|error:|^WARNING' $(BUILD)/ko/$(KREL)/build.log >&2; then \
		echo "ko: warnings building for $(KREL) (see build/ko/$(KREL)/build.log)" >&2; exit 1; fi
	@rm -f $(BUILD)/ko/$(KREL)/*.ko
	@find $(BUILD)/src/$(KREL) -name '*.ko' -exec cp {} $(BUILD)/ko/$(KREL)/ \;

# Static C tools, so the same binary runs inside the busybox test guests:
#   lvos-detect-virt  hvdetect's answer from user space (also a user tool)
#   pagefile-hog      the swap workload of the pagefile tests and benchmark
#   lvos-sysfs-fuzz   hostile input for every writable sysfs file and module
#                     parameter (tests/vm/fuzz-*)
#   lvos-modcycle     load/unload cycles and racing sysfs readers without a
#                     fork per cycle (tests/vm/cycles-*)
#   lvos-openrace     opens racing a resize (tests/vm/pagefile-resize-race.py)
#   lvos-frag         half-free pageblocks for balloon-basic's compaction check
#   lvos-netq         AF_XDP bind, RSS table, ethtool monitor (tests/vm/hotplug-net.py)
STATIC_TOOLS := tools/lvos-detect-virt tools/pagefile-hog tools/lvos-sysfs-fuzz \
	tools/lvos-modcycle tools/lvos-openrace tools/lvos-frag tools/lvos-netq

tools: $(STATIC_TOOLS)

$(STATIC_TOOLS): tools/%: tools/%.c
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -static -o $@ $<

deps:
	@tools/deps

demo:
	@tools/demo

check:
	@tools/check

sparse:
	@tools/check --only sparse

checkpatch:
	@tools/check --only checkpatch

help:
	@sed -n 's/^#   //p' Makefile
