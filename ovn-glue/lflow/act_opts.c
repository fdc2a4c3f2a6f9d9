/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables of put_dhcp_opts, put_dhcpv6_opts, put_nd_ra_opts and trigger_event:
 * the names, codes and value types OVN 23.03's northd and ovn-controller agree on. */
#include <string.h>

#include "brint/util.h"
#include "lflow/act.h"

static const struct lflow_opt dhcpv4_opts[] = {
    {"offerip", LFLOW_DHCP_OFFERIP, LFLOW_OT_IPV4},
    {"netmask", 1, LFLOW_OT_IPV4},
    {"router", 3, LFLOW_OT_IPV4},
    {"dns_server", 6, LFLOW_OT_IPV4},
    {"log_server", 7, LFLOW_OT_IPV4},
    {"lpr_server", 9, LFLOW_OT_IPV4},
    {"hostname", 12, LFLOW_OT_STR},
    {"domain_name", 15, LFLOW_OT_STR},
    {"swap_server", 16, LFLOW_OT_IPV4},
    {"ip_forward_enable", 19, LFLOW_OT_BOOL},
    {"policy_filter", 21, LFLOW_OT_IPV4},
    {"default_ttl", 23, LFLOW_OT_UINT8},
    {"mtu", 26, LFLOW_OT_UINT16},
    {"broadcast_address", 28, LFLOW_OT_IPV4},
    {"router_discovery", 31, LFLOW_OT_BOOL},
    {"router_solicitation", 32, LFLOW_OT_IPV4},
    {"arp_cache_timeout", 35, LFLOW_OT_UINT32},
    {"ethernet_encap", 36, LFLOW_OT_BOOL},
    {"tcp_ttl", 37, LFLOW_OT_UINT8},
    {"tcp_keepalive_interval", 38, LFLOW_OT_UINT32},
    {"nis_server", 41, LFLOW_OT_IPV4},
    {"ntp_server", 42, LFLOW_OT_IPV4},
    {"netbios_name_server", 44, LFLOW_OT_IPV4},
    {"netbios_node_type", 46, LFLOW_OT_UINT8},
    {"lease_time", 51, LFLOW_OT_UINT32},
    {"server_id", 54, LFLOW_OT_IPV4},
    {"T1", 58, LFLOW_OT_UINT32},
    {"T2", 59, LFLOW_OT_UINT32},
    {"tftp_server", 66, LFLOW_OT_HOST_ID},
    {"bootfile_name", 67, LFLOW_OT_STR},
    {"domain_search_list", 119, LFLOW_OT_DOMAINS},
    {"classless_static_route", 121, LFLOW_OT_STATIC_ROUTES},
    {"tftp_server_address", 150, LFLOW_OT_IPV4},
    {"path_prefix", 210, LFLOW_OT_STR},
    {"ms_classless_static_route", 249, LFLOW_OT_STATIC_ROUTES},
    {"wpad", 252, LFLOW_OT_STR},
    {"next_server", 253, LFLOW_OT_IPV4},      /* the header's siaddr, not an option */
    {"bootfile_name_alt", 254, LFLOW_OT_STR}, /* sent as option 67 (iPXE) */
};

static const struct lflow_opt dhcpv6_opts[] = {
    {"server_id", 2, LFLOW_OT_MAC},
    {"ia_addr", 5, LFLOW_OT_IPV6},
    {"dns_server", 23, LFLOW_OT_IPV6},
    {"domain_search", 24, LFLOW_OT_STR},
};

static const struct lflow_opt nd_ra_opts[] = {
    {"addr_mode", LFLOW_ND_RA_ADDR_MODE, LFLOW_OT_STR},
    {"router_preference", LFLOW_ND_RA_PRF, LFLOW_OT_STR},
    {"slla", 1, LFLOW_OT_MAC},	  /* source link-layer address */
    {"prefix", 3, LFLOW_OT_IPV6}, /* prefix information */
    {"mtu", 5, LFLOW_OT_UINT32},
    {"route_info", 24, LFLOW_OT_STR},
    {"rdnss", 25, LFLOW_OT_IPV6},
    {"dnssl", 31, LFLOW_OT_STR},
};

static const struct lflow_opt event_empty_lb_opts[] = {
    {"vip", LFLOW_EVENT_OPT_VIP, LFLOW_OT_STR},
    {"protocol", LFLOW_EVENT_OPT_PROTOCOL, LFLOW_OT_STR},
    {"load_balancer", LFLOW_EVENT_OPT_LOAD_BALANCER, LFLOW_OT_STR},
};

static const struct {
	const struct lflow_opt *v;
	unsigned n;
} tables[LFLOW_OPTS_N] = {
    [LFLOW_OPTS_DHCPV4] = {dhcpv4_opts, ARRAY_SIZE(dhcpv4_opts)},
    [LFLOW_OPTS_DHCPV6] = {dhcpv6_opts, ARRAY_SIZE(dhcpv6_opts)},
    [LFLOW_OPTS_ND_RA] = {nd_ra_opts, ARRAY_SIZE(nd_ra_opts)},
    [LFLOW_OPTS_EVENT_EMPTY_LB] = {event_empty_lb_opts, ARRAY_SIZE(event_empty_lb_opts)},
};

const struct lflow_opt *lflow_opt_get(enum lflow_opt_table t, unsigned idx)
{
	if ((unsigned)t >= LFLOW_OPTS_N || idx >= tables[t].n)
		return NULL;
	return &tables[t].v[idx];
}

int lflow_opt_find(enum lflow_opt_table t, const char *name)
{
	if ((unsigned)t >= LFLOW_OPTS_N)
		return -1;
	for (unsigned i = 0; i < tables[t].n; i++)
		if (!strcmp(tables[t].v[i].name, name))
			return (int)i;
	return -1;
}

unsigned lflow_opt_count(enum lflow_opt_table t)
{
	return (unsigned)t < LFLOW_OPTS_N ? tables[t].n : 0;
}
