/*
 * loop.c — the poll() event loop (see include/mailflow/loop.h).
 *
 * Watchers and hooks live in arrays whose slots are only compacted between
 * iterations, so the index of a watcher in the pollfd array stays valid
 * while callbacks run; a removed watcher is flagged dead and skipped, then
 * freed at the end of the iteration. Timers live in a binary min-heap keyed
 * by (deadline, sequence), which gives stable order for equal deadlines and
 * O(log n) add and remove for the thousands of timeouts a big run holds.
 */
#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct loop_watch {
	struct loop *loop;
	int fd;
	unsigned interest;
	bool dead;
	loop_watch_cb cb;
	void *arg;
};

struct loop_timer {
	struct loop *loop;
	uint64_t deadline;
	uint64_t interval;
	uint64_t seq;
	size_t heap_index;      /* NOT_IN_HEAP while running or removed */
	bool running;
	bool removed;
	loop_timer_cb cb;
	void *arg;
};

struct loop_hook {
	bool dead;
	loop_hook_cb cb;
	void *arg;
};

#define NOT_IN_HEAP SIZE_MAX

struct loop {
	struct loop_watch **watches;
	size_t nwatches, capwatches;
	bool watches_dirty;

	struct pollfd *pfds;
	size_t cappfds;

	struct loop_timer **heap;
	size_t nheap, capheap;
	uint64_t next_seq;

	struct loop_hook **hooks;
	size_t nhooks, caphooks;
	bool hooks_dirty;

	uint64_t now;
	bool stopped;
};

uint64_t loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_ms(const struct loop *loop)
{
	return loop->now;
}

/* Grows *array (of elem-sized elements) to hold need; memory comes from
 * xmalloc, so this cannot fail. */
static void grow_array(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	*array = xreallocarray(*array, ncap, elem);
	*cap = ncap;
}

struct loop *loop_new(void)
{
	struct loop *loop = xcalloc(1, sizeof *loop);

	loop->now = loop_clock_ms();
	return loop;
}

void loop_free(struct loop *loop)
{
	size_t i;

	if (loop == NULL)
		return;
	for (i = 0; i < loop->nwatches; i++)
		free(loop->watches[i]);
	for (i = 0; i < loop->nheap; i++)
		free(loop->heap[i]);
	for (i = 0; i < loop->nhooks; i++)
		free(loop->hooks[i]);
	free(loop->watches);
	free(loop->pfds);
	free(loop->heap);
	free(loop->hooks);
	free(loop);
}

/* ---- fd watchers ------------------------------------------------------ */

struct loop_watch *loop_watch_add(struct loop *loop, int fd, unsigned interest,
                                  loop_watch_cb cb, void *arg)
{
	struct loop_watch *w;

	if (fd < 0 || cb == NULL)
		return NULL;
	grow_array((void **)&loop->watches, &loop->capwatches,
	           loop->nwatches + 1, sizeof *loop->watches);
	w = xcalloc(1, sizeof *w);
	w->loop = loop;
	w->fd = fd;
	w->interest = interest & (LOOP_READ | LOOP_WRITE);
	w->cb = cb;
	w->arg = arg;
	loop->watches[loop->nwatches++] = w;
	return w;
}

void loop_watch_set_interest(struct loop_watch *watch, unsigned interest)
{
	watch->interest = interest & (LOOP_READ | LOOP_WRITE);
}

unsigned loop_watch_interest(const struct loop_watch *watch)
{
	return watch->interest;
}

void loop_watch_remove(struct loop_watch *watch)
{
	if (watch == NULL)
		return;
	watch->dead = true;
	watch->interest = 0;
	watch->loop->watches_dirty = true;
}

static void compact_watches(struct loop *loop)
{
	size_t i, j = 0;

	if (!loop->watches_dirty)
		return;
	for (i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i]->dead)
			free(loop->watches[i]);
		else
			loop->watches[j++] = loop->watches[i];
	}
	loop->nwatches = j;
	loop->watches_dirty = false;
}

/* ---- timers: a min-heap on (deadline, seq) ---------------------------- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void heap_place(struct loop *loop, size_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void heap_sift_up(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void heap_sift_down(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap &&
		    timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, t);
}

static void heap_push(struct loop *loop, struct loop_timer *t)
{
	grow_array((void **)&loop->heap, &loop->capheap, loop->nheap + 1,
	           sizeof *loop->heap);
	loop->heap[loop->nheap] = t;
	t->heap_index = loop->nheap++;
	heap_sift_up(loop, t->heap_index);
}

static void heap_delete(struct loop *loop, struct loop_timer *t)
{
	size_t i = t->heap_index;
	struct loop_timer *last = loop->heap[--loop->nheap];

	t->heap_index = NOT_IN_HEAP;
	if (last == t)
		return;
	heap_place(loop, i, last);
	if (i > 0 && timer_before(last, loop->heap[(i - 1) / 2]))
		heap_sift_up(loop, i);
	else
		heap_sift_down(loop, i);
}

struct loop_timer *loop_timer_add(struct loop *loop, uint64_t delay_ms,
                                  uint64_t interval_ms, loop_timer_cb cb,
                                  void *arg)
{
	struct loop_timer *t;

	if (cb == NULL)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	/* From now, not from the start of this iteration: a timeout armed
	 * late in a slow iteration must not fire early. */
	loop->now = loop_clock_ms();
	t->deadline = loop->now + delay_ms;
	t->interval = interval_ms;
	t->seq = loop->next_seq++;
	t->cb = cb;
	t->arg = arg;
	heap_push(loop, t);
	return t;
}

