/* SPDX-License-Identifier: BSD-3-Clause
 * drop.c — printable names of the drop reasons (one table, drop_reasons.def).
 */
#include "drop.h"

static const char *const drop_names[ZDP_DROP__COUNT] = {
	[ZDP_DROP_NONE] = "none",
#define ZDP_DROP(sym, label, help) [ZDP_DROP_##sym] = label,
#include "drop_reasons.def"
#undef ZDP_DROP
};

static const char *const drop_help[ZDP_DROP__COUNT] = {
	[ZDP_DROP_NONE] = "",
#define ZDP_DROP(sym, label, help) [ZDP_DROP_##sym] = help,
#include "drop_reasons.def"
#undef ZDP_DROP
};

const char *
zdp_drop_reason_name(enum zdp_drop_reason r)
{
	if ((unsigned)r >= ZDP_DROP__COUNT)
		return "unknown";
	return drop_names[r];
}

const char *
zdp_drop_reason_help(enum zdp_drop_reason r)
{
	if ((unsigned)r >= ZDP_DROP__COUNT)
		return "";
	return drop_help[r];
}
