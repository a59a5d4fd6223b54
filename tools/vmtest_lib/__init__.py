# SPDX-License-Identifier: GPL-2.0-only
"""Host side of tools/vmtest, the lvos QEMU integration-test runner.

Python 3 standard library only.  Modules:

  qmp        QMP client (reusable on its own)
  cpio       newc cpio writer for the per-run initramfs
  kmod       kernel module lookup: modules.dep/modules.builtin, .modinfo, decompression
  kernels    the kernels a test can boot (6.1, 6.12, debug) and `make ko`
  testfile   loading and validating a test file
  guest      initramfs + /init generation for one guest
  machine    one running QEMU guest (the `vm` object a test's host() gets)
  verdict    parsing the verdict channel, console patterns, KUnit results
  runner     one (test, kernel) run and the job scheduler
"""
