/*
 * Unit tests of the event loop: timer order, fd readiness, removal from
 * inside callbacks, 10,000 timers, a watcher on a closed peer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailflow/loop.h"

/* ---- timers ------------------------------------------------------------ */

struct fire_log {
	int order[64];
	int n;
	uint64_t at[64];
	struct loop *loop;
};

struct tagged {
	struct fire_log *log;
	int tag;
	struct loop_timer *victim;      /* for removal tests */
};

static void on_tagged(struct loop_timer *t, void *arg)
{
	struct tagged *tg = arg;

	(void)t;
	tg->log->at[tg->log->n] = loop_now_ms(tg->log->loop);
	tg->log->order[tg->log->n++] = tg->tag;
	if (tg->victim != NULL)
		loop_timer_remove(tg->victim);
}

static void test_timer_order(void **state)
{
	struct loop *loop = loop_new();
	struct fire_log log = { .loop = loop };
	struct tagged t[5] = {
		{ &log, 30, NULL }, { &log, 10, NULL }, { &log, 20, NULL },
		{ &log, 11, NULL }, { &log, 0, NULL },
	};
	uint64_t start = loop_now_ms(loop);

	(void)state;
	/* Delays 30, 10, 20, 10 (added after the first 10), 0. */
	assert_non_null(loop_timer_add(loop, 30, 0, on_tagged, &t[0]));
	assert_non_null(loop_timer_add(loop, 10, 0, on_tagged, &t[1]));
	assert_non_null(loop_timer_add(loop, 20, 0, on_tagged, &t[2]));
	assert_non_null(loop_timer_add(loop, 10, 0, on_tagged, &t[3]));
	assert_non_null(loop_timer_add(loop, 0, 0, on_tagged, &t[4]));
	assert_int_equal(loop_run(loop), 0);

	assert_int_equal(log.n, 5);
	assert_int_equal(log.order[0], 0);
	assert_int_equal(log.order[1], 10);
	assert_int_equal(log.order[2], 11);   /* same deadline: insertion order */
	assert_int_equal(log.order[3], 20);
	assert_int_equal(log.order[4], 30);
	/* Never early: each fired at or after its deadline. */
	assert_true(log.at[1] >= start + 10);
	assert_true(log.at[3] >= start + 20);
	assert_true(log.at[4] >= start + 30);
	loop_free(loop);
}

struct repeat {
	int count;
	int limit;
	uint64_t first, last;
	struct loop *loop;
};

static void on_repeat(struct loop_timer *t, void *arg)
{
	struct repeat *r = arg;

	if (r->count == 0)
		r->first = loop_now_ms(r->loop);
	r->last = loop_now_ms(r->loop);
	if (++r->count == r->limit)
		loop_timer_remove(t);           /* removal of itself, while running */
}

static void test_timer_repeating(void **state)
{
	struct loop *loop = loop_new();
	struct repeat r = { .limit = 5, .loop = loop };
	uint64_t start = loop_now_ms(loop);

	(void)state;
	assert_non_null(loop_timer_add(loop, 5, 5, on_repeat, &r));
	assert_int_equal(loop_run(loop), 0);     /* ends: nothing left */
	assert_int_equal(r.count, 5);
	/* The fifth firing is due 25 ms after the add, never earlier. */
	assert_true(r.first >= start + 5);
	assert_true(r.last >= start + 25);
	loop_free(loop);
}

static void test_timer_remove_other_inside_callback(void **state)
{
	struct loop *loop = loop_new();
	struct fire_log log = { .loop = loop };
	struct tagged a = { &log, 1, NULL }, b = { &log, 2, NULL },
	              c = { &log, 3, NULL };
	struct loop_timer *tb, *tc;

	(void)state;
	/* a and b are due together; a removes b (due now) and c (due later). */
	assert_non_null(loop_timer_add(loop, 5, 0, on_tagged, &a));
	tb = loop_timer_add(loop, 5, 0, on_tagged, &b);
	tc = loop_timer_add(loop, 50, 0, on_tagged, &c);
	assert_non_null(tb);
	assert_non_null(tc);
	a.victim = tb;
	/* the removal of c goes through a second timer fired by a's pass */
	{
		struct tagged d = { &log, 4, tc };

		assert_non_null(loop_timer_add(loop, 6, 0, on_tagged, &d));
		assert_int_equal(loop_run(loop), 0);
	}
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 1);
	assert_int_equal(log.order[1], 4);
	loop_free(loop);
}

/* A timer added with delay 0 from a callback waits for the next pass. */
static void on_add_zero(struct loop_timer *t, void *arg)
{
	struct tagged *tg = arg;

	(void)t;
	tg->log->order[tg->log->n++] = tg->tag;
	if (tg->tag < 3) {
		tg->tag++;
		loop_timer_add(tg->log->loop, 0, 0, on_add_zero, tg);
	}
}

