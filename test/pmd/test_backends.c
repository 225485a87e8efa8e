/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel-facing backends through their ops, without ethdev.
 *
 * afpacket and afxdp: each case builds its own veth pair, one end in this
 * namespace (the backend's iface) and the other in a fresh namespace, and
 * talks to the far end with an AF_PACKET socket created inside that
 * namespace (setns there and back). Test frames carry a private EtherType,
 * this process's pid and a sequence number, so stray kernel traffic (IPv6
 * neighbour discovery and the like) is told apart and ignored.
 * pcap: files in a private temporary directory.
 * kq: its devargs, and its refusal on a kernel without the lease patches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "hsplit_backend.h"
#include "hsplit_backends.h"

/* The PMD core registers this; the test stands in for it. */
RTE_LOG_REGISTER(hsplit_logtype, pmd.net.hsplit, NOTICE);

#define TEST_NOTE(fmt, ...) print_message("# " fmt "\n", ##__VA_ARGS__)

#define TEST_ETHERTYPE 0x88b5     /* IEEE local experimental */
#define TEST_MAGIC     "HSPLITBE"
#define DIR_TO_BACKEND 1
#define DIR_FROM_BACKEND 2
#define MAX_SEQ        4096
#define BURST          32

struct marker {
	char magic[8];
	uint32_t pid;
	uint32_t seq;
	uint8_t dir;
	uint8_t fill;            /* payload bytes after the marker are fill + i */
} __attribute__((packed));

/* ---- log capture: open() must name the devarg it refuses ---- */

static char *log_buf;
static size_t log_len;
static FILE *log_stream;

static void log_capture_begin(void)
{
	log_stream = open_memstream(&log_buf, &log_len);
	assert_non_null(log_stream);
	rte_openlog_stream(log_stream);
}

/* Ends the capture, whatever it holds. */
static void log_capture_end(void)
{
	rte_openlog_stream(NULL);
	fclose(log_stream);
	free(log_buf);
	log_buf = NULL;
}

/* Ends the capture and checks the messages mention `needle`. */
static void log_capture_expect(const char *needle)
{
	bool found;

	rte_openlog_stream(NULL);
	fclose(log_stream);
	found = log_buf && strstr(log_buf, needle) != NULL;
	if (!found)
		TEST_NOTE("log did not mention '%s': %s", needle, log_buf ? log_buf : "");
	free(log_buf);
	log_buf = NULL;
	assert_true(found);
}

/* ---- frames ---- */

static unsigned int build_frame(uint8_t *buf, unsigned int len, const uint8_t dst[6],
				const uint8_t src[6], uint8_t dir, uint32_t seq)
{
	struct ether_header *eh = (struct ether_header *)buf;
	struct marker *m = (struct marker *)(eh + 1);
	unsigned int i, off = sizeof(*eh) + sizeof(*m);

	memcpy(eh->ether_dhost, dst, 6);
	memcpy(eh->ether_shost, src, 6);
	eh->ether_type = htons(TEST_ETHERTYPE);
	memcpy(m->magic, TEST_MAGIC, sizeof(m->magic));
	m->pid = (uint32_t)getpid();
	m->seq = seq;
	m->dir = dir;
	m->fill = (uint8_t)(seq * 7);
	for (i = off; i < len; i++)
		buf[i] = (uint8_t)(m->fill + i);
	return len;
}

/* The sequence number of one of our frames in direction dir, or -1. A
 * marked frame whose length or fill is wrong fails the test. */
static int frame_seq(const uint8_t *buf, unsigned int len, uint8_t dir, unsigned int want_len)
{
	const struct ether_header *eh = (const struct ether_header *)buf;
	const struct marker *m = (const struct marker *)(eh + 1);
	unsigned int i, off = sizeof(*eh) + sizeof(*m);

	if (len < off || eh->ether_type != htons(TEST_ETHERTYPE) ||
	    memcmp(m->magic, TEST_MAGIC, sizeof(m->magic)) != 0 ||
	    m->pid != (uint32_t)getpid() || m->dir != dir)
		return -1;
	if (want_len)
		assert_int_equal(len, want_len);
	for (i = off; i < len; i++)
		if (buf[i] != (uint8_t)(m->fill + i))
			fail_msg("frame seq %u corrupt at byte %u", m->seq, i);
	return (int)m->seq;
}

