/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=pcap: frames from a capture file, frames out to a capture file.
 *
 * Receive replays rx_pcap as fast as it is polled (timestamps are ignored).
 * libpcap reuses its buffer on every read, so each frame is copied into a
 * slot of a ring the backend owns; a slot is reused only after rx_done, which
 * keeps frame pointers valid for as long as the contract promises. With
 * loop=1 the reader seeks back to the first record at end of file.
 *
 * Transmit appends every frame to tx_pcap; the file is flushed on stop and
 * close. Without tx_pcap frames are accepted and dropped, so a sender never
 * spins on a port that has nowhere to send.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <limits.h>

#include <rte_common.h>

#include "hsplit_backends.h"
#include "hsplit_log.h"

struct pcap_conf {
	char rx_pcap[PATH_MAX];             /* rx_pcap=<file>: frames to receive */
	char tx_pcap[PATH_MAX];             /* tx_pcap=<file>: where sent frames go */
	bool pcap_loop;                     /* loop=1: replay rx_pcap forever */
};

/* Frames one port may hold between rx_burst and rx_done. */
#define PCAP_RX_SLOTS 64u

struct pcap_backend {
	struct hsplit_backend be;
	pcap_t *rx;
	long rx_first_record;    /* file offset of the first record, for loop=1 */
	bool loop;
	bool rx_eof;
	unsigned int slot_head;  /* oldest slot not yet returned by rx_done */
	unsigned int slots_out;  /* slots handed out and not yet returned */
	uint8_t *slots;          /* PCAP_RX_SLOTS x HSPLIT_MAX_FRAME */
	pcap_t *tx_dead;         /* a pcap_t with no device, for the dumper */
	pcap_dumper_t *tx;
	uint64_t rx_oversize;
};

static struct pcap_backend *to_pcap(struct hsplit_backend *be)
{
	return (struct pcap_backend *)be;
}

static int open_rx(struct pcap_backend *pb, const struct pcap_conf *args)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	const char *port = pb->be.port_name, *file = args->rx_pcap;
	struct stat st;

	/* libpcap only says why in text; stat() gives the errno. */
	if (stat(file, &st) < 0) {
		int err = errno;

		HSPLIT_LOG(ERR, "%s: rx_pcap=%s: %s", port, file, strerror(err));
		return -err;
	}
	pb->rx = pcap_open_offline(file, errbuf);
	if (pb->rx == NULL) {
		HSPLIT_LOG(ERR, "%s: rx_pcap=%s: %s", port, file, errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(pb->rx) != DLT_EN10MB) {
		HSPLIT_LOG(ERR, "%s: rx_pcap=%s: link type %s, need Ethernet (EN10MB)", port, file,
			   pcap_datalink_val_to_name(pcap_datalink(pb->rx)));
		return -EINVAL;
	}
	pb->rx_first_record = ftell(pcap_file(pb->rx));
	pb->loop = args->pcap_loop;
	pb->slots = malloc((size_t)PCAP_RX_SLOTS * HSPLIT_MAX_FRAME);
	return pb->slots == NULL ? -ENOMEM : 0;
}

static int open_tx(struct pcap_backend *pb, const struct pcap_conf *args)
{
	const char *port = pb->be.port_name, *file = args->tx_pcap;

	pb->tx_dead = pcap_open_dead(DLT_EN10MB, HSPLIT_MAX_FRAME);
	if (pb->tx_dead == NULL)
		return -ENOMEM;
	errno = 0;
	pb->tx = pcap_dump_open(pb->tx_dead, file);
	if (pb->tx == NULL) {
		int err = errno != 0 ? errno : EIO;

		HSPLIT_LOG(ERR, "%s: tx_pcap=%s: %s", port, file, pcap_geterr(pb->tx_dead));
		return -err;
	}
	return 0;
}

static void pcap_be_close(struct hsplit_backend *be)
{
	struct pcap_backend *pb = to_pcap(be);

	if (pb->tx) {
		if (pcap_dump_flush(pb->tx) < 0)
			HSPLIT_LOG(ERR, "%s: tx_pcap: flushing failed; the file is incomplete",
				   pb->be.port_name);
		pcap_dump_close(pb->tx);
	}
	if (pb->tx_dead)
		pcap_close(pb->tx_dead);
	if (pb->rx)
		pcap_close(pb->rx);
	free(pb->slots);
	free(pb);
}

static int on_rx_pcap(const char *v, void *c)
{
	struct pcap_conf *conf = c;

	return hsplit_arg_string(v, conf->rx_pcap, sizeof(conf->rx_pcap));
}

static int on_tx_pcap(const char *v, void *c)
{
	struct pcap_conf *conf = c;

	return hsplit_arg_string(v, conf->tx_pcap, sizeof(conf->tx_pcap));
}

static int on_loop(const char *v, void *c)
{
	return hsplit_arg_bool(v, &((struct pcap_conf *)c)->pcap_loop);
}

static const struct hsplit_backend_arg pcap_args[] = {
	{ "rx_pcap", on_rx_pcap, "a file path" },
	{ "tx_pcap", on_tx_pcap, "a file path" },
	{ "loop", on_loop, "0 or 1" },
};

static const char *const pcap_keys[] = { "rx_pcap", "tx_pcap", "loop", NULL };

static int pcap_args_check(const struct hsplit_backend_params *params)
{
	struct pcap_conf conf;

	memset(&conf, 0, sizeof(conf));
	return hsplit_backend_args_parse(params, &hsplit_backend_pcap_ops, pcap_args,
					 RTE_DIM(pcap_args), &conf);
}

