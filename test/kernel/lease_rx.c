/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: the netdevsim queue lease (kernel-patches/netdevsim/, the
 * /dev/netdevsim_lease uAPI) from the process that leases a queue. The
 * QEMU tier runs it in the receiving port's network namespace; frames come
 * from the peer port, sent here through AF_PACKET in the sender's
 * namespace and steered to the leased queue by the guest script's ntuple rule.
 *
 *   lease_rx RXIF QUEUE PORT TXNETNS TXIF [ONEQ_IF]
 *
 * Prints TAP: every ATTACH refusal with its errno, frames with headers in
 * the header slots and payload in the dma-buf checked byte for byte,
 * a corrupted checksum flagged, buffers recycled over ten times the pool,
 * DETACH; queue resets in netdevsim's four modes; kernel TCP to another
 * port of the device beside the lease; the MTU refusals; close, netlink
 * socket first and kill -9 with buffers held giving the queue back
 * (lease_owner.c); the kernel revoking the lease on ifdown, a netns move and
 * del_device, with rmmod refused while the device is open.
 * The files and their jobs: lease_rx.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "lease_rx.h"
#include "tap.h"

#define BESIDE_FLOWS 4u
#define BESIDE_BYTES (2u << 20)         /* 4 x 2 MiB = 8 MiB a table */

struct lease_env env = { .tx_sock = -1, .nl = { .fd = -1 } };

static void expect(int rc, int want, const char *what)
{
	tap(rc == -want, "ATTACH %s refused with %s (got %s)", what, errname(want), errname(-rc));
}

static void refuse(int dmabuf_fd, const char *what, int want,
		   void (*tweak)(struct nsim_lease_attach *))
{
	struct nsim_lease_attach a;
	int fd = lease_open();

	if (fd < 0) {
		tap(false, "ATTACH %s: cannot open " LEASE_DEV, what);
		return;
	}
	attach_args(&a, env.rx_ifindex, env.queue, dmabuf_fd);
	tweak(&a);
	expect(try_attach(fd, &a), want, what);
	close(fd);
}

static void t_flags(struct nsim_lease_attach *a) { a->flags = 1; }
static void t_reserved(struct nsim_lease_attach *a) { a->reserved[2] = 7; }
static void t_ring(struct nsim_lease_attach *a) { a->fq_entries = 48; }
static void t_slot(struct nsim_lease_attach *a) { a->hdr_slot_size = 100; }
static void t_ifindex(struct nsim_lease_attach *a) { a->ifindex = 0x7fffff; }
static void t_lo(struct nsim_lease_attach *a) { a->ifindex = 1; }
static void t_queue(struct nsim_lease_attach *a) { a->queue = 99; }
static void t_none(struct nsim_lease_attach *a) { (void)a; }
static void t_oneq(struct nsim_lease_attach *a)
{
	a->ifindex = (uint32_t)env.oneq_ifindex;
	a->queue = 0;
}

/* EPERM: a child that opened the device drops every capability first. */
static void refuse_eperm(int dmabuf_fd)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct nsim_lease_attach a;
	int status = 0, fd;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		fd = open(LEASE_DEV, O_RDWR);
		memset(data, 0, sizeof(data));
		if (fd < 0 || syscall(SYS_capset, &hdr, data))
			_exit(100);
		attach_args(&a, env.rx_ifindex, env.queue, dmabuf_fd);
		_exit(try_attach(fd, &a) ? errno : 0);
	}
	waitpid(pid, &status, 0);
	expect(WIFEXITED(status) ? -WEXITSTATUS(status) : -1000, EPERM,
	       "by a process without CAP_NET_ADMIN");
}