/* Lengths vary so frames of many sizes go through: 60..1514. */
static unsigned int len_for(uint32_t seq)
{
	return 60 + (seq * 97) % (1514 - 60 + 1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the namespace rig ---- */

struct rig {
	const struct hsplit_backend_ops *ops;
	const char *extra;           /* more devargs for rig_open(), or NULL */
	char ns[32];
	char host_if[IF_NAMESIZE];   /* in our namespace; the backend's iface */
	char peer_if[IF_NAMESIZE];   /* in rig->ns */
	uint8_t host_mac[6];
	uint8_t peer_mac[6];
	int peer_fd;                 /* AF_PACKET on peer_if, created inside rig->ns */
	bool ns_made;
	struct hsplit_backend *be;
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	n = (int)strlen(cmd);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " >/dev/null 2>&1");
	st = system(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

static const char *netns_skip_reason(void)
{
	if (geteuid() != 0)
		return "not root: veth pairs and network namespaces need CAP_NET_ADMIN";
	if (getenv("HSPLIT_NO_NETNS") != NULL)
		return "HSPLIT_NO_NETNS is set (a build tree sharing the host's network)";
	if (sh("command -v ip") != 0)
		return "the ip tool (iproute2) is missing";
	return NULL;
}

static void rig_down(struct rig *r)
{
	if (r->be) {
		r->ops->close(r->be);
		r->be = NULL;
	}
	if (r->peer_fd > 0)
		close(r->peer_fd);
	r->peer_fd = -1;
	if (r->ns_made) {
		sh("ip link del %s", r->host_if);
		sh("ip netns del %s", r->ns);
		r->ns_made = false;
	}
}

static int get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return ret;
}

/* Enter rig->ns, open and bind the far end's packet socket, come back. */
static void open_peer_socket(struct rig *r)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	char path[64];
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), there;

	snprintf(path, sizeof(path), "/run/netns/%s", r->ns);
	there = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(self >= 0 && there >= 0);
	assert_int_equal(setns(there, CLONE_NEWNET), 0);
	r->peer_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex(r->peer_if);
	get_mac(r->peer_if, r->peer_mac);
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(there);
	assert_true(r->peer_fd >= 0);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(r->peer_fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
}

static void rig_up(struct rig *r)
{
	const char *why = netns_skip_reason();
	unsigned int id = (unsigned int)getpid();

	if (why) {
		TEST_NOTE("SKIP %s", why);
		skip();
	}
	snprintf(r->ns, sizeof(r->ns), "hsplit-test-%u", id);
	snprintf(r->host_if, sizeof(r->host_if), "hsb%ua", id);
	snprintf(r->peer_if, sizeof(r->peer_if), "hsb%ub", id);
	assert_int_equal(sh("ip netns add %s", r->ns), 0);
	r->ns_made = true;
	assert_int_equal(sh("ip link add %s type veth peer name %s netns %s", r->host_if,
			    r->peer_if, r->ns), 0);
	/* Quiet links: no IPv6 chatter, no offloads merging or splitting frames. */
	sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", r->host_if);
	sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", r->ns, r->peer_if);
	sh("ethtool -K %s gso off tso off gro off", r->host_if);
	sh("ip netns exec %s ethtool -K %s gso off tso off gro off", r->ns, r->peer_if);
	assert_int_equal(sh("ip addr add 10.99.1.1/24 dev %s", r->host_if), 0);
	assert_int_equal(sh("ip -n %s addr add 10.99.1.2/24 dev %s", r->ns, r->peer_if), 0);
	assert_int_equal(sh("ip link set %s up", r->host_if), 0);
	assert_int_equal(sh("ip -n %s link set %s up", r->ns, r->peer_if), 0);
	assert_int_equal(get_mac(r->host_if, r->host_mac), 0);
	open_peer_socket(r);
}

/* Open a backend as the PMD would, with its own devargs string. */
static int open_with(const struct hsplit_backend_ops *ops, const char *args,
		     struct hsplit_backend **be)
{
	const struct hsplit_backend_params p = { .port_name = "net_hsplit_test", .args = args };

	return ops->open(&p, be);
}

static struct hsplit_backend *rig_open(struct rig *r)
{
	char args[128];
	uint64_t until;
	int ret;

	snprintf(args, sizeof(args), "iface=%s%s%s", r->host_if, r->extra ? "," : "",
		 r->extra ? r->extra : "");
	ret = open_with(r->ops, args, &r->be);
	assert_int_equal(ret, 0);
	for (until = now_ms() + 3000; !r->ops->link_up(r->be) && now_ms() < until;)
		usleep(10000);
	assert_true(r->ops->link_up(r->be));
	return r->be;
}

static void send_from_peer(struct rig *r, uint32_t first, uint32_t count)
{
	static uint8_t buf[2048];
	uint32_t s;

	for (s = first; s < first + count; s++) {
		unsigned int len = build_frame(buf, len_for(s), r->host_mac, r->peer_mac,
					       DIR_TO_BACKEND, s);

		assert_int_equal(send(r->peer_fd, buf, len, 0), (ssize_t)len);
		if ((s - first) % 64 == 63)
			usleep(1000); /* let the veth backlog drain */
	}
}

/* Receive until `want` marked frames arrived or the time is up; every frame
 * is checked and returned at once. Returns how many marked frames came. */
static unsigned int drain_backend(struct rig *r, unsigned int want, unsigned int ms,
				  uint8_t dir, bool *seen)
{
	struct hsplit_frame f[BURST];
	unsigned int count = 0;
	uint64_t until = now_ms() + ms;
	int n, i, seq;

	while (count < want || want == 0) {
		n = r->ops->rx_burst(r->be, f, BURST);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			seq = frame_seq(f[i].data, f[i].len, dir, 0);
			if (seq < 0)
				continue;
			assert_true(seq < MAX_SEQ);
			assert_int_equal(f[i].len, len_for((uint32_t)seq));
			if (seen) {
				assert_false(seen[seq]); /* never twice */
				seen[seq] = true;
			}
			count++;
		}
		r->ops->rx_done(r->be, (unsigned int)n);
		if (now_ms() > until)
			break;
		if (n == 0)
			usleep(1000);
	}
	return count;
}