void loop_timer_remove(struct loop_timer *timer)
{
	if (timer == NULL)
		return;
	if (timer->running) {
		/* Freed by the dispatcher once the callback returns. */
		timer->removed = true;
		return;
	}
	if (timer->heap_index != NOT_IN_HEAP)
		heap_delete(timer->loop, timer);
	free(timer);
}

uint64_t loop_timer_remaining_ms(const struct loop_timer *timer)
{
	uint64_t now = timer->loop->now;

	return timer->deadline > now ? timer->deadline - now : 0;
}

/* Runs the timers due now that existed when this pass began. */
static int run_due_timers(struct loop *loop)
{
	uint64_t seq_limit = loop->next_seq;
	int ran = 0;

	while (loop->nheap > 0) {
		struct loop_timer *t = loop->heap[0];

		if (t->deadline > loop->now || t->seq >= seq_limit)
			break;
		heap_delete(loop, t);
		t->running = true;
		t->cb(t, t->arg);
		t->running = false;
		ran++;
		if (t->removed || t->interval == 0) {
			free(t);
			continue;
		}
		/* Keep the cadence, but never schedule into the past. */
		t->deadline += t->interval;
		if (t->deadline <= loop->now)
			t->deadline = loop->now + t->interval;
		t->seq = loop->next_seq++;
		/* Cannot fail: a repeating timer is never freed behind its
		 * owner's back. */
		heap_push(loop, t);
	}
	return ran;
}

/* ---- before-sleep hooks ----------------------------------------------- */

struct loop_hook *loop_hook_add(struct loop *loop, loop_hook_cb cb, void *arg)
{
	struct loop_hook *h;

	if (cb == NULL)
		return NULL;
	grow_array((void **)&loop->hooks, &loop->caphooks, loop->nhooks + 1,
	           sizeof *loop->hooks);
	h = xcalloc(1, sizeof *h);
	h->cb = cb;
	h->arg = arg;
	loop->hooks[loop->nhooks++] = h;
	return h;
}

void loop_hook_remove(struct loop_hook *hook)
{
	if (hook != NULL)
		hook->dead = true;
}

static void run_hooks(struct loop *loop)
{
	size_t i, j = 0, n = loop->nhooks;

	for (i = 0; i < n; i++) {
		struct loop_hook *h = loop->hooks[i];

		if (!h->dead)
			h->cb(loop, h->arg);
	}
	/* Compact after the pass, so a hook may remove any hook safely. */
	for (i = 0; i < loop->nhooks; i++) {
		if (loop->hooks[i]->dead)
			free(loop->hooks[i]);
		else
			loop->hooks[j++] = loop->hooks[i];
	}
	loop->nhooks = j;
}

/* ---- the iteration ---------------------------------------------------- */

static int poll_timeout(const struct loop *loop, int max_wait_ms)
{
	uint64_t wait;

	if (loop->nheap == 0)
		return max_wait_ms;
	wait = loop->heap[0]->deadline > loop->now
	       ? loop->heap[0]->deadline - loop->now : 0;
	if (wait > INT_MAX)
		wait = INT_MAX;
	if (max_wait_ms >= 0 && (uint64_t)max_wait_ms < wait)
		return max_wait_ms;
	return (int)wait;
}

static unsigned events_from_revents(short revents)
{
	unsigned ev = 0;

	if (revents & POLLIN)
		ev |= LOOP_READ;
	if (revents & POLLOUT)
		ev |= LOOP_WRITE;
	if (revents & (POLLHUP | POLLERR | POLLNVAL))
		ev |= LOOP_ERROR;
	return ev;
}

int loop_run_once(struct loop *loop, int max_wait_ms)
{
	size_t i, npoll;
	int ready, ran = 0;

	loop->now = loop_clock_ms();
	run_hooks(loop);
	compact_watches(loop);

	npoll = loop->nwatches;
	grow_array((void **)&loop->pfds, &loop->cappfds, npoll ? npoll : 1,
	           sizeof *loop->pfds);
	for (i = 0; i < npoll; i++) {
		struct loop_watch *w = loop->watches[i];

		/* A negative fd makes poll() skip the slot but keep the index. */
		loop->pfds[i].fd = w->interest ? w->fd : -1;
		loop->pfds[i].events = (short)(((w->interest & LOOP_READ) ? POLLIN : 0) |
		                       ((w->interest & LOOP_WRITE) ? POLLOUT : 0));
		loop->pfds[i].revents = 0;
	}

	ready = poll(loop->pfds, (nfds_t)npoll, poll_timeout(loop, max_wait_ms));
	if (ready < 0 && errno != EINTR)
		return -1;
	loop->now = loop_clock_ms();

	for (i = 0; ready > 0 && i < npoll; i++) {
		struct loop_watch *w = loop->watches[i];
		unsigned ev;

		if (loop->pfds[i].revents == 0)
			continue;
		ready--;
		ev = events_from_revents(loop->pfds[i].revents);
		/* Re-check: an earlier callback may have removed this watcher
		 * or changed what it waits for. */
		if (w->dead || w->interest == 0)
			continue;
		if (ev & LOOP_ERROR)
			ev |= w->interest & LOOP_READ;
		ev &= w->interest | LOOP_ERROR;
		if (ev == 0)
			continue;
		w->cb(w, w->fd, ev, w->arg);
		ran++;
	}

	ran += run_due_timers(loop);
	compact_watches(loop);
	return ran;
}

static bool loop_has_work(const struct loop *loop)
{
	size_t i;

	if (loop->nheap > 0)
		return true;
	for (i = 0; i < loop->nwatches; i++)
		if (!loop->watches[i]->dead && loop->watches[i]->interest)
			return true;
	return false;
}

int loop_run(struct loop *loop)
{
	loop->stopped = false;
	while (!loop->stopped && loop_has_work(loop)) {
		if (loop_run_once(loop, -1) < 0)
			return -1;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stopped = true;
}
