/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv's busy-polling design, and the counters that show whether the
 * kernel's receive work ran in a busy poll.
 *
 * The design is epoll busy polling: EPIOCSPARAMS (Linux 6.9) gives the
 * epoll instance a busy-poll time, a budget and prefer-busy-poll, so an
 * epoll_wait() that finds nothing ready runs the device's NAPI poll itself
 * on this thread (napi_busy_loop) until an event is ready or the time is
 * up. The sockets get SO_BUSY_POLL, SO_PREFER_BUSY_POLL and
 * SO_BUSY_POLL_BUDGET as well, so a recv() that finds its queue empty polls
 * too. Both need a NAPI to poll: on veth that exists with GRO or XDP on the
 * receiving device, and prefer-busy-poll only keeps the sender's transmit
 * from scheduling that NAPI itself (as softirq on the sender's cpu) when
 * the device defers its "interrupts" (napi_defer_hard_irqs and
 * gro_flush_timeout). hsplit-bench sets both on the receiver's veth for
 * this design (doc/hsplit-bench.md); here we only count what happened:
 * TcpExt BusyPollRxPackets of this network namespace (packets a busy poll
 * took from a NAPI) against the packets its devices received.
 */
#include "hsb_krecv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* <linux/eventpoll.h> of Debian 12 (Linux 6.1 headers) predates these: the same ABI. */
struct hsb_epoll_params {
	uint32_t busy_poll_usecs;
	uint16_t busy_poll_budget;
	uint8_t prefer_busy_poll;
	uint8_t pad; /* must be zero */
};
#define HSB_EPIOCSPARAMS _IOW(0x8A, 0x01, struct hsb_epoll_params)

#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

static void busy_unsupported(struct krecv *k, const char *what, int err)
{
	if (!k->st.busy_supported)
		return; /* the first reason is the one that matters */
	k->st.busy_supported = false;
	snprintf(k->st.busy_reason, sizeof(k->st.busy_reason),
		 "not supported here: %s: %s (errno %d)", what, strerror(err), err);
	hsb_log("busypoll: %s", k->st.busy_reason);
}

void krecv_busy_epoll(struct krecv *k, int ep)
{
	struct hsb_epoll_params p = {
		.busy_poll_usecs = k->o->busy_us,
		.busy_poll_budget = k->o->busy_budget,
		.prefer_busy_poll = 1,
	};

	/* ENOTTY: a kernel before 6.9; ENOPROTOOPT-like failures are reported alike */
	if (ioctl(ep, HSB_EPIOCSPARAMS, &p) < 0)
		busy_unsupported(k, "ioctl(EPIOCSPARAMS) on the epoll fd (Linux >= 6.9)", errno);
}

void krecv_busy_attach(struct krecv *k, struct krecv_conn *c)
{
	static const struct { int opt; const char *name; } opts[] = {
		{ SO_BUSY_POLL, "SO_BUSY_POLL" },
		{ SO_PREFER_BUSY_POLL, "SO_PREFER_BUSY_POLL" },
		{ SO_BUSY_POLL_BUDGET, "SO_BUSY_POLL_BUDGET" },
	};
	int vals[] = { (int)k->o->busy_us, 1, (int)k->o->busy_budget };
	char what[64];

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (setsockopt(c->fd, SOL_SOCKET, opts[i].opt, &vals[i], sizeof(int)) == 0)
			continue;
		snprintf(what, sizeof(what), "setsockopt(%s)", opts[i].name);
		busy_unsupported(k, what, errno);
	}
}

/* The value of `key` in the `group` lines of a /proc/net/{netstat,snmp} file. */
static int proc_net_counter(const char *path, const char *group, const char *key, uint64_t *out)
{
	char names[8192], values[8192];
	size_t glen = strlen(group);
	FILE *f = fopen(path, "r");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	/* pairs of lines: "Group: name name ..." then "Group: value value ..." */
	while (rc == -ENOENT && fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		char *ns, *vs, *n, *v;

		if (strncmp(names, group, glen) || names[glen] != ':')
			continue;
		n = strtok_r(names + glen + 1, " \n", &ns);
		v = strtok_r(values + glen + 1, " \n", &vs);
		for (; n && v; n = strtok_r(NULL, " \n", &ns), v = strtok_r(NULL, " \n", &vs)) {
			if (strcmp(n, key) == 0) {
				rc = sscanf(v, "%" SCNu64, out) == 1 ? 0 : -EINVAL;
				break;
			}
		}
	}
	fclose(f);
	return rc;
}

/* Packets every non-loopback device of this namespace received (/proc/net/dev). */
static int proc_net_rx_packets(uint64_t *out)
{
	char line[512];
	FILE *f = fopen("/proc/net/dev", "r");
	uint64_t sum = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char ifname[64];
		uint64_t bytes, packets;

		/* "  name: rx_bytes rx_packets ..."; the two header lines do not match */
		if (sscanf(line, " %63[^:]: %" SCNu64 " %" SCNu64, ifname, &bytes, &packets) != 3)
			continue;
		if (strcmp(ifname, "lo") != 0)
			sum += packets;
	}
	fclose(f);
	*out = sum;
	return 0;
}

int krecv_napi_sample(struct krecv_napi_sample *s)
{
	int rc = proc_net_counter("/proc/net/netstat", "TcpExt", "BusyPollRxPackets",
				  &s->busy_polled);

	if (rc == 0)
		rc = proc_net_rx_packets(&s->rx_packets);
	s->valid = rc == 0;
	return rc;
}