/* Frames of ours that the far end received, in direction dir. */
static unsigned int drain_peer(struct rig *r, unsigned int want, unsigned int ms, bool *seen)
{
	static uint8_t buf[16384];
	struct pollfd pfd = { .fd = r->peer_fd, .events = POLLIN };
	unsigned int count = 0;
	uint64_t until = now_ms() + ms;
	ssize_t len;
	int seq;

	while (count < want && now_ms() < until) {
		len = recv(r->peer_fd, buf, sizeof(buf), 0);
		if (len < 0) {
			assert_int_equal(errno, EAGAIN);
			poll(&pfd, 1, 10);
			continue;
		}
		seq = frame_seq(buf, (unsigned int)len, DIR_FROM_BACKEND, 0);
		if (seq < 0)
			continue;
		assert_int_equal((unsigned int)len, len_for((uint32_t)seq));
		assert_false(seen[seq]);
		seen[seq] = true;
		count++;
	}
	return count;
}

/* ---- the kernel-socket cases, shared by afpacket and afxdp ---- */

static int rig_teardown(void **state)
{
	rig_down(*state);
	return 0;
}

static void test_bad_devargs(void **state)
{
	struct rig *r = *state;
	struct hsplit_backend *be = NULL;
	char want[128], args[64];

	log_capture_begin();
	assert_int_equal(open_with(r->ops, "", &be), -EINVAL);
	snprintf(want, sizeof(want), "backend=%s needs iface=<netdev>", r->ops->name);
	log_capture_expect(want);

	/* a key that is not the backend's own is named, with the ones it has */
	log_capture_begin();
	assert_int_equal(open_with(r->ops, "iface=lo,size=64", &be), -EINVAL);
	snprintf(want, sizeof(want), "backend=%s has no devarg 'size'", r->ops->name);
	log_capture_expect(want);

	snprintf(args, sizeof(args), "iface=hsnone%u", (unsigned int)getpid() % 100000);
	log_capture_begin();
	assert_int_equal(open_with(r->ops, args, &be), -ENODEV);
	snprintf(want, sizeof(want), "%s: no such interface", args);
	log_capture_expect(want);
	assert_null(be);
}

static void test_rx_sees_exactly_the_sent_frames(void **state)
{
	static bool seen[MAX_SEQ];
	struct rig *r = *state;
	unsigned int i;

	rig_up(r);
	rig_open(r);
	/* The mode asked for: generic by default, which ip shows as xdpgeneric; native as xdp. */
	if (r->ops == &hsplit_backend_afxdp_ops && r->extra == NULL)
		assert_int_equal(sh("ip link show dev %s | grep -q 'xdpgeneric'", r->host_if), 0);
	if (r->ops == &hsplit_backend_afxdp_ops && r->extra != NULL)
		assert_int_equal(sh("ip link show dev %s | grep -Eq ' xdp( |$)'", r->host_if), 0);
	memset(seen, 0, sizeof(seen));
	send_from_peer(r, 0, 100);
	assert_int_equal(drain_backend(r, 100, 3000, DIR_TO_BACKEND, seen), 100);
	for (i = 0; i < 100; i++)
		assert_true(seen[i]);
	/* And nothing more turns up. */
	assert_int_equal(drain_backend(r, 0, 100, DIR_TO_BACKEND, NULL), 0);
}

/* Hold frames across many bursts (and, for afpacket, many ring blocks):
 * the first frames must still be intact when the last arrive. */
static void test_rx_frames_valid_until_rx_done(void **state)
{
	static struct hsplit_frame held[1024];
	struct rig *r = *state;
	unsigned int total = 0, marked = 0, i;
	uint64_t until;
	int n;

	rig_up(r);
	rig_open(r);
	send_from_peer(r, 0, 600);
	for (until = now_ms() + 3000; marked < 600 && total < 1000 && now_ms() < until;) {
		n = r->ops->rx_burst(r->be, held + total, BURST);
		assert_true(n >= 0);
		for (i = total; i < total + (unsigned int)n; i++)
			marked += frame_seq(held[i].data, held[i].len, DIR_TO_BACKEND, 0) >= 0;
		total += (unsigned int)n;
		if (n == 0)
			usleep(1000);
	}
	assert_int_equal(marked, 600);
	for (i = 0, marked = 0; i < total; i++) {
		int seq = frame_seq(held[i].data, held[i].len, DIR_TO_BACKEND, 0);

		if (seq >= 0)
			assert_int_equal(seq, (int)marked++); /* in order, still intact */
	}
	/* Return them in two steps; then the ring works on as before. */
	r->ops->rx_done(r->be, total / 2);
	r->ops->rx_done(r->be, total - total / 2);
	send_from_peer(r, 1000, 300);
	assert_int_equal(drain_backend(r, 300, 3000, DIR_TO_BACKEND, NULL), 300);
}

