/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-rx's settings parsed as main() parses them (hrx_options_parse),
 * more than once in one process, as a test or an embedding program does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hsplit_rx.h"

/* Parse a copy of words (getopt permutes argv); usage text goes to /dev/null. */
static int parse(struct hrx_options *o, int n, const char *const *words)
{
	char copy[8][64], *argv[9];
	FILE *err = stderr, *null = fopen("/dev/null", "w");
	int i, status;

	assert_non_null(null);
	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		snprintf(copy[i], sizeof(copy[i]), "%s", words[i]);
		argv[i] = copy[i];
	}
	argv[n] = NULL;
	stderr = null;
	status = hrx_options_parse(n, argv, o);
	stderr = err;
	fclose(null);
	return status;
}

static const char *const good[] = { "hsplit-rx", "--listen=10.0.0.1:80", "--backend=gen",
				    "--burst=32" };

static void test_good_settings(void **state)
{
	struct hrx_options o;

	(void)state;
	assert_int_equal(parse(&o, 4, good), -1);
	assert_int_equal(o.port, 80);
	assert_string_equal(o.backend, "gen");
	assert_int_equal(o.burst, 32);
}

/*
 * Found by fuzz_hrx_config: a refused short-option cluster ("-abc" stops at
 * 'a') left glibc's getopt pointing at "bc" of that call's argv, and the next
 * two calls refused good settings by reading it. Each call starts afresh now.
 */
static void test_refused_cluster_does_not_leak(void **state)
{
	static const char *const bad[] = { "hsplit-rx", "-abc" };
	struct hrx_options o;

	(void)state;
	assert_int_equal(parse(&o, 2, bad), 2);
	assert_int_equal(parse(&o, 4, good), -1);
	assert_int_equal(parse(&o, 4, good), -1);
	assert_int_equal(o.burst, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_settings),
		cmocka_unit_test(test_refused_cluster_does_not_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
