/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_bench.c — what the zdp TCP stack costs per byte and per connection,
 * next to the Linux kernel doing the same job in the same run.
 *
 * zdp: two stacks in one thread joined by an in-memory wire (no NIC, no
 * syscalls): stack A sends, stack B receives, every segment goes through
 * the full output and input paths of both. Cost = TSC cycles of the whole
 * loop (both ends) / bytes, or / connections.
 * kernel: the same job over 127.0.0.1 between two processes; cost = CPU
 * time (user + system, both processes) converted to cycles at the TSC rate.
 * Both sides use one core each at most; both include both endpoints.
 * One zdp case sends TSO packets (params.tso_max) and passes them whole to
 * the receiving stack, as a TSO NIC facing an LRO NIC would deliver them:
 * the segment sizes the kernel's loopback (64 KiB MTU, TSO/GSO) uses.
 *
 *   tcp_bench [--bytes N] [--conns N] [--reps N] [--mem MiB]
 *             [--idle N [--idle-only] [--keepalive S]]
 *   (EAL: --no-huge, own prefix; --mem is EAL -m, by default 512 MiB plus
 *   what --idle N needs)
 * Every figure is the best of --reps runs (default 3), interleaved, because
 * the machines this runs on are shared.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tcp_api.h"
#include "zdp_eal_cleanup.h"

#define WIRE 8192

struct wire {
	struct rte_mbuf *q[WIRE];
	unsigned n;
	bool offload;
};

static struct rte_mempool *pool;
static struct wire ab, ba;	/* A->B, B->A */
static uint64_t rx_bytes, accepted, connected, closed_n;
static struct zdp_tcp_conn *bulk_tx;
static bool tx_copy;
static bool tso;	/* TSO packets, passed whole: a TSO NIC facing an LRO NIC */

static void
wire_tx(void *ctx, struct rte_mbuf *m)
{
	struct wire *w = ctx;

	if (w->n == WIRE) {
		rte_pktmbuf_free(m);
		return;
	}
	if (w->offload)	/* as on loopback: the checksum is trusted */
		m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ? RTE_MBUF_F_RX_LRO : 0);
	w->q[w->n++] = m;
}

static void
wire_deliver(struct wire *w, struct zdp_tcp_stack *to, uint64_t now)
{
	unsigned n = w->n;

	w->n = 0;
	for (unsigned i = 0; i < n; i++)
		zdp_tcp_input_ip(to, w->q[i], now);
}

static void *
b_accept(struct zdp_tcp_conn *c, void *lu)
{
	accepted++;
	return (void *)1;
}

static void
b_readable(struct zdp_tcp_conn *c, void *u, struct rte_mbuf *m, uint32_t len)
{
	rx_bytes += len;
	rte_pktmbuf_free(m);
	zdp_tcp_recv_consumed(c, len);
}

static void
b_peer_closed(struct zdp_tcp_conn *c, void *u)
{
	zdp_tcp_close(c);
	closed_n++;
}

static void
a_connected(struct zdp_tcp_conn *c, void *u)
{
	connected++;
	if (u == (void *)2)	/* connection benchmark: close at once */
		zdp_tcp_close(c);
}

static void
a_writable(struct zdp_tcp_conn *c, void *u)
{
}

static uint32_t max_conns = 65536;
static uint32_t idle_keepalive_s;	/* --keepalive: a timer on every idle conn */

static struct zdp_tcp_stack *
mk(struct wire *out, bool offload, bool server)
{
	struct zdp_tcp_stack_params p;

	zdp_tcp_stack_params_default(&p);
	p.max_conns = max_conns;
	p.reass_nodes = 4096;
	p.tsc_hz = rte_get_tsc_hz();
	p.pool = pool;
	p.tx = wire_tx;
	p.tx_ctx = out;
	p.tx_csum_offload = offload;
	p.tx_copy = tx_copy;
	p.tso_max = tso ? ZDP_TCP_TSO_MAX : 0;
	p.rx_csum_trust = offload;
	p.mtu = 1500;
	p.rcv_buf = 1 << 20;
	p.snd_buf = 1 << 20;
	p.msl_us = 1000;	/* TIME-WAIT recycled quickly: the pool is finite */
	p.syn_backlog = 65535;
	if (server) {
		p.cb.on_accept = b_accept;
		p.cb.on_readable = b_readable;
		p.cb.on_peer_closed = b_peer_closed;
	} else {
		p.cb.on_connected = a_connected;
		p.cb.on_writable = a_writable;
		p.cb.on_peer_closed = b_peer_closed;
	}
	memset(p.secret, 1, sizeof(p.secret));
	return zdp_tcp_stack_create(&p);
}