static void test_tx_reaches_peer_and_not_own_rx(void **state)
{
	static bool seen[MAX_SEQ];
	static uint8_t bufs[64][2048];
	struct hsplit_frame f[64];
	struct rig *r = *state;
	unsigned int i, sent = 0;
	uint64_t until;
	int n;

	rig_up(r);
	rig_open(r);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 64; i++) {
		f[i].data = bufs[i];
		f[i].len = build_frame(bufs[i], len_for(i), r->peer_mac, r->host_mac,
				       DIR_FROM_BACKEND, i);
	}
	for (until = now_ms() + 3000; sent < 64 && now_ms() < until;) {
		n = r->ops->tx_burst(r->be, f + sent, 64 - sent);
		assert_true(n >= 0);
		sent += (unsigned int)n;
	}
	assert_int_equal(sent, 64);
	assert_int_equal(drain_peer(r, 64, 3000, seen), 64);
	/* Our own transmissions never come back on our receive side. */
	assert_int_equal(drain_backend(r, 0, 100, DIR_FROM_BACKEND, NULL), 0);
	/* A frame that can never fit is taken (and dropped), not refused forever. */
	f[0].len = 16000;
	assert_int_equal(r->ops->tx_burst(r->be, f, 1), 1);
}

static void test_mac_and_link_state(void **state)
{
	static bool seen[MAX_SEQ];
	struct rig *r = *state;
	struct hsplit_frame out;
	uint8_t mac[6], buf[2048];
	int ret;
	uint64_t until;

	rig_up(r);
	rig_open(r);
	assert_int_equal(r->ops->mac_addr(r->be, mac), 0);
	assert_memory_equal(mac, r->host_mac, 6);
	assert_true(r->ops->link_up(r->be));
	out.data = buf;
	out.len = build_frame(buf, len_for(0), r->peer_mac, r->host_mac, DIR_FROM_BACKEND, 0);
	assert_int_equal(sh("ip link set %s down", r->host_if), 0);
	assert_false(r->ops->link_up(r->be));
	/* Down is not gone: afpacket refuses with -ENETDOWN; afxdp takes the
	 * frame into its ring, where it waits for the link. */
	ret = r->ops->tx_burst(r->be, &out, 1);
	assert_int_equal(ret, r->ops == &hsplit_backend_afxdp_ops ? 1 : -ENETDOWN);
	assert_int_equal(sh("ip link set %s up", r->host_if), 0);
	for (until = now_ms() + 3000; !r->ops->link_up(r->be) && now_ms() < until;)
		usleep(10000);
	assert_true(r->ops->link_up(r->be));
	/* Both directions work again after the flap. */
	send_from_peer(r, 0, 10);
	assert_int_equal(drain_backend(r, 10, 3000, DIR_TO_BACKEND, NULL), 10);
	out.len = build_frame(buf, len_for(1), r->peer_mac, r->host_mac, DIR_FROM_BACKEND, 1);
	assert_int_equal(r->ops->tx_burst(r->be, &out, 1), 1);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(drain_peer(r, ret == 1 ? 2 : 1, 3000, seen), ret == 1 ? 2 : 1);
	assert_true(seen[1]);
}

static void test_vanished_iface_gives_enodev(void **state)
{
	struct hsplit_frame f[BURST], out;
	struct rig *r = *state;
	uint8_t buf[128], mac[6];
	uint64_t until;
	int ret = 0;

	rig_up(r);
	rig_open(r);
	send_from_peer(r, 0, 5); /* some frames may still be queued when it goes */
	assert_int_equal(sh("ip link del %s", r->host_if), 0);
	for (until = now_ms() + 2000; now_ms() < until;) {
		ret = r->ops->rx_burst(r->be, f, BURST);
		if (ret < 0)
			break;
		r->ops->rx_done(r->be, (unsigned int)ret);
		usleep(1000);
	}
	assert_int_equal(ret, -ENODEV);
	out.data = buf;
	out.len = build_frame(buf, sizeof(buf), r->peer_mac, r->host_mac, DIR_FROM_BACKEND, 0);
	assert_int_equal(r->ops->tx_burst(r->be, &out, 1), -ENODEV);
	assert_false(r->ops->link_up(r->be));
	assert_int_equal(r->ops->mac_addr(r->be, mac), -ENODEV);
	assert_int_equal(r->ops->rx_burst(r->be, f, BURST), -ENODEV);
	/* close() (in teardown) must cope with the interface being gone. */
}

/* A VLAN-tagged frame arrives as it was on the wire, tag in place, even
 * where the kernel strips the tag into metadata on the way (AF_PACKET). */
static void test_vlan_tag_arrives_in_place(void **state)
{
	static uint8_t plain[256], tagged[260];
	const uint8_t tag[4] = { 0x81, 0x00, 0x20, 0x64 }; /* priority 1, VLAN 100 */
	struct hsplit_frame f[BURST];
	struct rig *r = *state;
	unsigned int matched = 0, len = 200;
	uint64_t until;
	int n, i;

	rig_up(r);
	rig_open(r);
	build_frame(plain, len, r->host_mac, r->peer_mac, DIR_TO_BACKEND, 7);
	memcpy(tagged, plain, 12);
	memcpy(tagged + 12, tag, 4);
	memcpy(tagged + 16, plain + 12, len - 12);
	for (i = 0; i < 5; i++)
		assert_int_equal(send(r->peer_fd, tagged, len + 4, 0), (ssize_t)len + 4);
	for (until = now_ms() + 3000; matched < 5 && now_ms() < until;) {
		n = r->ops->rx_burst(r->be, f, BURST);
		assert_true(n >= 0);
		for (i = 0; i < n; i++)
			matched += f[i].len == len + 4 && memcmp(f[i].data, tagged, len + 4) == 0;
		r->ops->rx_done(r->be, (unsigned int)n);
		if (n == 0)
			usleep(1000);
	}
	assert_int_equal(matched, 5);
}

