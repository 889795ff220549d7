/* SPDX-License-Identifier: BSD-3-Clause
 * lb_hash.h — private to lb/: the fixed SipHash keys shared by the table
 * builder (backend permutations) and the tuple hash.
 */
#ifndef ZDP_LB_HASH_H
#define ZDP_LB_HASH_H

#include <stdint.h>

#include "zdp_lb.h"

/* Three independent keys, so a backend's offset, its skip and the slot a
 * flow lands in are unrelated functions of their inputs. */
extern const uint8_t zdp_lb_key_tuple[16];
extern const uint8_t zdp_lb_key_offset[16];
extern const uint8_t zdp_lb_key_skip[16];

#endif /* ZDP_LB_HASH_H */
