/* SPDX-License-Identifier: BSD-3-Clause */
/* The benchmark's output: the machine, then ns per in-order segment per connection count. */
#include <inttypes.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "app_common.h"
#include "tcprx_bench.h"

/* issue 14: lib/tcprx per in-order MSS segment (poll + recv/dontneed), and flat in conns */
#define TB_TARGET_NS      60.0
#define TB_FLAT_CONNS     10000u
#define TB_FLAT_TARGET_NS 90.0

static void print_header(const struct tb_run *run)
{
	struct app_machine m;

	app_machine_read(&m);
	printf("hsplit-tcprx-bench: lib/tcprx on one lcore against gen handshake=1 senders, "
	       "%u repetitions of %.2f s, ns per in-order %u-byte segment (median, min-max)\n",
	       run->opt->reps, run->opt->seconds, run->opt->seg_bytes);
	printf("machine: %s, %ld cores online, %s, %s, hugepages %s\n", m.cpu, m.cores, m.kernel,
	       m.dpdk, m.hugepages ? "yes" : "no (--no-huge)");
	printf("lcore %u on cpu %u; net_hsplit split after TCP, payload in a strict memfd dmabuf; "
	       "tcprx_poll(%u)", run->lcore, rte_lcore_to_cpu_id((int)run->lcore), TB_BURST);
	if (run->opt->delack_us)
		printf("; delayed ACKs after %u us", run->opt->delack_us);
	else
		printf("; tcprx's default delayed-ACK bound");
	printf("\n\n");
}

static void cell_line(const char *label, const struct tb_stats *s, bool ns)
{
	printf("  %-40s %9.2f  (%.2f-%.2f)%s\n", label, s->median, s->min, s->max, ns ? " ns" : "");
}

static void print_cell(const struct tb_cell *c)
{
	printf("%u connection%s (rcv_chunks %u, tokens returned %u at a time), handshakes in %"
	       PRIu64 " ms:\n", c->conns, c->conns == 1 ? "" : "s", c->rcv_chunks, c->batch,
	       c->connect_ms);
	if (!c->ran) {
		printf("  FAILED (see stderr)\n\n");
		return;
	}
	cell_line("all of it, per segment, no rdtsc inside", &c->bare_total, true);
	cell_line("all of it, per segment, timed by parts", &c->total, true);
	cell_line("device: gen + PMD receive", &c->device_rx, true);
	cell_line("device: PMD transmit + gen reading ACKs", &c->device_tx, true);
	cell_line("tcprx: poll (input, ACKs, timers)", &c->tcprx_stack, true);
	cell_line("tcprx: app (recv, dontneed, readiness)", &c->tcprx_app, true);
	cell_line("tcprx: both", &c->tcprx_all, true);
	cell_line("frames sent by tcprx per segment", &c->acks_per_seg, false);
	cell_line("goodput, Gbit/s", &c->gbps, false);
	printf("  %" PRIu64 " bytes in %.3f s of timed repetitions, process CPU %.3f s user + "
	       "%.3f s system\n", c->bytes, c->seconds, c->cpu_user_s, c->cpu_sys_s);
	printf("  instrumentation: %.1f segments per poll, rdtsc %.1f ns: about %.1f ns per segment "
	       "spread over the parts\n", c->segs_per_poll, c->rdtsc_ns, c->probe_ns);
	printf("  segments %" PRIu64 "; zero if nothing was dropped: gen retransmitted segments %"
	       PRIu64 " (timeouts %" PRIu64 ", 3 dup ACKs %" PRIu64 "), SYNs again %" PRIu64
	       ", window probes %" PRIu64 ", odd frames %" PRIu64 ", pool-empty drops %" PRIu64
	       ", no-desc drops %" PRIu64 ", malformed %" PRIu64 ", LINEAR %" PRIu64 "\n",
	       c->segs, c->gen_retrans, c->gen_rto, c->gen_fast, c->gen_syn_retrans, c->gen_probes,
	       c->gen_odd, c->pool_empty_drops, c->no_desc_drops, c->tcprx_malformed,
	       c->linear_frags);
	printf("  tcprx: out of order %" PRIu64 ", duplicate %" PRIu64 ", unacceptable %" PRIu64
	       ", zero windows %" PRIu64 ", window updates %" PRIu64 ", chunk overrun %" PRIu64
	       "\n\n", c->segs_ooo, c->segs_dup, c->segs_unacceptable, c->zero_windows,
	       c->window_updates, c->chunk_overrun);
}

/* Issue 14's targets, met or not, for every connection count that ran. */
static void print_targets(const struct tb_run *run)
{
	unsigned int i;

	printf("target (issue 14): tcprx (poll + app) <= %.0f ns per segment:", TB_TARGET_NS);
	for (i = 0; i < run->opt->nb_cells; i++)
		if (run->cells[i].ran)
			printf(" %u conns: %.1f %s;", run->cells[i].conns,
			       run->cells[i].tcprx_all.median,
			       run->cells[i].tcprx_all.median <= TB_TARGET_NS ? "met" : "NOT met");
	printf("\n");
	for (i = 0; i < run->opt->nb_cells; i++)
		if (run->cells[i].ran && run->cells[i].conns == TB_FLAT_CONNS)
			printf("target (issue 14): flat, <= %.0f ns at %u connections: %.1f %s\n",
			       TB_FLAT_TARGET_NS, TB_FLAT_CONNS, run->cells[i].tcprx_all.median,
			       run->cells[i].tcprx_all.median <= TB_FLAT_TARGET_NS ? "met" : "NOT met");
	if (run->opt->polls)
		for (i = 0; i < run->opt->nb_cells; i++)
			printf("segments delivered in tb_loop_for, %u conns: %" PRIu64 "\n",
			       run->cells[i].conns, run->cells[i].loop_segs);
}

