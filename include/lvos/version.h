/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LVOS_VERSION_H
#define _LVOS_VERSION_H

/*
 * The version of lvos, in this one place. dkms.conf (PACKAGE_VERSION),
 * debian/changelog and packaging/rpm/lvos.spec carry copies that
 * tools/tests/version-check compares with this (make check).
 */
#define LVOS_VERSION "0.1.0"

#endif /* _LVOS_VERSION_H */
