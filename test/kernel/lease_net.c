/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: the world around the lease (lease_rx.h): the sender's frames
 * (AF_PACKET in the peer's namespace, numbered so that the receiver can
 * rebuild each one), kernel TCP between the two namespaces, the counters
 * the cases read (per-queue, page pools, TcpInCsumErrors), shell commands.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "lease_rx.h"

uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131u + (i >> 12) * 7u + 1u);
}

const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENETDOWN: return "ENETDOWN";
	case ERANGE: return "ERANGE";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENODATA: return "ENODATA";
	case EMSGSIZE: return "EMSGSIZE";
	default: return strerror(e);
	}
}

int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	return system(cmd);
}

/* A socket (netlink: through hnl) in the namespace at path (NULL: ours), or -1. */
int socket_in(const char *path, int domain, int type, int proto)
{
	int self, other, s = -1;

	if (!path)
		return domain == AF_NETLINK ? hnl_socket(proto) : socket(domain, type, proto);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (self >= 0 && other >= 0 && setns(other, CLONE_NEWNET) == 0) {
		s = domain == AF_NETLINK ? hnl_socket(proto) : socket(domain, type, proto);
		if (setns(self, CLONE_NEWNET)) {
			perror("setns back");
			exit(2);
		}
	}
	if (self >= 0)
		close(self);
	if (other >= 0)
		close(other);
	return s;
}

/* ---- the sender: AF_PACKET in the peer's namespace ---- */

int open_tx_socket(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct ifreq ifr;
	int s;

	s = socket_in(env.tx_netns, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (s < 0)
		return -1;
	/* the socket's ioctls answer for its own namespace */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", env.tx_if);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		memcpy(env.tx_mac, ifr.ifr_hwaddr.sa_data, 6);
		if (ioctl(s, SIOCGIFINDEX, &ifr) == 0) {
			sll.sll_ifindex = ifr.ifr_ifindex;
			if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0)
				return s;
		}
	}
	close(s);
	return -1;
}

static uint16_t csum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Frame k: its payload length, and the TCP sequence number of its first byte. */
unsigned int frame_plen(uint32_t k)
{
	return k % 16 == 15 ? 0 : 1 + (k * 397u) % MAX_PAYLOAD;
}

uint32_t frame_seq(uint32_t k)
{
	return 1000u + k * (uint32_t)MAX_PAYLOAD;
}

size_t build_frame(uint8_t *f, uint32_t k, bool good)
{
	unsigned int plen = frame_plen(k), i;
	uint32_t seq = frame_seq(k), sum;
	uint8_t *ip = f + 14, *tcp = ip + 20, *pl = tcp + 20;
	uint16_t c;

	memcpy(f, env.rx_mac, 6);
	memcpy(f + 6, env.tx_mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + plen) >> 8), ip[3] = (uint8_t)(40 + plen);
	ip[4] = (uint8_t)(k >> 8), ip[5] = (uint8_t)k;
	ip[6] = 0x40, ip[8] = 64, ip[9] = IPPROTO_TCP;
	ip[12] = 192, ip[13] = 168, ip[14] = 79, ip[15] = 1;
	ip[16] = 192, ip[17] = 168, ip[18] = 79, ip[19] = 2;
	c = csum16(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	tcp[0] = 40000 >> 8, tcp[1] = 40000 & 0xff;
	tcp[2] = (uint8_t)(env.port >> 8), tcp[3] = (uint8_t)env.port;
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	tcp[11] = 1, tcp[12] = 5 << 4, tcp[13] = 0x18, tcp[14] = 0xff, tcp[15] = 0xff;
	for (i = 0; i < plen; i++)
		pl[i] = pattern(seq + i);
	/* pseudo-header: addresses, protocol, TCP length */
	sum = (192u << 8 | 168) * 2 + (79u << 8 | 1) + (79u << 8 | 2) + IPPROTO_TCP + 20 + plen;
	c = csum16(tcp, 20 + plen, sum);
	if (!good)
		c ^= 0x5a5a;
	tcp[16] = (uint8_t)(c >> 8), tcp[17] = (uint8_t)c;
	return 14 + 40 + plen;
}

int send_frames(uint32_t k0, uint32_t n, bool good)
{
	uint8_t f[1600];
	uint32_t k;

	for (k = k0; k < k0 + n; k++) {
		size_t len = build_frame(f, k, good);

		if (send(env.tx_sock, f, len, 0) != (ssize_t)len) {
			printf("# AF_PACKET send of frame %u: %s\n", k, strerror(errno));
			return -1;
		}
	}
	return 0;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* TcpInCsumErrors of this namespace: whether the kernel's TCP saw a frame. */
long tcp_csum_errors(void)
{
	char hdr[1024], val[1024], *h, *v, *hs, *vs;
	long n = -1;
	FILE *f = fopen("/proc/net/snmp", "r");

	while (f && fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "Tcp:", 4))
			continue;
		for (h = strtok_r(hdr, " \n", &hs), v = strtok_r(val, " \n", &vs); h && v;
		     h = strtok_r(NULL, " \n", &hs), v = strtok_r(NULL, " \n", &vs))
			if (!strcmp(h, "InCsumErrors"))
				n = atol(v);
	}
	if (f)
		fclose(f);
	return n;
}

