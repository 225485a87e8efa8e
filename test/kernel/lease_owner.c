/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: each way the owner of a lease lets go (lease_rx.h) - close()
 * with buffers held, the bind-rx netlink socket closed before the lease
 * file, kill -9 mid-stream - and what must hold after each: another process
 * leases the queue, no dma-buf buffer stays out, tcp-data-split can be
 * turned off, and the kernel's own TCP receives through the queue again.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lease_rx.h"
#include "tap.h"

#define KERNEL_BYTES (256u << 10)

/* Another process leases the queue and receives a batch through it. */
static int lease_in_child(struct devmem_dmabuf *a)
{
	int status = 0;
	struct lease l;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int rc = lease_take(&l, devmem_dmabuf_fd(a));

		if (rc == 0)
			rc = send_and_receive(&l, a, BATCH, false) ? -EIO : 0;
		lease_close(&l);
		_exit(rc ? -rc : 0);
	}
	if (pid < 0)
		return -errno;
	waitpid(pid, &status, 0);
	env.next_frame += BATCH;        /* the child sent them */
	if (!WIFEXITED(status))
		return -EINTR;
	return -WEXITSTATUS(status);
}

/* bind-rx of a to the queue on a fresh env.nl (the binding lives with it). */
int lease_bind(struct devmem_dmabuf *a)
{
	char why[256] = "";
	int rc;

	hnl_net_close(&env.nl);
	rc = hnl_net_open(&env.nl);
	if (!rc)
		rc = hnl_netdev_bind_rx(&env.nl, env.rx_ifindex, (uint32_t)env.queue,
					devmem_dmabuf_fd(a), NULL, why, sizeof(why));
	if (rc)
		printf("# bind-rx: %s %s\n", errname(-rc), why);
	return rc;
}

static int set_data_split(uint8_t mode)
{
	struct hnl_net n;
	char why[256] = "";
	int rc;

	rc = hnl_net_open(&n);
	if (!rc)
		rc = hnl_ethtool_set_data_split(&n, env.rx_ifindex, mode, why, sizeof(why));
	hnl_net_close(&n);
	if (rc)
		printf("# rings-set tcp-data-split %s: %s %s\n",
		       mode == HNL_TCP_DATA_SPLIT_ENABLED ? "on" : "off", errname(-rc), why);
	return rc;
}

int lease_hds_on(void)
{
	return set_data_split(HNL_TCP_DATA_SPLIT_ENABLED);
}

/*
 * What must hold once an owner let go `how` (t0: when): another process
 * leases the queue, page pools drain, tcp-data-split goes off, a kernel
 * listener receives through the queue. Leaves the queue bound again with
 * tcp-data-split on, as the next case expects.
 */
static void queue_is_free(struct devmem_dmabuf *a, const char *how, double t0)
{
	uint64_t p0 = 0, b0 = 0, p1 = 0, b1 = 0, got = 0;
	struct hnl_page_pools po;
	double ms;
	int rc;

	if (env.nl.fd < 0 && lease_bind(a))
		tap(false, "%s: bind-rx again", how);
	rc = lease_in_child(a);
	tap(rc == 0, "%s: another process leases the queue and receives %d frames (%s, "
	    "%.1f ms after)", how, BATCH, errname(-rc), now_ms() - t0);
	rc = pools_drain(&po, &ms);
	tap(rc == 0 && po.inflight == 0, "%s: page-pool inflight drains to 0 (%u dma-buf pools, "
	    "%llu buffers out, %.1f ms)", how, po.pools, (unsigned long long)po.inflight, ms);

	/* Unbound and split off, the queue is an ordinary kernel queue. */
	hnl_net_close(&env.nl);
	rc = set_data_split(HNL_TCP_DATA_SPLIT_DISABLED);
	tap(rc == 0, "%s: unbound, tcp-data-split can be turned off (%s)", how, errname(-rc));
	if (rxq_stats(env.queue, &p0, &b0))
		tap(false, "%s: ethtool -S %s has rx-%d counters", how, env.rx_if, env.queue);
	rc = kernel_tcp(env.port, 1, KERNEL_BYTES, &got);
	rxq_stats(env.queue, &p1, &b1);
	tap(rc == 0 && b1 - b0 >= KERNEL_BYTES, "%s: a kernel listener on port %d receives %llu "
	    "bytes through queue %d again (rx-%d.packets +%llu, .bytes +%llu)", how, env.port,
	    (unsigned long long)got, env.queue, env.queue, (unsigned long long)(p1 - p0),
	    (unsigned long long)(b1 - b0));

	rc = lease_hds_on();
	if (!rc)
		rc = lease_bind(a);
	tap(rc == 0, "%s: tcp-data-split on and bind-rx again (%s)", how, errname(-rc));
}

