/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv's reading: what every design does with the bytes it got
 * (verify, latency stamps), plain recv(), and Linux TCP receive zero-copy
 * (TCP_ZEROCOPY_RECEIVE: the kernel maps whole page-aligned payload pages
 * into a PROT_READ mapping of the socket, copies what it cannot map into
 * our copy buffer in the same call when little is queued, and tells us how
 * many bytes to recv() before the next mappable page).
 */
#include "hsb_krecv.h"
#include "hsb_proto.h"

#include <endian.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#ifndef IP_MTU
#define IP_MTU 14
#endif

void krecv_first_byte(struct krecv *k, uint64_t now_ns)
{
	if (k->st.t_first_ns)
		return;
	k->st.t_first_ns = now_ns;
	getrusage(RUSAGE_SELF, &k->st.ru_first);
}

int krecv_note_read(struct krecv *k, struct krecv_conn *c, ssize_t n, uint64_t now_ns)
{
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	k->st.reads++;
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	krecv_first_byte(k, now_ns);
	return 1;
}

void krecv_last_eof(struct krecv *k)
{
	k->st.t_last_eof_ns = hsb_now_ns();
	getrusage(RUSAGE_SELF, &k->st.ru_last);
	krecv_napi_sample(&k->st.napi_last);
}

static void stamp_complete(struct krecv *k, const uint8_t *raw, uint64_t now_ns)
{
	struct hsb_stamp st;
	uint64_t sent;

	memcpy(&st, raw, sizeof(st));
	k->st.messages++;
	if (le32toh(st.magic) != HSB_STAMP_MAGIC) {
		k->st.bad_stamps++;
		return;
	}
	sent = le64toh(st.send_ns);
	/* one CLOCK_MONOTONIC across namespaces: never negative, but never trust it */
	app_hist_add(&k->st.latency, now_ns > sent ? now_ns - sent : 0);
}

/*
 * Collect the stamp bytes of every message that starts or continues in
 * [off, off + len); a stamp split over two reads completes in the second.
 */
static void scan_stamps(struct krecv *k, struct krecv_conn *c, const uint8_t *data, size_t len,
			uint64_t now_ns)
{
	const uint64_t msg = k->o->msg, hdr = sizeof(struct hsb_stamp);
	uint64_t pos = c->off, end = c->off + len;

	while (pos < end) {
		uint64_t in_msg = pos % msg, n;

		if (in_msg >= hdr) {
			pos += msg - in_msg; /* to the next message start */
			continue;
		}
		n = hdr - in_msg < end - pos ? hdr - in_msg : end - pos;
		memcpy(c->stamp + in_msg, data + (pos - c->off), n);
		pos += n;
		if (in_msg + n == hdr)
			stamp_complete(k, c->stamp, now_ns);
	}
}

void krecv_consume(struct krecv *k, struct krecv_conn *c, const uint8_t *data, size_t len,
		   uint64_t now_ns)
{
	if (k->o->verify)
		k->st.verify_errors += hsb_pattern_mismatches(&k->pat, data, len, c->off);
	if (k->o->latency)
		scan_stamps(k, c, data, len, now_ns);
	c->off += len;
	k->st.bytes += len;
}

/* One recv() of up to `want` bytes; sets eof; 0 or -errno. */
static int read_once(struct krecv *k, struct krecv_conn *c, size_t want, uint64_t *got)
{
	ssize_t n = recv(c->fd, k->buf, want, MSG_DONTWAIT);
	uint64_t now = hsb_now_ns();
	int rc = krecv_note_read(k, c, n, now);

	*got = 0;
	if (rc <= 0)
		return rc;
	krecv_consume(k, c, k->buf, (size_t)n, now);
	*got = (uint64_t)n;
	return 0;
}

int krecv_read_plain(struct krecv *k, struct krecv_conn *c)
{
	uint64_t got;

	return read_once(k, c, k->o->buf, &got);
}

/* ---- TCP receive zero-copy ---- */

void krecv_zc_attach(struct krecv *k, struct krecv_conn *c)
{
	socklen_t len = sizeof(int);

	if (!k->st.path_mtu) {
		getsockopt(c->fd, IPPROTO_IP, IP_MTU, &k->st.path_mtu, &len);
		len = sizeof(int);
		getsockopt(c->fd, IPPROTO_TCP, TCP_MAXSEG, &k->st.mss, &len);
	}
	if (!k->st.zc_supported)
		return;
	c->map = mmap(NULL, k->map_len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED) {
		int err = errno;

		c->map = NULL;
		k->st.zc_supported = false;
		snprintf(k->st.zc_reason, sizeof(k->st.zc_reason),
			 "not supported here: mmap of the TCP socket: %s (errno %d)", strerror(err),
			 err);
		hsb_log("zerocopy: %s; reading with recv() instead", k->st.zc_reason);
	}
}

void krecv_zc_detach(struct krecv *k, struct krecv_conn *c)
{
	if (c->map)
		munmap(c->map, k->map_len);
	c->map = NULL;
}

