/*
 * benchtime — run a command, then write its cost as one line to a file:
 *
 *   benchtime OUTFILE COMMAND [ARG...]
 *   OUTFILE: "wall_us user_us sys_us maxrss_kb status"
 *
 * For make bench (tests/bench/run). /usr/bin/time counts CPU in 10 ms
 * steps, too coarse for a check that costs a few milliseconds; wait4()
 * gives microseconds. The times and peak RSS are the command's and those
 * of the children it waited for (a shell loop of swaks counts them all).
 * Exits with the command's status (128 + N for signal N), 127 when it
 * cannot be run, 2 for bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us_of(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, rc;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fputs("usage: benchtime OUTFILE COMMAND [ARG...]\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("benchtime: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "benchtime: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("benchtime: wait4");
			return 127;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if ((out = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "benchtime: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	fprintf(out, "%lld %lld %lld %ld %d\n",
	        (long long)(t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000,
	        us_of(ru.ru_utime), us_of(ru.ru_stime), ru.ru_maxrss, rc);
	if (fclose(out) != 0) {
		fprintf(stderr, "benchtime: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	return rc;
}
