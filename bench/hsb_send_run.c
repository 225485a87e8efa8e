/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-send's data loops: bulk (many non-blocking flows, poll, whole
 * messages), latency (one flow, an absolute open-loop schedule) and the
 * final wait for every receiver to close.
 */
#include "hsb_send.h"
#include "hsb_proto.h"
#include "hsb_util.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 100

struct bulk_flow {
	uint64_t off;      /* stream offset = bytes written so far */
	uint64_t msg_left; /* bytes still to write of the current message */
	bool done;         /* finished and shut down for writing */
};

struct bulk {
	const struct send_opts *o;
	struct hsb_pattern pat;
	uint64_t deadline_ns;
	uint64_t budget_left;  /* --bytes not yet given to a message */
	bool stopping;         /* deadline or budget reached: finish messages */
	struct send_result *r;
};

static int socket_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err ? -err : -EPIPE;
}

/* Size of the next message of a flow, 0 when the flow should stop. */
static uint64_t next_message(struct bulk *b)
{
	uint64_t n = b->o->msg;

	if (b->stopping)
		return 0;
	if (b->o->bytes) {
		/* the budget is exact: the last message may be short */
		if (n > b->budget_left)
			n = b->budget_left;
		b->budget_left -= n;
		if (b->budget_left == 0)
			b->stopping = true;
	}
	return n;
}

/* Write to one flow until the socket is full or the flow is done. */
static int bulk_fill(struct bulk *b, struct bulk_flow *f, int fd)
{
	for (;;) {
		ssize_t n;

		if (f->msg_left == 0) {
			f->msg_left = next_message(b);
			if (f->msg_left == 0) {
				f->done = true;
				return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
			}
		}
		n = send(fd, hsb_pattern_at(&b->pat, f->off), f->msg_left,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		f->off += (uint64_t)n;
		f->msg_left -= (uint64_t)n;
		b->r->bytes += (uint64_t)n;
		b->r->writes++;
		if (!b->o->bytes && hsb_now_ns() >= b->deadline_ns)
			b->stopping = true;
	}
}

static int bulk_round(struct bulk *b, struct bulk_flow *flows, struct pollfd *pfd,
		      uint32_t *active)
{
	uint32_t n = b->o->flows;
	int rc = poll(pfd, n, POLL_MS);

	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (!b->o->bytes && hsb_now_ns() >= b->deadline_ns)
		b->stopping = true;
	/* every flow that can take data gets its turn, in order */
	for (uint32_t i = 0; i < n; i++) {
		if (flows[i].done)
			continue;
		if (pfd[i].revents & (POLLERR | POLLHUP)) {
			rc = socket_error(pfd[i].fd);
			hsb_log("flow %u failed after %" PRIu64 " bytes: %s", i, flows[i].off,
				strerror(-rc));
			return rc;
		}
		if (!(pfd[i].revents & POLLOUT) && !b->stopping)
			continue;
		rc = bulk_fill(b, &flows[i], pfd[i].fd);
		if (rc < 0) {
			hsb_log("flow %u: send: %s", i, strerror(-rc));
			return rc;
		}
		if (flows[i].done) {
			pfd[i].fd = -pfd[i].fd - 1; /* poll ignores negative fds */
			(*active)--;
		}
	}
	return 0;
}

int send_bulk(const struct send_opts *o, const int *fds, struct send_result *r)
{
	struct bulk b = { .o = o, .r = r, .budget_left = o->bytes };
	struct bulk_flow *flows = calloc(o->flows, sizeof(*flows));
	struct pollfd *pfd = calloc(o->flows, sizeof(*pfd));
	uint32_t active = o->flows;
	int rc = 0;

	if (!flows || !pfd || hsb_pattern_init(&b.pat, o->msg) < 0) {
		hsb_log("out of memory for %u flows of %" PRIu64 "-byte messages", o->flows, o->msg);
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < o->flows; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
	b.deadline_ns = hsb_now_ns() + (uint64_t)(o->seconds * 1e9);
	while (active && rc == 0)
		rc = bulk_round(&b, flows, pfd, &active);
out:
	hsb_pattern_fini(&b.pat);
	free(pfd);
	free(flows);
	return rc;
}

static int set_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? -errno : 0;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / 1000000000u),
			       .tv_nsec = (long)(t_ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int send_all(int fd, const uint8_t *p, size_t len, struct send_result *r)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		r->writes++;
	}
	return 0;
}

/* Stamp and send message `seq`, timing the send() itself. */
static int send_stamped(int fd, uint8_t *msg, size_t len, uint32_t seq, struct send_result *r)
{
	struct hsb_stamp st = { .magic = htole32(HSB_STAMP_MAGIC), .seq = htole32(seq) };
	uint64_t t0, t1;
	int rc;

	t0 = hsb_now_ns();
	st.send_ns = htole64(t0);
	memcpy(msg, &st, sizeof(st));
	rc = send_all(fd, msg, len, r);
	t1 = hsb_now_ns();
	app_hist_add(&r->send_call, t1 - t0);
	return rc;
}

int send_latency(const struct send_opts *o, int fd, struct send_result *r)
{
	uint64_t period = o->interval_us * 1000u, next;
	struct hsb_pattern pat;
	uint8_t *msg = malloc(o->msg);
	int rc = set_blocking(fd);

	if (!msg || hsb_pattern_init(&pat, o->msg) < 0) {
		free(msg);
		hsb_log("out of memory for a %" PRIu64 "-byte message", o->msg);
		return -ENOMEM;
	}
	next = hsb_now_ns() + period;
	for (uint64_t i = 0; i < o->count && rc == 0; i++, next += period) {
		/* the pattern is laid down before the slot, off the timed path */
		memcpy(msg, hsb_pattern_at(&pat, i * o->msg), o->msg);
		if (hsb_now_ns() > next)
			r->late++; /* behind schedule: send at once, keep the schedule */
		else
			sleep_until(next);
		rc = send_stamped(fd, msg, o->msg, (uint32_t)i, r);
		if (rc == 0) {
			r->messages++;
			r->bytes += o->msg;
		}
	}
	if (rc < 0)
		hsb_log("latency: send of message %" PRIu64 ": %s", r->messages, strerror(-rc));
	else if (shutdown(fd, SHUT_WR) < 0)
		rc = -errno;
	hsb_pattern_fini(&pat);
	free(msg);
	return rc;
}

/* Read and drop anything the receiver sends; 1 at EOF, 0 for more, -errno. */
static int read_to_eof(int fd)
{
	char sink[512];
	ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);

	if (n == 0)
		return 1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return 0;
}

int send_wait_closed(const struct send_opts *o, const int *fds, uint32_t n,
		     struct send_result *r)
{
	uint64_t deadline = hsb_now_ns() + (uint64_t)(o->drain_timeout * 1e9);
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	uint32_t open = n;
	int rc = 0;

	if (!pfd)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (open && rc == 0) {
		uint64_t now = hsb_now_ns();

		if (now >= deadline) {
			hsb_log("the receiver did not close %u of %u connection(s) within %.1f s",
				open, n, o->drain_timeout);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pfd, n, POLL_MS) < 0 && errno != EINTR)
			rc = -errno;
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			rc = read_to_eof(pfd[i].fd);
			if (rc == 1) {
				pfd[i].fd = -1;
				open--;
				r->t_last_eof_ns = hsb_now_ns();
				rc = 0;
			} else if (rc < 0) {
				hsb_log("flow %u: waiting for the receiver to close: %s", i,
					strerror(-rc));
			}
		}
	}
	free(pfd);
	return rc;
}
