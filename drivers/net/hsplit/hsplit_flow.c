/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_flow for the emulated device: ntuple rules (ETH / IPV4|IPV6 /
 * TCP|UDP with addresses and ports) with a QUEUE or DROP action, and
 * isolated mode (no rule, no delivery). This file turns rte_flow patterns
 * into the device's rule format (struct hsplit_rule) and loads them into its
 * rule table; the device (device/hsplit_steer.c) checks them in creation
 * order before RSS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_flow.h>

#include "hsplit_private.h"

static int flow_error(struct rte_flow_error *error, enum rte_flow_error_type type,
		      const void *cause, const char *msg)
{
	return rte_flow_error_set(error, ENOTSUP, type, cause, msg);
}

static bool mask_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static int parse_eth(const struct rte_flow_item *item, struct rte_flow_error *error)
{
	const struct rte_flow_item_eth *m = item->mask;

	if (item->spec != NULL && m != NULL && !mask_is_zero(m, sizeof(*m)))
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM, item,
				  "eth: only an empty eth item is supported (match by L3/L4)");
	return 0;
}

static int parse_ipv4(const struct rte_flow_item *item, struct hsplit_rule *r,
		      struct rte_flow_error *error)
{
	const struct rte_flow_item_ipv4 *s = item->spec, *m = item->mask;

	r->ipv4_set = true;
	if (s == NULL)
		return 0;
	if (m == NULL)
		m = &rte_flow_item_ipv4_mask;
	if (m->hdr.version_ihl || m->hdr.type_of_service || m->hdr.total_length ||
	    m->hdr.packet_id || m->hdr.fragment_offset || m->hdr.time_to_live ||
	    m->hdr.hdr_checksum)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK, item,
				  "ipv4: only src, dst and proto can be matched");
	r->src4 = rte_be_to_cpu_32(s->hdr.src_addr);
	r->src4_mask = rte_be_to_cpu_32(m->hdr.src_addr);
	r->dst4 = rte_be_to_cpu_32(s->hdr.dst_addr);
	r->dst4_mask = rte_be_to_cpu_32(m->hdr.dst_addr);
	if (m->hdr.next_proto_id)
		r->l4_proto = s->hdr.next_proto_id;
	return 0;
}

static int parse_ipv6(const struct rte_flow_item *item, struct hsplit_rule *r,
		      struct rte_flow_error *error)
{
	const struct rte_flow_item_ipv6 *s = item->spec, *m = item->mask;

	r->ipv6_set = true;
	if (s == NULL)
		return 0;
	if (m == NULL)
		m = &rte_flow_item_ipv6_mask;
	if (m->hdr.vtc_flow || m->hdr.payload_len || m->hdr.hop_limits)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK, item,
				  "ipv6: only src, dst and proto can be matched");
	memcpy(r->src6, &s->hdr.src_addr, 16);
	memcpy(r->src6_mask, &m->hdr.src_addr, 16);
	memcpy(r->dst6, &s->hdr.dst_addr, 16);
	memcpy(r->dst6_mask, &m->hdr.dst_addr, 16);
	if (m->hdr.proto)
		r->l4_proto = s->hdr.proto;
	return 0;
}

static int parse_ports(const struct rte_flow_item *item, struct hsplit_rule *r, uint8_t proto,
		       struct rte_flow_error *error)
{
	rte_be16_t sp = 0, dp = 0, spm = 0, dpm = 0;

