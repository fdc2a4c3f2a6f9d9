/* SPDX-License-Identifier: Apache-2.0 */
#include "sb/sb_tables.h"

/* The columns brint's own code (chassis registration, port binding) writes or relies on;
 * a server whose schema lacks one of them is refused (schema mismatch). */
static const char *const sb_global_cols[] = {"nb_cfg", "options", NULL};
static const char *const chassis_cols[] = {"name",	   "hostname",	   "encaps",
					   "other_config", "external_ids", NULL};
static const char *const chassis_private_cols[] = {"name", "chassis", "nb_cfg", "nb_cfg_timestamp",
						   NULL};
static const char *const encap_cols[] = {"type", "ip", "options", "chassis_name", NULL};
static const char *const dp_cols[] = {"tunnel_key", "external_ids", NULL};
static const char *const pb_cols[] = {"logical_port", "type",  "options", "datapath", "tunnel_key",
				      "chassis",      "encap", "up",	  "mac",      NULL};
static const char *const lflow_cols[] = {"logical_datapath", "logical_dp_group",
					 "pipeline",	     "table_id",
					 "priority",	     "match",
					 "actions",	     NULL};

#define IDX(...)                                                                                   \
	{                                                                                          \
		.cols = { __VA_ARGS__ }                                                            \
	}

const struct sb_table_spec sb_table_specs[SB_N_TABLES] = {
    [SB_SB_GLOBAL] = {"SB_Global", true, sb_global_cols, {{{0}}}},
    [SB_CHASSIS] = {"Chassis", true, chassis_cols, {IDX("name")}},
    [SB_CHASSIS_PRIVATE] = {"Chassis_Private", true, chassis_private_cols, {IDX("name")}},
    [SB_ENCAP] = {"Encap", true, encap_cols, {IDX("chassis_name")}},
    [SB_DATAPATH_BINDING] = {"Datapath_Binding", true, dp_cols, {IDX("tunnel_key")}},
    [SB_PORT_BINDING] = {"Port_Binding",
			 true,
			 pb_cols,
			 {IDX("logical_port"), IDX("datapath", "tunnel_key"), IDX("datapath")}},
    [SB_LOGICAL_FLOW] = {"Logical_Flow",
			 true,
			 lflow_cols,
			 {IDX("logical_datapath", "pipeline", "table_id"),
			  IDX("logical_dp_group", "pipeline", "table_id")}},
    [SB_LOGICAL_DP_GROUP] = {"Logical_DP_Group", false, NULL, {{{0}}}},
    [SB_MULTICAST_GROUP] = {"Multicast_Group",
			    false,
			    NULL,
			    {IDX("datapath", "tunnel_key"), IDX("datapath", "name")}},
    [SB_MAC_BINDING] = {"MAC_Binding", false, NULL, {IDX("logical_port", "ip"), IDX("datapath")}},
    [SB_STATIC_MAC_BINDING] = {"Static_MAC_Binding", false, NULL, {IDX("logical_port", "ip")}},
    [SB_ADDRESS_SET] = {"Address_Set", false, NULL, {IDX("name")}},
    [SB_PORT_GROUP] = {"Port_Group", false, NULL, {IDX("name")}},
    [SB_LOAD_BALANCER] = {"Load_Balancer", false, NULL, {{{0}}}},
    [SB_FDB] = {"FDB", false, NULL, {IDX("dp_key", "mac")}},
    [SB_DNS] = {"DNS", false, NULL, {{{0}}}},
    [SB_DHCP_OPTIONS] = {"DHCP_Options", false, NULL, {{{0}}}},
    [SB_DHCPV6_OPTIONS] = {"DHCPv6_Options", false, NULL, {{{0}}}},
    [SB_GATEWAY_CHASSIS] = {"Gateway_Chassis", false, NULL, {IDX("name")}},
    [SB_HA_CHASSIS] = {"HA_Chassis", false, NULL, {{{0}}}},
    [SB_HA_CHASSIS_GROUP] = {"HA_Chassis_Group", false, NULL, {IDX("name")}},
    [SB_IP_MULTICAST] = {"IP_Multicast", false, NULL, {IDX("datapath")}},
    [SB_IGMP_GROUP] = {"IGMP_Group", false, NULL, {{{0}}}},
    [SB_METER] = {"Meter", false, NULL, {IDX("name")}},
    [SB_METER_BAND] = {"Meter_Band", false, NULL, {{{0}}}},
    [SB_SERVICE_MONITOR] = {"Service_Monitor", false, NULL, {{{0}}}},
    [SB_BFD] = {"BFD", false, NULL, {{{0}}}},
    [SB_CHASSIS_TEMPLATE_VAR] = {"Chassis_Template_Var", false, NULL, {IDX("chassis")}},
    [SB_MIRROR] = {"Mirror", false, NULL, {{{0}}}},
};