static void refusals_unbound(int a_fd, int memfd)
{
	int closed = 999;

	while (fcntl(closed, F_GETFD) >= 0)     /* an fd number nothing uses */
		closed++;
	refuse(a_fd, "with flags 1", EINVAL, t_flags);
	refuse(a_fd, "with a reserved field set", EINVAL, t_reserved);
	refuse(a_fd, "with a fill ring of 48 entries (not a power of two)", EINVAL, t_ring);
	refuse(a_fd, "with 100-byte header slots", EINVAL, t_slot);
	refuse(a_fd, "of an ifindex that does not exist", ENODEV, t_ifindex);
	refuse(a_fd, "of lo (not netdevsim)", EOPNOTSUPP, t_lo);
	refuse(closed, "with a closed dma-buf fd", EBADF, t_none);
	refuse(memfd, "with a memfd instead of a dma-buf", EINVAL, t_none);
	refuse(a_fd, "of queue 99", ERANGE, t_queue);
	refuse(a_fd, "of a queue without a memory provider", ENODATA, t_none);
	if (env.oneq_ifindex > 0)
		refuse(a_fd, "of the only queue of a port", EBUSY, t_oneq);
	else if (env.oneq_named)
		tap(false, "the one-queue port given (%s) exists", env.oneq_named);
	refuse_eperm(a_fd);
	if (sh("ip link set dev %s down", env.rx_if) == 0) {
		refuse(a_fd, "of a port that is down", ENETDOWN, t_none);
		if (sh("ip link set dev %s up", env.rx_if))
			tap(false, "ip link set %s up again", env.rx_if);
	} else {
		tap(false, "ip link set %s down", env.rx_if);
	}
}

static double t_start;

static void elapsed(const char *what)
{
	printf("# %s done after %.1f s\n", what, (now_ms() - t_start) / 1e3);
}

/* The main case: take the queue, move frames through it, give it back. */
static void lease_main(struct devmem_dmabuf *a, int b_fd)
{
	struct nsim_lease_state st0, st1;
	struct lease l, l2;
	struct rx_check c;
	uint32_t n, sent = 0;
	long e0, e1;
	int rc;

	refuse(b_fd, "with another dma-buf than the bound one", EINVAL, t_none);
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "ATTACH queue %d with the bound udmabuf, mmap of %llu bytes (%s)", env.queue,
	    (unsigned long long)l.a.mmap_size, errname(-rc));
	if (rc)
		return;
	rc = try_attach(l.fd, &l.a);
	tap(rc == -EEXIST, "a second ATTACH on the same file refused with EEXIST (got %s)",
	    errname(-rc));
	rc = lease_take(&l2, devmem_dmabuf_fd(a));
	tap(rc == -EBUSY, "ATTACH of a queue leased by another file refused with EBUSY (got %s)",
	    errname(-rc));
	if (!rc)
		lease_close(&l2);

	check_init(&c, a, env.next_frame);
	/* one frame in 16 carries no payload: go on until the buffers went
	 * round the pool ten times and more
	 */
	for (n = 0; c.tokens_returned < 10 * POOL_BUFS + BATCH && n < 20 * POOL_BUFS; n += BATCH) {
		if (send_frames(env.next_frame, BATCH, true) || receive(&l, &c, BATCH))
			break;
		env.next_frame += BATCH;
		sent += BATCH;
	}
	printf("# %u frames sent, %u received (%u with payload, %u header-only, %u others), "
	       "%u buffers returned (pool %u)\n", sent, c.frames, c.payload_frames, c.linear,
	       c.other, c.tokens_returned, POOL_BUFS);
	tap(c.frames == sent && sent > 0, "every frame sent to the leased queue completed (%u of %u)",
	    c.frames, sent);
	tap(c.bad_hdr == 0 && c.frames > 0,
	    "headers in the host-memory slots match what was sent (%u bad)", c.bad_hdr);
	tap(c.bad_payload == 0 && c.payload_frames > 0,
	    "payload in the dma-buf matches byte for byte (%u frames, %u bad)",
	    c.payload_frames, c.bad_payload);
	tap(c.bad_flags == 0, "completion flags, lengths and queue as expected (%u bad)",
	    c.bad_flags);
	tap(c.linear > 0, "frames without payload complete in the header slot alone (%u)", c.linear);
	tap(c.tokens_returned >= 10 * POOL_BUFS,
	    "buffers recycled through the refill ring over 10x the pool (%u returned, pool %u)",
	    c.tokens_returned, POOL_BUFS);
	tap(c.csum_bad == 0, "no good frame flagged with a bad checksum (%u)", c.csum_bad);

	/* A corrupted TCP checksum: flagged, payload still delivered, and the
	 * kernel's TCP never sees the frame.
	 */
	e0 = tcp_csum_errors();
	if (!send_frames(env.next_frame, 1, false) && !receive(&l, &c, 1))
		tap(c.csum_bad == 1, "a corrupted TCP checksum is flagged L4_CSUM_BAD (%u)",
		    c.csum_bad);
	else
		tap(false, "a corrupted TCP checksum: frame not received");
	env.next_frame++;
	e1 = tcp_csum_errors();
	tap(e0 >= 0 && e1 == e0, "the leased queue's frames bypass the kernel stack "
	    "(TcpInCsumErrors %ld -> %ld)", e0, e1);

	/* A bogus token is counted and ignored. */
	get_info(&l, &st0);
	ring_push(&l.rq, 0xfffff);
	ioctl(l.fd, NSIM_LEASE_IOC_KICK);
	send_frames(env.next_frame++, 1, true);
	receive(&l, &c, 1);
	rc = get_info(&l, &st1);
	tap(rc == 0 && st1.bad_tokens == st0.bad_tokens + 1 && st1.drops == 0,
	    "a bogus refill token is counted (bad_tokens %llu -> %llu), nothing dropped (%llu)",
	    (unsigned long long)st0.bad_tokens, (unsigned long long)st1.bad_tokens,
	    (unsigned long long)st1.drops);
	printf("# state: rx_frames %llu rx_bytes %llu buffers_out %llu stalls %llu\n",
	       (unsigned long long)st1.rx_frames, (unsigned long long)st1.rx_bytes,
	       (unsigned long long)st1.buffers_out, (unsigned long long)st1.stalls);
	tap(st1.state == NSIM_LEASE_ATTACHED && st1.ifindex == (uint32_t)env.rx_ifindex &&
	    st1.queue == (uint32_t)env.queue, "GET_INFO: attached to ifindex %u queue %u",
	    st1.ifindex, st1.queue);

	rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
	get_info(&l, &st1);
	tap(rc == 0 && st1.state == NSIM_LEASE_DETACHED && st1.buffers_out == 0,
	    "DETACH gives the queue back (%s, state %u, buffers out %llu)", errname(-rc),
	    st1.state, (unsigned long long)st1.buffers_out);
	rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
	tap(rc == -EINVAL, "a second DETACH refused with EINVAL (got %s)", errname(-rc));
	lease_close(&l);

	/* Given back, the queue delivers to the kernel again. */
	e0 = tcp_csum_errors();
	send_frames(env.next_frame++, 1, false);
	e1 = wait_csum_errors(e0);
	tap(e0 >= 0 && e1 == e0 + 1, "after DETACH the queue's frames reach the kernel's TCP "
	    "again (TcpInCsumErrors %ld -> %ld)", e0, e1);

	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "after DETACH another file leases the queue (%s)", errname(-rc));
	lease_close(&l);
}

