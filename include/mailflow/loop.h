/*
 * loop — the single poll() event loop every other module runs on.
 *
 * One loop per process. Event sources:
 *   - fd watchers: an fd and an interest set (LOOP_READ, LOOP_WRITE) that may
 *     change at any time; interest 0 keeps the watcher but stops polling it.
 *   - timers on the monotonic clock, one-shot or repeating, millisecond
 *     resolution; timers due at the same moment fire in the order they were
 *     added.
 *   - before-sleep hooks, run once per iteration just before poll() (the
 *     place to redraw a screen or to re-arm a resolver's timeout).
 *
 * Call protocol:
 *   - Any callback may add or remove any watcher, timer or hook, itself
 *     included. Before each callback the loop checks that the event is still
 *     wanted: a watcher removed (or whose interest was dropped) earlier in the
 *     same iteration is not called.
 *   - loop_watch_remove() / loop_timer_remove() / loop_hook_remove() release
 *     the handle; do not use it afterwards. A one-shot timer releases itself
 *     after its callback returns: forget the handle in the callback.
 *   - Remove a watcher before closing its fd (a closed fd polls as an error).
 *   - POLLHUP / POLLERR / POLLNVAL are reported as LOOP_ERROR, together with
 *     LOOP_READ when read interest is set, so a reader sees the EOF itself.
 *
 * Errors: memory comes from xmalloc (no allocation failure to handle);
 * constructors return NULL only for bad arguments;
 * loop_run() returns -1 (errno set) only if poll() itself fails.
 */
#ifndef MAILFLOW_LOOP_H
#define MAILFLOW_LOOP_H

#include <stdint.h>

#define LOOP_READ  0x1u
#define LOOP_WRITE 0x2u
#define LOOP_ERROR 0x4u

struct loop;
struct loop_watch;
struct loop_timer;
struct loop_hook;

typedef void (*loop_watch_cb)(struct loop_watch *watch, int fd,
                              unsigned events, void *arg);
typedef void (*loop_timer_cb)(struct loop_timer *timer, void *arg);
typedef void (*loop_hook_cb)(struct loop *loop, void *arg);

struct loop *loop_new(void);
/* Frees the loop and every watcher, timer and hook still registered. */
void loop_free(struct loop *loop);

struct loop_watch *loop_watch_add(struct loop *loop, int fd, unsigned interest,
                                  loop_watch_cb cb, void *arg);
void loop_watch_set_interest(struct loop_watch *watch, unsigned interest);
unsigned loop_watch_interest(const struct loop_watch *watch);
void loop_watch_remove(struct loop_watch *watch);

/* Fires after delay_ms; then every interval_ms if interval_ms > 0. */
struct loop_timer *loop_timer_add(struct loop *loop, uint64_t delay_ms,
                                  uint64_t interval_ms, loop_timer_cb cb,
                                  void *arg);
void loop_timer_remove(struct loop_timer *timer);
/* Milliseconds until the timer is due (0 if overdue). */
uint64_t loop_timer_remaining_ms(const struct loop_timer *timer);

struct loop_hook *loop_hook_add(struct loop *loop, loop_hook_cb cb, void *arg);
void loop_hook_remove(struct loop_hook *hook);

/*
 * Runs iterations until loop_stop() is called or nothing is left to wait
 * for (no watcher with interest and no timer). Returns 0, or -1 on a poll()
 * failure other than EINTR.
 */
int loop_run(struct loop *loop);
/*
 * One iteration: hooks, poll() for at most max_wait_ms (-1: until the next
 * timer or event), fd callbacks, due timers. Returns the number of callbacks
 * run, or -1 on a poll() failure other than EINTR.
 */
int loop_run_once(struct loop *loop, int max_wait_ms);
void loop_stop(struct loop *loop);

/* The loop's clock: monotonic milliseconds, sampled once per iteration. */
uint64_t loop_now_ms(const struct loop *loop);
/* A fresh monotonic reading, for measuring durations inside a callback. */
uint64_t loop_clock_ms(void);

#endif