static void test_timer_zero_delay_from_callback_is_not_starving(void **state)
{
	struct loop *loop = loop_new();
	struct fire_log log = { .loop = loop };
	struct tagged tg = { &log, 1, NULL };

	(void)state;
	assert_non_null(loop_timer_add(loop, 0, 0, on_add_zero, &tg));
	assert_int_equal(loop_run_once(loop, 0), 1);   /* one per pass */
	assert_int_equal(loop_run_once(loop, 0), 1);
	assert_int_equal(loop_run_once(loop, 0), 1);
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(log.n, 3);
	loop_free(loop);
}

/* ---- 10,000 timers ------------------------------------------------------ */

struct many {
	struct loop *loop;
	uint64_t *deadline;
	uint64_t last_deadline;
	int fired;
	int out_of_order;
	int early;
};

struct many_item {
	struct many *m;
	int i;
};

static void on_many(struct loop_timer *t, void *arg)
{
	struct many_item *it = arg;
	struct many *m = it->m;

	(void)t;
	if (m->deadline[it->i] < m->last_deadline)
		m->out_of_order++;
	if (loop_now_ms(m->loop) < m->deadline[it->i])
		m->early++;
	m->last_deadline = m->deadline[it->i];
	m->fired++;
}

static void test_ten_thousand_timers(void **state)
{
	enum { N = 10000 };
	struct loop *loop = loop_new();
	struct many m = { .loop = loop };
	struct many_item *items = calloc(N, sizeof *items);
	struct loop_timer **handles = calloc(N, sizeof *handles);
	uint64_t t0, t_add, t_run;
	int i, removed = 0;

	(void)state;
	assert_non_null(items);
	assert_non_null(handles);
	m.deadline = calloc(N, sizeof *m.deadline);
	assert_non_null(m.deadline);
	srand(42);
	t0 = loop_clock_ms();
	for (i = 0; i < N; i++) {
		uint64_t delay = (uint64_t)(rand() % 200);

		items[i].m = &m;
		items[i].i = i;
		handles[i] = loop_timer_add(loop, delay, 0, on_many, &items[i]);
		assert_non_null(handles[i]);
		/* The deadline the loop used: its clock at the add. */
		m.deadline[i] = loop_now_ms(loop) + delay;
	}
	/* Remove every tenth before it fires: the heap must stay ordered. */
	for (i = 0; i < N; i += 10) {
		loop_timer_remove(handles[i]);
		removed++;
	}
	t_add = loop_clock_ms() - t0;
	t0 = loop_clock_ms();
	assert_int_equal(loop_run(loop), 0);
	t_run = loop_clock_ms() - t0;

	assert_int_equal(m.fired, N - removed);
	assert_int_equal(m.out_of_order, 0);
	assert_int_equal(m.early, 0);
	/* The longest delay is 199 ms; the loop must not add much to that. */
	assert_true(t_run < 199 + 300);
	printf("# bench: 10000 timers: add+remove %llu ms, all fired in %llu ms "
	       "(longest delay 199 ms), %d fired, %d removed\n",
	       (unsigned long long)t_add, (unsigned long long)t_run,
	       m.fired, removed);
	free(m.deadline);
	free(items);
	free(handles);
	loop_free(loop);
}

/* ---- fd watchers -------------------------------------------------------- */

struct fdlog {
	int calls;
	unsigned events;
	int fd;
	struct loop_watch *other;       /* removed or muted by the callback */
	int mute_other;                 /* 1: drop its interest; 0: remove it */
	int remove_self;
	int got_eof;
};

static void on_fd(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct fdlog *l = arg;
	char buf[16];

	l->calls++;
	l->events = events;
	l->fd = fd;
	if ((events & LOOP_READ) && read(fd, buf, sizeof buf) == 0)
		l->got_eof = 1;
	if (l->other != NULL) {
		if (l->mute_other)
			loop_watch_set_interest(l->other, 0);
		else
			loop_watch_remove(l->other);
		l->other = NULL;
	}
	if (l->remove_self)
		loop_watch_remove(w);
}

