/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steering: which receive queue a parsed frame goes to. The port's ntuple
 * rules are checked in creation order (a QUEUE or DROP fate); without a
 * match, isolate mode drops, otherwise the RSS hash picks a queue through
 * the redirection table, and a frame with no hash goes to queue 0.
 */
#include <errno.h>
#include <string.h>

#include <rte_string_fns.h>

#include "hsplit_hw.h"

void hsplit_hw_port_init(struct hsplit_hw_port *hw, const char *name, uint16_t port_id)
{
	memset(hw, 0, sizeof(*hw));
	strlcpy(hw->name, name, sizeof(hw->name));
	hw->port_id = port_id;
	rte_spinlock_init(&hw->lock);
	TAILQ_INIT(&hw->rules);
	hw->min_frame = HSPLIT_HW_ETHER_MIN;
	hsplit_hw_set_mtu(hw, RTE_ETHER_MTU);
	hsplit_hw_rss_defaults(hw, 1);
}

void hsplit_hw_set_mtu(struct hsplit_hw_port *hw, uint16_t mtu)
{
	hw->mtu = mtu;
	hw->max_frame = RTE_MIN((uint32_t)mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN,
				HSPLIT_MAX_FRAME);
}

static bool addr6_match(const uint8_t *v, const uint8_t *spec, const uint8_t *mask)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if ((v[i] & mask[i]) != (spec[i] & mask[i]))
			return false;
	return true;
}

bool hsplit_hw_rule_matches(const struct hsplit_rule *r, const struct hsplit_pkt *p)
{
	if ((r->ipv4_set || r->ipv6_set) && (!p->l3_ok || p->ipv6 != r->ipv6_set))
		return false;
	if (r->ipv4_set && (((p->src4 ^ r->src4) & r->src4_mask) ||
			    ((p->dst4 ^ r->dst4) & r->dst4_mask)))
		return false;
	if (r->ipv6_set && (!addr6_match(p->src6, r->src6, r->src6_mask) ||
			    !addr6_match(p->dst6, r->dst6, r->dst6_mask)))
		return false;
	if (r->l4_proto != 0) {
		if (!p->l4_ok || p->l4_proto != r->l4_proto)
			return false;
		if (((p->sport ^ r->sport) & r->sport_mask) ||
		    ((p->dport ^ r->dport) & r->dport_mask))
			return false;
	}
	return true;
}

/* Port lock held. The first rule that matches, in creation order. */
static struct hsplit_rule *first_match(struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt)
{
	struct hsplit_hw_rule *e;

	TAILQ_FOREACH(e, &hw->rules, next)
		if (hsplit_hw_rule_matches(&e->rule, pkt)) {
			HSPLIT_INC(e->rule.hits, 1);
			return &e->rule;
		}
	return NULL;
}

/* Port lock held: rules first (creation order), then RSS, then queue 0. */
uint16_t hsplit_hw_pick_queue(struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt,
			      uint32_t hash, bool *drop)
{
	const struct hsplit_rule *rule = TAILQ_EMPTY(&hw->rules) ? NULL : first_match(hw, pkt);

	*drop = false;
	if (rule != NULL) {
		if (rule->drop) {
			hw->stats.rx_flow_drop++;
			*drop = true;
		}
		return rule->queue;
	}
	if (hw->isolated) {
		hw->stats.rx_isolated_drop++;
		*drop = true;
		return 0;
	}
	return hash ? hw->reta[hash % HSPLIT_HW_RETA_SIZE] : 0;
}

int hsplit_hw_rule_append(struct hsplit_hw_port *hw, struct hsplit_hw_rule *rule)
{
	int ret = 0;

	rte_spinlock_lock(&hw->lock);
	if (hw->nb_rules >= HSPLIT_HW_MAX_RULES) {
		ret = -ENOSPC;
	} else {
		TAILQ_INSERT_TAIL(&hw->rules, rule, next);
		hw->nb_rules++;
	}
	rte_spinlock_unlock(&hw->lock);
	return ret;
}

bool hsplit_hw_rule_remove(struct hsplit_hw_port *hw, struct hsplit_hw_rule *rule)
{
	struct hsplit_hw_rule *e;

	rte_spinlock_lock(&hw->lock);
	TAILQ_FOREACH(e, &hw->rules, next)
		if (e == rule)
			break;
	if (e != NULL) {
		TAILQ_REMOVE(&hw->rules, e, next);
		hw->nb_rules--;
	}
	rte_spinlock_unlock(&hw->lock);
	return e != NULL;
}

void hsplit_hw_rule_flush(struct hsplit_hw_port *hw, void (*release)(struct hsplit_hw_rule *))
{
	struct hsplit_hw_rule *e;

	rte_spinlock_lock(&hw->lock);
	while ((e = TAILQ_FIRST(&hw->rules)) != NULL) {
		TAILQ_REMOVE(&hw->rules, e, next);
		release(e);
	}
	hw->nb_rules = 0;
	rte_spinlock_unlock(&hw->lock);
}
