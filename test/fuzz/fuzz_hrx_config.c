/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: hsplit-rx's settings (app/hsplit-rx/options.c), through
 * its one entry point hrx_options_parse() as main() calls it. The input up
 * to its first NUL byte is the --config file (written to a memfd and given
 * as /proc/self/fd/N); after it, NUL-separated command-line words (at most
 * 16) that go after --config, so the file and the command line meet. Words
 * that would name another --config file are dropped: a fuzzed path could
 * be a FIFO or a device.
 *
 * Oracles: ASan/UBSan; the result is -1 (run), 0 (--help) or 2 (usage
 * error); a run's settings are within the ranges the table documents
 * (listen address and port set, chunk a power of two from 4K to 2M, ring,
 * burst, counts, wscale 0..14 or the library default) with every string
 * terminated, and parsing the same input again gives the same settings.
 * After each input, good settings must still parse: nothing of one call
 * (getopt's position in a refused option cluster, say) may leak into the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_log.h>

#include "app_common.h"
#include "hsplit_rx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(real_stderr, "fuzz_hrx_config: " \
	__VA_ARGS__); fputc('\n', real_stderr); abort(); } } while (0)

#define MAX_WORDS 16

static FILE *real_stderr, *devnull;
static int cfg_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	real_stderr = stderr;
	rte_log_set_global_level(RTE_LOG_EMERG);
	devnull = fopen("/dev/null", "w");
	cfg_fd = memfd_create("fuzz_hrx_config", MFD_CLOEXEC);
	if (devnull == NULL || cfg_fd < 0)
		abort();
	return 0;
}

/* --config, --conf, --c...: any abbreviation getopt_long would take for it. */
static bool names_config(const char *w)
{
	size_t n;

	if (strncmp(w, "--", 2) != 0)
		return false;
	w += 2;
	n = strcspn(w, "=");
	return n > 0 && n <= 6 && strncmp("config", w, n) == 0;
}

/* Parse with the usage and complaints going to /dev/null (sanitizers still write to fd 2). */
static int parse_quietly(int argc, char **argv, struct hrx_options *o)
{
	FILE *out = stdout, *err = stderr;
	int status;

	stdout = devnull;
	stderr = devnull;
	status = hrx_options_parse(argc, argv, o);
	stdout = out;
	stderr = err;
	return status;
}

static void check_run_settings(const struct hrx_options *o)
{
	FZ_CHECK(o->addr.family != 0 && o->port != 0, "run without a listen address");
	FZ_CHECK(o->chunk >= 4096 && o->chunk <= (2u << 20) && (o->chunk & (o->chunk - 1)) == 0,
		 "chunk %u", o->chunk);
	FZ_CHECK(o->ring >= 64 && o->ring <= 4096, "ring %u", o->ring);
	FZ_CHECK(o->burst >= 1 && o->burst <= 512, "burst %u", o->burst);
	FZ_CHECK(o->max_conns >= 1 && o->max_conns <= 65536, "max-conns %u", o->max_conns);
	FZ_CHECK(o->rcv_chunks >= 4 && o->rcv_chunks <= 65536, "rcv-chunks %u", o->rcv_chunks);
	FZ_CHECK(o->wscale <= 14 || o->wscale == 0xff, "wscale %u", o->wscale);
	FZ_CHECK(o->queue <= 15 && o->mss <= 9000 && o->max_ooo <= 4096, "queue/mss/max-ooo");
	FZ_CHECK(o->batch >= 1 && o->batch <= DEVMEM_DONTNEED_MAX_FRAGS, "batch %u", o->batch);
	FZ_CHECK(o->msg >= 1 && o->msg <= (1u << 30), "msg %u", o->msg);
	FZ_CHECK(o->exit_seconds >= 0 && o->exit_seconds <= 31536000 && o->interval >= 0 &&
		 o->interval <= 3600, "seconds %f interval %f", o->exit_seconds, o->interval);
	FZ_CHECK((o->stall_after != 0) == (o->stall_ms != 0), "stall-after without stall-ms");
	FZ_CHECK(memchr(o->listen, 0, sizeof(o->listen)) && memchr(o->vdev, 0, sizeof(o->vdev)) &&
		 memchr(o->backend, 0, sizeof(o->backend)) &&
		 memchr(o->iface, 0, sizeof(o->iface)) &&
		 memchr(o->devargs, 0, sizeof(o->devargs)) &&
		 memchr(o->dmabuf, 0, sizeof(o->dmabuf)), "an unterminated string setting");
	FZ_CHECK(o->vdev[0] != '\0' || o->backend[0] != '\0', "run with neither vdev nor backend");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hrx_options o, again;
	char path[64], *buf, *argv[4 + MAX_WORDS], *argv2[4 + MAX_WORDS];
	const char *nul = memchr(data, '\0', size);
	size_t file_len = nul ? (size_t)(nul - (const char *)data) : size;
	int argc = 0, status;
	size_t pos;

	if (size > 8192)
		return 0;
	/* Overwrite, then cut: emptying the memfd first freed and refaulted its pages per input. */
	FZ_CHECK(pwrite(cfg_fd, data, file_len, 0) == (ssize_t)file_len &&
		 ftruncate(cfg_fd, (off_t)file_len) == 0, "memfd write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cfg_fd);
	buf = malloc(size + 1);
	FZ_CHECK(buf != NULL, "malloc");
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)HRX_NAME;
	argv[argc++] = (char *)"--config";
	argv[argc++] = path;
	for (pos = file_len + 1; pos < size && argc < 3 + MAX_WORDS; pos += strlen(buf + pos) + 1)
		if (!names_config(buf + pos))
			argv[argc++] = buf + pos;
	argv[argc] = NULL;
	/* getopt_long permutes argv: give the second parse its own copy of the order. */
	memcpy(argv2, argv, sizeof(argv));
	status = parse_quietly(argc, argv, &o);
	FZ_CHECK(status == -1 || status == 0 || status == APP_EXIT_USAGE, "status %d", status);
	FZ_CHECK(parse_quietly(argc, argv2, &again) == status, "two answers for one input");
	if (status == -1) {
		check_run_settings(&o);
		FZ_CHECK(memcmp(&o, &again, sizeof(o)) == 0, "two results for one input");
	}
	free(buf);
	{
		char *good[] = { (char *)HRX_NAME, (char *)"--listen=10.0.0.1:80",
				 (char *)"--backend=gen", NULL };

		FZ_CHECK(parse_quietly(3, good, &again) == -1,
			 "good settings refused after this input: state leaked between calls");
	}
	return 0;
}
