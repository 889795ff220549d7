/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target: the YAML config loader (bytes from an operator's file or a
 * control plane). Any input must load or be refused with messages — never
 * crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "zdp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;

	if (zdp_config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg, &errs) == 0)
		zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
	return 0;
}
