/*
 * report_file.c — a report file written whole or not at all (report.h).
 *
 * The report goes to a temporary file next to the one asked for (same
 * directory, so rename() is atomic), created 0600 by mkstemp(); at the end
 * it is flushed, synced and renamed over the name. A reader never sees
 * half a report, an old report stays whole until the new one replaces it,
 * and a run that fails leaves no temporary file behind. Whatever can be
 * checked is checked at open, before any probing starts: the name is not a
 * directory nor any other non-regular file, and its directory is writable.
 */
#include "mailflow/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailflow/xmalloc.h"

int report_path_is_html(const char *path)
{
	size_t n = strlen(path);

	return (n >= 5 && strcasecmp(path + n - 5, ".html") == 0) ||
	       (n >= 4 && strcasecmp(path + n - 4, ".htm") == 0);
}

/* The directory part of path ("." when it has none). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

int report_file_open(struct report_file *rf, const char *path, char **cause)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	char *dir;
	int fd;

	memset(rf, 0, sizeof *rf);
	base = base != NULL ? base + 1 : path;
	if (path[0] == '\0' || base[0] == '\0') {
		*cause = xasprintf("--report %s: not a file name", path);
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*cause = xasprintf("--report %s: is a directory (give a file name)", path);
		return -1;
	}
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		*cause = xasprintf("--report %s: not a regular file", path);
		return -1;
	}
	dir = dir_of(path);
	if (stat(dir, &st) != 0) {
		*cause = xasprintf("--report %s: %s: %s", path, dir, strerror(errno));
		free(dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*cause = xasprintf("--report %s: %s is not a directory", path, dir);
		free(dir);
		return -1;
	}
	rf->tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	/* mkstemp() creates the file 0600, whatever the umask. */
	if ((fd = mkstemp(rf->tmp)) < 0 || (rf->f = fdopen(fd, "w")) == NULL) {
		*cause = xasprintf("--report %s: cannot write in %s: %s", path, dir,
		                   strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(rf->tmp);
		}
		free(dir);
		free(rf->tmp);
		rf->tmp = NULL;
		return -1;
	}
	free(dir);
	rf->path = xstrdup(path);
	return 0;
}

int report_file_commit(struct report_file *rf, char **cause)
{
	int rc = 0;

	if (rf->f == NULL)
		return 0;
	if (fflush(rf->f) != 0 || fsync(fileno(rf->f)) != 0 || ferror(rf->f)) {
		*cause = xasprintf("--report %s: %s", rf->path, strerror(errno));
		rc = -1;
	}
	if (fclose(rf->f) != 0 && rc == 0) {
		*cause = xasprintf("--report %s: %s", rf->path, strerror(errno));
		rc = -1;
	}
	rf->f = NULL;
	if (rc == 0 && rename(rf->tmp, rf->path) != 0) {
		*cause = xasprintf("--report %s: %s", rf->path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(rf->tmp);
	free(rf->tmp);
	free(rf->path);
	rf->tmp = rf->path = NULL;
	return rc;
}

void report_file_abort(struct report_file *rf)
{
	if (rf->f != NULL) {
		fclose(rf->f);
		unlink(rf->tmp);
	}
	rf->f = NULL;
	free(rf->tmp);
	free(rf->path);
	rf->tmp = rf->path = NULL;
}