/* Wait until TcpInCsumErrors moved past `from`; the new value. */
long wait_csum_errors(long from)
{
	long n = tcp_csum_errors();

	for (int i = 0; i < WAIT_MS / 100 && n == from; i++) {
		usleep(100000);
		n = tcp_csum_errors();
	}
	return n;
}

/* Buffers out in dma-buf page pools of this namespace and the sender's. */
int pools_out(struct hnl_page_pools *o)
{
	const char *where[] = { NULL, env.tx_netns };
	unsigned int i;
	int fd, rc = 0;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < 2 && !rc; i++) {
		fd = socket_in(where[i], AF_NETLINK, 0, NETLINK_GENERIC);
		if (fd < 0)
			return -1;
		rc = hnl_page_pool_dump(fd, hnl_page_pool_count_dmabuf, o);
		close(fd);
	}
	return rc;
}

/* The page pool frees a destroyed pool from a delayed work: wait for it. */
int pools_drain(struct hnl_page_pools *o, double *ms)
{
	double t0 = now_ms();
	int rc = 0;

	for (int i = 0; i < WAIT_MS / 20; i++) {
		rc = pools_out(o);
		if (rc || o->inflight == 0)
			break;
		usleep(20000);
	}
	*ms = now_ms() - t0;
	return rc;
}

int rxq_stats(int q, uint64_t *packets, uint64_t *bytes)
{
	char cmd[128], line[256], want_p[32], want_b[32];
	unsigned long long v;
	int found = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ethtool -S %s", env.rx_if);
	snprintf(want_p, sizeof(want_p), "rx-%d.packets:", q);
	snprintf(want_b, sizeof(want_b), "rx-%d.bytes:", q);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (sscanf(line, " %63s %llu", name, &v) != 2)
			continue;
		if (!strcmp(name, want_p)) {
			*packets = v;
			found |= 1;
		} else if (!strcmp(name, want_b)) {
			*bytes = v;
			found |= 2;
		}
	}
	pclose(f);
	return found == 3 ? 0 : -ENOENT;
}

/* The sending side of kernel_tcp, in a child: connect from the sender's
 * namespace and write the pattern, one flow after the other.
 */
static int tcp_send_flows(int port, unsigned int flows, uint64_t bytes)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static uint8_t buf[65536];
	uint64_t off, n;
	unsigned int i;
	ssize_t w;
	int s;

	inet_pton(AF_INET, RX_ADDR, &sa.sin_addr);
	for (i = 0; i < flows; i++) {
		s = socket_in(env.tx_netns, AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			return 1;
		for (off = 0; off < bytes; off += (uint64_t)w) {
			n = bytes - off < sizeof(buf) ? bytes - off : sizeof(buf);
			for (uint64_t j = 0; j < n; j++)
				buf[j] = pattern(off + j);
			w = write(s, buf, n);
			if (w <= 0)
				return 1;
		}
		close(s);
	}
	return 0;
}

/* Read one flow to its end, comparing it with the pattern. */
static int tcp_read_flow(int fd, uint64_t bytes, uint64_t *got)
{
	static uint8_t buf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t off = 0, bad = 0;
	ssize_t r;

	for (;;) {
		if (poll(&p, 1, WAIT_MS) <= 0)
			break;
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (ssize_t j = 0; j < r; j++)
			bad += buf[j] != pattern(off + (uint64_t)j);
		off += (uint64_t)r;
	}
	*got += off;
	if (bad)
		printf("# %llu bytes of a flow differ from the pattern\n", (unsigned long long)bad);
	return off == bytes && !bad ? 0 : -1;
}

int kernel_tcp(int port, unsigned int flows, uint64_t bytes, uint64_t *got)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct pollfd p;
	int lfd, cfd, one = 1, rc = 0, status = 0;
	unsigned int i;
	pid_t pid;

	*got = 0;
	inet_pton(AF_INET, RX_ADDR, &sa.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, (int)flows)) {
		printf("# listen on %s:%d: %s\n", RX_ADDR, port, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(tcp_send_flows(port, flows, bytes));
	for (i = 0; i < flows && rc == 0; i++) {
		p = (struct pollfd){ .fd = lfd, .events = POLLIN };
		cfd = poll(&p, 1, WAIT_MS) == 1 ? accept(lfd, NULL, NULL) : -1;
		if (cfd < 0) {
			printf("# flow %u to port %d: no connection\n", i, port);
			rc = -1;
			break;
		}
		rc = tcp_read_flow(cfd, bytes, got);
		close(cfd);
	}
	close(lfd);
	if (rc)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		rc = -1;
	return rc;
}