/* close() with buffers held: the queue is free as soon as close returns. */
void lease_close_held(struct devmem_dmabuf *a)
{
	struct hnl_page_pools po;
	struct nsim_lease_state st;
	struct lease l;
	double t0;
	int rc;

	if (lease_take(&l, devmem_dmabuf_fd(a))) {
		tap(false, "close case: ATTACH failed");
		return;
	}
	rc = send_and_receive(&l, a, BATCH, true);
	get_info(&l, &st);
	tap(rc == 0 && st.buffers_out > 0, "close case: %d frames received, %llu buffers held",
	    BATCH, (unsigned long long)st.buffers_out);
	/* page-pool-get sees the buffers the process holds */
	rc = pools_out(&po);
	tap(rc == 0 && po.pools > 0 && po.inflight >= st.buffers_out,
	    "page-pool-get counts the held buffers as in flight (%u dma-buf pools, %llu out)",
	    po.pools, (unsigned long long)po.inflight);
	t0 = now_ms();
	lease_close(&l);
	queue_is_free(a, "after close", t0);
}

/* Wait for the state page to say REVOKED; then poll must report EPOLLERR
 * and the state must carry `want`.
 */
void expect_revoked(struct lease *l, int want, const char *why)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	struct nsim_lease_state st;
	int i, rc, kick;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (get_info(l, &st) == 0 && st.state == NSIM_LEASE_REVOKED)
			break;
		usleep(10000);
	}
	rc = poll(&p, 1, 0);
	get_info(l, &st);
	tap(rc > 0 && (p.revents & POLLERR) && st.state == NSIM_LEASE_REVOKED &&
	    st.revoke_errno == (uint32_t)want && st.buffers_out == 0,
	    "%s revokes the lease: EPOLLERR, state REVOKED, %s (got %s), buffers returned (%llu out)",
	    why, errname(want), errname((int)st.revoke_errno), (unsigned long long)st.buffers_out);
	kick = ioctl(l->fd, NSIM_LEASE_IOC_KICK) ? errno : 0;
	tap(kick == want, "KICK on the revoked lease fails with %s (got %s)", errname(want),
	    errname(kick));
}

/* The owner closes its bind-rx socket first, then the lease file: the
 * provider goes first and takes the lease with it (ENODATA); the file stays
 * open, REVOKED, until closed.
 */
void lease_nl_first(struct devmem_dmabuf *a)
{
	struct lease l;
	double t0;
	int rc;

	if (lease_take(&l, devmem_dmabuf_fd(a))) {
		tap(false, "netlink-first case: ATTACH failed");
		return;
	}
	rc = send_and_receive(&l, a, 8, true);
	tap(rc == 0, "netlink-first case: 8 frames received, buffers held");
	t0 = now_ms();
	hnl_net_close(&env.nl);
	expect_revoked(&l, ENODATA, "closing the bind-rx socket (provider unbind)");
	rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
	tap(rc == 0, "DETACH of a revoked lease (%s)", errname(-rc));
	lease_close(&l);
	queue_is_free(a, "after the netlink socket, then the file", t0);
}

/* kill -9 of the owner mid-stream, buffers held. */
void lease_kill9(struct devmem_dmabuf *a)
{
	int pipefd[2], status;
	struct rx_check c;
	struct lease l;
	char ok = 0;
	pid_t pid;
	double t0;
	int rc;

	if (pipe(pipefd))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (lease_take(&l, devmem_dmabuf_fd(a)))
			_exit(1);
		check_init(&c, a, env.next_frame);
		c.keep_tokens = true;
		if (write(pipefd[1], "a", 1) != 1)
			_exit(1);
		if (receive(&l, &c, BATCH) == 0 && write(pipefd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			receive(&l, &c, BATCH);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &ok, 1) != 1 || ok != 'a') {
		tap(false, "kill -9 case: the child did not lease the queue");
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		return;
	}
	send_frames(env.next_frame, BATCH, true);
	env.next_frame += BATCH;
	rc = read(pipefd[0], &ok, 1) == 1 && ok == 'r';
	/* more frames in flight while it dies */
	send_frames(env.next_frame, BATCH, true);
	env.next_frame += BATCH;
	kill(pid, SIGKILL);
	t0 = now_ms();
	waitpid(pid, &status, 0);
	close(pipefd[0]);
	tap(rc && WIFSIGNALED(status), "kill -9 of the owner mid-stream, %d frames received, "
	    "buffers held", BATCH);
	queue_is_free(a, "after kill -9", t0);
}
