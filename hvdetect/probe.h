/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LVOS_HVDETECT_PROBE_H
#define _LVOS_HVDETECT_PROBE_H

struct lvos_hv_facts;

/* Record the running machine's platform facts (x86 only). */
void lvos_hv_probe(struct lvos_hv_facts *f);

#endif /* _LVOS_HVDETECT_PROBE_H */
