/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One accepted connection, the way a devmem TCP application drives a socket:
 * recv fragments (dmabuf id, offset, size, token), look at the bytes only
 * through the device (in test mode), and give the tokens back in batches
 * (SO_DEVMEM_DONTNEED). --hold-ms keeps every token for a while and
 * --stall-after/--stall-ms stop returning tokens once, which is how a slow
 * application closes the window. --random-app draws both per connection, and
 * stalls again and again: an application that misbehaves at random.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hsplit_rx.h"

#define RECV_FRAGS 64u

struct held_token {
	uint32_t token;
	uint64_t since_ns;
};

struct hrx_conn {
	struct tcprx_conn *tc;
	uint32_t id;
	char remote[64];
	uint64_t t_open, t_first, t_last;
	uint64_t offset;            /* stream bytes consumed = next expected offset */
	uint64_t verified, verify_errors;
	struct held_token *held;    /* tokens not yet returned, oldest first */
	uint32_t nb_held, held_cap;
	uint64_t hold_ns;           /* keep every token at least this long */
	uint64_t stall_at;          /* stream offset of the next stall; UINT64_MAX = none */
	uint32_t stall_ms;          /* how long that stall lasts */
	uint64_t stall_until;       /* ns; 0 = not stalling */
	bool reset;
	struct tcprx_conn_info agreed; /* at accept: the handshake's options */
	bool drained;               /* the last service ended with -EAGAIN: nothing left to read */
	bool due;                   /* on the loop's list of connections to service */
	uint32_t live_idx;          /* where run->live holds it */
	struct tcprx_conn_stats cs; /* final, once finished */
};

/* xorshift64 (Marsaglia): uniform enough in [0, n] for an application's moods. */
static uint64_t random_upto(struct hrx_run *run, uint64_t n)
{
	uint64_t x = run->rng;

	if (x == 0) /* first use: the seed, spread over the bits (never 0) */
		x = (uint64_t)run->opt->random_app * 0x9e3779b97f4a7c15ull | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	run->rng = x;
	return n < UINT64_MAX ? x % (n + 1) : x;
}

/*
 * --random-app: this connection's hold time and its next stall, drawn anew
 * at the start and after every stall: the next one 0..2 x stall-after bytes
 * on (stall-after on average), lasting 0..stall-ms.
 */
static void random_redraw(struct hrx_run *run, struct hrx_conn *c)
{
	const struct hrx_options *o = run->opt;

	c->hold_ns = random_upto(run, o->hold_ms) * 1000000ull;
	if (o->stall_after == 0)
		return;
	c->stall_at = c->offset + random_upto(run, 2 * o->stall_after);
	c->stall_ms = (uint32_t)random_upto(run, o->stall_ms);
}

/* What the application does on this connection: fixed by the options, or drawn. */
static void app_behaviour(struct hrx_run *run, struct hrx_conn *c)
{
	const struct hrx_options *o = run->opt;

	c->hold_ns = (uint64_t)o->hold_ms * 1000000ull;
	c->stall_at = o->stall_after ? o->stall_after : UINT64_MAX;
	c->stall_ms = o->stall_ms;
	if (o->random_app)
		random_redraw(run, c);
}

struct hrx_conn *hrx_conn_open(struct hrx_run *run, struct tcprx_conn *tc, uint32_t id)
{
	struct tcprx_conn_info info;
	struct hrx_conn *c = calloc(1, sizeof(*c));
	char addr[64];

	if (c == NULL)
		return NULL;
	c->tc = tc;
	c->id = id;
	c->t_open = hrx_now_ns();
	if (tcprx_conn_info(tc, &info) == 0) {
		snprintf(c->remote, sizeof(c->remote), "%s:%u",
			 tcprx_addr_format(&info.remote, addr, sizeof(addr)), info.remote_port);
		c->agreed = info;
	}
	app_behaviour(run, c);
	tcprx_conn_set_user(tc, c);
	if (!run->opt->quiet)
		fprintf(stderr, "%s: conn %u from %s accepted\n", HRX_NAME, id, c->remote);
	return c;
}

