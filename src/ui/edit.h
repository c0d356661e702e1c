/*
 * edit — an input line with the editing keys of a shell: Left/Right,
 * Home/End and ^A/^E, Backspace/Delete, ^U (kill to the start), ^W (kill
 * a word), and bytes as typed. The line may hold a password: edit_clear()
 * wipes it.
 */
#ifndef MAILFLOW_UI_EDIT_H
#define MAILFLOW_UI_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define EDIT_MAX 1024

struct edit {
	char line[EDIT_MAX];            /* not NUL-terminated: len bytes */
	size_t len, cur;
};

/* An editing key: true when it was one (and the line may have changed). */
bool edit_key(struct edit *e, int ch);
/* Replaces the line (the cursor at its end). */
void edit_set(struct edit *e, const char *s);
/* Moves the line out as a string into out (size EDIT_MAX) and wipes it. */
void edit_take(struct edit *e, char *out);
void edit_clear(struct edit *e);

#endif