/* Kernel TCP to another port of the same device while the queue is leased:
 * RSS passes a leased queue over (kernel-patches 0010), so the kernel's
 * flows take the other queue, and the leased queue's counters grow by the
 * leased frames only. With the default table, and with a table that names
 * the leased queue alone (without the skip every flow would land there).
 */
static void lease_beside_kernel(struct devmem_dmabuf *a)
{
	static const char *const tables[] = { "default", "weight 0 1" };
	struct nsim_lease_state st0, st1;
	uint64_t lp0 = 0, lb0 = 0, lp1 = 0, lb1 = 0, op0 = 0, ob0 = 0, op1 = 0, ob1 = 0, got;
	int other = env.queue ? 0 : 1, rc, rc2;
	struct lease l;
	unsigned int i;

	rc = lease_take(&l, devmem_dmabuf_fd(a));
	if (rc) {
		tap(false, "beside case: ATTACH failed (%s)", errname(-rc));
		return;
	}
	for (i = 0; i < 2; i++) {
		if (sh("ethtool -X %s %s", env.rx_if, tables[i])) {
			tap(false, "ethtool -X %s %s", env.rx_if, tables[i]);
			continue;
		}
		get_info(&l, &st0);
		if (rxq_stats(env.queue, &lp0, &lb0) || rxq_stats(other, &op0, &ob0))
			tap(false, "ethtool -S %s: rx-N counters", env.rx_if);
		rc = kernel_tcp(env.port + 1, BESIDE_FLOWS, BESIDE_BYTES, &got);
		rc2 = send_and_receive(&l, a, BATCH, false);
		get_info(&l, &st1);
		rxq_stats(env.queue, &lp1, &lb1);
		rxq_stats(other, &op1, &ob1);
		tap(rc == 0 && got == BESIDE_FLOWS * BESIDE_BYTES, "RSS table '%s': kernel TCP to "
		    "port %d beside the lease, %u flows, %llu bytes verified", tables[i],
		    env.port + 1, BESIDE_FLOWS, (unsigned long long)got);
		tap(rc2 == 0 && lp1 - lp0 == st1.rx_frames - st0.rx_frames && lp1 > lp0,
		    "RSS table '%s': queue %d's counters grew by the leased frames only "
		    "(rx-%d.packets +%llu, lease rx_frames +%llu)", tables[i], env.queue,
		    env.queue, (unsigned long long)(lp1 - lp0),
		    (unsigned long long)(st1.rx_frames - st0.rx_frames));
		tap(ob1 - ob0 >= got && got > 0, "RSS table '%s': the kernel's flows went through "
		    "queue %d (rx-%d.packets +%llu, .bytes +%llu)", tables[i], other, other,
		    (unsigned long long)(op1 - op0), (unsigned long long)(ob1 - ob0));
	}
	if (sh("ethtool -X %s default", env.rx_if))
		tap(false, "ethtool -X %s default", env.rx_if);
	lease_close(&l);
}