static uint64_t clock_skew;	/* time the idle bench fast-forwarded */

static void
spin(struct zdp_tcp_stack *a, struct zdp_tcp_stack *b)
{
	uint64_t now = rte_rdtsc() + clock_skew;

	wire_deliver(&ab, b, now);
	zdp_tcp_poll(b, now);
	wire_deliver(&ba, a, now);
	zdp_tcp_poll(a, now);
}

static double
zdp_bulk(uint64_t bytes, bool offload)
{
	struct zdp_tcp_stack *a, *b;
	struct zdp_addr la, lb;
	uint64_t queued = 0, t0, t1;

	ab.offload = ba.offload = offload;
	a = mk(&ab, offload, false);
	b = mk(&ba, offload, true);
	zdp_addr_parse("198.18.0.1", &la);
	zdp_addr_parse("198.18.0.2", &lb);
	zdp_tcp_listen(b, &lb, 5001, NULL, NULL);
	rx_bytes = 0;
	zdp_tcp_connect(a, &la, 0, &lb, 5001, (void *)1, rte_rdtsc(), &bulk_tx);
	while (zdp_tcp_conn_state(bulk_tx) != ZDP_TCP_ESTABLISHED)
		spin(a, b);
	t0 = rte_rdtsc();
	while (rx_bytes < bytes) {
		while (queued < bytes && zdp_tcp_send_space(bulk_tx) > 0) {
			struct rte_mbuf *head = NULL;

			for (int i = 0; i < 32 && queued < bytes; i++) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

				if (!m)
					break;
				rte_pktmbuf_append(m, 2048);
				if (!head)
					head = m;
				else
					rte_pktmbuf_chain(head, m);
				queued += 2048;
			}
			if (!head || zdp_tcp_send(bulk_tx, head) != 0) {
				if (head) {
					queued -= head->pkt_len;
					rte_pktmbuf_free(head);
				}
				break;
			}
		}
		spin(a, b);
	}
	t1 = rte_rdtsc();
	zdp_tcp_abort(bulk_tx);
	spin(a, b);
	zdp_tcp_stack_destroy(a);
	zdp_tcp_stack_destroy(b);
	return (double)(t1 - t0) / (double)rx_bytes;
}

static double
zdp_conns(unsigned n, unsigned *done)
{
	struct zdp_tcp_stack *a, *b;
	struct zdp_addr la, lb;
	uint64_t t0, t1;
	unsigned started = 0;

	ab.offload = ba.offload = false;
	a = mk(&ab, false, false);
	b = mk(&ba, false, true);
	zdp_addr_parse("198.18.0.1", &la);
	zdp_addr_parse("198.18.0.2", &lb);
	zdp_tcp_listen(b, &lb, 5001, NULL, NULL);
	connected = accepted = closed_n = 0;
	t0 = rte_rdtsc();
	while (closed_n < n && rte_rdtsc() - t0 < 20 * rte_get_tsc_hz()) {
		/* keep up to 256 handshakes in flight */
		while (started < n && started - closed_n < 256) {
			struct zdp_tcp_conn *c;

			if (zdp_tcp_connect(a, &la, 0, &lb, 5001, (void *)2, rte_rdtsc(), &c) != 0)
				break;
			started++;
		}
		spin(a, b);
	}
	t1 = rte_rdtsc();
	*done = (unsigned)closed_n;
	zdp_tcp_stack_destroy(a);
	zdp_tcp_stack_destroy(b);
	return (double)(t1 - t0) / (double)(closed_n ? closed_n : 1);
}