	if (r->l4_proto != 0 && r->l4_proto != proto)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM, item,
				  "L4 item contradicts the IP proto field");
	r->l4_proto = proto;
	if (item->spec == NULL)
		return 0;
	if (proto == IPPROTO_TCP) {
		const struct rte_flow_item_tcp *s = item->spec, *m = item->mask;

		if (m == NULL)
			m = &rte_flow_item_tcp_mask;
		if (m->hdr.sent_seq || m->hdr.recv_ack || m->hdr.data_off || m->hdr.tcp_flags ||
		    m->hdr.rx_win || m->hdr.cksum || m->hdr.tcp_urp)
			return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK, item,
					  "tcp: only src and dst ports can be matched");
		sp = s->hdr.src_port, dp = s->hdr.dst_port;
		spm = m->hdr.src_port, dpm = m->hdr.dst_port;
	} else {
		const struct rte_flow_item_udp *s = item->spec, *m = item->mask;

		if (m == NULL)
			m = &rte_flow_item_udp_mask;
		if (m->hdr.dgram_len || m->hdr.dgram_cksum)
			return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK, item,
					  "udp: only src and dst ports can be matched");
		sp = s->hdr.src_port, dp = s->hdr.dst_port;
		spm = m->hdr.src_port, dpm = m->hdr.dst_port;
	}
	r->sport = rte_be_to_cpu_16(sp), r->sport_mask = rte_be_to_cpu_16(spm);
	r->dport = rte_be_to_cpu_16(dp), r->dport_mask = rte_be_to_cpu_16(dpm);
	return 0;
}

static int parse_pattern(const struct rte_flow_item pattern[], struct hsplit_rule *r,
			 struct rte_flow_error *error)
{
	const struct rte_flow_item *item;
	int ret = 0;

	for (item = pattern; item->type != RTE_FLOW_ITEM_TYPE_END && ret == 0; item++) {
		if (item->last != NULL)
			return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM_LAST, item,
					  "ranges (last) are not supported");
		switch (item->type) {
		case RTE_FLOW_ITEM_TYPE_VOID:
			break;
		case RTE_FLOW_ITEM_TYPE_ETH:
			ret = parse_eth(item, error);
			break;
		case RTE_FLOW_ITEM_TYPE_IPV4:
			ret = parse_ipv4(item, r, error);
			break;
		case RTE_FLOW_ITEM_TYPE_IPV6:
			ret = parse_ipv6(item, r, error);
			break;
		case RTE_FLOW_ITEM_TYPE_TCP:
			ret = parse_ports(item, r, IPPROTO_TCP, error);
			break;
		case RTE_FLOW_ITEM_TYPE_UDP:
			ret = parse_ports(item, r, IPPROTO_UDP, error);
			break;
		default:
			return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM, item,
					  "item not supported: eth, ipv4, ipv6, tcp, udp");
		}
	}
	if (ret == 0 && r->ipv4_set && r->ipv6_set)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ITEM, pattern,
				  "a rule matches ipv4 or ipv6, not both");
	return ret;
}

static int parse_actions(struct rte_eth_dev *dev, const struct rte_flow_action actions[],
			 struct hsplit_rule *r, struct rte_flow_error *error)
{
	const struct rte_flow_action *a;
	unsigned int fates = 0;

	for (a = actions; a->type != RTE_FLOW_ACTION_TYPE_END; a++) {
		switch (a->type) {
		case RTE_FLOW_ACTION_TYPE_VOID:
			break;
		case RTE_FLOW_ACTION_TYPE_QUEUE: {
			const struct rte_flow_action_queue *q = a->conf;

			if (q == NULL || q->index >= dev->data->nb_rx_queues)
				return rte_flow_error_set(error, EINVAL,
							  RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
							  "queue index beyond the port's queues");
			r->queue = q->index;
			fates++;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_DROP:
			r->drop = true;
			fates++;
			break;
		default:
			return flow_error(error, RTE_FLOW_ERROR_TYPE_ACTION, a,
					  "action not supported: queue, drop");
		}
	}
	if (fates != 1)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ACTION, actions,
				  "exactly one fate action (queue or drop) is needed");
	return 0;
}

static int flow_parse(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
		      const struct rte_flow_item pattern[], const struct rte_flow_action actions[],
		      struct hsplit_rule *r, struct rte_flow_error *error)
{
	memset(r, 0, sizeof(*r));
	if (attr == NULL || pattern == NULL || actions == NULL)
		return rte_flow_error_set(error, EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
					  "attr, pattern and actions are required");
	if (!attr->ingress || attr->egress || attr->transfer || attr->group != 0)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ATTR, attr,
				  "only ingress rules in group 0");
	if (parse_pattern(pattern, r, error) < 0)
		return -rte_errno;
	if (parse_actions(dev, actions, r, error) < 0)
		return -rte_errno;
	return 0;
}