/* The receiving port's netdevsim device ("netdevsim16"), for debugfs and
 * del_device.
 */
static void netdevsim_dev_id(void)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", env.rx_if);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (!strncmp(base, "netdevsim", strlen("netdevsim")) && strlen(base) < sizeof(env.dev_id))
		memcpy(env.dev_id, base, strlen(base) + 1);
}

static int port_mtu(void)
{
	char path[128];
	int mtu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", env.rx_if);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &mtu) != 1)
		mtu = -1;
	if (f)
		fclose(f);
	return mtu;
}

/* Every frame of the port's MTU must fit in the bound dma-buf's buffers
 * (a frame waits for all of its buffers): ATTACH refuses a dma-buf too
 * small for the MTU with EMSGSIZE, and while leased an MTU the dma-buf
 * cannot carry is refused (EBUSY) and the lease kept.
 */
static void lease_mtu(struct devmem_dmabuf *a)
{
	struct devmem_dmabuf *small = NULL;
	struct nsim_lease_state st;
	struct lease l;
	int rc, mtu;

	rc = devmem_dmabuf_open("udmabuf:size=8K", &small);
	if (!rc)
		rc = lease_bind(small);
	tap(rc == 0, "bind-rx of an 8 KiB udmabuf (two buffers) (%s)", errname(-rc));
	if (rc)
		goto out;
	rc = sh("ip link set dev %s mtu 9000", env.rx_if);
	tap(rc == 0, "MTU 9000 on %s before the lease", env.rx_if);
	rc = lease_take(&l, devmem_dmabuf_fd(small));
	tap(rc == -EMSGSIZE, "ATTACH refused with EMSGSIZE when a frame of MTU 9000 needs more "
	    "buffers (3) than the dma-buf holds (2) (got %s)", errname(-rc));
	if (!rc)
		lease_close(&l);
	sh("ip link set dev %s mtu 1500", env.rx_if);
	rc = lease_take(&l, devmem_dmabuf_fd(small));
	tap(rc == 0, "with MTU 1500 the 8 KiB dma-buf is leased (%s)", errname(-rc));
	if (rc)
		goto out;
	rc = sh("ip link set dev %s mtu 9000 2>/dev/null", env.rx_if);
	mtu = port_mtu();
	get_info(&l, &st);
	tap(rc != 0 && mtu == 1500 && st.state == NSIM_LEASE_ATTACHED, "MTU 9000 on the leased "
	    "port refused, the lease kept (MTU %d, state %u)", mtu, st.state);
	rc = sh("ip link set dev %s mtu 8000", env.rx_if);
	mtu = port_mtu();
	get_info(&l, &st);
	tap(rc == 0 && mtu == 8000 && st.state == NSIM_LEASE_ATTACHED, "MTU 8000 (two buffers "
	    "a frame) accepted while leased (MTU %d, state %u)", mtu, st.state);
	rc = send_and_receive(&l, small, BATCH, false);
	tap(rc == 0, "the lease receives %d frames through the two-buffer dma-buf", BATCH);
	lease_close(&l);
out:
	sh("ip link set dev %s mtu 1500", env.rx_if);
	rc = lease_bind(a);
	tap(rc == 0, "bind-rx of the 1 MiB udmabuf again (%s)", errname(-rc));
	devmem_dmabuf_put(small);
}

