/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the packet parser on arbitrary bytes. ASan catches any read past the frame; the
 * checks below catch a layout that points outside it. */
#include "flow_key.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_key k;
	struct flow_layout l;
	enum flow_parse_err e;

	if (size > 65535)
		return 0;
	e = flow_parse(data, size, &k, &l);
	if ((unsigned)e >= FLOW_ERR__MAX)
		abort();
	{ /* the shortcut for untagged IPv4 TCP/UDP agrees with the general parser */
		struct flow_key k2;
		struct flow_layout l2;
		if (flow_parse_generic(data, size, &k2, &l2) != e || memcmp(&k, &k2, sizeof(k)) ||
		    memcmp(&l, &l2, sizeof(l)))
			abort();
	}
	if (l.l3_ofs > size || l.l4_ofs > size || (size_t)l.l3_ofs + l.l3_len > size)
		abort();
	if (l.l4_ofs && l.l4_ofs < l.l3_ofs)
		abort();
	return 0;
}