/* Resident set size of this process, bytes (VmRSS). */
static uint64_t
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Bytes the DPDK heap has handed out (what the stacks' pools take). */
static uint64_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

#define MIB(x) ((double)(x) / (1 << 20))

/* N established idle connections held at once in each of two stacks:
 * pool, hash and 4-tuple space at scale. One client address has one
 * ephemeral range (28,232 ports) per server address and port, so the
 * clients use 198.18.1.0 upwards against 8 server ports.
 * Then one byte goes over every connection (both hash lookups, timers,
 * an ACK each way) to prove all of them are alive. Returns cycles per
 * handshake at that occupancy. */
static double
zdp_idle(unsigned n, unsigned *est)
{
	struct zdp_tcp_stack *a, *b;
	struct zdp_tcp_conn **conns;
	struct zdp_addr la, lb;
	uint64_t t0, t1, t2, t3, rss0, rss1, rss2, heap0, heap1;
	unsigned started = 0, la_i = 0;
	uint16_t port = 1;
	const unsigned n_ports = 8;

	conns = calloc(n, sizeof(*conns));	/* the bench's, not the stack's */
	if (!conns) {
		*est = 0;
		return 0;
	}
	ab.offload = ba.offload = false;
	max_conns = n + 1024;
	rss0 = rss_bytes();
	heap0 = heap_bytes();
	a = mk(&ab, false, false);
	b = mk(&ba, false, true);
	if (!a || !b) {
		printf("idle: stack_create failed (%s); raise --mem\n", strerror(errno));
		zdp_tcp_stack_destroy(a);
		zdp_tcp_stack_destroy(b);
		free(conns);
		*est = 0;
		return 0;
	}
	heap1 = heap_bytes();
	rss1 = rss_bytes();
	zdp_addr_parse("198.18.1.0", &la);
	zdp_addr_parse("198.18.0.2", &lb);
	for (unsigned i = 1; i <= n_ports; i++)
		zdp_tcp_listen(b, &lb, (uint16_t)(5000 + i), NULL, NULL);
	connected = accepted = 0;
	t0 = rte_rdtsc();
	while ((connected < n || accepted < n) && rte_rdtsc() - t0 < 600 * rte_get_tsc_hz()) {
		while (started < n && started - connected < 512) {
			int rc = zdp_tcp_connect(a, &la, 0, &lb, (uint16_t)(5000 + port),
						 (void *)1, rte_rdtsc(), &conns[started]);

			if (rc == -EADDRNOTAVAIL) {
				/* this (client address, server port) is out of
				 * ports: next server port, then next address */
				if (++port > n_ports) {
					port = 1;
					if (++la_i >= 254 * 256)
						break;
					la.a[2] = (uint8_t)(1 + (la_i >> 8));
					la.a[3] = (uint8_t)la_i;
				}
				continue;
			}
			if (rc != 0)
				break;
			if (idle_keepalive_s)
				zdp_tcp_set_keepalive(conns[started], idle_keepalive_s * 1000000u,
						      0, 0);
			started++;
		}
		spin(a, b);
	}
	t1 = rte_rdtsc();
	*est = (unsigned)RTE_MIN(connected, accepted);
	rss2 = rss_bytes();
	printf("idle: %u established at once, client stack holds %u, server %u connections; "
	       "%u client addresses x %u server ports; fill %.1f s\n",
	       *est, zdp_tcp_stack_conns_in_use(a), zdp_tcp_stack_conns_in_use(b),
	       la_i + 1, n_ports, (double)(t1 - t0) / rte_get_tsc_hz());
	printf("idle: memory for both stacks: DPDK heap %.1f MiB (%.0f B per connection per "
	       "stack, pools sized for %u); process RSS +%.1f MiB after create, +%.1f MiB "
	       "after filling (%.0f B per connection per stack)\n",
	       MIB(heap1 - heap0), (double)(heap1 - heap0) / 2 / n, max_conns,
	       MIB(rss1 - rss0), MIB(rss2 - rss0), (double)(rss2 - rss0) / 2 / n);

	/* Held: one revolution of the timer wheel (4096 ticks of 1 ms), time
	 * fast-forwarded, both stacks polled every tick: what holding the
	 * connections costs in timer work. */
	{
		uint64_t hz = rte_get_tsc_hz(), base = rte_rdtsc();

		t2 = rte_rdtsc();
		for (unsigned k = 1; k <= 4096; k++) {
			zdp_tcp_poll(b, base + k * hz / 1000);
			zdp_tcp_poll(a, base + k * hz / 1000);
		}
		t3 = rte_rdtsc();
		clock_skew = 4096 * hz / 1000;
		printf("idle: held for one timer-wheel revolution (4.096 s fast-forwarded)%s: "
		       "%.2f Mcycles (%.0f cycles per 1 ms tick, both stacks)\n",
		       idle_keepalive_s ? " with a keepalive timer on every client conn" : "",
		       (double)(t3 - t2) / 1e6, (double)(t3 - t2) / 4096);
	}

	/* One byte over each connection, client to server. */
	rx_bytes = 0;
	t2 = rte_rdtsc();
	for (unsigned i = 0; i < *est; ) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		if (!m) {
			spin(a, b);
			continue;
		}
		*rte_pktmbuf_mtod(m, uint8_t *) = 1;
		rte_pktmbuf_append(m, 1);
		if (zdp_tcp_send(conns[i], m) != 0)
			rte_pktmbuf_free(m);
		if ((++i & 1023) == 0)
			spin(a, b);
	}
	while (rx_bytes < *est && rte_rdtsc() - t2 < 60 * rte_get_tsc_hz())
		spin(a, b);
	t3 = rte_rdtsc();
	printf("idle: 1 byte over each connection: %lu of %u delivered, %.0f cycles each\n",
	       (unsigned long)rx_bytes, *est, (double)(t3 - t2) / (*est ? *est : 1));

	zdp_tcp_stack_destroy(a);
	zdp_tcp_stack_destroy(b);
	free(conns);
	max_conns = 65536;
	clock_skew = 0;
	return (double)(t1 - t0) / (double)(connected ? connected : 1);
}

