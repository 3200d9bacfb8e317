/* mem.h — allocation that aborts with file:line on out-of-memory (llm.c's mallocCheck).
 * Input-driven sizes must be validated by the caller before they reach these. */
#ifndef CM_MEM_H
#define CM_MEM_H

#include <stddef.h>

void *cm_malloc_at(size_t n, const char *file, int line);
void *cm_calloc_at(size_t n, size_t size, const char *file, int line);
void *cm_realloc_at(void *p, size_t n, const char *file, int line);
char *cm_strdup_at(const char *s, const char *file, int line);
char *cm_strndup_at(const char *s, size_t n, const char *file, int line);

/* A scratch buffer of at least need bytes at *p, *have its size: reallocated (contents not
 * kept) only when too small; for buffers kept from call to call. */
void *cm_grow_at(void **p, size_t *have, size_t need, const char *file, int line);

#define cm_malloc(n) cm_malloc_at((n), __FILE__, __LINE__)
#define cm_calloc(n, s) cm_calloc_at((n), (s), __FILE__, __LINE__)
#define cm_realloc(p, n) cm_realloc_at((p), (n), __FILE__, __LINE__)
#define cm_grow(p, have, need) cm_grow_at((p), (have), (need), __FILE__, __LINE__)
#define cm_strdup(s) cm_strdup_at((s), __FILE__, __LINE__)
#define cm_strndup(s, n) cm_strndup_at((s), (n), __FILE__, __LINE__)

#endif
