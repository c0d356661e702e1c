/*
 * debug — the developer's trace (--debug FILE): one timestamped line per
 * event worth following (SMTP state transitions, DNS queries...). Off by
 * default; while it is off debug_log() costs one test. Never give it
 * credentials: callers log states and names, not command lines.
 */
#ifndef MAILFLOW_DEBUG_H
#define MAILFLOW_DEBUG_H

/* Opens (truncates) path for the trace; -1 with *cause set. */
int debug_open(const char *path, char **cause);
void debug_close(void);
int debug_enabled(void);
void debug_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
