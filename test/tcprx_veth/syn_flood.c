/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * syn-flood: spoofed-source TCP SYNs at a bounded rate, for the SYN-cookie
 * case of the veth tests (issue 13 item 5). Each SYN comes from a random
 * address in SRC_NET/16 and a random port, with a random ISN and the
 * options a Linux client offers (MSS 1460, SACK-permitted, timestamps,
 * window scale 7), so every one looks like a new client to the receiver.
 * Nobody owns the spoofed addresses: the SYN-ACKs reach the sender's
 * namespace, which drops them (no forwarding), and no RST comes back.
 *
 * usage: syn-flood DST_IP DST_PORT [--count N] [--rate PPS] [--src-net A.B.0.0]
 *                  [--seed N]
 * Sends through a raw IPv4 socket (IP_HDRINCL: the kernel resolves the
 * receiver's MAC and fills in the IP checksum). Prints one JSON line:
 * {"sent":N,"send_errors":N,"seconds":S}. Exit 0 when every SYN went out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 32
#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct syn_frame {
	struct iphdr ip;
	struct tcphdr tcp;
	uint8_t opt[20];
} __attribute__((packed));

static uint64_t rng;

static uint32_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	return sum;
}

/* The TCP checksum over the IPv4 pseudo-header (RFC 9293 §3.1). */
static uint16_t tcp_checksum(const struct syn_frame *f)
{
	size_t tcp_len = sizeof(f->tcp) + sizeof(f->opt);
	uint32_t sum = 0;

	sum = sum16(&f->ip.saddr, 4, sum);
	sum = sum16(&f->ip.daddr, 4, sum);
	sum += IPPROTO_TCP + (uint32_t)tcp_len;
	sum = sum16(&f->tcp, tcp_len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* MSS 1460, SACK-permitted, TS, NOP, window scale 7: Linux's SYN options. */
static void put_options(uint8_t *o, uint32_t tsval)
{
	static const uint8_t head[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };

	memcpy(o, head, sizeof(head));
	tsval = htonl(tsval);
	memcpy(o + 8, &tsval, 4);
	memset(o + 12, 0, 4);              /* TSecr */
	o[16] = 1;                         /* NOP */
	o[17] = 3;
	o[18] = 3;
	o[19] = 7;
}

static void make_syn(struct syn_frame *f, uint32_t src_net, uint32_t dst, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	f->ip.version = 4;
	f->ip.ihl = 5;
	f->ip.ttl = 64;
	f->ip.protocol = IPPROTO_TCP;
	f->ip.tot_len = htons(sizeof(*f));
	/* a host in src_net/16, never .0 or .255 */
	f->ip.saddr = htonl(src_net | (next_random() % 0xfffe + 1));
	f->ip.daddr = dst;
	f->tcp.source = htons((uint16_t)(1024 + next_random() % 64000));
	f->tcp.dest = htons(dport);
	f->tcp.seq = htonl(next_random());
	f->tcp.doff = (sizeof(f->tcp) + sizeof(f->opt)) / 4;
	f->tcp.syn = 1;
	f->tcp.window = htons(64240);
	put_options(f->opt, next_random());
	f->tcp.check = tcp_checksum(f);
}

static int usage(void)
{
	fprintf(stderr, "usage: syn-flood DST_IP DST_PORT [--count N] [--rate PPS] "
		"[--src-net A.B.0.0] [--seed N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long count = 100000, rate = 25000, sent = 0, errors = 0;
	struct in_addr dst, net = { htonl(0x0a640000) }; /* 10.100.0.0 */
	struct sockaddr_in to;
	uint64_t t0, gap_ns;
	int one = 1, fd, i;
	long port;

	rng = 0x9e3779b97f4a7c15ull;
	if (argc < 3 || inet_pton(AF_INET, argv[1], &dst) != 1)
		return usage();
	port = strtol(argv[2], NULL, 10);
	if (port < 1 || port > 65535)
		return usage();
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--count") == 0)
			count = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rate") == 0)
			rate = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0)
			rng ^= strtoull(argv[i + 1], NULL, 10) * 0x2545f4914f6cdd1dull;
		else if (strcmp(argv[i], "--src-net") != 0 ||
			 inet_pton(AF_INET, argv[i + 1], &net) != 1)
			return usage();
	}
	if (i != argc || rate == 0)
		return usage();
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		fprintf(stderr, "syn-flood: raw socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = dst;
	gap_ns = 1000000000ull / rate;
	t0 = now_ns();
	while (sent + errors < count) {
		uint64_t due = t0 + (sent + errors) * gap_ns;
		struct syn_frame f;
		int b;

		for (uint64_t t = now_ns(); t < due; t = now_ns()) {
			struct timespec nap = { 0, (long)MIN(due - t, 999999999ull) };

			nanosleep(&nap, NULL);
		}
		for (b = 0; b < BURST && sent + errors < count; b++) {
			make_syn(&f, ntohl(net.s_addr) & 0xffff0000u, dst.s_addr, (uint16_t)port);
			if (sendto(fd, &f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				errors++;
			else
				sent++;
		}
	}
	printf("{\"sent\":%lu,\"send_errors\":%lu,\"seconds\":%.3f}\n", sent, errors,
	       (double)(now_ns() - t0) / 1e9);
	close(fd);
	return errors ? 1 : 0;
}
