/* mem.c — checked allocation (see mem.h). */
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n, const char *file, int line)
{
    fprintf(stderr, "chatmpi: out of memory allocating %zu bytes at %s:%d\n", n, file, line);
    abort();
}

void *cm_malloc_at(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n, file, line);
    return p;
}

void *cm_calloc_at(size_t n, size_t size, const char *file, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size, file, line);
    return p;
}

void *cm_realloc_at(void *p, size_t n, const char *file, int line)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n, file, line);
    return q;
}

void *cm_grow_at(void **p, size_t *have, size_t need, const char *file, int line)
{
    if (need > *have) {
        free(*p);
        *p = cm_malloc_at(need, file, line);
        *have = need;
    }
    return *p;
}

char *cm_strdup_at(const char *s, const char *file, int line)
{
    return cm_strndup_at(s, strlen(s), file, line);
}

char *cm_strndup_at(const char *s, size_t n, const char *file, int line)
{
    char *p = cm_malloc_at(n + 1, file, line);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
