/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK glue: chunks attached to mbufs, tokens for mbuf segments, and the
 * pinned-extbuf pool over a binding.
 */
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_common.h"

static struct rte_mempool *mbufs;

static void test_attach_and_free_recycles(void **state)
{
	struct devmem_pool_stats st;
	struct test_rig rig;
	struct rte_mbuf *m[3], *clone;
	devmem_ref ref;
	uint32_t off[3];
	int i;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	for (i = 0; i < 3; i++) {
		m[i] = rte_pktmbuf_alloc(mbufs);
		ref = devmem_pool_alloc_frag(rig.pool, 1448, &off[i]);
		assert_int_equal(devmem_mbuf_attach(m[i], ref, off[i], 1448), 0);
		assert_int_equal(devmem_mbuf_ref(m[i]), ref);
		/* buf_iova is the dmabuf offset of the fragment; the data is never read. */
		assert_int_equal(rte_pktmbuf_iova(m[i]), devmem_ref_offset(ref) + off[i]);
		assert_int_equal(rte_pktmbuf_pkt_len(m[i]), 1448);
		assert_true(RTE_MBUF_HAS_EXTBUF(m[i]));
	}
	devmem_pool_frag_flush(rig.pool);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2); /* two chunks: 2 frags + 1 frag */

	clone = rte_pktmbuf_clone(m[0], mbufs);
	assert_non_null(clone);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2); /* the clone still holds the first chunk */
	rte_pktmbuf_free(clone);
	rte_pktmbuf_free(m[2]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 0);
	assert_accounting(&rig);
	assert_int_equal(rte_mempool_in_use_count(mbufs), 0);
	test_rig_down(&rig);
}

static void test_attach_rejects_bad_ranges(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mbufs);
	struct test_rig rig;
	devmem_ref ref;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	ref = devmem_pool_alloc(rig.pool);
	assert_int_equal(devmem_mbuf_attach(m, ref, 4000, 200), -EINVAL);
	assert_int_equal(devmem_mbuf_attach(m, ref, 0, 0), -EINVAL);
	assert_int_equal(devmem_mbuf_attach(NULL, ref, 0, 10), -EINVAL);
	assert_int_equal(devmem_mbuf_attach(m, 0, 0, 10), -EINVAL);
	assert_int_equal(devmem_mbuf_ref(m), 0); /* a plain mbuf is not ours */
	rte_pktmbuf_free(m);
	devmem_ref_put(ref);
	test_rig_down(&rig);
}

static void foreign_free_cb(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

/*
 * devmem_mbuf_ref() knows a chunk by what the chunk says about itself, not
 * by the address of lib/devmem's free callback (a second copy of the code
 * in the process has another one); a foreign external buffer is not ours.
 */
static void test_mbuf_ref_by_data_not_code_address(void **state)
{
	struct {
		struct rte_mbuf_ext_shared_info shinfo;
		uint32_t word[8];
	} foreign = { .shinfo.free_cb = foreign_free_cb };
	struct rte_mbuf *m = rte_pktmbuf_alloc(mbufs), *f = rte_pktmbuf_alloc(mbufs);
	static uint8_t foreign_buf[256];
	rte_mbuf_extbuf_free_callback_t own_cb;
	struct test_rig rig;
	devmem_ref ref;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	ref = devmem_pool_alloc(rig.pool);
	assert_int_equal(devmem_mbuf_attach(m, ref, 0, 100), 0);
	own_cb = m->shinfo->free_cb;
	m->shinfo->free_cb = foreign_free_cb; /* what another copy's callback would look like */
	assert_int_equal(devmem_mbuf_ref(m), ref);
	m->shinfo->free_cb = own_cb;

	foreign.shinfo.fcb_opaque = foreign_buf;
	rte_mbuf_ext_refcnt_set(&foreign.shinfo, 1);
	rte_pktmbuf_attach_extbuf(f, foreign_buf, 0, sizeof(foreign_buf), &foreign.shinfo);
	assert_int_equal(devmem_mbuf_ref(f), 0);
	foreign.shinfo.fcb_opaque = &foreign; /* points back at itself, but carries no magic */
	assert_int_equal(devmem_mbuf_ref(f), 0);
	rte_pktmbuf_free(f);
	rte_pktmbuf_free(m);
	test_rig_down(&rig);
}

/* A payload mbuf carrying a fragment of `size` bytes at `off` of a chunk of the rig. */
static struct rte_mbuf *payload_mbuf(struct test_rig *rig, uint32_t size, devmem_ref *ref,
				     uint32_t *off)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mbufs);

	assert_non_null(m);
	*ref = devmem_pool_alloc_frag(rig->pool, size, off);
	assert_true(*ref);
	assert_int_equal(devmem_mbuf_attach(m, *ref, *off, size), 0);
	return m;
}

