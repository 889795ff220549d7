/* SPDX-License-Identifier: BSD-3-Clause
 * drop.h — the drop-reason enum generated from drop_reasons.def.
 *
 * ZDP_DROP_NONE (0) means "not dropped", so a function can return either 0
 * or a reason, and a per-core counter array indexed by the enum has one spare
 * slot at 0. Every real reason is 1..ZDP_DROP__COUNT-1, in the order of the
 * .def table (which is also the order of the Prometheus label values).
 */
#ifndef ZDP_DROP_H
#define ZDP_DROP_H

enum zdp_drop_reason {
	ZDP_DROP_NONE = 0,
#define ZDP_DROP(sym, label, help) ZDP_DROP_##sym,
#include "drop_reasons.def"
#undef ZDP_DROP
	ZDP_DROP__COUNT
};

/* Metric label ("truncated_ipv4"); "none" for ZDP_DROP_NONE and "unknown" for
 * anything out of range. Never NULL. */
const char *zdp_drop_reason_name(enum zdp_drop_reason r);
/* One-line help text from the table; "" for NONE / out of range. Never NULL. */
const char *zdp_drop_reason_help(enum zdp_drop_reason r);

#endif /* ZDP_DROP_H */