static void test_fd_readiness(void **state)
{
	struct loop *loop = loop_new();
	struct fdlog rl = { 0 }, wl = { 0 };
	struct loop_watch *rw, *ww;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	rw = loop_watch_add(loop, p[0], LOOP_READ, on_fd, &rl);
	ww = loop_watch_add(loop, p[1], 0, on_fd, &wl);
	assert_non_null(rw);
	assert_non_null(ww);

	/* Nothing written: no read event within 20 ms; the muted writer
	 * (interest 0) is not reported although the pipe is writable. */
	assert_int_equal(loop_run_once(loop, 20), 0);
	assert_int_equal(rl.calls, 0);
	assert_int_equal(wl.calls, 0);

	/* Interest changed to write: now it is reported, as a write. */
	loop_watch_set_interest(ww, LOOP_WRITE);
	assert_int_equal(loop_watch_interest(ww), LOOP_WRITE);
	assert_int_equal(loop_run_once(loop, 20), 1);
	assert_int_equal(wl.calls, 1);
	assert_int_equal(wl.events, LOOP_WRITE);
	loop_watch_set_interest(ww, 0);

	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_int_equal(rl.calls, 1);
	assert_int_equal(rl.events, LOOP_READ);
	assert_int_equal(rl.fd, p[0]);

	loop_watch_remove(rw);
	loop_watch_remove(ww);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

static void test_watch_removed_inside_callback(void **state)
{
	struct loop *loop = loop_new();
	struct fdlog a = { 0 }, b = { 0 };
	struct loop_watch *wa, *wb;
	int p[2], q[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	wa = loop_watch_add(loop, p[0], LOOP_READ, on_fd, &a);
	wb = loop_watch_add(loop, q[0], LOOP_READ, on_fd, &b);
	assert_non_null(wa);
	assert_non_null(wb);
	/* Both become ready in the same poll(); whichever runs first removes
	 * the other, which must then not be called. */
	a.other = wb;
	b.other = wa;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "y", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_int_equal(a.calls + b.calls, 1);

	/* The survivor removes itself from its own callback. */
	{
		struct fdlog *surv = a.calls ? &a : &b;
		int fd = a.calls ? p[1] : q[1];

		surv->remove_self = 1;
		assert_int_equal(write(fd, "z", 1), 1);
		assert_int_equal(loop_run_once(loop, 1000), 1);
		assert_int_equal(surv->calls, 2);
		/* Gone: more data, but no more calls, and loop_run ends at once. */
		assert_int_equal(write(fd, "w", 1), 1);
		assert_int_equal(loop_run(loop), 0);
		assert_int_equal(surv->calls, 2);
	}
	close(p[0]); close(p[1]); close(q[0]); close(q[1]);
	loop_free(loop);
}

static void test_watch_muted_inside_callback(void **state)
{
	struct loop *loop = loop_new();
	struct fdlog a = { 0 }, b = { 0 };
	struct loop_watch *wa, *wb;
	int p[2], q[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	wa = loop_watch_add(loop, p[0], LOOP_READ, on_fd, &a);
	wb = loop_watch_add(loop, q[0], LOOP_READ, on_fd, &b);
	a.other = wb; a.mute_other = 1;
	b.other = wa; b.mute_other = 1;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "y", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_int_equal(a.calls + b.calls, 1);
	loop_watch_remove(wa);
	loop_watch_remove(wb);
	close(p[0]); close(p[1]); close(q[0]); close(q[1]);
	loop_free(loop);
}

static void test_watch_on_closed_peer(void **state)
{
	struct loop *loop = loop_new();
	struct fdlog l = { 0 }, s = { 0 };
	struct loop_watch *w, *ws;
	int p[2], sv[2];

	(void)state;
	/* A pipe whose writer is gone: poll() says POLLHUP only. */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	w = loop_watch_add(loop, p[0], LOOP_READ, on_fd, &l);
	assert_non_null(w);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_true(l.events & LOOP_ERROR);
	assert_true(l.events & LOOP_READ);      /* so the reader sees EOF */
	assert_int_equal(l.got_eof, 1);
	loop_watch_remove(w);
	close(p[0]);

	/* A stream socket whose peer closed. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	ws = loop_watch_add(loop, sv[0], LOOP_READ, on_fd, &s);
	assert_int_equal(loop_run_once(loop, 1000), 1);
	assert_true(s.events & LOOP_READ);
	assert_int_equal(s.got_eof, 1);
	loop_watch_remove(ws);
	close(sv[0]);
	loop_free(loop);
}

/* ---- hooks and stop ----------------------------------------------------- */

struct hooklog {
	int calls;
	int remove_after;
	struct loop_hook *self;
};

static void on_hook(struct loop *loop, void *arg)
{
	struct hooklog *h = arg;

	(void)loop;
	if (++h->calls == h->remove_after)
		loop_hook_remove(h->self);
}

static void on_stop(struct loop_timer *t, void *arg)
{
	(void)t;
	loop_stop(arg);
}

static void on_never(struct loop_timer *t, void *arg)
{
	(void)t;
	(*(int *)arg)++;
}

static void test_hooks_and_stop(void **state)
{
	struct loop *loop = loop_new();
	struct hooklog h = { .remove_after = 2 }, k = { 0 };
	struct loop_timer *late;
	int never = 0;

	(void)state;
	h.self = loop_hook_add(loop, on_hook, &h);
	k.self = loop_hook_add(loop, on_hook, &k);
	assert_non_null(h.self);
	assert_non_null(k.self);
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(h.calls, 2);     /* removed itself on its second run */
	assert_int_equal(k.calls, 3);     /* runs before every sleep */

	/* loop_stop ends loop_run although a later timer is still pending. */
	assert_non_null(loop_timer_add(loop, 5, 0, on_stop, loop));
	late = loop_timer_add(loop, 10000, 0, on_never, &never);
	assert_non_null(late);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(never, 0);
	assert_true(loop_timer_remaining_ms(late) > 9000);
	loop_free(loop);                  /* frees the pending timer and hook */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_repeating),
		cmocka_unit_test(test_timer_remove_other_inside_callback),
		cmocka_unit_test(test_timer_zero_delay_from_callback_is_not_starving),
		cmocka_unit_test(test_ten_thousand_timers),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_watch_removed_inside_callback),
		cmocka_unit_test(test_watch_muted_inside_callback),
		cmocka_unit_test(test_watch_on_closed_peer),
		cmocka_unit_test(test_hooks_and_stop),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
