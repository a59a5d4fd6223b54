/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compat.h - every kernel-version shim lvos needs, in one place.
 *
 * Force-included into every lvos object by the top-level Kbuild, so no
 * source file tests kernel versions itself. Shims are chosen by build-time
 * feature probes (see Kbuild), not by version numbers: Debian's stable
 * kernels backport API changes.
 */
#ifndef _LVOS_COMPAT_H
#define _LVOS_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>

/*
 * Symbol namespace of the lvos exports. Up to 6.12, EXPORT_SYMBOL_NS_GPL()
 * and MODULE_IMPORT_NS() stringify an identifier; 6.13 (cdd30ebb1b9f) takes
 * a string literal instead. Kbuild sets LVOS_HAVE_NS_STRING when the
 * target's export.h no longer stringifies.
 */
#ifdef LVOS_HAVE_NS_STRING
#define LVOS_NS "LVOS"
#else
#define LVOS_NS LVOS
#endif

#endif /* _LVOS_COMPAT_H */