static int hsplit_flow_validate(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
				const struct rte_flow_item pattern[],
				const struct rte_flow_action actions[],
				struct rte_flow_error *error)
{
	struct hsplit_rule r;

	return flow_parse(dev, attr, pattern, actions, &r, error);
}

static struct rte_flow *hsplit_flow_create(struct rte_eth_dev *dev,
					   const struct rte_flow_attr *attr,
					   const struct rte_flow_item pattern[],
					   const struct rte_flow_action actions[],
					   struct rte_flow_error *error)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct rte_flow *flow;
	struct hsplit_rule r;

	if (flow_parse(dev, attr, pattern, actions, &r, error) < 0)
		return NULL;
	flow = calloc(1, sizeof(*flow));
	if (flow == NULL) {
		rte_flow_error_set(error, ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, NULL,
				   "out of memory");
		return NULL;
	}
	flow->hw.rule = r;
	if (hsplit_hw_rule_append(&ad->hw, &flow->hw) < 0) {
		free(flow);
		rte_flow_error_set(error, ENOSPC, RTE_FLOW_ERROR_TYPE_HANDLE, NULL,
				   "the device holds at most 256 rules");
		return NULL;
	}
	return flow;
}

static int hsplit_flow_destroy(struct rte_eth_dev *dev, struct rte_flow *flow,
			       struct rte_flow_error *error)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	if (!hsplit_hw_rule_remove(&ad->hw, &flow->hw))
		return rte_flow_error_set(error, ENOENT, RTE_FLOW_ERROR_TYPE_HANDLE, flow,
					  "no such rule on this port");
	free(flow);
	return 0;
}

static void free_rule(struct hsplit_hw_rule *rule)
{
	free(container_of(rule, struct rte_flow, hw));
}

void hsplit_flow_flush_all(struct hsplit_adapter *ad)
{
	hsplit_hw_rule_flush(&ad->hw, free_rule);
}

static int hsplit_flow_flush(struct rte_eth_dev *dev, struct rte_flow_error *error)
{
	RTE_SET_USED(error);
	hsplit_flow_flush_all(hsplit_adapter(dev));
	return 0;
}

static int hsplit_flow_query(struct rte_eth_dev *dev, struct rte_flow *flow,
			     const struct rte_flow_action *action, void *data,
			     struct rte_flow_error *error)
{
	struct rte_flow_query_count *count = data;

	RTE_SET_USED(dev);
	if (action->type != RTE_FLOW_ACTION_TYPE_COUNT)
		return flow_error(error, RTE_FLOW_ERROR_TYPE_ACTION, action,
				  "only count can be queried");
	count->hits_set = 1;
	count->bytes_set = 0;
	count->hits = HSPLIT_READ(flow->hw.rule.hits);
	if (count->reset)
		HSPLIT_INC(flow->hw.rule.hits, -count->hits);
	return 0;
}

static int hsplit_flow_isolate(struct rte_eth_dev *dev, int set, struct rte_flow_error *error)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	RTE_SET_USED(error);
	rte_spinlock_lock(&ad->hw.lock);
	ad->hw.isolated = set != 0;
	rte_spinlock_unlock(&ad->hw.lock);
	HSPLIT_LOG(INFO, "%s: isolated mode %s", ad->name, set ? "on" : "off");
	return 0;
}

const struct rte_flow_ops hsplit_flow_ops = {
	.validate = hsplit_flow_validate,
	.create = hsplit_flow_create,
	.destroy = hsplit_flow_destroy,
	.flush = hsplit_flow_flush,
	.query = hsplit_flow_query,
	.isolate = hsplit_flow_isolate,
};