struct sb_replica *sb_tables_replica_new(void)
{
	return sb_replica_new(sb_table_specs, SB_N_TABLES);
}

static const struct sb_row *by_string(const struct sb_replica *r, unsigned t, unsigned idx,
				      const char *s)
{
	union ovs_atom a = {.string = (char *)s};
	struct ovs_datum k = ovs_datum_of(&a);
	return sb_index_first(sb_replica_table(r, t), idx, &k);
}

const struct sb_row *sb_chassis_by_name(const struct sb_replica *r, const char *name)
{
	return by_string(r, SB_CHASSIS, SB_CHASSIS_BY_NAME, name);
}

const struct sb_row *sb_chassis_private_by_name(const struct sb_replica *r, const char *name)
{
	return by_string(r, SB_CHASSIS_PRIVATE, SB_CHASSIS_PRIVATE_BY_NAME, name);
}

const struct sb_row *sb_pb_by_logical_port(const struct sb_replica *r, const char *name)
{
	return by_string(r, SB_PORT_BINDING, SB_PB_BY_LOGICAL_PORT, name);
}

const struct sb_row *sb_dp_by_tunnel_key(const struct sb_replica *r, int64_t key)
{
	union ovs_atom a = {.integer = key};
	struct ovs_datum k = ovs_datum_of(&a);
	return sb_index_first(sb_replica_table(r, SB_DATAPATH_BINDING), SB_DP_BY_TUNNEL_KEY, &k);
}

const struct sb_row *sb_sb_global(const struct sb_replica *r)
{
	return sb_table_first(sb_replica_table(r, SB_SB_GLOBAL));
}

static void lflow_key(struct ovs_datum k[3], union ovs_atom a[3], const struct ovs_uuid *dp,
		      const char *pipeline, int64_t table_id)
{
	a[0].uuid = *dp;
	a[1].string = (char *)pipeline;
	a[2].integer = table_id;
	for (unsigned i = 0; i < 3; i++)
		k[i] = ovs_datum_of(&a[i]);
}

const struct sb_row *sb_lflow_first(const struct sb_replica *r, bool group,
				    const struct ovs_uuid *dp, const char *pipeline,
				    int64_t table_id)
{
	struct ovs_datum k[3];
	union ovs_atom a[3];
	lflow_key(k, a, dp, pipeline, table_id);
	return sb_index_first(sb_replica_table(r, SB_LOGICAL_FLOW),
			      group ? SB_LFLOW_BY_DPG_STAGE : SB_LFLOW_BY_DP_STAGE, k);
}

const struct sb_row *sb_lflow_next(const struct sb_replica *r, bool group,
				   const struct sb_row *prev, const struct ovs_uuid *dp,
				   const char *pipeline, int64_t table_id)
{
	struct ovs_datum k[3];
	union ovs_atom a[3];
	lflow_key(k, a, dp, pipeline, table_id);
	return sb_index_next(sb_replica_table(r, SB_LOGICAL_FLOW),
			     group ? SB_LFLOW_BY_DPG_STAGE : SB_LFLOW_BY_DP_STAGE, prev, k);
}