void tb_report_table(const struct tb_run *run)
{
	unsigned int i;

	print_header(run);
	for (i = 0; i < run->opt->nb_cells; i++)
		print_cell(&run->cells[i]);
	print_targets(run);
}

static void json_stats(const char *key, const struct tb_stats *s)
{
	printf("\"%s\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", key, s->median, s->min, s->max);
}

static void json_cell(const struct tb_cell *c)
{
	printf("{\"conns\":%u,\"rcv_chunks\":%u,\"batch\":%u,\"ran\":%s,\"connect_ms\":%" PRIu64
	       ",\"segments\":%" PRIu64 ",\"loop_segments\":%" PRIu64 ",\"bytes\":%" PRIu64 ",",
	       c->conns, c->rcv_chunks, c->batch, c->ran ? "true" : "false", c->connect_ms, c->segs,
	       c->loop_segs, c->bytes);
	printf("\"seconds\":%.6f,\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"cpu_s\":%.6f,",
	       c->seconds, c->cpu_user_s, c->cpu_sys_s, c->cpu_user_s + c->cpu_sys_s);
	json_stats("bare_total_ns", &c->bare_total);
	putchar(',');
	json_stats("total_ns", &c->total);
	putchar(',');
	json_stats("device_rx_ns", &c->device_rx);
	putchar(',');
	json_stats("device_tx_ns", &c->device_tx);
	putchar(',');
	json_stats("tcprx_poll_ns", &c->tcprx_stack);
	putchar(',');
	json_stats("tcprx_app_ns", &c->tcprx_app);
	putchar(',');
	json_stats("tcprx_ns", &c->tcprx_all);
	putchar(',');
	json_stats("frames_out_per_seg", &c->acks_per_seg);
	putchar(',');
	json_stats("gbps", &c->gbps);
	printf(",\"segs_per_poll\":%.2f,\"rdtsc_ns\":%.2f,\"instrumentation_ns\":%.2f",
	       c->segs_per_poll, c->rdtsc_ns, c->probe_ns);
	printf(",\"tcprx_ooo\":%" PRIu64 ",\"tcprx_dup\":%" PRIu64 ",\"tcprx_unacceptable\":%"
	       PRIu64 ",\"tcprx_zero_windows\":%" PRIu64 ",\"tcprx_window_updates\":%" PRIu64
	       ",\"tcprx_chunk_overrun\":%" PRIu64, c->segs_ooo, c->segs_dup, c->segs_unacceptable,
	       c->zero_windows, c->window_updates, c->chunk_overrun);
	printf(",\"gen_rto\":%" PRIu64 ",\"gen_fast_retrans\":%" PRIu64 ",\"gen_syn_retrans\":%"
	       PRIu64 ",\"gen_window_probes\":%" PRIu64, c->gen_rto, c->gen_fast,
	       c->gen_syn_retrans, c->gen_probes);
	printf(",\"gen_retransmits\":%" PRIu64 ",\"gen_odd\":%" PRIu64 ",\"pool_empty_drops\":%"
	       PRIu64 ",\"no_desc_drops\":%" PRIu64 ",\"tcprx_malformed\":%" PRIu64
	       ",\"tcprx_csum_drops\":%" PRIu64 ",\"linear_frags\":%" PRIu64 ",\"recv_errors\":%"
	       PRIu64 ",\"bad_token_returns\":%" PRIu64 ",\"resets\":%" PRIu64 "}", c->gen_retrans,
	       c->gen_odd, c->pool_empty_drops, c->no_desc_drops, c->tcprx_malformed, c->tcprx_csum,
	       c->linear_frags, c->recv_errors, c->bad_returns, c->rst);
}

void tb_report_json(const struct tb_run *run)
{
	unsigned int i;

	printf("{\"bench\":\"hsplit-tcprx-bench\",");
	app_json_machine_open();
	printf("},\"lcore\":%u,\"cpu\":%u,\"reps\":%u,\"seconds\":%.3f,\"segment_bytes\":%u,"
	       "\"delack_us\":%u,"
	       "\"target_ns\":%.0f,\"flat_target_ns\":%.0f,\"flat_target_conns\":%u,\"polls\":%u,"
	       "\"errors\":%u,\"cells\":[", run->lcore, rte_lcore_to_cpu_id((int)run->lcore),
	       run->opt->reps, run->opt->seconds, run->opt->seg_bytes, run->opt->delack_us,
	       TB_TARGET_NS, TB_FLAT_TARGET_NS, TB_FLAT_CONNS, run->opt->polls, run->errors);
	for (i = 0; i < run->opt->nb_cells; i++) {
		if (i)
			putchar(',');
		json_cell(&run->cells[i]);
	}
	printf("]}\n");
}
