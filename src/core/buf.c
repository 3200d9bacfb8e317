/* buf.c — growable buffer and string list (see buf.h). */
#include "core/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void cm_buf_init(struct cm_buf *b) { b->data = NULL, b->len = b->cap = 0; }

void cm_buf_release(struct cm_buf *b)
{
    free(b->data);
    cm_buf_init(b);
}

void cm_buf_reset(struct cm_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static void reserve(struct cm_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->data = cm_realloc(b->data, cap);
    b->cap = cap;
}

void cm_buf_append(struct cm_buf *b, const void *p, size_t n)
{
    reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cm_buf_puts(struct cm_buf *b, const char *s) { cm_buf_append(b, s, strlen(s)); }

void cm_buf_vprintf(struct cm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cm_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *cm_buf_detach(struct cm_buf *b)
{
    char *p = b->data ? b->data : cm_strdup("");
    cm_buf_init(b);
    return p;
}

void cm_strlist_init(struct cm_strlist *l) { l->items = NULL, l->n = l->cap = 0; }

void cm_strlist_release(struct cm_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    cm_strlist_init(l);
}

void cm_strlist_push_owned(struct cm_strlist *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->items = cm_realloc(l->items, l->cap * sizeof(*l->items));
    }
    l->items[l->n++] = s;
}

void cm_strlist_push(struct cm_strlist *l, const char *s) { cm_strlist_push_owned(l, cm_strdup(s)); }

void cm_strlist_split_ws(struct cm_strlist *l, const char *s)
{
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        const char *t = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (s > t) cm_strlist_push_owned(l, cm_strndup(t, (size_t)(s - t)));
    }
}

void cm_buf_put_utf8(struct cm_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++) ok = (p[i + k] & 0xC0) == 0x80;
        if (ok && len > 1) { /* no overlong forms, surrogates or code points past U+10FFFF */
            unsigned cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
            for (size_t k = 1; k < len; k++) cp = cp << 6 | (p[i + k] & 0x3F);
            ok = !((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                   (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF);
        }
        if (ok) {
            cm_buf_append(b, p + i, len);
            i += len;
        } else {
            cm_buf_append(b, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}