/*
 * devmem_token_grant_mbufs (one recv's worth of segments at once) describes
 * each fragment as devmem_token_grant_mbuf does, whether consecutive segments
 * share a chunk or not and with a host segment among them; dontneed gives
 * every mbuf and chunk back.
 */
static void test_token_grant_mbufs_describes_each(void **state)
{
	struct devmem_mbuf_span span[5];
	struct devmem_token_table *t;
	struct devmem_token_range r = { 0, 5 };
	struct devmem_pool_stats st;
	struct devmem_frag f[5];
	struct test_rig rig;
	devmem_ref ref[5];
	uint32_t off[5];
	int i;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	assert_int_equal(devmem_token_table_create(8, &t), 0);
	for (i = 0; i < 5; i++) {
		if (i == 3) {
			/* the split failed: the bytes are in a host segment */
			span[i].m = rte_pktmbuf_alloc(mbufs);
			assert_non_null(rte_pktmbuf_append(span[i].m, 100));
			ref[i] = 0;
		} else {
			span[i].m = payload_mbuf(&rig, 1448, &ref[i], &off[i]);
		}
		span[i].off = (uint32_t)i;
		span[i].len = 50 + (uint32_t)i;
	}
	assert_ptr_equal(devmem_ref_iov(ref[0]), devmem_ref_iov(ref[1])); /* packed in one chunk */
	assert_int_equal(devmem_token_grant_mbufs(t, span, 5, f), 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(f[i].frag_token, i);
		assert_int_equal(f[i].frag_size, 50 + i);
		if (i == 3) {
			assert_int_equal(f[i].flags, DEVMEM_FRAG_LINEAR);
			assert_int_equal(f[i].dmabuf_id, 0);
			assert_int_equal(f[i].frag_offset,
					 (uintptr_t)rte_pktmbuf_mtod_offset(span[i].m, char *, 3));
		} else {
			assert_int_equal(f[i].flags, 0);
			assert_int_equal(f[i].dmabuf_id, devmem_binding_id(rig.binding));
			assert_int_equal(f[i].frag_offset, devmem_ref_offset(ref[i]) + off[i] + i);
		}
	}
	assert_int_equal(devmem_token_grant_mbufs(t, span, 0, f), 0);
	assert_int_equal(devmem_dontneed(t, &r, 1), 5);
	devmem_pool_frag_flush(rig.pool);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(rte_mempool_in_use_count(mbufs), 0);
	devmem_token_table_destroy(t);
	test_rig_down(&rig);
}

/*
 * A bulk grant stops where the table fills (counted once) or before a span
 * outside its segment (the next call reports it); what was not granted stays
 * the caller's.
 */
