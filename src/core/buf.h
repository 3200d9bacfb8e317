/* buf.h — growable byte buffer, always NUL-terminated; and a list of owned strings. */
#ifndef CM_BUF_H
#define CM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct cm_buf {
    char *data; /* NUL-terminated when non-NULL; owned */
    size_t len;
    size_t cap;
};

void cm_buf_init(struct cm_buf *b);
void cm_buf_release(struct cm_buf *b);
/* Empties b, keeping its memory. */
void cm_buf_reset(struct cm_buf *b);
void cm_buf_append(struct cm_buf *b, const void *p, size_t n);
void cm_buf_puts(struct cm_buf *b, const char *s);
void cm_buf_printf(struct cm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cm_buf_vprintf(struct cm_buf *b, const char *fmt, va_list ap);
/* Returns the contents (caller owns, never NULL) and leaves b empty. */
char *cm_buf_detach(struct cm_buf *b);
/* Appends s[0..n) with every byte that is not part of valid UTF-8 replaced by U+FFFD (for
 * JSON, whose strings must be UTF-8: a model's or a program's output may not be). */
void cm_buf_put_utf8(struct cm_buf *b, const char *s, size_t n);

struct cm_strlist {
    char **items; /* owned strings */
    size_t n;
    size_t cap;
};

void cm_strlist_init(struct cm_strlist *l);
void cm_strlist_release(struct cm_strlist *l);
void cm_strlist_push(struct cm_strlist *l, const char *s); /* copies s */
void cm_strlist_push_owned(struct cm_strlist *l, char *s); /* takes s */

/* Splits s on ASCII whitespace into l (appending). */
void cm_strlist_split_ws(struct cm_strlist *l, const char *s);

#endif
