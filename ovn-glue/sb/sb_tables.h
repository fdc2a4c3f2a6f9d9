/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN_Southbound tables brint replicates, their indexes, and typed lookups on them. */
#pragma once

#include "sb/replica.h"

enum sb_table_id {
	SB_SB_GLOBAL,
	SB_CHASSIS,
	SB_CHASSIS_PRIVATE,
	SB_ENCAP,
	SB_DATAPATH_BINDING,
	SB_PORT_BINDING,
	SB_LOGICAL_FLOW,
	SB_LOGICAL_DP_GROUP,
	SB_MULTICAST_GROUP,
	SB_MAC_BINDING,
	SB_STATIC_MAC_BINDING,
	SB_ADDRESS_SET,
	SB_PORT_GROUP,
	SB_LOAD_BALANCER,
	SB_FDB,
	SB_DNS,
	SB_DHCP_OPTIONS,
	SB_DHCPV6_OPTIONS,
	SB_GATEWAY_CHASSIS,
	SB_HA_CHASSIS,
	SB_HA_CHASSIS_GROUP,
	SB_IP_MULTICAST,
	SB_IGMP_GROUP,
	SB_METER,
	SB_METER_BAND,
	SB_SERVICE_MONITOR,
	SB_BFD,
	SB_CHASSIS_TEMPLATE_VAR,
	SB_MIRROR,
	SB_N_TABLES
};

/* Index numbers, per table (see sb_tables.c for the columns). */
enum {
	SB_CHASSIS_BY_NAME = 0,
	SB_CHASSIS_PRIVATE_BY_NAME = 0,
	SB_ENCAP_BY_CHASSIS_NAME = 0,
	SB_DP_BY_TUNNEL_KEY = 0,
	SB_PB_BY_LOGICAL_PORT = 0,
	SB_PB_BY_DP_KEY = 1, /* (datapath, tunnel_key) */
	SB_PB_BY_DATAPATH = 2,
	SB_LFLOW_BY_DP_STAGE = 0,  /* (logical_datapath, pipeline, table_id) */
	SB_LFLOW_BY_DPG_STAGE = 1, /* (logical_dp_group, pipeline, table_id) */
	SB_MCGROUP_BY_DP_KEY = 0,  /* (datapath, tunnel_key) */
	SB_MCGROUP_BY_DP_NAME = 1, /* (datapath, name) */
	SB_MAC_BINDING_BY_PORT_IP = 0,
	SB_MAC_BINDING_BY_DP = 1,
	SB_STATIC_MAC_BINDING_BY_PORT_IP = 0,
	SB_ADDRESS_SET_BY_NAME = 0,
	SB_PORT_GROUP_BY_NAME = 0,
	SB_FDB_BY_DP_MAC = 0, /* (dp_key, mac) */
	SB_HA_GROUP_BY_NAME = 0,
	SB_GATEWAY_CHASSIS_BY_NAME = 0,
	SB_IP_MULTICAST_BY_DP = 0,
	SB_METER_BY_NAME = 0,
	SB_TEMPLATE_VAR_BY_CHASSIS = 0,
};

extern const struct sb_table_spec sb_table_specs[SB_N_TABLES];

struct sb_replica *sb_tables_replica_new(void);

/* Typed lookups (NULL when absent). */
const struct sb_row *sb_chassis_by_name(const struct sb_replica *r, const char *name);
const struct sb_row *sb_chassis_private_by_name(const struct sb_replica *r, const char *name);
const struct sb_row *sb_pb_by_logical_port(const struct sb_replica *r, const char *name);
const struct sb_row *sb_dp_by_tunnel_key(const struct sb_replica *r, int64_t key);
const struct sb_row *sb_sb_global(const struct sb_replica *r); /* the one row, if any */
/* Logical flows of one stage: datapath or datapath-group uuid, "ingress"/"egress", table. */
const struct sb_row *sb_lflow_first(const struct sb_replica *r, bool group,
				    const struct ovs_uuid *dp, const char *pipeline,
				    int64_t table_id);
const struct sb_row *sb_lflow_next(const struct sb_replica *r, bool group,
				   const struct sb_row *prev, const struct ovs_uuid *dp,
				   const char *pipeline, int64_t table_id);