/* afxdp binds one netdev queue; a queue the interface lacks is refused. */
static void test_afxdp_bad_queue(void **state)
{
	struct rig *r = *state;
	struct hsplit_backend *be = NULL;
	char args[64];

	rig_up(r); /* a veth has one queue unless told otherwise */
	snprintf(args, sizeof(args), "iface=%s,queue=5", r->host_if);
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_afxdp_ops, args, &be), -EINVAL);
	log_capture_expect("queue=5");
	assert_null(be);
}

/* xdp_mode and busy_budget take only their documented values. */
static void test_afxdp_bad_mode_and_budget(void **state)
{
	struct hsplit_backend *be = NULL;

	(void)state; /* the values are refused before any interface is touched */
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_afxdp_ops, "iface=lo,xdp_mode=fast", &be),
			 -EINVAL);
	log_capture_expect("bad devarg xdp_mode=fast: accepted generic or native");
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_afxdp_ops, "iface=lo,busy_budget=1025", &be),
			 -EINVAL);
	log_capture_expect("bad devarg busy_budget=1025");
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_afxdp_ops, "iface=lo,busy_budget=-1", &be),
			 -EINVAL);
	log_capture_expect("bad devarg busy_budget=-1");
	assert_null(be);
}

static uint64_t xstat_of(struct rig *r, const char *name)
{
	struct hsplit_backend_xstat xs[32];
	int n = r->ops->xstats_get(r->be, xs, RTE_DIM(xs)), i;

	assert_true(n > 0 && n <= (int)RTE_DIM(xs));
	for (i = 0; i < n; i++)
		if (strcmp(xs[i].name, name) == 0)
			return xs[i].value;
	fail_msg("no xstat %s", name);
	return 0;
}

/*
 * Write TEXT to PATH. Not through sh(): its ">/dev/null" would win over an
 * "echo >" and the text would go nowhere.
 */
static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -errno;
	ret = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int set_netdev_attr(const char *ifname, const char *attr, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	return write_text(path, value);
}

/* TcpExt BusyPollRxPackets of this namespace: packets busy polls took. */
static uint64_t busy_polled_packets(void)
{
	char names[4096], values[4096], *n, *v, *ns, *vs;
	uint64_t found = 0;
	FILE *f = fopen("/proc/net/netstat", "r");

	assert_non_null(f);
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		for (n = strtok_r(names, " \n", &ns), v = strtok_r(values, " \n", &vs); n && v;
		     n = strtok_r(NULL, " \n", &ns), v = strtok_r(NULL, " \n", &vs))
			if (strcmp(n, "BusyPollRxPackets") == 0)
				found = strtoull(v, NULL, 10);
	}
	fclose(f);
	return found;
}

/*
 * Before Linux 6.13 the kernel marks an AF_XDP socket with the NAPI id of
 * the queue its frames came from (xsk_rcv_check), and veth's native XDP
 * queue has one; 6.13 ("net: napi: Add napi_config" and the xsk fix after
 * it) marks sockets at bind, zero-copy ones only. On such a kernel a
 * native-mode socket without an id is a failure, not a note.
 */
