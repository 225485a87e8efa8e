/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend registry: backend= names, and every devarg key the PMD takes.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <dev_driver.h> /* RTE_PMD_REGISTER_PARAM_STRING: rte_dev.h up to 24.11, here in 25.11 */
#include <rte_string_fns.h>

#include "hsplit_backend.h"
#include "hsplit_backends.h"
#include "hsplit_log.h"

static const struct hsplit_backend_ops *const registry[] = {
	&hsplit_backend_gen_ops,
	&hsplit_backend_peer_ops,
	&hsplit_backend_pcap_ops,
	&hsplit_backend_afpacket_ops,
	&hsplit_backend_afxdp_ops,
	&hsplit_backend_ethdev_ops,
	&hsplit_backend_kq_ops,
};

const struct hsplit_backend_ops *hsplit_backend_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(registry); i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const char *hsplit_backend_names(void)
{
	static char names[128];
	unsigned int i;

	if (names[0] == '\0')
		for (i = 0; i < RTE_DIM(registry); i++) {
			if (i)
				strlcat(names, ", ", sizeof(names));
			strlcat(names, registry[i]->name, sizeof(names));
		}
	return names;
}

bool hsplit_backend_has_key(const struct hsplit_backend_ops *ops, const char *key)
{
	const char *const *k;

	for (k = ops->keys; k != NULL && *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* Every key the PMD takes: the common ones (hsplit_devargs.c), then each backend's. */
RTE_PMD_REGISTER_PARAM_STRING(net_hsplit,
	"backend=<gen|peer|pcap|afpacket|afxdp|ethdev|kq> "
	"max_queues=<1-16> mac=<xx:xx:xx:xx:xx:xx> "
	"dmabuf=<spec> dmabuf_queues=<list> chunk=<4K-2M> placement=<pack|single> "
	"on_empty=<drop|copy> "
	"size=<64-9014> flows=<1-50000> rate=<pps> count=<frames> proto=<tcp|udp|icmp> "
	"l3=<ipv4|ipv6> dport=<port> handshake=<0|1> rto=<ms> "
	"peer=<vdev> "
	"rx_pcap=<file> tx_pcap=<file> loop=<0|1> "
	"iface=<ifname> queue=<int> "
	"port=<ethdev name> "
	"slot_size=<128-4096> slots=<pow2> cq_size=<pow2> rq_size=<pow2>");
