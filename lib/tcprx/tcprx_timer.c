/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers. A pure receiver needs few: the delayed ACK (RFC 9293 MUST-40: at
 * most 500 ms; we default to 1 ms, a poll-mode stack can afford it), SYN-ACK
 * retransmission in SYN-RECEIVED, FIN retransmission in LAST-ACK, and the
 * end of TIME-WAIT. Delayed ACKs all have the same delay, so their queue
 * (tcprx_fifo.c) is in deadline order and only its head is looked at; the
 * other lists are bounded (half-open) or short (lingering) and are scanned
 * once a millisecond.
 */
#include "tcprx_private.h"

uint64_t tcprx_now_ms(const struct tcprx *rx)
{
	return rx->now / 1000000;
}

void tcprx_delack_arm(struct tcprx_conn *c)
{
	if (c->on_delack)
		return;
	c->delack_due = c->rx->now + (uint64_t)c->rx->cfg.delack_us * 1000;
	tcprx_fifo_push(&c->rx->delack, c);
	c->on_delack = true;
}

void tcprx_delack_cancel(struct tcprx_conn *c)
{
	if (!c->on_delack)
		return;
	tcprx_fifo_remove(&c->rx->delack, c);
	c->on_delack = false;
}

/*
 * The ACKs due, oldest first. Their connections were last touched a delay
 * ago, so their lines are fetched two ACKs ahead of building theirs.
 */
static void delack_expire(struct tcprx *rx)
{
	struct tcprx_conn *c;

	while ((c = tcprx_fifo_first(&rx->delack)) != NULL && c->delack_due <= rx->now) {
		tcprx_fifo_pop(&rx->delack);
		c->on_delack = false;
		tcprx_conn_prefetch_ack(tcprx_fifo_second(&rx->delack));
		tcprx_send_ack(c);
	}
}

/* RFC 6298 §5.5 style backoff: rto, 2 rto, 4 rto... */
static uint64_t backoff_ns(const struct tcprx *rx, uint8_t retries)
{
	return ((uint64_t)rx->cfg.synack_rto_ms * 1000000) << RTE_MIN(retries, 16);
}

/* SYN-RECEIVED: resend the SYN-ACK on timeout; give up after synack_retries. */
static void half_open_expire(struct tcprx *rx)
{
	struct tcprx_conn *c, *next;

	for (c = TAILQ_FIRST(&rx->half_open); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->timer_due > rx->now)
			continue;
		if (c->retries >= rx->cfg.synack_retries) {
			rx->st.half_open_timeouts++;
			tcprx_conn_free(c);
			continue;
		}
		c->retries++;
		c->timer_due = rx->now + backoff_ns(rx, c->retries);
		rx->st.synack_retrans++;
		tcprx_send_synack(c);
	}
}

/* LAST-ACK: resend our FIN; TIME-WAIT: forget the connection when it ends. */
static void linger_expire(struct tcprx *rx)
{
	struct tcprx_conn *c, *next;

	for (c = TAILQ_FIRST(&rx->linger); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->timer_due > rx->now)
			continue;
		if (c->state == TCPRX_TIME_WAIT || c->retries >= rx->cfg.synack_retries) {
			tcprx_conn_free(c);
			continue;
		}
		c->retries++;
		c->timer_due = rx->now + backoff_ns(rx, c->retries);
		c->snd_nxt--; /* the FIN is sent again with its own sequence number */
		tcprx_send_fin(c);
		c->snd_nxt++;
	}
}

/* Everything due at rx->now; the caller has read the clock and flushes. */
void tcprx_run_timers(struct tcprx *rx)
{
	delack_expire(rx);
	tcprx_window_updates(rx);
	if (rx->now >= rx->next_slow_tick) {
		rx->next_slow_tick = rx->now + TCPRX_SLOW_TICK_NS;
		half_open_expire(rx);
		linger_expire(rx);
	}
}

void tcprx_timers(struct tcprx *rx)
{
	if (rx == NULL)
		return;
	rx->now = rx->cfg.clock(rx->cfg.clock_arg);
	tcprx_run_timers(rx);
	tcprx_tx_flush(rx);
}
