/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: net_hsplit's devargs, parsed as probe parses them but
 * opening nothing. The first byte picks the entry point:
 *
 *   0 mod 7   the whole devargs string through hsplit_devargs_parse() (the
 *             common keys, then the backend's own through its args_check);
 *   1..6      one backend's own "k=v,k=v" through its args_check hook
 *             (gen, peer, ethdev, pcap, afpacket, afxdp), deeper than the
 *             common parser lets random bytes reach.
 *
 * Oracles: ASan/UBSan; each parser returns 0 or -EINVAL (never anything
 * else); an accepted result holds only values the documentation allows
 * (max_queues 1..16, a power-of-two chunk from 4 KiB to 2 MiB, strings
 * terminated within their buffers, a unicast MAC when mac= was given), and
 * parsing the same string twice gives the same result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "hsplit_backend.h"
#include "hsplit_devargs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_devargs: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } } while (0)

static const char *const backends[] = { "gen", "peer", "ethdev", "pcap", "afpacket", "afxdp" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* No EAL: the parsers need none. Their complaints would only slow the run down. */
	rte_log_set_global_level(RTE_LOG_EMERG);
	return 0;
}

static int backend_check(const struct hsplit_backend_ops *ops, const char *args)
{
	struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 1 } };
	struct hsplit_backend_params params = { .port_name = "net_hsplit0", .args = args,
						.port_mac = &mac };
	int ret;

	FZ_CHECK(ops != NULL && ops->args_check != NULL, "a backend without args_check");
	ret = ops->args_check(&params);
	FZ_CHECK(ret == 0 || ret == -EINVAL, "backend=%s: args_check returned %d", ops->name,
		 ret);
	return ret;
}

static void check_devargs(const char *args)
{
	static struct hsplit_devargs a, again;
	int ret = hsplit_devargs_parse("net_hsplit0", args, &a);
	unsigned int i, nb_queues = 0;

	FZ_CHECK(ret == 0 || ret == -EINVAL, "hsplit_devargs_parse returned %d", ret);
	FZ_CHECK(hsplit_devargs_parse("net_hsplit0", args, &again) == ret,
		 "the same devargs parsed twice gave two answers");
	if (ret != 0)
		return;
	FZ_CHECK(memcmp(&a, &again, sizeof(a)) == 0, "the same devargs gave two results");
	FZ_CHECK(a.backend != NULL, "accepted without a backend");
	FZ_CHECK(a.max_queues >= 1 && a.max_queues <= HSPLIT_MAX_QUEUES, "max_queues %u",
		 a.max_queues);
	FZ_CHECK(a.chunk_size >= 4096 && a.chunk_size <= (2u << 20) &&
		 (a.chunk_size & (a.chunk_size - 1)) == 0, "chunk %u", a.chunk_size);
	FZ_CHECK(memchr(a.dmabuf, '\0', sizeof(a.dmabuf)) != NULL, "dmabuf unterminated");
	FZ_CHECK(memchr(a.backend_args, '\0', sizeof(a.backend_args)) != NULL,
		 "backend_args unterminated");
	FZ_CHECK(!a.mac_set || rte_is_unicast_ether_addr(&a.mac), "a multicast mac accepted");
	for (i = 0; i < HSPLIT_MAX_QUEUES; i++)
		nb_queues += a.dmabuf_queues[i];
	FZ_CHECK(nb_queues > 0 || strstr(args, "dmabuf_queues") != NULL,
		 "no dmabuf queue without dmabuf_queues=");
	/* What probe does next: the backend checks its own keys. */
	if (a.backend->args_check != NULL)
		backend_check(a.backend, a.backend_args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	unsigned int pick;

	if (size < 1 || size > 4096)
		return 0;
	pick = data[0] % (RTE_DIM(backends) + 1);
	s = malloc(size);
	FZ_CHECK(s != NULL, "malloc");
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (pick == 0) {
		check_devargs(s);
	} else {
		const char *name = backends[pick - 1];
		int first = backend_check(hsplit_backend_find(name), s);

		FZ_CHECK(backend_check(hsplit_backend_find(name), s) == first,
			 "backend=%s: the same args parsed twice gave two answers", name);
	}
	free(s);
	return 0;
}