static bool kernel_marks_copy_mode_sockets(void)
{
	unsigned int major, minor;
	struct utsname u;

	if (uname(&u) != 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 6 || (major == 6 && minor < 13);
}

/*
 * busy_budget on a native-mode socket, with the device's "interrupts"
 * deferred: every frame still arrives exactly once, and either the kernel
 * gave the socket a NAPI id and busy polls took frames, or it gave none
 * (AF_XDP copy mode on Linux 6.13 and later) and the backend said so and
 * stopped polling rather than make a system call per burst for nothing.
 * The QEMU tier runs this on Debian 12's 6.1, where the id must come.
 */
static void test_afxdp_busy_budget_polls_or_says_why_not(void **state)
{
	static bool seen[MAX_SEQ];
	struct rig *r = *state;
	uint64_t polls, busy_before;
	unsigned int i;

	rig_up(r);
	assert_int_equal(set_netdev_attr(r->host_if, "napi_defer_hard_irqs", "2"), 0);
	assert_int_equal(set_netdev_attr(r->host_if, "gro_flush_timeout", "200000"), 0);
	busy_before = busy_polled_packets();
	log_capture_begin();
	rig_open(r);
	memset(seen, 0, sizeof(seen));
	send_from_peer(r, 0, 200);
	assert_int_equal(drain_backend(r, 200, 3000, DIR_TO_BACKEND, seen), 200);
	for (i = 0; i < 200; i++)
		assert_true(seen[i]);
	assert_int_equal(xstat_of(r, "afxdp_busy_poll_errors"), 0);
	if (xstat_of(r, "afxdp_napi_id") == 0) {
		if (kernel_marks_copy_mode_sockets())
			fail_msg("Linux before 6.13 gave the native-mode socket no NAPI id");
		log_capture_expect("busy_budget=64: the kernel gave the socket no NAPI id");
		TEST_NOTE("this kernel gives copy-mode AF_XDP sockets no NAPI id: not busy-polled");
		polls = xstat_of(r, "afxdp_busy_polls");
		send_from_peer(r, 200, 100);
		assert_int_equal(drain_backend(r, 100, 3000, DIR_TO_BACKEND, NULL), 100);
		assert_int_equal(xstat_of(r, "afxdp_busy_polls"), polls); /* stopped */
	} else {
		log_capture_end();
		/*
		 * Busy polls take frames only while they wait in veth's ring for
		 * the deferred NAPI: a few at a time, each batch drained at once,
		 * as a receiver keeping up with its sender would. The wait is
		 * long here (20 ms) so that a slow machine (the QEMU tier runs
		 * this under TCG) polls within it.
		 */
		assert_int_equal(set_netdev_attr(r->host_if, "gro_flush_timeout", "20000000"), 0);
		for (i = 0; i < 20; i++) {
			send_from_peer(r, 200 + 10 * i, 10);
			assert_int_equal(drain_backend(r, 10, 3000, DIR_TO_BACKEND, NULL), 10);
		}
		assert_true(xstat_of(r, "afxdp_busy_polls") > 0);
		assert_true(busy_polled_packets() > busy_before);
		TEST_NOTE("NAPI id %" PRIu64 ": %" PRIu64 " busy polls took %" PRIu64 " packets",
			  xstat_of(r, "afxdp_napi_id"), xstat_of(r, "afxdp_busy_polls"),
			  busy_polled_packets() - busy_before);
	}
}

/* ---- pcap ---- */

static char pcap_dir[64];

static int pcap_setup(void **state)
{
	(void)state;
	snprintf(pcap_dir, sizeof(pcap_dir), "/tmp/hsplit-pcap-XXXXXX");
	return mkdtemp(pcap_dir) ? 0 : -1;
}

static int pcap_teardown(void **state)
{
	(void)state;
	return sh("rm -rf %s", pcap_dir) == 0 ? 0 : -1;
}

static struct hsplit_backend *pcap_open(const char *rx, const char *tx, bool loop, int want)
{
	struct hsplit_backend *be = NULL;
	char args[512] = "";
	int ret;

	if (rx)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), "rx_pcap=%s/%s,",
			 pcap_dir, rx);
	if (tx)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), "tx_pcap=%s/%s,",
			 pcap_dir, tx);
	snprintf(args + strlen(args), sizeof(args) - strlen(args), "loop=%d", loop);
	ret = open_with(&hsplit_backend_pcap_ops, args, &be);
	assert_int_equal(ret, want);
	return be;
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

static void write_pcap(const char *name, unsigned int count)
{
	static uint8_t bufs[BURST][2048];
	struct hsplit_frame f[BURST];
	struct hsplit_backend *be = pcap_open(NULL, name, false, 0);
	unsigned int s = 0, i, n;

	while (s < count) {
		n = count - s < BURST ? count - s : BURST;
		for (i = 0; i < n; i++) {
			f[i].data = bufs[i];
			f[i].len = build_frame(bufs[i], len_for(s + i), mac_a, mac_b,
					       DIR_TO_BACKEND, s + i);
		}
		assert_int_equal(hsplit_backend_pcap_ops.tx_burst(be, f, n), (int)n);
		s += n;
	}
	hsplit_backend_pcap_ops.close(be);
}

static void test_pcap_bad_files(void **state)
{
	char want[128], garbage[128];

	(void)state;
	log_capture_begin();
	pcap_open("missing.pcap", NULL, false, -ENOENT);
	snprintf(want, sizeof(want), "rx_pcap=%s/missing.pcap", pcap_dir);
	log_capture_expect(want);
	log_capture_begin();
	pcap_open(NULL, "no/such/dir.pcap", false, -ENOENT);
	log_capture_expect("tx_pcap=");
	/* Not a capture file at all. */
	snprintf(garbage, sizeof(garbage), "%s/garbage.pcap", pcap_dir);
	assert_int_equal(write_text(garbage, "garbage, not a capture file\n"), 0);
	log_capture_begin();
	pcap_open("garbage.pcap", NULL, false, -EINVAL);
	log_capture_expect("rx_pcap=");
}

static void test_pcap_write_then_read_back(void **state)
{
	struct hsplit_frame f[BURST];
	struct hsplit_backend *be;
	uint32_t next = 0;
	int n, i;

	(void)state;
	write_pcap("rt.pcap", 100);
	be = pcap_open("rt.pcap", NULL, false, 0);
	while ((n = hsplit_backend_pcap_ops.rx_burst(be, f, BURST)) > 0) {
		for (i = 0; i < n; i++, next++)
			assert_int_equal(frame_seq(f[i].data, f[i].len, DIR_TO_BACKEND,
						   len_for(next)), (int)next);
		hsplit_backend_pcap_ops.rx_done(be, (unsigned int)n);
	}
	assert_int_equal(n, 0);
	assert_int_equal(next, 100);
	/* End of file stays end of file. */
	assert_int_equal(hsplit_backend_pcap_ops.rx_burst(be, f, BURST), 0);
	assert_true(hsplit_backend_pcap_ops.link_up(be));
	hsplit_backend_pcap_ops.close(be);
}

