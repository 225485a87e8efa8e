/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What hsplit-rx says: a progress line per interval (on stderr when --json
 * owns stdout), the final summary, and the same numbers as one JSON object.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_mempool.h>

#include "app_common.h"
#include "hsplit_rx.h"

/* Finished connections' counters plus the live ones' now. */
static void conn_stats_now(const struct hrx_run *run, struct tcprx_conn_stats *cs)
{
	uint32_t i;

	*cs = run->tot.cs;
	for (i = 0; i < run->nb_live; i++)
		hrx_conn_sum_stats(run->live[i], cs);
}

static double gbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 8.0 / (double)ns : 0.0;
}

void hrx_report_tick(struct hrx_run *run, uint64_t now, bool force)
{
	const struct hrx_options *o = run->opt;
	struct tcprx_conn_stats cs;
	uint32_t wnd = 0, chunks = 0, i;
	FILE *out = o->json ? stderr : stdout;

	if (o->quiet || o->interval <= 0)
		return;
	if (!force && (double)(now - run->tick_ns) < o->interval * 1e9)
		return;
	conn_stats_now(run, &cs);
	for (i = 0; i < run->nb_live; i++)
		hrx_conn_live_info(run->live[i], &wnd, &chunks);
	fprintf(out, "[%7.1fs] %6.2f Gbps  conns %u live %" PRIu64 " done  segs %" PRIu64
		" (+%" PRIu64 ")  ooo %" PRIu64 "  dup %" PRIu64 "  zero-win %" PRIu64
		"  window %u KiB  chunks held %u\n",
		(double)(now - run->t_start) / 1e9, gbps(run->tot.bytes - run->tick_bytes,
							 now - run->tick_ns),
		run->nb_live, run->tot.finished, cs.segs_in, cs.segs_in - run->tick_segs,
		cs.segs_ooo, cs.segs_dup, cs.zero_windows, wnd >> 10, chunks);
	fflush(out);
	run->tick_ns = now;
	run->tick_bytes = run->tot.bytes;
	run->tick_segs = cs.segs_in;
}

/*
 * --samples: what must stay bounded however long hsplit-rx runs, as one JSON
 * line per interval (written whole and flushed, so a reader can follow the
 * file): payload chunks held by the live connections and out of the binding,
 * tokens the application holds, mbufs out of each pool, connection slots.
 * At every sample tokens_granted = tokens_returned + tokens_dropped +
 * app_tokens_held.
 */
void hrx_report_sample(struct hrx_run *run, uint64_t now, bool force)
{
	const struct hrx_options *o = run->opt;
	const struct app_port *e = &run->port.eth;
	struct tcprx_conn_stats cs;
	struct tcprx_stats gs = { 0 };
	uint32_t wnd = 0, chunks = 0, tokens = 0, i;

	if (o->samples[0] == '\0' || (!force && (double)(now - run->sample_ns) < o->interval * 1e9))
		return;
	run->sample_ns = now;
	if (run->samples == NULL) {
		run->samples = fopen(o->samples, "w");
		if (run->samples == NULL) {
			fprintf(stderr, "%s: --samples %s: %s\n", HRX_NAME, o->samples, strerror(errno));
			run->error = -errno;
			return;
		}
	}
	conn_stats_now(run, &cs);
	for (i = 0; i < run->nb_live; i++) {
		hrx_conn_live_info(run->live[i], &wnd, &chunks);
		tokens += hrx_conn_tokens_held(run->live[i]);
	}
	if (run->rx != NULL)
		tcprx_stats(run->rx, &gs);
	fprintf(run->samples, "{\"t\":%.3f,\"bytes\":%" PRIu64 ",\"bytes_verified\":%" PRIu64
		",\"verify_errors\":%" PRIu64 ",\"conns_accepted\":%" PRIu64 ",\"conns_ended\":%"
		PRIu64 ",\"conns_reset\":%" PRIu64 ",\"conns_live\":%u,\"tcprx_conns\":%u"
		",\"half_open\":%u,\"window_kib\":%u,\"chunks_held\":%u,\"app_tokens_held\":%u"
		",\"binding_chunks_out\":%u,\"binding_chunks\":%u,\"hdr_mbufs_in_use\":%u"
		",\"pay_mbufs_in_use\":%u,\"tx_mbufs_in_use\":%u,\"tokens_granted\":%" PRIu64
		",\"tokens_returned\":%" PRIu64 ",\"tokens_dropped\":%" PRIu64 ",\"stalls\":%" PRIu64
		",\"errors\":%" PRIu64 ",\"final\":%s}\n",
		(double)(now - run->t_start) / 1e9, run->tot.bytes, run->tot.bytes_verified,
		run->tot.verify_errors, run->tot.accepted, run->tot.finished, run->tot.resets,
		run->nb_live, gs.conns, gs.half_open, wnd >> 10, chunks, tokens,
		devmem_binding_nr_chunks(run->port.binding) - devmem_binding_nr_free(run->port.binding),
		devmem_binding_nr_chunks(run->port.binding), rte_mempool_in_use_count(e->hdr_mp),
		rte_mempool_in_use_count(e->pay_mp), rte_mempool_in_use_count(e->tx_mp),
		cs.tokens_granted, cs.tokens_returned, run->tot.tokens_dropped, run->tot.stalls,
		run->tot.errors, force ? "true" : "false");
	fflush(run->samples);
}

