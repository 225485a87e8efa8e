/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=afpacket: a kernel netdev through an AF_PACKET socket.
 *
 * Receive uses a TPACKET_V3 mmap ring: the kernel fills whole blocks of
 * frames and hands a block to us by flipping its status word. rx_burst hands
 * out frames in place (zero copy) and a block goes back to the kernel only
 * when rx_done has covered every frame in it, so frame pointers stay valid
 * until rx_done no matter how many bursts are outstanding.
 *
 * Transmit copies each frame with send() on the same socket; the socket
 * ignores its own outgoing frames so nothing we send comes back on receive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hsplit_backends.h"
#include "hsplit_log.h"
#include "hsplit_netdev.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* 32 blocks of 128 KiB: a block holds at least a dozen jumbo frames, and a
 * block is retired after 1 ms even if not full so light traffic is not held. */
#define AFP_BLOCK_SIZE   (128u * 1024u)
#define AFP_BLOCK_NR     32u
#define AFP_FRAME_SIZE   2048u
#define AFP_BLOCK_TOV_MS 1u
#define VLAN_HLEN        4u

struct afp_backend {
	struct hsplit_backend be;
	struct hsplit_netdev nd;
	int fd;
	uint8_t *ring;
	size_t ring_len;
	/* Read cursor: the next frame to hand out. */
	unsigned int rd_blk;
	bool rd_entered;         /* rd_blk's header was read and the block is ours */
	uint32_t rd_left;        /* frames of rd_blk not yet handed out */
	struct tpacket3_hdr *rd_hdr;
	/* Release side: the oldest block we own and what is still out in it. */
	unsigned int done_blk;
	unsigned int held;       /* blocks owned by us, entered and not released */
	uint32_t blk_left[AFP_BLOCK_NR]; /* frames not yet returned, per block */
	uint64_t rx_truncated;
	uint64_t tx_dropped;
};

static struct afp_backend *to_afp(struct hsplit_backend *be)
{
	return (struct afp_backend *)be;
}

static struct tpacket_block_desc *block_at(struct afp_backend *afp, unsigned int i)
{
	return (struct tpacket_block_desc *)(afp->ring + (size_t)i * AFP_BLOCK_SIZE);
}

static int fail(const char *port, const char *iface, const char *what, int err)
{
	HSPLIT_LOG(ERR, "%s: backend=afpacket iface=%s: %s: %s", port, iface, what,
		   strerror(err));
	return -err;
}