/* ---- kernel baseline ---- */

static double
cpu_seconds(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static int
listen_lo(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bind(s, (struct sockaddr *)&a, sizeof(a));
	listen(s, 4096);
	getsockname(s, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return s;
}

static int
connect_lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static double
kernel_bulk(uint64_t bytes)
{
	int port, ls = listen_lo(&port);
	pid_t pid;
	static char buf[1 << 16];
	double c0 = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN), c1;
	int s;

	pid = fork();
	if (pid == 0) {
		int c = accept(ls, NULL, NULL);
		ssize_t r;

		while ((r = read(c, buf, sizeof(buf))) > 0)
			;
		_exit(0);
	}
	close(ls);
	s = connect_lo(port);
	for (uint64_t sent = 0; sent < bytes;) {
		ssize_t w = write(s, buf, sizeof(buf));

		if (w <= 0)
			break;
		sent += (uint64_t)w;
	}
	close(s);
	waitpid(pid, NULL, 0);
	c1 = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
	return (c1 - c0) * (double)rte_get_tsc_hz() / (double)bytes;
}

static double
kernel_conns(unsigned n)
{
	int port, ls = listen_lo(&port);
	pid_t pid;
	double c0 = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN), c1;
	char b;

	pid = fork();
	if (pid == 0) {
		for (unsigned i = 0; i < n; i++) {
			int c = accept(ls, NULL, NULL);

			if (c < 0)
				break;
			(void)!read(c, &b, 1);	/* EOF from the client's close */
			close(c);
		}
		_exit(0);
	}
	close(ls);
	for (unsigned i = 0; i < n; i++) {
		int s = connect_lo(port);

		if (s >= 0)
			close(s);
	}
	waitpid(pid, NULL, 0);
	c1 = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
	return (c1 - c0) * (double)rte_get_tsc_hz() / n;
}

/* Run @fn in a child; with @mtu1500 the child first moves into a private
 * network namespace whose loopback has MTU 1500 and no TSO/GSO/GRO, so the
 * kernel moves the same 1448-byte segments as zdp. */
static double
kernel_run(double (*fn)(uint64_t), uint64_t arg, bool mtu1500)
{
	int fd[2];
	double v = -1;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		if (mtu1500) {
			if (unshare(CLONE_NEWNET) != 0 ||
			    system("ip link set lo up mtu 1500 && "
				   "ethtool -K lo tso off gso off gro off >/dev/null 2>&1") != 0)
				_exit(1);
		}
		v = fn(arg);
		(void)!write(fd[1], &v, sizeof(v));
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return v;
}

static double
kernel_conns64(uint64_t n)
{
	return kernel_conns((unsigned)n);
}