static void held_batch(struct lease *l, struct devmem_dmabuf *a)
{
	struct rx_check c;

	check_init(&c, a, env.next_frame);
	c.keep_tokens = true;
	send_frames(env.next_frame, 8, true);
	env.next_frame += 8;
	receive(l, &c, 8);
}

/* netdevsim's debugfs queue_reset of the leased queue, in each of its four
 * modes (page pool only; new queue memory; NAPI deleted and added in either
 * order): the lease follows the queue through the restart.
 */
static void lease_qreset(struct devmem_dmabuf *a)
{
	/* ip netns exec mounts a sysfs of its own over /sys, hiding the
	 * debugfs below it: the guest script mounts one elsewhere for us.
	 */
	const char *debugfs = getenv("NSIM_DEBUGFS") ? getenv("NSIM_DEBUGFS") : "/sys/kernel/debug";
	struct nsim_lease_state st;
	struct lease l;
	int rc, m;

	if (!env.dev_id[0] || lease_take(&l, devmem_dmabuf_fd(a))) {
		tap(false, "queue reset case: netdevsim device of %s, ATTACH", env.rx_if);
		return;
	}
	for (m = 0; m < 4; m++) {
		rc = sh("echo '%d %d' >%s/netdevsim/%s/ports/0/queue_reset", env.queue, m,
			debugfs, env.dev_id);
		get_info(&l, &st);
		tap(rc == 0 && st.state == NSIM_LEASE_ATTACHED &&
		    send_and_receive(&l, a, BATCH, false) == 0, "queue reset of the leased queue "
		    "in mode %d: still ATTACHED, %d frames received after it", m, BATCH);
	}
	lease_close(&l);
}

/*
 * Exit 0 when rmmod refuses because the module is in use: not when it
 * fails for another reason (not loaded, no tool), nor when it unloads.
 */
#define RMMOD_REFUSED_IN_USE "rmmod netdevsim 2>&1 | grep -q 'is in use'"

/* del_device of the leased port's netdevsim device: the lease is revoked
 * with ENODEV and the file outlives the device. The port comes back from
 * the netns it was moved to first (it keeps its name, not its ifindex).
 */
static void lease_del_device(struct devmem_dmabuf *a)
{
	struct lease l;
	int rc;

	rc = sh("ip -n %s link set dev %s netns %d && ip link set dev %s up",
		strrchr(env.tx_netns, '/') + 1, env.rx_if, (int)getpid(), env.rx_if);
	env.rx_ifindex = (int)if_nametoindex(env.rx_if);
	if (rc == 0 && env.rx_ifindex > 0)
		rc = lease_bind(a);
	if (rc == 0)
		rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "the port back in this netns, bound and leased again (%s)", errname(-rc));
	if (rc)
		return;
	held_batch(&l, a);
	sh("echo %s >/sys/bus/netdevsim/del_device", env.dev_id + strlen("netdevsim"));
	expect_revoked(&l, ENODEV, "del_device of the port's netdevsim device");
	lease_close(&l);
	/*
	 * The bind-rx binding outlives the device it was attached through
	 * and unmaps the dma-buf through it when this socket closes; the
	 * mapping keeps netdevsim loaded (and the device's memory alive).
	 */
	rc = sh(RMMOD_REFUSED_IN_USE);
	tap(rc == 0, "rmmod refused (in use) while the deleted device's binding maps the dma-buf");
	hnl_net_close(&env.nl);
}