static uint64_t xstat(const struct hrx_run *run, const char *name)
{
	uint32_t i;

	for (i = 0; i < run->nb_xstats; i++)
		if (strcmp(run->xstats[i].name, name) == 0)
			return run->xstats[i].value;
	return 0;
}

static double active_seconds(const struct hrx_run *run)
{
	return run->t_last_byte > run->t_first_byte ?
		(double)(run->t_last_byte - run->t_first_byte) / 1e9 : 0.0;
}

/*
 * The measured interval, for rates and CPU per byte: first payload byte to
 * the exit rule (all --conns ended, --bytes, --seconds or a signal).
 */
static double measured_seconds(const struct hrx_run *run)
{
	return run->t_first_byte && run->t_end > run->t_first_byte ?
		(double)(run->t_end - run->t_first_byte) / 1e9 : 0.0;
}

static double tv_seconds(struct timeval a, struct timeval b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

/* The process's user and system CPU over the measured interval (getrusage). */
static void cpu_seconds(const struct hrx_run *run, double *user, double *sys)
{
	*user = *sys = 0.0;
	if (run->t_first_byte == 0 || run->t_end == 0)
		return;
	*user = tv_seconds(run->ru_first.ru_utime, run->ru_end.ru_utime);
	*sys = tv_seconds(run->ru_first.ru_stime, run->ru_end.ru_stime);
}

static void summary_text(const struct hrx_run *run, double elapsed)
{
	const struct hrx_options *o = run->opt;
	const struct hrx_totals *t = &run->tot;
	const struct tcprx_conn_stats *cs = &t->cs;
	const struct tcprx_stats *g = &run->gs;
	double act = active_seconds(run);

	printf("\n%s summary (%s, stopped by %s after %.2f s)\n", HRX_NAME, o->listen,
	       run->exit_reason ? run->exit_reason : "setup failure", elapsed);
	printf("  %-34s %" PRIu64 " accepted, %" PRIu64 " ended, %" PRIu64 " reset\n",
	       "connections", t->accepted, t->finished, t->resets);
	double sec = measured_seconds(run), user, sys;

	cpu_seconds(run, &user, &sys);
	printf("  %-34s %" PRIu64 " in %.3f s = %.2f Gbps (first to last byte)\n", "bytes received",
	       t->bytes, act, act > 0 ? (double)t->bytes * 8 / act / 1e9 : 0.0);
	printf("  %-34s %.3f s user + %.3f s system in %.3f s (first byte to end)\n",
	       "receiver CPU", user, sys, sec);
	if (o->latency)
		printf("  %-34s %" PRIu64 " messages of %u B: p50 %.1f us, p99 %.1f us, max %.1f us; "
		       "%" PRIu64 " without TSval\n", "one-way latency (sender TSval)",
		       run->latency.count, o->msg, (double)app_hist_percentile(&run->latency, 50) / 1e3,
		       (double)app_hist_percentile(&run->latency, 99) / 1e3,
		       (double)run->latency.max_ns / 1e3, t->latency_no_ts);
	if (o->verify)
		printf("  %-34s %" PRIu64 " bytes, %" PRIu64 " mismatches: %s\n",
		       "verified through the device view", t->bytes_verified, t->verify_errors,
		       t->verify_errors || t->bytes_verified != t->bytes ? "FAIL" : "PASS");
	printf("  %-34s %" PRIu64 " in, %" PRIu64 " out of order, %" PRIu64 " duplicate\n",
	       "segments", cs->segs_in, cs->segs_ooo, cs->segs_dup);
	printf("  %-34s %" PRIu64 " unacceptable, %" PRIu64 " PAWS, %" PRIu64 " ooo-full, "
	       "%" PRIu64 " over budget\n", "dropped by TCP", cs->segs_unacceptable, cs->segs_paws,
	       cs->segs_ooo_full, cs->budget_drops);
	printf("  %-34s %" PRIu64 " reordered within PAWS tolerance, %" PRIu64 " chunk overrun\n",
	       "kept by TCP", cs->paws_reordered, cs->chunk_overrun);
	printf("  %-34s %" PRIu64 " (%" PRIu64 " immediate), %" PRIu64 " window updates\n",
	       "ACKs sent", cs->acks_out, cs->dup_acks_out, cs->window_updates);
	printf("  %-34s %" PRIu64 " zero windows, %" PRIu64 " probes answered, %" PRIu64 " stalls\n",
	       "flow control", cs->zero_windows, cs->window_probes, t->stalls);
	printf("  %-34s %" PRIu64 " granted, %" PRIu64 " returned in %" PRIu64 " calls, "
	       "%" PRIu64 " most held\n", "tokens", cs->tokens_granted, t->tokens_returned,
	       t->dontneed_calls, t->max_tokens_held);
	printf("  %-34s %" PRIu64 " frames in, %" PRIu64 " out, %" PRIu64 " ARP replies, "
	       "%" PRIu64 " RSTs out\n", "tcprx", g->frames_in, g->frames_out, g->arp_replies,
	       g->rst_out);
	printf("  %-34s %" PRIu64 " SYNs, %" PRIu64 " dropped (table full), %" PRIu64
	       " (half-open bound); cookies %" PRIu64 " sent, %" PRIu64 " validated, %" PRIu64
	       " rejected\n", "handshakes", g->syn_in,
	       g->conn_table_full, g->half_open_drops, g->syncookies_sent, g->syncookies_validated,
	       g->syncookies_rejected);
	printf("  %-34s %" PRIu64 " bad, %" PRIu64 " unknown; %" PRIu64 " malformed, %" PRIu64
	       " not ours, %" PRIu64 " other VLAN\n", "checksums (device) / frames", g->csum_bad,
	       g->csum_unknown, g->malformed, g->not_ours, g->other_vlan);
	printf("  %-34s %" PRIu64 " split, %" PRIu64 " LINEAR, %" PRIu64 " payload bytes in dmabuf\n",
	       "net_hsplit queue 0", xstat(run, "rx_q0_split_packets"),
	       xstat(run, "rx_q0_linear_packets"), xstat(run, "rx_q0_devmem_payload_bytes"));
	printf("  %-34s %" PRIu64 " no descriptor, %" PRIu64 " pool empty, %" PRIu64 " mbuf alloc\n",
	       "net_hsplit drops", xstat(run, "rx_q0_no_desc_drops"),
	       xstat(run, "rx_q0_payload_pool_empty_drops"), xstat(run, "rx_q0_mbuf_alloc_failures"));
	printf("  %-34s %s\n", "teardown (mbufs, chunks home)", run->teardown_ok ? "clean" : "LEAK");
}

static void json_conn_stats(const struct tcprx_conn_stats *s)
{
	printf("\"segs_in\":%" PRIu64 ",\"bytes_in_order\":%" PRIu64 ",\"bytes_delivered\":%" PRIu64
	       ",\"segs_ooo\":%" PRIu64 ",\"segs_dup\":%" PRIu64 ",\"segs_unacceptable\":%" PRIu64
	       ",\"segs_paws\":%" PRIu64 ",\"paws_reordered\":%" PRIu64 ",\"segs_ooo_full\":%" PRIu64
	       ",\"acks_out\":%" PRIu64 ",\"dup_acks_out\":%" PRIu64 ",\"challenge_acks\":%" PRIu64
	       ",\"acks_rate_limited\":%" PRIu64 ",\"window_probes\":%" PRIu64
	       ",\"window_updates\":%" PRIu64 ",\"zero_windows\":%" PRIu64 ",\"chunk_overrun\":%" PRIu64
	       ",\"budget_drops\":%" PRIu64 ",\"tokens_granted\":%" PRIu64
	       ",\"tokens_returned\":%" PRIu64 ",\"token_bad_returns\":%" PRIu64,
	       s->segs_in, s->bytes_in_order, s->bytes_delivered, s->segs_ooo, s->segs_dup,
	       s->segs_unacceptable, s->segs_paws, s->paws_reordered, s->segs_ooo_full, s->acks_out,
	       s->dup_acks_out, s->challenge_acks, s->acks_rate_limited, s->window_probes,
	       s->window_updates, s->zero_windows, s->chunk_overrun, s->budget_drops,
	       s->tokens_granted, s->tokens_returned, s->token_bad_returns);
}

static void json_tcprx(const struct tcprx_stats *g)
{
	printf("\"frames_in\":%" PRIu64 ",\"frames_out\":%" PRIu64 ",\"tx_drops\":%" PRIu64
	       ",\"arp_replies\":%" PRIu64 ",\"nd_replies\":%" PRIu64 ",\"not_ours\":%" PRIu64
	       ",\"other_vlan\":%" PRIu64
	       ",\"malformed\":%" PRIu64 ",\"bad_options\":%" PRIu64 ",\"ip_fragments\":%" PRIu64
	       ",\"csum_bad\":%" PRIu64 ",\"csum_unknown\":%" PRIu64 ",\"csum_sw_bad\":%" PRIu64
	       ",\"rst_out\":%" PRIu64 ",\"rst_in\":%" PRIu64 ",\"rst_ignored\":%" PRIu64
	       ",\"syn_in\":%" PRIu64 ",\"synack_out\":%" PRIu64 ",\"synack_retrans\":%" PRIu64
	       ",\"half_open_drops\":%" PRIu64 ",\"backlog_drops\":%" PRIu64
	       ",\"conn_table_full\":%" PRIu64 ",\"syncookies_sent\":%" PRIu64
	       ",\"syncookies_validated\":%" PRIu64 ",\"syncookies_rejected\":%" PRIu64
	       ",\"half_open_timeouts\":%" PRIu64
	       ",\"established\":%" PRIu64 ",\"time_wait_segs\":%" PRIu64 ",\"closed\":%" PRIu64,
	       g->frames_in, g->frames_out, g->tx_drops, g->arp_replies, g->nd_replies, g->not_ours,
	       g->other_vlan, g->malformed, g->bad_options, g->ip_fragments, g->csum_bad, g->csum_unknown,
	       g->csum_sw_bad, g->rst_out, g->rst_in, g->rst_ignored, g->syn_in, g->synack_out,
	       g->synack_retrans, g->half_open_drops, g->backlog_drops, g->conn_table_full,
	       g->syncookies_sent, g->syncookies_validated, g->syncookies_rejected,
	       g->half_open_timeouts, g->established, g->time_wait_segs, g->closed);
}

static void summary_json(const struct hrx_run *run, double elapsed)
{
	const struct hrx_options *o = run->opt;
	const struct hrx_totals *t = &run->tot;
	double act = active_seconds(run), sec = measured_seconds(run), user, sys;
	uint32_t i;

	cpu_seconds(run, &user, &sys);
	printf("{\"listen\":");
	app_json_string(o->listen);
	printf(",\"port\":");
	app_json_string(run->port_name);
	printf(",\"mtu\":%u", run->port_mtu);
	printf(",\"exit_reason\":");
	app_json_string(run->exit_reason ? run->exit_reason : "setup");
	printf(",\"seconds\":%.6f,\"elapsed_seconds\":%.6f,\"active_seconds\":%.6f,\"gbps\":%.4f",
	       sec, elapsed, act, sec > 0 ? (double)t->bytes * 8 / sec / 1e9 : 0.0);
	printf(",\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"cpu_s\":%.6f", user, sys, user + sys);
	if (o->latency) {
		printf(",\"msg_bytes\":%u,\"latency_no_ts\":%" PRIu64 ",\"latency\":", o->msg,
		       t->latency_no_ts);
		app_hist_json(stdout, &run->latency);
	}
	printf(",\"conns_accepted\":%" PRIu64 ",\"conns_ended\":%" PRIu64 ",\"conns_reset\":%" PRIu64
	       ",\"errors\":%" PRIu64, t->accepted, t->finished, t->resets, t->errors);
	printf(",\"bytes\":%" PRIu64 ",\"verify\":%s,\"bytes_verified\":%" PRIu64
	       ",\"verify_errors\":%" PRIu64, t->bytes, o->verify ? "true" : "false",
	       t->bytes_verified, t->verify_errors);
	printf(",\"tokens_returned_by_app\":%" PRIu64 ",\"dontneed_calls\":%" PRIu64
	       ",\"max_tokens_held\":%" PRIu64 ",\"stalls\":%" PRIu64, t->tokens_returned,
	       t->dontneed_calls, t->max_tokens_held, t->stalls);
	printf(",\"tokens_dropped_at_reset\":%" PRIu64, t->tokens_dropped);
	printf(",\"teardown_clean\":%s", run->teardown_ok ? "true" : "false");
	printf(",\"tcp\":{");
	json_conn_stats(&t->cs);
	printf("},\"tcprx\":{");
	json_tcprx(&run->gs);
	printf("},\"xstats\":{");
	for (i = 0; i < run->nb_xstats; i++) {
		printf(i ? "," : "");
		app_json_string(run->xstats[i].name);
		printf(":%" PRIu64, run->xstats[i].value);
	}
	printf("},\"conns_unlisted\":%" PRIu64 ",\"conns\":[", run->results_unlisted);
	for (i = 0; i < run->nb_results; i++) {
		const struct hrx_conn_result *r = &run->results[i];

		printf("%s{\"id\":%u,\"remote\":", i ? "," : "", r->id);
		app_json_string(r->remote);
		printf(",\"bytes\":%" PRIu64 ",\"bytes_verified\":%" PRIu64 ",\"verify_errors\":%" PRIu64
		       ",\"seconds\":%.6f,\"reset\":%s,", r->bytes, r->bytes_verified, r->verify_errors,
		       r->seconds, r->reset ? "true" : "false");
		printf("\"peer_mss\":%u,\"ts\":%s,\"sack\":%s,\"peer_wscale\":%u,\"our_wscale\":%u,",
		       r->peer_mss, r->ts_ok ? "true" : "false", r->sack_ok ? "true" : "false",
		       r->snd_wscale, r->rcv_wscale);
		json_conn_stats(&r->cs);
		printf("}");
	}
	printf("]}\n");
}

void hrx_report_final(struct hrx_run *run, uint64_t now)
{
	double elapsed = (double)(now - run->t_start) / 1e9;

	if (run->opt->json)
		summary_json(run, elapsed);
	else
		summary_text(run, elapsed);
	fflush(stdout);
}
