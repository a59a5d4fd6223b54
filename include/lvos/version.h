/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LVOS_VERSION_H
#define _LVOS_VERSION_H

/* Keep in step with PACKAGE_VERSION in dkms.conf (make check compares). */
#define LVOS_VERSION "0.1.0"

#endif /* _LVOS_VERSION_H */