/* Read every mapped page: the app must really look at the payload. */
static void touch_pages(const struct krecv *k, const uint8_t *p, size_t len)
{
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < len; i += (size_t)k->page)
		sink ^= p[i];
	(void)sink;
}

static void consume_mapped(struct krecv *k, struct krecv_conn *c, size_t len, uint64_t now)
{
	if (!k->o->verify && !k->o->latency)
		touch_pages(k, c->map, len);
	krecv_consume(k, c, c->map, len, now);
	k->st.mapped += len;
	/* done with these pages: give them back to the socket now */
	madvise(c->map, (len + (size_t)k->page - 1) & ~((size_t)k->page - 1), MADV_DONTNEED);
}

static void zc_give_up(struct krecv *k, int err)
{
	k->st.zc_supported = false;
	snprintf(k->st.zc_reason, sizeof(k->st.zc_reason),
		 "not supported here: getsockopt(TCP_ZEROCOPY_RECEIVE): %s (errno %d)",
		 strerror(err), err);
	hsb_log("zerocopy: %s; reading with recv() instead", k->st.zc_reason);
}

/* recv() of up to `want` bytes, counted as recv'd (not mapped, not copied). */
static int zc_recv(struct krecv *k, struct krecv_conn *c, size_t want)
{
	uint64_t got;
	int rc = read_once(k, c, want, &got);

	k->st.recvd += got;
	return rc;
}

int krecv_read_zerocopy(struct krecv *k, struct krecv_conn *c)
{
	struct tcp_zerocopy_receive zc;
	socklen_t zlen = sizeof(zc);
	size_t buflen = (size_t)k->o->buf;
	uint64_t now;

	if (!k->st.zc_supported || !c->map)
		return zc_recv(k, c, buflen);
	memset(&zc, 0, sizeof(zc));
	zc.address = (uintptr_t)c->map;
	zc.length = (uint32_t)k->map_len;
	zc.copybuf_address = (uintptr_t)k->buf;
	/*
	 * Less than a page: the kernel copies everything queued when it all
	 * fits the copy buffer (inq <= copybuf_len), so a buffer of --buf
	 * bytes would turn every call into a copy. Under a page it only takes
	 * what could never be mapped: short queues and stragglers.
	 */
	zc.copybuf_len = (int32_t)(buflen < (size_t)k->page ? buflen : (size_t)k->page - 1);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &zlen) < 0) {
		/* EIO: nothing queued and the peer is done: recv() sees the EOF */
		if (errno != EIO && errno != EAGAIN && errno != EINTR)
			zc_give_up(k, errno);
		return zc_recv(k, c, buflen);
	}
	now = hsb_now_ns();
	k->st.reads++;
	k->st.zc_calls++;
	if (zc.err)
		return zc.err < 0 ? zc.err : -zc.err;
	if (zc.length || zc.copybuf_len > 0)
		krecv_first_byte(k, now);
	if (zc.length)
		consume_mapped(k, c, zc.length, now);
	if (zc.copybuf_len > 0) {
		krecv_consume(k, c, k->buf, (size_t)zc.copybuf_len, now);
		k->st.copied += (uint64_t)zc.copybuf_len;
	}
	/* the unmappable bytes before the next page, or nothing mappable at all */
	if (zc.recv_skip_hint)
		return zc_recv(k, c, zc.recv_skip_hint < buflen ? zc.recv_skip_hint : buflen);
	if (!zc.length && zc.copybuf_len <= 0)
		return zc_recv(k, c, buflen); /* nothing came: EOF or spurious wakeup */
	return 0;
}

void krecv_zc_note(const struct krecv *k, char *note, size_t len)
{
	const struct krecv_stats *st = &k->st;

	if (!st->zc_supported) {
		snprintf(note, len, "NOT zero-copy: %s; the %" PRIu64 " bytes were read with "
			 "recv() (%" PRIu64 " mapped, %" PRIu64 " copied by the kernel before that)",
			 st->zc_reason, st->bytes, st->mapped, st->copied);
		return;
	}
	if (st->mapped == 0) {
		/* the kernel maps a frag only if it is one whole order-0 page that is
		 * not page cache (since 6.8); over veth the skbs carry the sender's
		 * own pages: compound page frags from send(), page cache from sendfile */
		snprintf(note, len, "mapped 0 of %" PRIu64 " bytes: no payload arrived as a whole "
			 "order-0, non-page-cache page (path MTU %d, MSS %d; on veth the sender's "
			 "compound or page-cache pages come through, which the kernel never maps), "
			 "so the kernel copied %" PRIu64 " bytes into the copy buffer and recv() "
			 "read %" PRIu64, st->bytes, st->path_mtu, st->mss, st->copied, st->recvd);
		return;
	}
	snprintf(note, len, "mapped %" PRIu64 " of %" PRIu64 " bytes (%.1f%%; path MTU %d, MSS %d);"
		 " the kernel copied %" PRIu64 " into the copy buffer and recv() read %" PRIu64,
		 st->mapped, st->bytes, 100.0 * (double)st->mapped / (double)st->bytes,
		 st->path_mtu, st->mss, st->copied, st->recvd);
}
