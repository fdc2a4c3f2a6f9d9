/* SPDX-License-Identifier: Apache-2.0 */
/* VLAN push/pop on real mbufs (DPDK EAL without hugepages). */
#include "mbuf_ops.h"

#include <rte_eal.h>
#include <rte_mbuf.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

#include <cmocka.h>

static struct rte_mempool *pool;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static const uint8_t UDP4[] = {
    0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0x0a, 0x10,
    0x00, 0x0b, 0x0a, 0x10, 0x00, 0x0c, 0x04, 0x00, 0x13, 0x88, 0x00, 0x08, 0x00, 0x00,
};

static struct rte_mbuf *mk(const uint8_t *f, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	return m;
}

static void test_push_then_pop(void **state)
{
	struct rte_mbuf *m = mk(UDP4, sizeof(UDP4));
	struct flow_key k;
	struct flow_layout l, l2;
	(void)state;
	assert_int_equal(
	    flow_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &k, &l), FLOW_OK);
	assert_true(dp_push_vlan(m, 0x2064, &l));
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(UDP4) + 4);
	/* the tagged frame parses to the same headers at the offsets the layout now says */
	assert_int_equal(
	    flow_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &k, &l2), FLOW_OK);
	assert_int_equal(k.vlan_tci, 0x2064 | FLOW_VLAN_PRESENT);
	assert_int_equal(k.eth_type, 0x0800);
	assert_int_equal(l.l3_ofs, l2.l3_ofs);
	assert_int_equal(l.l4_ofs, l2.l4_ofs);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), UDP4, 12);

	assert_true(dp_pop_vlan(m, &l));
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(UDP4));
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), UDP4, sizeof(UDP4));
	assert_int_equal(l.l3_ofs, 14);
	assert_int_equal(l.l4_ofs, 34);
	/* no tag left */
	assert_false(dp_pop_vlan(m, &l));
	rte_pktmbuf_free(m);
}

int main(void)
{
	char prefix[64];
	char *argv[] = {"test_mbuf_ops", "--no-huge",	  "-m",	  "64", "--no-pci",
			"--no-shconf",	 "--file-prefix", prefix, "-l", "0",
			"--log-level",	 "lib.eal:error", NULL};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_push_then_pop),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "brint-unit-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "test_mbuf_ops: cannot initialise DPDK without hugepages\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "test_mbuf_ops: no mempool\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	/* DPDK leaves its runtime directory behind even without shared config */
	{
		char dir[128];
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
		if (access(dir, F_OK) == 0)
			nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	return rc;
}
