/* SPDX-License-Identifier: Apache-2.0 */
/* The symbol table of OVN 23.03 logical flows: fields, subfields, string fields and
 * predicates, with widths, prerequisites and writability (as lib/logical-fields.c defines
 * them for OVN; this table is brint's own).
 *
 * Every field symbol resolves to a location (a base field, a bit offset, a width). Base
 * fields are what the engine keys its lookups on. Logical registers are one 512-bit bank:
 * reg0..reg15 (32 bits), xreg0..xreg7 (64) and xxreg0..xxreg3 (128) are views of it, with
 * reg0 the high word of xreg0 and xxreg0 (reg0 = xxreg0[96..127] = xreg0[32..63]), as in OVS.
 * OVN's logical metadata lives in the same bank: flags = reg10, inport = reg14,
 * outport = reg15, so writes to one are seen through the other.
 *
 * The table is immutable and built once; lookups are thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lflow/lex.h"

/* Base fields. Every one has at most 128 bits, except LF_MF_REGS (the 512-bit register
 * bank), which the normaliser splits into its 32-bit words LF_MF_REG0..LF_MF_REG15. */
enum lf_mf {
	LF_MF_NONE = 0,
	LF_MF_REGS, /* 512-bit bank (symbols only) */
	LF_MF_REG0, /* reg0..reg15 as terms: LF_MF_REG0 + i */
	LF_MF_REG15 = LF_MF_REG0 + 15,
	LF_MF_CT_STATE, /* 32: conntrack state bits */
	LF_MF_CT_MARK,	/* 32 */
	LF_MF_CT_LABEL, /* 128 */
	LF_MF_CT_NW_SRC,
	LF_MF_CT_NW_DST, /* 32: original-direction tuple, IPv4 */
	LF_MF_CT_IP6_SRC,
	LF_MF_CT_IP6_DST,  /* 128 */
	LF_MF_CT_NW_PROTO, /* 8 */
	LF_MF_CT_TP_SRC,
	LF_MF_CT_TP_DST, /* 16 */
	LF_MF_PKT_MARK,	 /* 32 */
	LF_MF_ETH_SRC,
	LF_MF_ETH_DST,	/* 48 */
	LF_MF_ETH_TYPE, /* 16 */
	LF_MF_VLAN_TCI, /* 16 (bit 12: present) */
	LF_MF_IP_PROTO, /* 8 */
	LF_MF_IP_DSCP,	/* 6 (shifted: the DSCP value) */
	LF_MF_IP_ECN,	/* 2 */
	LF_MF_IP_TTL,	/* 8 */
	LF_MF_IP_FRAG,	/* 2: bit 0 is a fragment, bit 1 a later fragment */
	LF_MF_IP4_SRC,
	LF_MF_IP4_DST, /* 32 */
	LF_MF_IP6_SRC,
	LF_MF_IP6_DST,	 /* 128 */
	LF_MF_IP6_LABEL, /* 20 */
	LF_MF_ARP_OP,	 /* 16 (also RARP) */
	LF_MF_ARP_SPA,
	LF_MF_ARP_TPA, /* 32 */
	LF_MF_ARP_SHA,
	LF_MF_ARP_THA,	 /* 48 */
	LF_MF_ND_TARGET, /* 128 */
	LF_MF_ND_SLL,
	LF_MF_ND_TLL, /* 48 */
	LF_MF_L4_SRC,
	LF_MF_L4_DST,	 /* 16: TCP, UDP and SCTP ports (the protocol is a prereq) */
	LF_MF_TCP_FLAGS, /* 12 */
	LF_MF_ICMP_TYPE,
	LF_MF_ICMP_CODE,      /* 8: ICMPv4 or ICMPv6 (the protocol is a prereq) */
	LF_MF_ICMP4_FRAG_MTU, /* 16, written by actions only */
	LF_MF_ICMP6_FRAG_MTU, /* 32, written by actions only */
	LF_MF_N
};

enum lf_sym_type {
	LF_SYM_FIELD,	  /* a whole base field (or a register) */
	LF_SYM_SUBFIELD,  /* bits of another symbol: expansion is "parent[lo..hi]" or "parent[b]" */
	LF_SYM_STRING,	  /* inport/outport: compared with port names, which the engine maps
			   * to tunnel keys stored at the symbol's location */
	LF_SYM_PREDICATE, /* a boolean expression (expansion) */
};

enum lf_write {
	LF_WR_NO,	 /* read-only */
	LF_WR_YES,	 /* actions may assign it */
	LF_WR_CT_COMMIT, /* only inside ct_commit { } (ct_mark, ct_label and their subfields) */
};

/* OVN's measurement levels (lib/expr.h): a nominal field (a string field, or one OVS cannot
 * mask: eth.type, ip.proto, icmp4.type, ...) may only be tested for equality, and only
 * positively; a Boolean or nominal one takes no relational operator; a nominal predicate
 * (one whose definition tests a nominal field: ip4, tcp, nd_ns, ...) may only be tested
 * positively. Ordinal fields take everything. */
enum lf_level { LF_L_NOMINAL, LF_L_BOOLEAN, LF_L_ORDINAL };

struct lf_symbol {
	const char *name;
	enum lf_sym_type type;
	enum lf_write wr;
	enum lf_fmt fmt;       /* how values of it print (IPv4 for ip4.src, ...) */
	const char *prereqs;   /* an expression that must hold to use it, or NULL */
	const char *expansion; /* SUBFIELD and PREDICATE, else NULL */
	/* location (FIELD, SUBFIELD, STRING); for predicates mf == LF_MF_NONE, width 0 */
	enum lf_mf mf;
	unsigned ofs;			/* lowest bit within mf (within the bank for LF_MF_REGS) */
	unsigned width;			/* bits */
	const struct lf_symbol *parent; /* SUBFIELD: the symbol it is bits of */
	enum lf_level level;		/* set when the table is built */
};

/* Look a symbol up by name; NULL if there is none. */
const struct lf_symbol *lf_symtab_lookup(const char *name);
/* All symbols, in a fixed order (for listing and tests). */
size_t lf_symtab_count(void);
const struct lf_symbol *lf_symtab_at(size_t i);

/* "nominal", "Boolean" or "ordinal" (as OVN's messages name them). */
const char *lf_level_name(enum lf_level l);

/* Base fields. */
const char *lf_mf_name(enum lf_mf mf);	      /* "eth.src", "reg0", "ct_state", ... */
unsigned lf_mf_width(enum lf_mf mf);	      /* bits: 512 for LF_MF_REGS, 32 for a reg */
enum lf_fmt lf_mf_format(enum lf_mf mf);      /* natural print format */
enum lf_mf lf_mf_from_name(const char *name); /* LF_MF_NONE if unknown */

/* A bank location (ofs, width within LF_MF_REGS) as the register words it touches:
 * reg i holds bank bits [(15 - i) * 32, (15 - i) * 32 + 31]. */
static inline unsigned lf_reg_bank_ofs(unsigned reg)
{
	return (15 - reg) * 32;
}
