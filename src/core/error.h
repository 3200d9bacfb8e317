/* error.h — the library half of chatmpi's two-tier errors.
 *
 * Library functions return int: 0 on success, a negative CM_E* code on failure, after
 * setting a message (and optionally a hint) with cm_error_set / cm_error_hint. Only
 * src/cli turns these into printed messages and exit codes. Messages follow the form
 * "cannot read 'x.gguf': truncated tensor data at offset 4096": lowercase, problem first,
 * subject quoted. The message buffer is thread-local.
 */
#ifndef CM_ERROR_H
#define CM_ERROR_H

#include <stdio.h>
#include <stdlib.h>

enum cm_error_code {
    CM_OK = 0,
    CM_EINVAL = -1,  /* bad input (file content, argument) */
    CM_EIO = -2,     /* a system call failed on a file */
    CM_EFORMAT = -3, /* malformed file */
    CM_ENOMEM = -4,
    CM_EENV = -5,    /* the environment lacks something (compiler, MPI) */
    CM_EINTERNAL = -6,
};

/* Sets the message (printf-style) and clears the hint; returns code for `return cm_error_set(...)`. */
int cm_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets a hint line shown after the message: how to fix it, when that is knowable. */
void cm_error_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cm_error_message(void); /* borrowed; "" when none */
const char *cm_error_hint_text(void); /* borrowed; "" when none */
void cm_error_clear(void);

/* Broken invariants and out-of-memory: abort with file:line (never used for input errors). */
#define CM_ASSERT(x)                                                                       \
    do {                                                                                   \
        if (!(x)) {                                                                        \
            fprintf(stderr, "chatmpi: internal error at %s:%d: %s\n", __FILE__, __LINE__, #x); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#endif
