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
#   make install-dkms    the module sources into DESTDIR/usr/src/lvos-VERSION
#   make install-tools   the user tools, udev rules, systemd units, man pages
#                        into DESTDIR (PREFIX=/usr; CFLAGS/LDFLAGS from the
#                        environment, -Werror with LVOS_WERROR=1)
#   make deb             Debian packages into build/pkg/ (lintian-checked)
#   make rpm             RPM packages into build/pkg/rpm/ (rpmlint-checked)
#   make version         print the version (include/lvos/version.h)

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

.PHONY: all modules clean ko ko-locked tools deps demo check sparse checkpatch help \
	install-dkms install-tools user-tools deb rpm version

all modules:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_ARGS) modules

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(BUILD) $(STATIC_TOOLS) $(XDP_OBJS)

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
		Kbuild include hvdetect pagefile-vol vcpu-hotplug blkgrow balloon net-pv kunit $(BUILD)/src/$(KREL)/
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
#   netpv-blast       TCP/UDP/request-response load and memcpy calibration
#                     (tools/bench/netpv)
STATIC_TOOLS := tools/lvos-detect-virt tools/pagefile-hog tools/lvos-sysfs-fuzz tools/npv-litmus \
	tools/lvos-modcycle tools/lvos-openrace tools/lvos-frag tools/lvos-netq \
	tools/netpv-blast

tools: $(STATIC_TOOLS)

$(STATIC_TOOLS): tools/%: tools/%.c tools/lvos-util.h
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -static -o $@ $<

# XDP test programs for tests/vm/netpv-xdp.py (clang's BPF target).
XDP_OBJS := $(addprefix tools/xdp/xdp-,drop.o pass.o aborted.o tx.o $(foreach i,2 3 4 5 6,redirect-$(i).o))
xdp: $(XDP_OBJS)
tools/xdp/xdp-%.o: tools/xdp/npv-xdp.c
	clang -O2 -Wall -Werror -target bpf -I/usr/include/x86_64-linux-gnu \
		$(if $(filter redirect-%,$*),-DNPV_REDIRECT=$(patsubst redirect-%,%,$*),-DNPV_$(shell echo $* | tr a-z A-Z)) \
		-c -o $@ $<

# What ships. install-dkms is the one list of module sources a package (or
# a hand install) puts in /usr/src: no kunit/, no test switches (LVOS_FAULTS
# is only ever set on the command line by make ko).
DKMS_SOURCES := Kbuild dkms.conf include hvdetect pagefile-vol vcpu-hotplug blkgrow balloon net-pv
DESTDIR ?=
PREFIX ?= /usr
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/lvos
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLESDIR ?= $(PREFIX)/share/lvos/examples
# Where udev and systemd look, as their .pc files say (Debian 12: /lib/udev,
# /lib/systemd/system, /usr/lib/modules-load.d); the fallbacks are the same.
pcvar = $(or $(shell pkg-config --variable=$(2) $(1) 2>/dev/null),$(3))
UDEVDIR ?= $(call pcvar,udev,udevdir,/lib/udev)
SYSTEMDUNITDIR ?= $(call pcvar,systemd,systemdsystemunitdir,/lib/systemd/system)
MODULESLOADDIR ?= $(call pcvar,systemd,modulesloaddir,/usr/lib/modules-load.d)

install-dkms:
	@test -n "$(LVOS_VERSION)" || { echo "install-dkms: no version in include/lvos/version.h" >&2; exit 1; }
	install -d $(DESTDIR)/usr/src/lvos-$(LVOS_VERSION)
	tar -C $(TOP) -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude=modules.order \
		--exclude=Module.symvers $(DKMS_SOURCES) | \
		tar -C $(DESTDIR)/usr/src/lvos-$(LVOS_VERSION) --no-same-owner -xf -