int
main(int argc, char **argv)
{
	char prefix[64], mem[16];
	char *eal[] = { argv[0], "--no-huge", "-m", mem, "--no-pci", "--file-prefix", prefix,
			"--log-level", "lib.eal:error", "--no-telemetry", NULL };
	uint64_t bytes = 1ull << 30;
	unsigned conns = 20000, done = 0, mem_mb = 0;
	int reps = 3;
	unsigned idle = 0, est = 0;
	bool idle_only = false;
	double zb, zbo, zbc, zbt, kb, kb15, zc, kc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--idle-only"))
			idle_only = true;
		else if (i + 1 >= argc)
			break;
		else if (!strcmp(argv[i], "--bytes"))
			bytes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--conns"))
			conns = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps"))
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--idle"))
			idle = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--keepalive"))
			idle_keepalive_s = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mem"))
			mem_mb = (unsigned)strtoul(argv[++i], NULL, 0);
	}
	/* two stacks of idle + 1024 slots, hash up to 2 pointers a slot */
	if (!mem_mb)
		mem_mb = 512 + (unsigned)((uint64_t)2 * (idle + 1024) *
					  (zdp_tcp_conn_state_size() + 8) * 5 / 4 >> 20);
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "tcpbench%d", (int)getpid());
	if (rte_eal_init(10, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!pool) {
		zdp_eal_cleanup();
		return 1;
	}
	printf("tsc_hz %lu, EAL -m %u\n", (unsigned long)rte_get_tsc_hz(), mem_mb);
	if (idle_only)
		goto idle;
	zdp_bulk(bytes / 8, false);	/* warm-up: first touch of the pools */
	/* the machine is shared: best of @reps runs, interleaved */
	kb = kb15 = zb = zbo = zbc = zbt = 1e9;
	for (int r = 0; r < reps; r++) {
		kb = RTE_MIN(kb, kernel_run(kernel_bulk, bytes, false));
		kb15 = RTE_MIN(kb15, kernel_run(kernel_bulk, bytes, true));
		zb = RTE_MIN(zb, zdp_bulk(bytes, false));
		zbo = RTE_MIN(zbo, zdp_bulk(bytes, true));
		tx_copy = true;
		zbc = RTE_MIN(zbc, zdp_bulk(bytes, true));
		tx_copy = false;
		tso = true;
		zbt = RTE_MIN(zbt, zdp_bulk(bytes, true));
		tso = false;
	}
	printf("bulk %lu bytes, cycles/byte, both ends:\n"
	       "  kernel loopback (64K MTU, TSO/GSO)      %.3f\n"
	       "  kernel loopback MTU 1500, no TSO/GSO/GRO %.3f\n"
	       "  zdp, software checksums                 %.3f  (kernel-1500/zdp %.2fx)\n"
	       "  zdp, checksums offloaded                %.3f  (kernel-1500/zdp %.2fx)\n"
	       "  zdp, checksums offloaded, TX copy       %.3f  (kernel-1500/zdp %.2fx)\n"
	       "  zdp, TSO packets taken whole (LRO)      %.3f  (kernel-64K/zdp %.2fx)\n",
	       (unsigned long)bytes, kb, kb15, zb, kb15 / zb, zbo, kb15 / zbo, zbc, kb15 / zbc,
	       zbt, kb / zbt);
	kc = zc = 1e12;
	for (int r = 0; r < reps; r++) {
		kc = RTE_MIN(kc, kernel_run(kernel_conns64, conns, false));
		zc = RTE_MIN(zc, zdp_conns(conns, &done));
	}
	printf("connections %u (open, close, both ends): kernel %.0f cycles/conn, zdp %.0f "
	       "cycles/conn (%u done), ratio %.1fx\n", conns, kc, zc, done, kc / zc);
	printf("memory per idle connection: zdp %zu bytes (pool slot + hash bucket; payload "
	       "mbufs only while data is queued)\n", zdp_tcp_conn_state_size());
idle:
	if (idle) {
		double hc = zdp_idle(idle, &est);

		printf("idle %u: %u held open together, %.0f cycles per handshake (both ends) "
		       "while filling, %.1f MiB of connection state per stack\n", idle, est, hc,
		       (double)est * zdp_tcp_conn_state_size() / (1 << 20));
	}
	zdp_eal_cleanup();	/* and its /var/run/dpdk directory */
	return 0;
}