static int pcap_be_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	const char *port_name = params->port_name;
	struct pcap_conf conf, *args = &conf;
	struct pcap_backend *pb;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = hsplit_backend_args_parse(params, &hsplit_backend_pcap_ops, pcap_args,
					RTE_DIM(pcap_args), &conf);
	if (ret < 0)
		return ret;
	if (conf.rx_pcap[0] == '\0' && conf.tx_pcap[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=pcap needs rx_pcap=<file> and/or tx_pcap=<file>",
			   port_name);
		return -EINVAL;
	}
	pb = calloc(1, sizeof(*pb));
	if (pb == NULL)
		return -ENOMEM;
	pb->be.ops = &hsplit_backend_pcap_ops;
	pb->be.wire_padded = true;   /* a capture replays a wire: short frames are runts */
	snprintf(pb->be.port_name, sizeof(pb->be.port_name), "%s", port_name);
	if (args->rx_pcap[0] != '\0')
		ret = open_rx(pb, args);
	if (ret == 0 && args->tx_pcap[0] != '\0')
		ret = open_tx(pb, args);
	if (ret < 0) {
		pcap_be_close(&pb->be);
		return ret;
	}
	*out = &pb->be;
	return 0;
}

static void pcap_be_stop(struct hsplit_backend *be)
{
	struct pcap_backend *pb = to_pcap(be);

	if (pb->tx)
		pcap_dump_flush(pb->tx);
}

/* Back to the first record; false if that is impossible. */
static bool rewind_rx(struct pcap_backend *pb)
{
	if (pb->rx_first_record < 0 ||
	    fseek(pcap_file(pb->rx), pb->rx_first_record, SEEK_SET) != 0) {
		HSPLIT_LOG(ERR, "%s: rx_pcap: cannot seek back for loop=1; stopping at end of file",
			   pb->be.port_name);
		return false;
	}
	return true;
}

/* The next record: 1 read, 0 end of file, -1 unreadable. */
static int next_record(struct pcap_backend *pb, struct pcap_pkthdr **hdr, const u_char **data)
{
	int ret = pcap_next_ex(pb->rx, hdr, data);

	if (ret == 1)
		return 1;
	if (ret == PCAP_ERROR) {
		HSPLIT_LOG(ERR, "%s: rx_pcap: %s; stopping", pb->be.port_name, pcap_geterr(pb->rx));
		return -1;
	}
	return 0;
}

static int pcap_be_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames,
			    unsigned int n)
{
	struct pcap_backend *pb = to_pcap(be);
	unsigned int got = 0;
	bool rewound = false;

	if (pb->rx == NULL)
		return 0;
	while (got < n && pb->slots_out < PCAP_RX_SLOTS && !pb->rx_eof) {
		struct pcap_pkthdr *hdr;
		const u_char *data;
		uint8_t *slot;
		int ret = next_record(pb, &hdr, &data);

		if (ret == 0 && pb->loop && !rewound && rewind_rx(pb)) {
			rewound = true; /* once per burst: an empty file must not spin */
			continue;
		}
		if (ret <= 0) {
			pb->rx_eof = !pb->loop || ret < 0;
			break;
		}
		if (hdr->caplen > HSPLIT_MAX_FRAME) {
			pb->rx_oversize++;
			continue;
		}
		slot = pb->slots + (size_t)((pb->slot_head + pb->slots_out) % PCAP_RX_SLOTS) *
					   HSPLIT_MAX_FRAME;
		memcpy(slot, data, hdr->caplen);
		frames[got].data = slot;
		frames[got].len = hdr->caplen;
		pb->slots_out++;
		got++;
	}
	return (int)got;
}

static void pcap_be_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct pcap_backend *pb = to_pcap(be);

	if (count > pb->slots_out)
		count = pb->slots_out;
	pb->slot_head = (pb->slot_head + count) % PCAP_RX_SLOTS;
	pb->slots_out -= count;
}

static int pcap_be_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
			    unsigned int n)
{
	struct pcap_backend *pb = to_pcap(be);
	struct pcap_pkthdr hdr;
	unsigned int i;

	if (pb->tx == NULL)
		return (int)n; /* nowhere to write: accepted and dropped */
	gettimeofday(&hdr.ts, NULL);
	for (i = 0; i < n; i++) {
		/* Readers reject records longer than the file's snapshot length. */
		hdr.caplen = frames[i].len < HSPLIT_MAX_FRAME ? frames[i].len : HSPLIT_MAX_FRAME;
		hdr.len = frames[i].len;
		pcap_dump((u_char *)pb->tx, &hdr, frames[i].data);
	}
	return (int)n;
}

static bool pcap_be_link_up(struct hsplit_backend *be)
{
	(void)be;
	return true;
}

static int pcap_xstats_get(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			   unsigned int n)
{
	if (n >= 1) {
		snprintf(xs[0].name, sizeof(xs[0].name), "pcap_rx_oversize");
		xs[0].value = to_pcap(be)->rx_oversize;
	}
	return 1;
}


const struct hsplit_backend_ops hsplit_backend_pcap_ops = {
	.name = "pcap",
	.keys = pcap_keys,
	.args_check = pcap_args_check,
	.xstats_get = pcap_xstats_get,
	.open = pcap_be_open,
	.close = pcap_be_close,
	.stop = pcap_be_stop,
	.rx_burst = pcap_be_rx_burst,
	.rx_done = pcap_be_rx_done,
	.tx_burst = pcap_be_tx_burst,
	.link_up = pcap_be_link_up,
};