static void lease_revocations(struct devmem_dmabuf *a)
{
	struct lease l;
	int rc;

	/* ifdown */
	if (lease_take(&l, devmem_dmabuf_fd(a)) == 0) {
		held_batch(&l, a);
		sh("ip link set dev %s down", env.rx_if);
		expect_revoked(&l, ENETDOWN, "ifdown");
		sh("ip link set dev %s up", env.rx_if);
		lease_close(&l);
	} else {
		tap(false, "ifdown case: ATTACH failed");
	}
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "after ifdown/ifup the queue can be leased again (%s)", errname(-rc));

	/* rmmod while the device is open */
	rc = sh(RMMOD_REFUSED_IN_USE);
	tap(rc == 0, "rmmod netdevsim refused (in use) while " LEASE_DEV " is open");

	/* A netns move: the port unregisters from this namespace. */
	if (rc == 0 && l.fd >= 0) {
		held_batch(&l, a);
		sh("ip link set dev %s netns %s", env.rx_if, strrchr(env.tx_netns, '/') + 1);
		expect_revoked(&l, ENODEV, "moving the port to another netns");
	}
	lease_close(&l);
	lease_del_device(a);
}

int main(int argc, char **argv)
{
	struct devmem_dmabuf *a = NULL, *b = NULL;
	struct hnl_page_pools po;
	double ms;
	int rc, memfd;
	FILE *f;
	char path[128];

	if (argc < 6) {
		fprintf(stderr, "usage: %s RXIF QUEUE PORT TXNETNS TXIF [ONEQ_IF]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	env.rx_if = argv[1];
	env.queue = atoi(argv[2]);
	env.port = atoi(argv[3]);
	env.tx_netns = argv[4];
	env.tx_if = argv[5];
	if (argc > 6 && argv[6][0] != '\0') {
		env.oneq_named = argv[6];
		env.oneq_ifindex = (int)if_nametoindex(argv[6]);
	}
	env.rx_ifindex = (int)if_nametoindex(env.rx_if);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", env.rx_if);
	f = fopen(path, "r");
	if (!env.rx_ifindex || !f ||
	    fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &env.rx_mac[0], &env.rx_mac[1],
		   &env.rx_mac[2], &env.rx_mac[3], &env.rx_mac[4], &env.rx_mac[5]) != 6) {
		fprintf(stderr, "lease_rx: no interface %s\n", env.rx_if);
		return 2;
	}
	fclose(f);
	netdevsim_dev_id();
	env.tx_sock = open_tx_socket();
	tap(env.tx_sock >= 0, "AF_PACKET socket on %s in %s", env.tx_if, env.tx_netns);
	rc = lease_hds_on();
	tap(rc == 0, "tcp-data-split on for %s (%s)", env.rx_if, errname(-rc));
	rc = devmem_dmabuf_open("udmabuf:size=1M", &a);
	if (!rc)
		rc = devmem_dmabuf_open("udmabuf:size=1M", &b);
	tap(rc == 0, "two 1 MiB udmabufs (%s)", errname(-rc));
	memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	if (env.tx_sock < 0 || rc || memfd < 0 || ftruncate(memfd, POOL_SIZE))
		goto out;

	t_start = now_ms();
	refusals_unbound(devmem_dmabuf_fd(a), memfd);
	elapsed("refusals");
	rc = lease_bind(a);
	tap(rc == 0, "bind-rx of one udmabuf to %s queue %d (%s)", env.rx_if, env.queue,
	    errname(-rc));
	if (rc)
		goto out;
	lease_main(a, devmem_dmabuf_fd(b));
	elapsed("receive, DETACH");
	lease_qreset(a);
	lease_beside_kernel(a);
	elapsed("queue resets, kernel TCP beside the lease");
	lease_mtu(a);
	elapsed("MTU");
	lease_close_held(a);
	lease_nl_first(a);
	lease_kill9(a);
	elapsed("close, netlink first, kill -9");
	lease_revocations(a);
	elapsed("revocations");
	/* Everything let go: the bindings' pools must drain (the page pool
	 * releases destroyed pools from a delayed work).
	 */
	hnl_net_close(&env.nl);
	rc = pools_drain(&po, &ms);
	tap(rc == 0 && po.inflight == 0,
	    "page-pool-get: no dma-buf page pool has buffers out once every file and the "
	    "binding are closed (%u pools, %llu buffers out, %s)", po.pools,
	    (unsigned long long)po.inflight, errname(-rc));
out:
	hnl_net_close(&env.nl);
	devmem_dmabuf_put(b);
	devmem_dmabuf_put(a);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