# The user tools, linked dynamically with the distribution's flags
# (dpkg-buildflags / %optflags set CPPFLAGS, CFLAGS, LDFLAGS); built into
# build/tools/, apart from the static test builds above.
TOOLS_OUT := $(BUILD)/tools
USER_TOOLS := $(TOOLS_OUT)/lvos-detect-virt $(TOOLS_OUT)/lvosctl
TOOL_CFLAGS := -Wall -Wextra -std=gnu11 $(if $(filter 1,$(LVOS_WERROR)),-Werror)
TOOL_CPPFLAGS := -I$(TOP)/include -DLVOS_VERSION='"$(LVOS_VERSION)"'
MANPAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(wildcard docs/man/*.scd))
UNITS := $(wildcard packaging/systemd/*.service packaging/systemd/*.timer)

user-tools: $(USER_TOOLS) $(MANPAGES)

$(TOOLS_OUT)/lvos-detect-virt: tools/lvos-detect-virt.c tools/lvos-util.h include/lvos/version.h
	@mkdir -p $(@D)
	$(CC) $(TOOL_CPPFLAGS) $(CPPFLAGS) $(TOOL_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(TOOLS_OUT)/lvosctl: tools/lvosctl.c tools/lvos-util.h include/lvos/version.h
	@mkdir -p $(@D)
	$(CC) $(TOOL_CPPFLAGS) $(CPPFLAGS) $(TOOL_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@.tmp && mv $@.tmp $@

install-tools: user-tools
	install -D -m 755 -t $(DESTDIR)$(BINDIR) $(USER_TOOLS)
	install -D -m 755 tools/lvos-blkgrow $(DESTDIR)$(SBINDIR)/lvos-blkgrow
	install -D -m 755 tools/lvos-ivshmem-server $(DESTDIR)$(BINDIR)/lvos-ivshmem-server
	install -D -m 755 -t $(DESTDIR)$(LIBEXECDIR) tools/lvos-pagefile-swapon tools/lvos-memory-policy
	install -D -m 644 -t $(DESTDIR)$(UDEVDIR)/rules.d tools/udev/*.rules
	install -D -m 644 -t $(DESTDIR)$(SYSTEMDUNITDIR) $(UNITS)
	install -D -m 644 packaging/modules-load.d/lvos.conf $(DESTDIR)$(MODULESLOADDIR)/lvos.conf
	install -D -m 644 tools/blkgrow.conf $(DESTDIR)$(SYSCONFDIR)/lvos/blkgrow.conf
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -D -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done
	install -D -m 644 tools/completion/lvosctl.bash $(DESTDIR)$(BASHCOMPDIR)/lvosctl
	install -D -m 644 -t $(DESTDIR)$(EXAMPLESDIR)/netpv packaging/examples/netpv/*

# Packages, built from a copy of the tree (the files git tracks, or all of
# them outside a git checkout) in build/pkg/src: nothing is written outside
# build/. The .debs land in build/pkg/, the RPMs in build/pkg/rpm/.
PKG := $(BUILD)/pkg
pkg_files = $(if $(wildcard .git),git ls-files -z --cached --others --exclude-standard,\
	find . -path ./build -prune -o -type f -print0)

deb:
	rm -rf $(PKG)/src $(PKG)/*.deb $(PKG)/*.changes $(PKG)/*.buildinfo
	mkdir -p $(PKG)/src
	$(pkg_files) | rsync -a --from0 --ignore-missing-args --files-from=- ./ $(PKG)/src/
	cd $(PKG)/src && dpkg-buildpackage -b -uc -us
	lintian --fail-on error,warning $(PKG)/lvos_$(LVOS_VERSION)_*.changes

RPMTOP := $(PKG)/rpm
rpm:
	rm -rf $(RPMTOP) $(PKG)/rpmsrc
	mkdir -p $(RPMTOP)/SOURCES $(RPMTOP)/tmp $(PKG)/rpmsrc/lvos-$(LVOS_VERSION)
	$(pkg_files) | rsync -a --from0 --ignore-missing-args --files-from=- ./ $(PKG)/rpmsrc/lvos-$(LVOS_VERSION)/
	tar -C $(PKG)/rpmsrc -czf $(RPMTOP)/SOURCES/lvos-$(LVOS_VERSION).tar.gz lvos-$(LVOS_VERSION)
	rpmbuild -ba --nodeps --define "_topdir $(RPMTOP)" --define "_tmppath $(RPMTOP)/tmp" packaging/rpm/lvos.spec
	rpmlint -c packaging/rpm/rpmlint.toml -r packaging/rpm/lvos.rpmlintrc packaging/rpm/lvos.spec \
		$(RPMTOP)/RPMS/*/*.rpm $(RPMTOP)/SRPMS/*.rpm | tee $(RPMTOP)/rpmlint.log
	@grep -q ' 0 errors, 0 warnings' $(RPMTOP)/rpmlint.log || \
		{ echo "rpm: rpmlint found errors or warnings (build/pkg/rpm/rpmlint.log)" >&2; exit 1; }

version:
	@echo $(LVOS_VERSION)

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
	@sed -n '1,/^$$/s/^#   //p' Makefile
