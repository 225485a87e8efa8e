/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hrx-wire: a lossy Ethernet wire between two interfaces, for the tests of
 * lib/tcprx against the Linux sender. The host kernel has no sch_netem (and
 * cannot load modules), so the impairment netem would add on the sender's
 * egress happens here instead, in a namespace between sender and receiver:
 *
 *   sender ns [vt] <-> [wa] wire ns [wb] <-> [vr] receiver ns
 *
 * Frames from A to B are dropped, duplicated or held back (reordered) with
 * the given percentages; frames from B to A (ACKs) pass untouched. A held
 * frame goes out after --delay-us or when the hold queue is full, so frames
 * behind it overtake it, as with netem's "delay D reorder P" (there the
 * reordered share goes out at once and the rest late; the order seen by the
 * receiver is disturbed the same way).
 *
 * With --vlan ID it is also a switch's access port facing A and its trunk
 * facing B: frames from A leave on B with an 802.1Q tag for ID, and of the
 * frames from B only those tagged ID go to A, untagged (the others are
 * counted in b_other_vlan). That puts a Linux sender on a VLAN without the
 * kernel's 802.1Q driver, which the test host does not have.
 *
 * usage: hrx-wire IF_A IF_B [--loss PCT] [--dup PCT] [--reorder PCT]
 *                 [--delay-us US] [--seed N] [--vlan ID]
 * Runs until SIGINT/SIGTERM, then prints its counters as one JSON line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define FRAME_MAX 16384
#define HOLD_MAX  1024
#define MAC_PAIR  12     /* destination and source MAC: the tag goes after them */
#define VLAN_HLEN 4
#define OTHER_VLAN (-2)

struct held {
	uint64_t due_ns;
	uint32_t len;
	uint8_t data[FRAME_MAX];
};

static struct held *hold;
static unsigned int hold_head, hold_count;
static volatile sig_atomic_t stop;
static uint64_t rng;
static uint16_t vlan;   /* 0: no tagging */

static struct {
	uint64_t a_frames, a_dropped, a_duplicated, a_reordered, a_send_errors;
	uint64_t b_frames, b_send_errors, b_other_vlan;
} cnt;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: uniform in [0, 100). */
static double chance(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) / (double)(1ull << 53) * 100.0;
}