static int setsockopt_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int setup_rx_ring(struct afp_backend *afp)
{
	struct tpacket_req3 req = {
		.tp_block_size = AFP_BLOCK_SIZE,
		.tp_block_nr = AFP_BLOCK_NR,
		.tp_frame_size = AFP_FRAME_SIZE,
		.tp_frame_nr = AFP_BLOCK_SIZE / AFP_FRAME_SIZE * AFP_BLOCK_NR,
		.tp_retire_blk_tov = AFP_BLOCK_TOV_MS,
	};
	const char *port = afp->be.port_name, *iface = afp->nd.name;
	int ret;

	ret = setsockopt_int(afp->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3);
	if (ret < 0)
		return fail(port, iface, "PACKET_VERSION v3", -ret);
	/* Room in front of each frame to put a stripped VLAN tag back. */
	ret = setsockopt_int(afp->fd, SOL_PACKET, PACKET_RESERVE, VLAN_HLEN);
	if (ret < 0)
		return fail(port, iface, "PACKET_RESERVE", -ret);
	if (setsockopt(afp->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return fail(port, iface, "PACKET_RX_RING", errno);
	afp->ring_len = (size_t)AFP_BLOCK_SIZE * AFP_BLOCK_NR;
	afp->ring = mmap(NULL, afp->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, afp->fd, 0);
	if (afp->ring == MAP_FAILED) {
		afp->ring = NULL;
		return fail(port, iface, "mmap of the rx ring", errno);
	}
	return 0;
}

/* Bind last: the socket was created with protocol 0, so it sees no traffic
 * (from any interface) until the ring is ready and it is bound to ours. */
static int bind_and_configure(struct afp_backend *afp)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = afp->nd.ifindex,
	};
	struct packet_mreq mr = { .mr_ifindex = afp->nd.ifindex, .mr_type = PACKET_MR_PROMISC };
	const char *port = afp->be.port_name, *iface = afp->nd.name;
	int ret;

	ret = setsockopt_int(afp->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (ret < 0)
		return fail(port, iface, "PACKET_IGNORE_OUTGOING", -ret);
	if (setsockopt(afp->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return fail(port, iface, "promiscuous membership", errno);
	if (bind(afp->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail(port, iface, "bind", errno);
	return 0;
}

static void afp_close(struct hsplit_backend *be)
{
	struct afp_backend *afp = to_afp(be);

	if (afp->ring)
		munmap(afp->ring, afp->ring_len);
	if (afp->fd >= 0)
		close(afp->fd);
	hsplit_netdev_close(&afp->nd);
	free(afp);
}

/*
 * A transmit-only socket for a backend whose frames arrive another way
 * (backend=kq): no ring, and bound with protocol 0 so it receives nothing.
 * Only tx_burst, link_up, mac_addr and close may be called on it.
 */
int hsplit_afpacket_tx_open(const char *port_name, const char *iface,
			    struct hsplit_backend **out)
{
	struct afp_backend *afp = calloc(1, sizeof(*afp));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int ret;

	if (afp == NULL)
		return -ENOMEM;
	afp->be.ops = &hsplit_backend_afpacket_ops;
	snprintf(afp->be.port_name, sizeof(afp->be.port_name), "%s", port_name);
	afp->fd = -1;
	ret = hsplit_netdev_open(&afp->nd, iface, port_name, "afpacket");
	if (ret < 0)
		goto err;
	afp->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (afp->fd < 0) {
		ret = fail(port_name, iface, "AF_PACKET socket (needs CAP_NET_RAW)", errno);
		goto err;
	}
	sll.sll_ifindex = afp->nd.ifindex;
	if (bind(afp->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = fail(port_name, iface, "bind", errno);
		goto err;
	}
	*out = &afp->be;
	return 0;
err:
	afp_close(&afp->be);
	return ret;
}

static int afp_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	const char *port_name = params->port_name;
	struct hsplit_netdev_conf conf, *args = &conf;
	struct afp_backend *afp = calloc(1, sizeof(*afp));
	int ret;

	ret = hsplit_netdev_args_parse(params, &hsplit_backend_afpacket_ops, true, &conf);
	if (ret < 0) {
		free(afp);
		return ret;
	}
	if (conf.queue != 0)
		HSPLIT_LOG(WARNING, "%s: queue=%u ignored: an AF_PACKET socket sees every queue "
			   "of %s", port_name, conf.queue, conf.iface);
	if (afp == NULL)
		return -ENOMEM;
	afp->be.ops = &hsplit_backend_afpacket_ops;
	snprintf(afp->be.port_name, sizeof(afp->be.port_name), "%s", port_name);
	afp->fd = -1;
	ret = hsplit_netdev_open(&afp->nd, args->iface, port_name, "afpacket");
	if (ret < 0)
		goto err;
	afp->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (afp->fd < 0) {
		ret = fail(port_name, args->iface, "AF_PACKET socket (needs CAP_NET_RAW)", errno);
		goto err;
	}
	ret = setup_rx_ring(afp);
	if (ret == 0)
		ret = bind_and_configure(afp);
	if (ret < 0)
		goto err;
	*out = &afp->be;
	return 0;
err:
	afp_close(&afp->be);
	return ret;
}

/* The kernel strips a VLAN tag into the header; put it back so the device
 * model sees the frame as it was on the wire. PACKET_RESERVE left the room. */
static void reinsert_vlan(const struct tpacket3_hdr *h, struct hsplit_frame *f)
{
	uint16_t tpid = ETHERTYPE_VLAN, tci = htons(h->hv1.tp_vlan_tci);

	if (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = h->hv1.tp_vlan_tpid;
	tpid = htons(tpid);
	memmove(f->data - VLAN_HLEN, f->data, 2 * ETHER_ADDR_LEN);
	f->data -= VLAN_HLEN;
	memcpy(f->data + 2 * ETHER_ADDR_LEN, &tpid, 2);
	memcpy(f->data + 2 * ETHER_ADDR_LEN + 2, &tci, 2);
	f->len += VLAN_HLEN;
}

/* Hand every block that is fully read and fully returned back to the kernel. */
static void release_done_blocks(struct afp_backend *afp)
{
	while (afp->held > 0 && afp->blk_left[afp->done_blk] == 0 &&
	       !(afp->done_blk == afp->rd_blk && afp->rd_entered)) {
		__atomic_store_n(&block_at(afp, afp->done_blk)->hdr.bh1.block_status,
				 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		afp->done_blk = (afp->done_blk + 1) % AFP_BLOCK_NR;
		afp->held--;
	}
}

/* Take ownership of the next block if the kernel has retired it. */
static bool enter_next_block(struct afp_backend *afp)
{
	struct tpacket_block_desc *bd = block_at(afp, afp->rd_blk);

	if (afp->held == AFP_BLOCK_NR)
		return false; /* every block is out with the caller */
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return false;
	afp->rd_entered = true;
	afp->held++;
	afp->rd_left = bd->hdr.bh1.num_pkts;
	afp->blk_left[afp->rd_blk] = bd->hdr.bh1.num_pkts;
	afp->rd_hdr = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	return true;
}

static void leave_block(struct afp_backend *afp)
{
	afp->rd_entered = false;
	afp->rd_blk = (afp->rd_blk + 1) % AFP_BLOCK_NR;
}

/*
 * What the kernel knew of the frame's L4 checksum, from the skb behind it
 * (af_packet's tpacket_rcv): CSUM_VALID when the skb's checksum was verified
 * (CHECKSUM_UNNECESSARY from the receiving NIC, or a checked CHECKSUM_COMPLETE);
 * CSUMNOTREADY for a CHECKSUM_PARTIAL skb: built by this host's own stack,
 * e.g. a sender across a veth with checksum offload on, whose checksum field
 * holds only the pseudo-header sum. Neither says anything of the IPv4
 * header checksum, which the device always checks itself.
 */
static uint8_t frame_csum(uint32_t tp_status)
{
	if (tp_status & TP_STATUS_CSUMNOTREADY)
		return HSPLIT_FRAME_CSUM_LOCAL;
	if (tp_status & TP_STATUS_CSUM_VALID)
		return HSPLIT_FRAME_CSUM_VERIFIED;
	return HSPLIT_FRAME_CSUM_UNKNOWN;
}

/* Next frame of the current block; false if it is unusable (truncated). */
static bool read_frame(struct afp_backend *afp, struct hsplit_frame *f)
{
	struct tpacket3_hdr *h = afp->rd_hdr;
	bool vlan = (h->tp_status & TP_STATUS_VLAN_VALID) != 0;

	afp->rd_hdr = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
	afp->rd_left--;
	if (h->tp_snaplen != h->tp_len ||
	    h->tp_snaplen + (vlan ? VLAN_HLEN : 0) > HSPLIT_MAX_FRAME) {
		afp->rx_truncated++;
		afp->blk_left[afp->rd_blk]--; /* returned at once */
		return false;
	}
	f->data = (uint8_t *)h + h->tp_mac;
	f->len = h->tp_snaplen;
	f->csum = frame_csum(h->tp_status);
	if (vlan)
		reinsert_vlan(h, f);
	return true;
}

static int afp_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct afp_backend *afp = to_afp(be);
	unsigned int got = 0;

	if (afp->nd.gone)
		return -ENODEV;
	while (got < n) {
		if (!afp->rd_entered && !enter_next_block(afp))
			break;
		if (afp->rd_left == 0) {
			leave_block(afp);
			continue;
		}
		if (read_frame(afp, &frames[got]))
			got++;
	}
	if (afp->rd_entered && afp->rd_left == 0)
		leave_block(afp);
	release_done_blocks(afp);
	if (got == 0 && hsplit_netdev_vanished(&afp->nd, false))
		return -ENODEV;
	return (int)got;
}

static void afp_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct afp_backend *afp = to_afp(be);
	unsigned int blk = afp->done_blk, i;

	/* Frames come back oldest first, so they fill the oldest blocks first. */
	for (i = 0; i < afp->held && count > 0; i++) {
		uint32_t take = afp->blk_left[blk] < count ? afp->blk_left[blk] : count;

		afp->blk_left[blk] -= take;
		count -= take;
		blk = (blk + 1) % AFP_BLOCK_NR;
	}
	release_done_blocks(afp);
}

/* One frame out; 1 sent or dropped for good, 0 try later, <0 device gone. */
static int send_one(struct afp_backend *afp, const struct hsplit_frame *f)
{
	int err;

	if (send(afp->fd, f->data, f->len, MSG_DONTWAIT) >= 0)
		return 1;
	err = errno;
	/* A link flap leaves ENETDOWN pending on the socket, reported (and
	 * cleared) by the next send even though the link is up again. */
	if (err == ENETDOWN && hsplit_netdev_link_up(&afp->nd)) {
		if (send(afp->fd, f->data, f->len, MSG_DONTWAIT) >= 0)
			return 1;
		err = errno;
	}
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EINTR)
		return 0;
	if (hsplit_netdev_errno_is_gone(err) && hsplit_netdev_vanished(&afp->nd, true))
		return -ENODEV;
	if (err == ENETDOWN)
		return -ENETDOWN; /* link is down: nothing goes out until it is up */
	afp->tx_dropped++; /* EMSGSIZE and friends: retrying will not help */
	return 1;
}

static int afp_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
			unsigned int n)
{
	struct afp_backend *afp = to_afp(be);
	unsigned int sent;
	int ret = 0;

	if (afp->nd.gone)
		return -ENODEV;
	for (sent = 0; sent < n; sent++) {
		ret = send_one(afp, &frames[sent]);
		if (ret <= 0)
			break;
	}
	return sent > 0 || ret == 0 ? (int)sent : ret;
}

static bool afp_link_up(struct hsplit_backend *be)
{
	return hsplit_netdev_link_up(&to_afp(be)->nd);
}

static int afp_mac_addr(struct hsplit_backend *be, uint8_t mac[6])
{
	return hsplit_netdev_mac(&to_afp(be)->nd, mac);
}

static int afp_args_check(const struct hsplit_backend_params *params)
{
	struct hsplit_netdev_conf conf;

	return hsplit_netdev_args_parse(params, &hsplit_backend_afpacket_ops, true, &conf);
}

/* queue= is accepted (hsplit-rx passes it for both kernel backends) and ignored. */
static const char *const afpacket_keys[] = { "iface", "queue", NULL };

const struct hsplit_backend_ops hsplit_backend_afpacket_ops = {
	.name = "afpacket",
	.keys = afpacket_keys,
	.rx_csum = true,
	.args_check = afp_args_check,
	.open = afp_open,
	.close = afp_close,
	.rx_burst = afp_rx_burst,
	.rx_done = afp_rx_done,
	.tx_burst = afp_tx_burst,
	.link_up = afp_link_up,
	.mac_addr = afp_mac_addr,
};