static void test_pcap_loop_replays(void **state)
{
	struct hsplit_frame f[BURST];
	struct hsplit_backend *be;
	unsigned int got = 0;
	int n, i;

	(void)state;
	write_pcap("loop.pcap", 10);
	be = pcap_open("loop.pcap", NULL, true, 0);
	while (got < 250) {
		n = hsplit_backend_pcap_ops.rx_burst(be, f, 7);
		assert_true(n > 0);
		for (i = 0; i < n; i++, got++)
			assert_int_equal(frame_seq(f[i].data, f[i].len, DIR_TO_BACKEND, 0),
					 (int)(got % 10));
		hsplit_backend_pcap_ops.rx_done(be, (unsigned int)n);
	}
	hsplit_backend_pcap_ops.close(be);
	/* An empty capture with loop=1 returns nothing rather than spinning. */
	write_pcap("empty.pcap", 0);
	be = pcap_open("empty.pcap", NULL, true, 0);
	assert_int_equal(hsplit_backend_pcap_ops.rx_burst(be, f, BURST), 0);
	hsplit_backend_pcap_ops.close(be);
}

/* Frames stay put until rx_done, and the backend stops handing out more
 * than it can keep. */
static void test_pcap_frames_valid_until_rx_done(void **state)
{
	static struct hsplit_frame f[256];
	struct hsplit_backend *be;
	unsigned int total = 0, i;
	int n;

	(void)state;
	write_pcap("hold.pcap", 200);
	be = pcap_open("hold.pcap", NULL, false, 0);
	while ((n = hsplit_backend_pcap_ops.rx_burst(be, f + total, 16)) > 0)
		total += (unsigned int)n;
	assert_true(total >= 16 && total < 200); /* bounded by its frame slots */
	for (i = 0; i < total; i++)
		assert_int_equal(frame_seq(f[i].data, f[i].len, DIR_TO_BACKEND, len_for(i)),
				 (int)i);
	hsplit_backend_pcap_ops.rx_done(be, total);
	n = hsplit_backend_pcap_ops.rx_burst(be, f, 1);
	assert_int_equal(n, 1);
	assert_int_equal(frame_seq(f[0].data, f[0].len, DIR_TO_BACKEND, 0), (int)total);
	hsplit_backend_pcap_ops.rx_done(be, 1);
	hsplit_backend_pcap_ops.close(be);
}

/* Neither file: refused at open, naming both devargs (the PMD's probe fails with it). */
static void test_pcap_without_files(void **state)
{
	(void)state;
	log_capture_begin();
	assert_null(pcap_open(NULL, NULL, false, -EINVAL));
	log_capture_expect("backend=pcap needs rx_pcap=<file> and/or tx_pcap=<file>");
}

/* ---- kq: the netdevsim queue lease ---- */

static int kq_check(const char *args)
{
	const struct hsplit_backend_params p = { .port_name = "net_hsplit_test", .args = args };

	return hsplit_backend_kq_ops.args_check(&p);
}

/* Its devargs, checked without opening anything (so on any kernel). */
static void test_kq_devargs(void **state)
{
	static const char *const good[] = {
		"iface=eth1,queue=1", "iface=eth1,queue=0,slot_size=4096,slots=32",
		"iface=eth1,queue=3,slots=1024,cq_size=1024,rq_size=32768", "iface=x,queue=4095",
	};
	static const struct { const char *args, *why; } bad[] = {
		{ "", "needs iface=<netdev> and queue=<index>" },
		{ "iface=eth1", "needs iface=<netdev> and queue=<index>" },
		{ "queue=1", "needs iface=<netdev> and queue=<index>" },
		{ "iface=eth1,queue=x", "queue=x: accepted the RX queue index" },
		{ "iface=eth1,queue=4096", "queue=4096" },
		{ "iface=eth1,queue=1,slot_size=100", "header slot bytes, 128..4096, a multiple of 64" },
		{ "iface=eth1,queue=1,slot_size=8192", "slot_size=8192" },
		{ "iface=eth1,queue=1,slots=48", "a power of two 32..32768" },
		{ "iface=eth1,queue=1,cq_size=65536", "cq_size=65536" },
		{ "iface=eth1,queue=1,rq_size=0", "rq_size=0" },
		{ "iface=eth1,queue=1,slots=512,cq_size=256", "cq_size=256 is smaller than slots=512" },
		{ "iface=eth1,queue=1,size=64", "backend=kq has no devarg 'size'" },
		{ "iface=an_interface_name_too_long,queue=1", "iface=an_interface_name_too_long" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (kq_check(good[i]) != 0)
			fail_msg("kq devargs '%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		log_capture_begin();
		if (kq_check(bad[i].args) != -EINVAL)
			fail_msg("kq devargs '%s' accepted", bad[i].args);
		log_capture_expect(bad[i].why);
	}
}

/*
 * Without the kernel patches there is no /dev/netdevsim_lease: open must
 * say so (-ENODEV) before it touches the interface, and leave nothing open.
 */
static void test_kq_refused_without_the_kernel_patch(void **state)
{
	struct hsplit_backend *be = NULL;

	(void)state;
	if (access("/dev/netdevsim_lease", F_OK) == 0)
		skip(); /* a patched kernel: the QEMU tier's guest script covers it */
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_kq_ops, "iface=lo,queue=1", &be), -ENODEV);
	log_capture_expect("no /dev/netdevsim_lease: this kernel has no netdevsim queue lease "
			   "(it needs the kernel patches in kernel-patches/netdevsim/");
	assert_null(be);
	/* bad devargs are still refused first, with their own message */
	log_capture_begin();
	assert_int_equal(open_with(&hsplit_backend_kq_ops, "iface=lo", &be), -EINVAL);
	log_capture_expect("needs iface=<netdev> and queue=<index>");
}