static int held_push(struct hrx_conn *c, uint32_t token, uint64_t now)
{
	if (c->nb_held == c->held_cap) {
		uint32_t cap = c->held_cap ? c->held_cap * 2 : 1024;
		struct held_token *h = realloc(c->held, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		c->held = h;
		c->held_cap = cap;
	}
	c->held[c->nb_held++] = (struct held_token){ token, now };
	return 0;
}

/*
 * Return the n oldest held tokens: consecutive token numbers collapse into
 * one range, at most DEVMEM_DONTNEED_MAX_RANGES ranges a call.
 */
static int tokens_return(struct hrx_run *run, struct hrx_conn *c, uint32_t n)
{
	struct devmem_token_range r[DEVMEM_DONTNEED_MAX_RANGES];
	uint32_t done = 0;

	while (done < n) {
		uint32_t nr = 0, i = done, frags = 0;
		int freed;

		while (i < n && frags < DEVMEM_DONTNEED_MAX_FRAGS) {
			uint32_t t = c->held[i].token;

			if (nr > 0 && r[nr - 1].token_start + r[nr - 1].token_count == t) {
				r[nr - 1].token_count++;
			} else if (nr == DEVMEM_DONTNEED_MAX_RANGES) {
				break;
			} else {
				r[nr++] = (struct devmem_token_range){ t, 1 };
			}
			i++;
			frags++;
		}
		freed = tcprx_dontneed(c->tc, r, nr);
		run->tot.dontneed_calls++;
		if (freed < 0 || (uint32_t)freed != i - done) {
			fprintf(stderr, "%s: conn %u: tcprx_dontneed(%u ranges, %u tokens) = %d\n",
				HRX_NAME, c->id, nr, i - done, freed);
			run->tot.errors++;
			if (run->error == 0)
				run->error = freed < 0 ? freed : -EIO;
		}
		if (freed > 0)
			run->tot.tokens_returned += (uint64_t)freed;
		done = i;
	}
	memmove(c->held, c->held + n, (size_t)(c->nb_held - n) * sizeof(*c->held));
	c->nb_held -= n;
	return 0;
}

/* What may go back now: honour the stall, then --hold-ms, then the batch size. */
static void tokens_maybe_return(struct hrx_run *run, struct hrx_conn *c, uint64_t now, bool idle)
{
	const struct hrx_options *o = run->opt;
	uint32_t n = c->nb_held;

	if (c->stall_until) {
		if (now < c->stall_until)
			return;
		c->stall_until = 0;
		if (!o->quiet)
			fprintf(stderr, "%s: conn %u: stall over, returning %u tokens\n", HRX_NAME,
				c->id, c->nb_held);
		if (o->random_app)
			random_redraw(run, c);
	}
	if (c->hold_ns) {
		for (n = 0; n < c->nb_held && now - c->held[n].since_ns >= c->hold_ns; n++)
			;
	}
	if (n == 0 || (n < o->batch && !idle))
		return;
	tokens_return(run, c, n);
}

static void verify_fail(struct hrx_run *run, struct hrx_conn *c, const struct devmem_frag *f,
			const uint8_t *bytes, uint32_t at)
{
	if (c->verify_errors++ < 5)
		fprintf(stderr, "%s: conn %u: VERIFY FAILED at stream byte %lu: expected %u, got %u "
			"(fragment dmabuf %u offset %lu size %u%s)\n", HRX_NAME, c->id,
			(unsigned long)(c->offset + at), hrx_pattern_byte(c->offset + at), bytes[at],
			f->dmabuf_id, (unsigned long)f->frag_offset, f->frag_size,
			f->flags & DEVMEM_FRAG_LINEAR ? " LINEAR" : "");
	run->tot.verify_errors++;
}

/*
 * Test mode: the bytes of a fragment through the dmabuf's device view (the
 * host view is PROT_NONE in strict mode), or at their host address when LINEAR.
 */
static void verify_frag(struct hrx_run *run, struct hrx_conn *c, const struct devmem_frag *f)
{
	const uint8_t *bytes;
	uint32_t done = 0;

	if (f->flags & DEVMEM_FRAG_LINEAR) {
		bytes = (const uint8_t *)(uintptr_t)f->frag_offset;
	} else {
		const uint8_t *view = devmem_dmabuf_device_view(run->port.dmabuf);

		if (f->dmabuf_id != devmem_binding_id(run->port.binding) || view == NULL ||
		    f->frag_offset + f->frag_size > devmem_dmabuf_size(run->port.dmabuf)) {
			fprintf(stderr, "%s: conn %u: fragment dmabuf %u offset %lu size %u is not in "
				"our binding %u\n", HRX_NAME, c->id, f->dmabuf_id,
				(unsigned long)f->frag_offset, f->frag_size,
				devmem_binding_id(run->port.binding));
			run->tot.verify_errors++;
			c->verify_errors++;
			return;
		}
		bytes = view + f->frag_offset;
	}
	while (done < f->frag_size) {
		uint32_t len = f->frag_size - done;
		const uint8_t *want = run->pattern + (c->offset + done) % 251u;

		if (len > run->pattern_len - 251u)
			len = run->pattern_len - 251u;
		if (memcmp(bytes + done, want, len) != 0) {
			uint32_t i = 0;

			while (bytes[done + i] == want[i])
				i++;
			verify_fail(run, c, f, bytes, done + i);
			return;
		}
		done += len;
	}
	c->verified += f->frag_size;
	run->tot.bytes_verified += f->frag_size;
}

/*
 * --latency: a message starts at every stream offset that is a multiple of
 * --msg; the segment carrying that byte left the sender at its TSval (Linux
 * with tcp_timestamps=2 and a usec-TS route: CLOCK_MONOTONIC microseconds
 * mod 2^32, our clock too). Microsecond resolution: the sub-µs part is not
 * on the wire. Without the route, or before Linux 6.7, the TSval counts
 * CLOCK_MONOTONIC milliseconds instead (--tsval-ms). A TSval ahead of now
 * (EDT pacing stamps departure time) is 0.
 */
static void latency_record(struct hrx_run *run, const struct hrx_conn *c,
			   const struct devmem_frag *f, const struct tcprx_tsval *ts, int n,
			   uint64_t now)
{
	uint64_t msg = run->opt->msg, off = c->offset;
	uint64_t tick_ns = run->opt->tsval_ms ? 1000000 : 1000;
	uint32_t now_ticks = (uint32_t)(now / tick_ns);
	int i;

	for (i = 0; i < n; off += f[i].frag_size, i++) {
		uint64_t start = (off + msg - 1) / msg * msg, end = off + f[i].frag_size;
		int32_t ticks = (int32_t)(now_ticks - ts[i].val);

		for (; start < end; start += msg) {
			if (!ts[i].present)
				run->tot.latency_no_ts++;
			else
				app_hist_add(&run->latency, ticks > 0 ? (uint64_t)ticks * tick_ns : 0);
		}
	}
}

/* One recv; with --latency the clock is read once per batch, as it reaches the app. */
static int recv_batch(struct hrx_run *run, struct hrx_conn *c, struct devmem_frag *f,
		      uint64_t *now)
{
	struct tcprx_tsval ts[RECV_FRAGS];
	int n;

	if (!run->opt->latency)
		return tcprx_recv(c->tc, f, RECV_FRAGS);
	n = tcprx_recv_tsval(c->tc, f, ts, RECV_FRAGS);
	if (n > 0) {
		*now = hrx_now_ns();
		latency_record(run, c, f, ts, n, *now);
	}
	return n;
}

static int consume(struct hrx_run *run, struct hrx_conn *c, const struct devmem_frag *f,
		   int n, uint64_t now)
{
	const struct hrx_options *o = run->opt;
	int i;

	if (o->verify)
		devmem_dmabuf_sync_begin(run->port.dmabuf, DEVMEM_SYNC_READ);
	for (i = 0; i < n; i++) {
		if (o->verify)
			verify_frag(run, c, &f[i]);
		c->offset += f[i].frag_size;
		run->tot.bytes += f[i].frag_size;
		if (held_push(c, f[i].frag_token, now) < 0)
			return -ENOMEM;
	}
	if (o->verify)
		devmem_dmabuf_sync_end(run->port.dmabuf, DEVMEM_SYNC_READ);
	if (c->t_first == 0)
		c->t_first = now;
	if (run->t_first_byte == 0) {
		run->t_first_byte = now;
		getrusage(RUSAGE_SELF, &run->ru_first); /* the receiver's CPU is counted from here */
	}
	c->t_last = run->t_last_byte = now;
	if (c->nb_held > run->tot.max_tokens_held)
		run->tot.max_tokens_held = c->nb_held;
	if (c->offset >= c->stall_at) {
		c->stall_at = UINT64_MAX; /* once; --random-app draws the next when it is over */
		c->stall_until = now + (uint64_t)c->stall_ms * 1000000ull;
		run->tot.stalls++;
		if (!o->quiet)
			fprintf(stderr, "%s: conn %u: stalling %u ms at byte %lu: no tokens go back\n",
				HRX_NAME, c->id, c->stall_ms, (unsigned long)c->offset);
	}
	return 0;
}

int hrx_conn_service(struct hrx_run *run, struct hrx_conn *c, uint64_t now)
{
	struct devmem_frag f[RECV_FRAGS];
	int rounds, n = -EAGAIN;

	for (rounds = 0; rounds < 4; rounds++) {
		n = recv_batch(run, c, f, &now);
		if (n <= 0)
			break;
		if (consume(run, c, f, n, now) < 0) {
			run->tot.errors++;
			run->error = -ENOMEM;
			return 1;
		}
		tokens_maybe_return(run, c, now, false);
	}
	if (n == 0)
		return 1;
	if (n == -ECONNRESET) {
		c->reset = true;
		return 1;
	}
	if (n < 0 && n != -EAGAIN && n != -ENOBUFS) {
		fprintf(stderr, "%s: conn %u: tcprx_recv: %s\n", HRX_NAME, c->id, strerror(-n));
		run->tot.errors++;
		if (run->error == 0)
			run->error = n;
		return 1;
	}
	/* Nothing more ready now: what may go back goes back, batch or not. */
	tokens_maybe_return(run, c, now, n < 0);
	c->drained = n == -EAGAIN;
	return 0;
}

bool hrx_conn_wants_service(const struct hrx_conn *c)
{
	return c->nb_held > 0 || !c->drained;
}

bool hrx_conn_due(const struct hrx_conn *c)
{
	return c->due;
}

void hrx_conn_set_due(struct hrx_conn *c, bool due)
{
	c->due = due;
}

uint32_t hrx_conn_live_idx(const struct hrx_conn *c)
{
	return c->live_idx;
}

void hrx_conn_set_live_idx(struct hrx_conn *c, uint32_t idx)
{
	c->live_idx = idx;
}

void hrx_conn_sum_stats(const struct hrx_conn *c, struct tcprx_conn_stats *sum)
{
	struct tcprx_conn_stats s;
	const uint64_t *a = (const uint64_t *)&s;
	uint64_t *b = (uint64_t *)sum;
	size_t i;

	if (c->tc == NULL || tcprx_conn_stats(c->tc, &s) < 0)
		return;
	for (i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
		b[i] += a[i];
}

uint32_t hrx_conn_tokens_held(const struct hrx_conn *c)
{
	return c->nb_held;
}

void hrx_conn_live_info(const struct hrx_conn *c, uint32_t *wnd, uint32_t *chunks)
{
	struct tcprx_conn_info info;

	if (tcprx_conn_info(c->tc, &info) == 0) {
		*wnd += info.rcv_wnd;
		*chunks += info.chunks_held;
	}
}

static void result_add(struct hrx_run *run, const struct hrx_conn *c, uint64_t now)
{
	struct hrx_conn_result *r;

	if (run->nb_results == HRX_RESULTS_MAX) {
		run->results_unlisted++;
		return;
	}
	if (run->nb_results == run->results_cap) {
		uint32_t cap = run->results_cap ? run->results_cap * 2 : 64;
		struct hrx_conn_result *n = realloc(run->results, cap * sizeof(*n));

		if (n == NULL)
			return;
		run->results = n;
		run->results_cap = cap;
	}
	r = &run->results[run->nb_results++];
	memset(r, 0, sizeof(*r));
	r->id = c->id;
	snprintf(r->remote, sizeof(r->remote), "%s", c->remote);
	r->bytes = c->offset;
	r->bytes_verified = c->verified;
	r->verify_errors = c->verify_errors;
	r->seconds = (double)((c->t_last ? c->t_last : now) - c->t_open) / 1e9;
	r->reset = c->reset;
	r->peer_mss = c->agreed.peer_mss;
	r->snd_wscale = c->agreed.snd_wscale;
	r->rcv_wscale = c->agreed.rcv_wscale;
	r->ts_ok = c->agreed.ts_ok;
	r->sack_ok = c->agreed.sack_ok;
	r->cs = c->cs;
}

void hrx_conn_finish(struct hrx_run *run, struct hrx_conn *c)
{
	const uint64_t *a = (const uint64_t *)&c->cs;
	uint64_t *b = (uint64_t *)&run->tot.cs;
	uint64_t now = hrx_now_ns();
	size_t i;
	int ret;

	/* A stream that ended normally hands its last tokens back itself. */
	if (!c->reset && c->nb_held)
		tokens_return(run, c, c->nb_held);
	else
		run->tot.tokens_dropped += c->nb_held; /* tcprx_close releases them */
	memset(&c->cs, 0, sizeof(c->cs));
	tcprx_conn_stats(c->tc, &c->cs);
	for (i = 0; i < sizeof(c->cs) / sizeof(uint64_t); i++)
		b[i] += a[i];
	run->tot.finished++;
	run->tot.resets += c->reset;
	result_add(run, c, now);
	if (!run->opt->quiet)
		fprintf(stderr, "%s: conn %u from %s %s: %lu bytes%s in %.3f s\n", HRX_NAME, c->id,
			c->remote, c->reset ? "reset" : "closed", (unsigned long)c->offset,
			run->opt->verify ? (c->verify_errors ? ", VERIFY FAILED" : ", verified") : "",
			(double)(now - c->t_open) / 1e9);
	ret = tcprx_close(c->tc);
	if (ret < 0) {
		fprintf(stderr, "%s: conn %u: tcprx_close: %s\n", HRX_NAME, c->id, strerror(-ret));
		run->tot.errors++;
	}
	free(c->held);
	free(c);
}