static void test_token_grant_mbufs_partial(void **state)
{
	struct devmem_mbuf_span span[4];
	struct devmem_token_table *t;
	struct devmem_token_stats ts;
	struct devmem_frag f[4];
	struct test_rig rig;
	devmem_ref ref;
	uint32_t off;
	int i;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	assert_int_equal(devmem_token_table_create(3, &t), 0);
	for (i = 0; i < 4; i++)
		span[i] = (struct devmem_mbuf_span){ payload_mbuf(&rig, 1000, &ref, &off), 0, 1000 };
	span[1].len = 1001; /* one byte past the segment */
	assert_int_equal(devmem_token_grant_mbufs(t, span, 4, f), 1);
	assert_int_equal(devmem_token_grant_mbufs(t, &span[1], 3, f), -EINVAL);
	assert_int_equal(devmem_token_grant_mbufs(NULL, span, 1, f), -EINVAL);
	assert_int_equal(devmem_token_grant_mbuf(t, span[1].m, 0, 1001, f), -EINVAL);
	span[1].len = 1000;
	assert_int_equal(devmem_token_grant_mbufs(t, &span[1], 3, f), 2); /* 3 tokens in all */
	devmem_token_get_stats(t, &ts);
	assert_int_equal(ts.full, 1);
	assert_int_equal(ts.held, 3);
	assert_int_equal(devmem_token_grant_mbufs(t, &span[3], 1, f), -ENOSPC);
	devmem_token_get_stats(t, &ts);
	assert_int_equal(ts.full, 2);
	assert_int_equal(ts.granted, 3);
	rte_pktmbuf_free_seg(span[3].m); /* never granted: still ours */
	devmem_token_table_destroy(t);   /* the three granted come back */
	devmem_pool_frag_flush(rig.pool);
	assert_int_equal(rte_mempool_in_use_count(mbufs), 0);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/*
 * Free tokens are reused in the order they came back, after the ones never
 * lent: whatever the order of returns, a token just returned is the last one
 * handed out again, so a late second return of it is caught.
 */
static void test_token_reuse_is_fifo(void **state)
{
	struct devmem_token_table *t;
	struct devmem_token_range r;
	struct devmem_frag f;
	struct test_rig rig;
	devmem_ref ref;
	uint32_t order[] = { 2, 0, 3 }, expect[] = { 4, 5, 2, 0, 3 };
	unsigned int i;

	(void)state;
	test_rig_up(&rig, "memfd:size=1M", 0, NULL);
	assert_int_equal(devmem_token_table_create(6, &t), 0);
	for (i = 0; i < 4; i++) {
		ref = devmem_pool_alloc(rig.pool);
		assert_int_equal(devmem_token_grant(t, ref, 0, 10, &f), 0);
		assert_int_equal(f.frag_token, i);
	}
	for (i = 0; i < RTE_DIM(order); i++) {
		r = (struct devmem_token_range){ order[i], 1 };
		assert_int_equal(devmem_dontneed(t, &r, 1), 1);
	}
	for (i = 0; i < RTE_DIM(expect); i++) {
		ref = devmem_pool_alloc(rig.pool);
		assert_int_equal(devmem_token_grant(t, ref, 0, 10, &f), 0);
		assert_int_equal(f.frag_token, expect[i]);
	}
	ref = devmem_pool_alloc(rig.pool);
	assert_int_equal(devmem_token_grant(t, ref, 0, 10, &f), -ENOSPC);
	devmem_ref_put(ref);
	devmem_token_table_destroy(t);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

static void test_extbuf_pool_over_binding(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct devmem_dmabuf *d;
	struct devmem_binding *b;
	struct rte_mempool *mp, *mp2;
	struct rte_mbuf *m[8];
	size_t size;
	int i;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=256K", &d), 0);
	assert_int_equal(devmem_binding_create(d, &bp, &b), 0);
	size = devmem_dmabuf_size(d);
	assert_int_equal(devmem_pktmbuf_pool_create_extbuf("t_extbuf", b, 0, SOCKET_ID_ANY, NULL, 0, &mp), 0);
	/* The mempool owns every chunk now: no second user. */
	assert_int_equal(devmem_binding_nr_free(b), 0);
	assert_int_equal(devmem_pktmbuf_pool_create_extbuf("t_extbuf2", b, 0, SOCKET_ID_ANY, NULL, 0, &mp2),
			 -EBUSY);
	assert_int_equal(rte_pktmbuf_alloc_bulk(mp, m, 8), 0);
	for (i = 0; i < 8; i++) {
		/* Payload buffers lie inside the binding, addressed by dmabuf offset. */
		assert_true(m[i]->buf_iova < size);
		assert_true((uint8_t *)m[i]->buf_addr >= (uint8_t *)devmem_dmabuf_host_view(d));
		assert_true((uint8_t *)m[i]->buf_addr < (uint8_t *)devmem_dmabuf_host_view(d) + size);
	}
	rte_pktmbuf_free_bulk(m, 8);
	devmem_pktmbuf_pool_free_extbuf(mp);
	assert_int_equal(devmem_binding_nr_free(b), devmem_binding_nr_chunks(b));
	devmem_binding_unbind(b);
	devmem_dmabuf_put(d);
	assert_int_equal(devmem_binding_count_live(), 0);
}

static void test_extbuf_pool_refuses_large_chunks(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 65536 };
	struct devmem_dmabuf *d;
	struct devmem_binding *b;
	struct rte_mempool *mp;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=256K", &d), 0);
	assert_int_equal(devmem_binding_create(d, &bp, &b), 0);
	assert_int_equal(devmem_pktmbuf_pool_create_extbuf("t_big", b, 0, SOCKET_ID_ANY, NULL, 0, &mp),
			 -EINVAL);
	devmem_binding_unbind(b);
	devmem_dmabuf_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_and_free_recycles),
		cmocka_unit_test(test_attach_rejects_bad_ranges),
		cmocka_unit_test(test_mbuf_ref_by_data_not_code_address),
		cmocka_unit_test(test_token_grant_mbufs_describes_each),
		cmocka_unit_test(test_token_grant_mbufs_partial),
		cmocka_unit_test(test_token_reuse_is_fifo),
		cmocka_unit_test(test_extbuf_pool_over_binding),
		cmocka_unit_test(test_extbuf_pool_refuses_large_chunks),
	};
	int ret;

	if (test_eal_init("test_mbuf") < 0) {
		fprintf(stderr, "test_mbuf: rte_eal_init failed\n");
		return 1;
	}
	mbufs = rte_pktmbuf_pool_create("t_mbufs", 255, 0, 0, 256, SOCKET_ID_ANY);
	if (!mbufs) {
		fprintf(stderr, "test_mbuf: no mbuf pool: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mbufs);
	rte_eal_cleanup();
	return ret;
}