/* ---- suites ---- */

static struct rig afp_rig = { .ops = &hsplit_backend_afpacket_ops, .peer_fd = -1 };
static struct rig xdp_rig = { .ops = &hsplit_backend_afxdp_ops, .peer_fd = -1 };
static struct rig xdp_native_rig = { .ops = &hsplit_backend_afxdp_ops, .peer_fd = -1,
				     .extra = "xdp_mode=native" };
static struct rig xdp_busy_rig = { .ops = &hsplit_backend_afxdp_ops, .peer_fd = -1,
				   .extra = "xdp_mode=native,busy_budget=64" };

#define RIG_CASE(fn, rig) cmocka_unit_test_prestate_setup_teardown(fn, NULL, rig_teardown, &(rig))

static void cleanup_at_exit(void)
{
	rig_down(&afp_rig);
	rig_down(&xdp_rig);
	rig_down(&xdp_native_rig);
	rig_down(&xdp_busy_rig);
}

/* meson's timeout sends SIGTERM: leave no namespace or veth behind. */
static void cleanup_on_signal(int sig)
{
	(void)sig;
	exit(1);
}

int main(void)
{
	const struct CMUnitTest afpacket[] = {
		RIG_CASE(test_bad_devargs, afp_rig),
		RIG_CASE(test_rx_sees_exactly_the_sent_frames, afp_rig),
		RIG_CASE(test_rx_frames_valid_until_rx_done, afp_rig),
		RIG_CASE(test_tx_reaches_peer_and_not_own_rx, afp_rig),
		RIG_CASE(test_vlan_tag_arrives_in_place, afp_rig),
		RIG_CASE(test_mac_and_link_state, afp_rig),
		RIG_CASE(test_vanished_iface_gives_enodev, afp_rig),
	};
	const struct CMUnitTest afxdp[] = {
		RIG_CASE(test_bad_devargs, xdp_rig),
		RIG_CASE(test_rx_sees_exactly_the_sent_frames, xdp_rig),
		RIG_CASE(test_rx_frames_valid_until_rx_done, xdp_rig),
		RIG_CASE(test_tx_reaches_peer_and_not_own_rx, xdp_rig),
		RIG_CASE(test_vlan_tag_arrives_in_place, xdp_rig),
		RIG_CASE(test_afxdp_bad_queue, xdp_rig),
		RIG_CASE(test_mac_and_link_state, xdp_rig),
		RIG_CASE(test_vanished_iface_gives_enodev, xdp_rig),
		RIG_CASE(test_afxdp_bad_mode_and_budget, xdp_rig),
	};
	const struct CMUnitTest afxdp_native[] = {
		RIG_CASE(test_rx_sees_exactly_the_sent_frames, xdp_native_rig),
		RIG_CASE(test_rx_frames_valid_until_rx_done, xdp_native_rig),
		RIG_CASE(test_tx_reaches_peer_and_not_own_rx, xdp_native_rig),
		RIG_CASE(test_vlan_tag_arrives_in_place, xdp_native_rig),
		RIG_CASE(test_afxdp_busy_budget_polls_or_says_why_not, xdp_busy_rig),
	};
	const struct CMUnitTest pcap[] = {
		cmocka_unit_test(test_pcap_bad_files),
		cmocka_unit_test(test_pcap_write_then_read_back),
		cmocka_unit_test(test_pcap_loop_replays),
		cmocka_unit_test(test_pcap_frames_valid_until_rx_done),
		cmocka_unit_test(test_pcap_without_files),
	};
	const struct CMUnitTest kq[] = {
		cmocka_unit_test(test_kq_devargs),
		cmocka_unit_test(test_kq_refused_without_the_kernel_patch),
	};
	int failed = 0;

	atexit(cleanup_at_exit);
	signal(SIGTERM, cleanup_on_signal);
	signal(SIGINT, cleanup_on_signal);
	failed += cmocka_run_group_tests_name("afpacket", afpacket, NULL, NULL);
	failed += cmocka_run_group_tests_name("afxdp", afxdp, NULL, NULL);
	failed += cmocka_run_group_tests_name("afxdp_native", afxdp_native, NULL, NULL);
	failed += cmocka_run_group_tests_name("pcap", pcap, pcap_setup, pcap_teardown);
	failed += cmocka_run_group_tests_name("kq", kq, NULL, NULL);
	return failed;
}