static int open_raw(const char *ifname)
{
	struct sockaddr_ll sll;
	int one = 1, fd;
	unsigned int idx = if_nametoindex(ifname);

	if (idx == 0) {
		fprintf(stderr, "hrx-wire: no interface %s\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("hrx-wire: socket(AF_PACKET)");
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		fprintf(stderr, "hrx-wire: %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The kernel moves a received tag into the packet's metadata; ask for it. */
static int want_vlan_aux(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		fprintf(stderr, "hrx-wire: PACKET_AUXDATA: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A frame from B, with its tag in the metadata or still in the frame:
 * its length untagged if it is on our VLAN, OTHER_VLAN if not (recvmsg's
 * result if it failed). A tag left in the frame is taken out.
 */
static ssize_t recv_on_vlan(int fd, uint8_t *buf, size_t size)
{
	union {
		struct cmsghdr c;
		uint8_t room[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &msg, 0);
	int vid = -1;

	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		const struct tpacket_auxdata *aux = (const void *)CMSG_DATA(c);

		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    (aux->tp_status & TP_STATUS_VLAN_VALID))
			vid = aux->tp_vlan_tci & 0xfff;
	}
	if (vid < 0 && n >= MAC_PAIR + VLAN_HLEN && buf[MAC_PAIR] == 0x81 &&
	    buf[MAC_PAIR + 1] == 0x00) {
		vid = (buf[MAC_PAIR + 2] & 0xf) << 8 | buf[MAC_PAIR + 3];
		memmove(buf + MAC_PAIR, buf + MAC_PAIR + VLAN_HLEN, (size_t)n - MAC_PAIR - VLAN_HLEN);
		n -= VLAN_HLEN;
	}
	if (vid != vlan) {
		cnt.b_other_vlan++;
		return OTHER_VLAN;
	}
	return n;
}

/* An 802.1Q tag for our VLAN after the MAC addresses (buf has room for it). */
static size_t put_vlan_tag(uint8_t *buf, size_t len)
{
	if (len < MAC_PAIR)
		return len;
	memmove(buf + MAC_PAIR + VLAN_HLEN, buf + MAC_PAIR, len - MAC_PAIR);
	buf[MAC_PAIR] = 0x81;
	buf[MAC_PAIR + 1] = 0x00;
	buf[MAC_PAIR + 2] = (uint8_t)(vlan >> 8);
	buf[MAC_PAIR + 3] = (uint8_t)vlan;
	return len + VLAN_HLEN;
}

static void xmit(int fd, const uint8_t *buf, size_t len, uint64_t *errors)
{
	if (send(fd, buf, len, 0) < 0)
		(*errors)++;
}

static void release_due(int fd_b, uint64_t now, bool all)
{
	while (hold_count > 0 && (all || hold[hold_head].due_ns <= now)) {
		xmit(fd_b, hold[hold_head].data, hold[hold_head].len, &cnt.a_send_errors);
		hold_head = (hold_head + 1) % HOLD_MAX;
		hold_count--;
	}
}

static void a_to_b(int fd_b, const uint8_t *buf, size_t len, double loss, double dup,
		   double reorder, uint64_t delay_ns)
{
	cnt.a_frames++;
	if (loss > 0 && chance() < loss) {
		cnt.a_dropped++;
		return;
	}
	if (reorder > 0 && chance() < reorder && hold_count < HOLD_MAX) {
		struct held *h = &hold[(hold_head + hold_count) % HOLD_MAX];

		h->due_ns = now_ns() + delay_ns;
		h->len = (uint32_t)len;
		memcpy(h->data, buf, len);
		hold_count++;
		cnt.a_reordered++;
		return;
	}
	xmit(fd_b, buf, len, &cnt.a_send_errors);
	if (dup > 0 && chance() < dup) {
		xmit(fd_b, buf, len, &cnt.a_send_errors);
		cnt.a_duplicated++;
	}
}

static int parse_pct(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return *end || !(*out >= 0 && *out <= 100) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[FRAME_MAX];
	double loss = 0, dup = 0, reorder = 0;
	uint64_t delay_ns = 1000000;
	struct pollfd pfd[2];
	struct sigaction sa;
	int i, fd_a, fd_b;

	rng = 0x9e3779b97f4a7c15ull;
	if (argc < 3) {
		fprintf(stderr, "usage: hrx-wire IF_A IF_B [--loss PCT] [--dup PCT] [--reorder PCT] "
			"[--delay-us US] [--seed N] [--vlan ID]\n");
		return 2;
	}
	for (i = 3; i + 1 < argc; i += 2) {
		int bad = 0;

		if (strcmp(argv[i], "--loss") == 0)
			bad = parse_pct(argv[i + 1], &loss);
		else if (strcmp(argv[i], "--dup") == 0)
			bad = parse_pct(argv[i + 1], &dup);
		else if (strcmp(argv[i], "--reorder") == 0)
			bad = parse_pct(argv[i + 1], &reorder);
		else if (strcmp(argv[i], "--delay-us") == 0)
			delay_ns = strtoull(argv[i + 1], NULL, 10) * 1000ull;
		else if (strcmp(argv[i], "--seed") == 0)
			rng = strtoull(argv[i + 1], NULL, 10) | 1;
		else if (strcmp(argv[i], "--vlan") == 0) {
			unsigned long id = strtoul(argv[i + 1], NULL, 10);

			bad = id < 1 || id > 4094;
			vlan = (uint16_t)id;
		} else
			bad = 1;
		if (bad) {
			fprintf(stderr, "hrx-wire: bad option %s %s\n", argv[i], argv[i + 1]);
			return 2;
		}
	}
	if (i != argc) {
		fprintf(stderr, "hrx-wire: option %s needs a value\n", argv[i]);
		return 2;
	}
	hold = calloc(HOLD_MAX, sizeof(*hold));
	fd_a = open_raw(argv[1]);
	fd_b = open_raw(argv[2]);
	if (hold == NULL || fd_a < 0 || fd_b < 0 || (vlan && want_vlan_aux(fd_b) < 0))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd[0] = (struct pollfd){ .fd = fd_a, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = fd_b, .events = POLLIN };
	fprintf(stderr, "hrx-wire: %s -> %s loss %.2f%% dup %.2f%% reorder %.2f%% delay %lu us "
		"vlan %u\n", argv[1], argv[2], loss, dup, reorder, (unsigned long)(delay_ns / 1000),
		vlan);
	while (!stop) {
		uint64_t now = now_ns();
		int timeout_ms = 100;
		ssize_t n;

		if (hold_count > 0) {
			uint64_t due = hold[hold_head].due_ns;

			timeout_ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
		}
		if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
			break;
		while ((n = recv(fd_a, buf, sizeof(buf) - VLAN_HLEN, 0)) > 0) {
			size_t len = vlan ? put_vlan_tag(buf, (size_t)n) : (size_t)n;

			a_to_b(fd_b, buf, len, loss, dup, reorder, delay_ns);
		}
		for (;;) {
			n = vlan ? recv_on_vlan(fd_b, buf, sizeof(buf)) : recv(fd_b, buf, sizeof(buf), 0);
			if (n == OTHER_VLAN)
				continue;
			if (n <= 0)
				break;
			cnt.b_frames++;
			xmit(fd_a, buf, (size_t)n, &cnt.b_send_errors);
		}
		release_due(fd_b, now_ns(), false);
	}
	release_due(fd_b, 0, true);
	printf("{\"a_frames\":%lu,\"a_dropped\":%lu,\"a_duplicated\":%lu,\"a_reordered\":%lu,"
	       "\"a_send_errors\":%lu,\"b_frames\":%lu,\"b_send_errors\":%lu,"
	       "\"b_other_vlan\":%lu}\n",
	       (unsigned long)cnt.a_frames, (unsigned long)cnt.a_dropped,
	       (unsigned long)cnt.a_duplicated, (unsigned long)cnt.a_reordered,
	       (unsigned long)cnt.a_send_errors, (unsigned long)cnt.b_frames,
	       (unsigned long)cnt.b_send_errors, (unsigned long)cnt.b_other_vlan);
	close(fd_a);
	close(fd_b);
	free(hold);
	return 0;
}
