/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_version.h>

#include "app_common.h"

static char eal_defaults[][16] = { "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
				   "-l", "0-1" };
static volatile sig_atomic_t stop_requested;

char **app_split_args(int argc, char **argv, int *eal_argc, int *app_argc, char ***app_argv)
{
	int i, sep = -1, n_eal;
	char **eal;

	for (i = 1; i < argc && sep < 0; i++)
		if (strcmp(argv[i], "--") == 0)
			sep = i;
	n_eal = sep > 1 ? sep - 1 : (int)RTE_DIM(eal_defaults);
	eal = calloc((size_t)n_eal + 2, sizeof(*eal));
	if (eal == NULL)
		return NULL;
	eal[0] = argv[0];
	for (i = 0; i < n_eal; i++)
		eal[i + 1] = sep > 1 ? argv[i + 1] : eal_defaults[i];
	*eal_argc = n_eal + 1;
	if (sep >= 0) {
		argv[sep] = argv[0]; /* getopt wants the program name first */
		*app_argv = &argv[sep];
		*app_argc = argc - sep;
	} else {
		*app_argv = argv;
		*app_argc = argc;
	}
	return eal;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void app_install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool app_stop_requested(void)
{
	return stop_requested != 0;
}

int app_parse_u64(const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static void read_cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || colon == NULL)
			continue;
		colon += strspn(colon, ": \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

void app_machine_read(struct app_machine *m)
{
	struct utsname u;

	read_cpu_model(m->cpu, sizeof(m->cpu));
	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.sysname, u.release);
	else
		snprintf(m->kernel, sizeof(m->kernel), "unknown");
	m->dpdk = rte_version();
	m->hugepages = rte_eal_has_hugepages() != 0;
}

void app_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

void app_json_machine_open(void)
{
	struct app_machine m;

	app_machine_read(&m);
	printf("\"machine\":{\"cpu\":");
	app_json_string(m.cpu);
	printf(",\"cores\":%ld,\"kernel\":", m.cores);
	app_json_string(m.kernel);
	printf(",\"dpdk\":");
	app_json_string(m.dpdk);
	printf(",\"hugepages\":%s", m.hugepages ? "true" : "false");
}

int app_bad_option(void (*usage)(FILE *out, const char *prog), const char *prog,
		   const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr, prog);
	return APP_EXIT_USAGE;
}

int app_getopt_refusal(void (*usage)(FILE *out, const char *prog), char **argv, int opt)
{
	return app_bad_option(usage, argv[0], opt == ':' ? "option '%s' needs a value" :
			      "unknown option '%s'", argv[optind - 1]);
}

int app_getopt_leftover(void (*usage)(FILE *out, const char *prog), int argc, char **argv)
{
	if (optind < argc)
		return app_bad_option(usage, argv[0], "unexpected argument '%s'", argv[optind]);
	return -1;
}

int app_parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if ((s[0] < '0' || s[0] > '9') && s[0] != '.')
		return -EINVAL;
	v = strtod(s, &end);
	if (*end != '\0' || !(v >= min && v <= max))
		return -EINVAL;
	*out = v;
	return 0;
}

int app_main(int argc, char **argv, const struct app_main_ops *ops, void *opts)
{
	int eal_argc, app_argc, status;
	char **eal_argv, **app_argv;

	eal_argv = app_split_args(argc, argv, &eal_argc, &app_argc, &app_argv);
	if (eal_argv == NULL)
		return 1;
	status = ops->parse(app_argc, app_argv, opts);
	if (status >= 0) {
		free(eal_argv);
		return status;
	}
	if (ops->json != NULL && *ops->json)
		rte_openlog_stream(stderr); /* stdout carries only the JSON object */
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", ops->prog, rte_strerror(rte_errno));
		free(eal_argv);
		return 1;
	}
	status = ops->run(opts);
	rte_eal_cleanup();
	free(eal_argv);
	return status;
}
