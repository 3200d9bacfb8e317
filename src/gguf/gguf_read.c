/* gguf_read.c — the GGUF reader (see gguf.h).
 *
 * The file is untrusted. Every read goes through need(), which compares against the
 * bytes left, so no length or count from the file is used before it is known to fit.
 * Counts are bounded twice: by the least bytes each item takes (a count that cannot fit
 * in the rest of the file is refused before any allocation) and by fixed caps, so the
 * memory spent on a file is a small multiple of its size. Arrays nest at most
 * GGUF_MAX_DEPTH deep. Tensor dimensions and byte sizes are checked for overflow, data
 * offsets for alignment, bounds and overlap; keys and tensor names for duplicates.
 * Left out: big-endian files and GGUF v1 (refused with a message), lazy parsing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

#define GGUF_MAX_DEPTH 8
#define GGUF_MAX_KEY 65535
#define GGUF_MAX_TENSOR_NAME 1024
#define GGUF_MAX_KV ((uint64_t)1 << 20)
#define GGUF_MAX_TENSORS ((uint64_t)1 << 20)
#define GGUF_MAX_ITEMS ((uint64_t)1 << 24) /* strings and nested arrays inside arrays, in all */

struct parser {
    const uint8_t *base;
    uint64_t size, pos;
    const char *name;    /* the file, for messages */
    const char *key;     /* the key being parsed, for messages */
    uint64_t items_left; /* GGUF_MAX_ITEMS budget */
};

typedef unsigned long long ull;

__attribute__((format(printf, 2, 3))) static int bad(const struct parser *p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cm_error_set(CM_EFORMAT, "cannot read '%s': %s", p->name, msg);
}

static int need(struct parser *p, uint64_t n, const char *what)
{
    if (n <= p->size - p->pos) return 0;
    return bad(p, "truncated %s at offset %llu (the file ends at %llu)", what, (ull)p->pos, (ull)p->size);
}

static uint64_t le(const uint8_t *q, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | q[i];
    return v;
}

static int rd_uint(struct parser *p, int n, uint64_t *v, const char *what)
{
    int rc = need(p, (uint64_t)n, what);
    if (rc) return rc;
    *v = le(p->base + p->pos, n);
    p->pos += (uint64_t)n;
    return 0;
}

static int rd_u32(struct parser *p, uint32_t *v, const char *what)
{
    uint64_t x = 0;
    int rc = rd_uint(p, 4, &x, what);
    *v = (uint32_t)x;
    return rc;
}

static int rd_str(struct parser *p, struct gguf_str *s, uint64_t max, const char *what)
{
    uint64_t at = p->pos, len = 0;
    char lwhat[96];
    snprintf(lwhat, sizeof(lwhat), "%s length", what);
    int rc = rd_uint(p, 8, &len, lwhat);
    if (rc) return rc;
    if (len > p->size - p->pos) return bad(p, "%s length %llu at offset %llu exceeds the file", what, (ull)len, (ull)at);
    if (len > max)
        return bad(p, "%s length %llu at offset %llu exceeds the limit of %llu bytes", what, (ull)len, (ull)at, (ull)max);
    s->data = (const char *)p->base + p->pos;
    s->len = len;
    p->pos += len;
    return 0;
}

size_t gguf_type_size(enum gguf_type t)
{
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

const char *gguf_type_name(enum gguf_type t)
{
    static const char *const names[GGUF_TYPE_COUNT] = {"u8",  "i8",  "u16", "i16", "u32", "i32", "f32",
                                                       "bool", "str", "arr", "u64", "i64", "f64"};
    return (unsigned)t < GGUF_TYPE_COUNT ? names[t] : "?";
}

static int is_signed(enum gguf_type t)
{
    return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64;
}

/* Decodes a fixed-size value at q (known to be in bounds). */
static void decode_fixed(enum gguf_type t, const uint8_t *q, uint64_t *u, int64_t *i, double *f)
{
    size_t n = gguf_type_size(t);
    uint64_t raw = le(q, (int)n);
    if (t == GGUF_TYPE_FLOAT32) {
        float x;
        uint32_t r = (uint32_t)raw;
        memcpy(&x, &r, 4);
        *f = x;
    } else if (t == GGUF_TYPE_FLOAT64) {
        memcpy(f, &raw, 8);
    } else if (is_signed(t)) {
        int sh = 64 - 8 * (int)n; /* sign-extend */
        *i = (int64_t)(raw << sh) >> sh;
    } else {
        *u = raw;
    }
}

static void free_arr(struct gguf_arr *a)
{
    if (a->arrs)
        for (uint64_t i = 0; i < a->n; i++) free_arr(&a->arrs[i]);
    free(a->arrs);
    free(a->strs);
    a->arrs = NULL, a->strs = NULL;
}

static int check_bool(struct parser *p, const uint8_t *q, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (q[i] > 1)
            return bad(p, "bool value %u of key '%s' at offset %llu is neither 0 nor 1", q[i], p->key,
                       (ull)(q + i - p->base));
    return 0;
}

static int parse_arr(struct parser *p, struct gguf_arr *a, int depth)
{
    uint64_t at = p->pos, n = 0;
    uint32_t et = 0;
    memset(a, 0, sizeof(*a));
    int rc = rd_u32(p, &et, "array element type");
    if (!rc) rc = rd_uint(p, 8, &n, "array length");
    if (rc) return rc;
    if (et >= GGUF_TYPE_COUNT)
        return bad(p, "unknown array element type %u of key '%s' at offset %llu", et, p->key, (ull)at);
    a->type = (enum gguf_type)et;
    uint64_t left = p->size - p->pos;
    size_t es = gguf_type_size(a->type);
    if (es) {
        if (n > left / es)
            return bad(p, "array length %llu of key '%s' at offset %llu exceeds the file", (ull)n, p->key, (ull)at);
        a->data = p->base + p->pos;
        if (a->type == GGUF_TYPE_BOOL && (rc = check_bool(p, p->base + p->pos, n))) return rc;
        a->n = n;
        p->pos += n * es;
        return 0;
    }
    /* strings take at least 8 bytes each, nested arrays at least 12 */
    uint64_t min = a->type == GGUF_TYPE_STRING ? 8 : 12;
    if (n > left / min)
        return bad(p, "array length %llu of key '%s' at offset %llu exceeds the file", (ull)n, p->key, (ull)at);
    if (n > p->items_left)
        return bad(p, "array length %llu of key '%s' at offset %llu exceeds the limit of %llu items", (ull)n,
                   p->key, (ull)at, (ull)GGUF_MAX_ITEMS);
    if (a->type == GGUF_TYPE_ARRAY && depth + 1 >= GGUF_MAX_DEPTH)
        return bad(p, "arrays of key '%s' nest deeper than %d levels at offset %llu", p->key, GGUF_MAX_DEPTH, (ull)at);
    p->items_left -= n;
    a->n = n;
    if (a->type == GGUF_TYPE_STRING) {
        a->strs = cm_calloc(n ? n : 1, sizeof(*a->strs));
        for (uint64_t i = 0; i < n && !rc; i++) rc = rd_str(p, &a->strs[i], UINT64_MAX, "string");
    } else {
        a->arrs = cm_calloc(n ? n : 1, sizeof(*a->arrs));
        for (uint64_t i = 0; i < n && !rc; i++) rc = parse_arr(p, &a->arrs[i], depth + 1);
    }
    if (rc) free_arr(a);
    return rc;
}

/* Parses the value of kv (type already read). */
static int parse_value(struct parser *p, struct gguf_kv *kv)
{
    int rc;
    uint64_t at = p->pos;
    size_t es = gguf_type_size(kv->type);
    if (es) {
        if ((rc = need(p, es, "value"))) return rc;
        if (kv->type == GGUF_TYPE_BOOL && (rc = check_bool(p, p->base + p->pos, 1))) return rc;
        decode_fixed(kv->type, p->base + p->pos, &kv->v.u, &kv->v.i, &kv->v.f);
        p->pos += es;
        return 0;
    }
    if (kv->type == GGUF_TYPE_STRING) return rd_str(p, &kv->str, UINT64_MAX, "string");
    if (kv->type == GGUF_TYPE_ARRAY) return parse_arr(p, &kv->arr, 0);
    return bad(p, "unknown value type %u of key '%s' at offset %llu", (unsigned)kv->type, p->key, (ull)at);
}

int gguf_check_value(enum gguf_type type, const void *bytes, size_t len, size_t *used)
{
    struct parser p = {bytes, len, 0, "encoded value", "value", GGUF_MAX_ITEMS};
    struct gguf_kv kv;
    memset(&kv, 0, sizeof(kv));
    kv.type = type;
    int rc = parse_value(&p, &kv);
    free_arr(&kv.arr);
    if (!rc) *used = (size_t)p.pos;
    return rc;
}

static int cmp_tensor_name(const void *a, const void *b, void *ctx)
{
    const struct gguf *g = ctx;
    return strcmp(g->tensors[*(const size_t *)a].name, g->tensors[*(const size_t *)b].name);
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
    const struct gguf *g = ctx;
    return strcmp(g->kv[*(const size_t *)a].key, g->kv[*(const size_t *)b].key);
}

static int cmp_tensor_offset(const void *a, const void *b, void *ctx)
{
    const struct gguf *g = ctx;
    const struct gguf_tensor *x = &g->tensors[*(const size_t *)a], *y = &g->tensors[*(const size_t *)b];
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static size_t *sorted_index(struct gguf *g, size_t n, int (*cmp)(const void *, const void *, void *))
{
    size_t *idx = cm_malloc((n ? n : 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++) idx[i] = i;
    qsort_r(idx, n, sizeof(size_t), cmp, g);
    return idx;
}

static char *copy_name(struct parser *p, struct gguf_str s, uint64_t at, const char *what)
{
    if (memchr(s.data, '\0', s.len)) {
        bad(p, "%s at offset %llu contains a NUL byte", what, (ull)at);
        return NULL;
    }
    return cm_strndup(s.data, s.len);
}

static int parse_header(struct parser *p, struct gguf *g, uint64_t *n_tensors, uint64_t *n_kv)
{
    int rc = need(p, 4, "magic");
    if (rc) return rc;
    if (memcmp(p->base, GGUF_MAGIC, 4)) {
        char m[20];
        snprintf(m, sizeof(m), "%02x %02x %02x %02x", p->base[0], p->base[1], p->base[2], p->base[3]);
        rc = bad(p, "not a GGUF file (magic bytes %s at offset 0)", m);
        cm_error_hint("a GGUF file starts with the bytes 'GGUF'; convert the model with llama.cpp's tools");
        return rc;
    }
    p->pos = 4;
    if ((rc = rd_u32(p, &g->version, "version"))) return rc;
    if (g->version == 0x02000000u || g->version == 0x03000000u)
        return bad(p, "big-endian GGUF files are not supported (version at offset 4)");
    if (g->version == 1) return bad(p, "GGUF version 1 is not supported (version at offset 4)");
    if (g->version != 2 && g->version != 3)
        return bad(p, "unsupported GGUF version %u at offset 4 (this reader knows 2 and 3)", g->version);
    uint64_t at = p->pos;
    if ((rc = rd_uint(p, 8, n_tensors, "tensor count"))) return rc;
    if ((rc = rd_uint(p, 8, n_kv, "key-value count"))) return rc;
    uint64_t left = p->size - p->pos;
    if (*n_kv > left / 13 || *n_kv > GGUF_MAX_KV)
        return bad(p, "key-value count %llu at offset %llu exceeds the file", (ull)*n_kv, (ull)(at + 8));
    if (*n_tensors > left / 24 || *n_tensors > GGUF_MAX_TENSORS)
        return bad(p, "tensor count %llu at offset %llu exceeds the file", (ull)*n_tensors, (ull)at);
    return 0;
}

static int parse_kvs(struct parser *p, struct gguf *g, uint64_t n_kv)
{
    int rc = 0;
    g->kv = cm_calloc(n_kv ? n_kv : 1, sizeof(*g->kv));
    for (uint64_t i = 0; i < n_kv; i++) {
        struct gguf_kv *kv = &g->kv[i];
        struct gguf_str key;
        uint32_t type;
        kv->offset = p->pos;
        if ((rc = rd_str(p, &key, GGUF_MAX_KEY, "key"))) return rc;
        if (!(kv->key = copy_name(p, key, kv->offset, "key"))) return CM_EFORMAT;
        g->n_kv = (size_t)i + 1;
        p->key = kv->key;
        uint64_t tat = p->pos;
        if ((rc = rd_u32(p, &type, "value type"))) return rc;
        if (type >= GGUF_TYPE_COUNT)
            return bad(p, "unknown value type %u of key '%s' at offset %llu", type, kv->key, (ull)tat);
        kv->type = (enum gguf_type)type;
        kv->val_off = p->pos;
        if ((rc = parse_value(p, kv))) return rc;
        kv->val_len = p->pos - kv->val_off;
        if (kv->type == GGUF_TYPE_STRING) kv->cstr = cm_strndup(kv->str.data, kv->str.len);
    }
    p->key = "";
    g->kv_by_key = sorted_index(g, g->n_kv, cmp_key);
    for (size_t i = 1; i < g->n_kv; i++) {
        const struct gguf_kv *a = &g->kv[g->kv_by_key[i - 1]], *b = &g->kv[g->kv_by_key[i]];
        if (!strcmp(a->key, b->key))
            return bad(p, "duplicate key '%s' at offset %llu", b->key, (ull)(a->offset > b->offset ? a->offset : b->offset));
    }
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const struct gguf_kv *al = gguf_find_key(g, "general.alignment");
    if (al) {
        if (al->type != GGUF_TYPE_UINT32)
            return bad(p, "key 'general.alignment' at offset %llu is %s, expected u32", (ull)al->offset,
                       gguf_type_name(al->type));
        if (al->v.u == 0 || (al->v.u & (al->v.u - 1)) || al->v.u > (1u << 30))
            return bad(p, "alignment %llu at offset %llu is not a power of two up to 2^30", (ull)al->v.u,
                       (ull)al->val_off);
        g->alignment = (uint32_t)al->v.u;
    }
    return 0;
}

static int parse_tensor_info(struct parser *p, struct gguf *g, struct gguf_tensor *t)
{
    struct gguf_str name;
    uint64_t v;
    int rc;
    t->info_off = p->pos;
    if ((rc = rd_str(p, &name, GGUF_MAX_TENSOR_NAME, "tensor name"))) return rc;
    if (!(t->name = copy_name(p, name, t->info_off, "tensor name"))) return CM_EFORMAT;
    uint64_t at = p->pos;
    if ((rc = rd_u32(p, &t->n_dims, "tensor dimension count"))) return rc;
    if (t->n_dims > GGUF_MAX_DIMS)
        return bad(p, "tensor '%s' has %u dimensions at offset %llu (at most %d)", t->name, t->n_dims, (ull)at,
                   GGUF_MAX_DIMS);
    int64_t nel = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        at = p->pos;
        if ((rc = rd_uint(p, 8, &v, "tensor dimension"))) return rc;
        if (v > INT64_MAX || (v && nel > INT64_MAX / (int64_t)v))
            return bad(p, "dimension %u of tensor '%s' at offset %llu is too large (%llu)", d, t->name, (ull)at, (ull)v);
        t->ne[d] = (int64_t)v;
        nel *= (int64_t)v;
    }
    t->n_elements = nel;
    at = p->pos;
    if ((rc = rd_u32(p, &t->type, "tensor type"))) return rc;
    const struct tensor_type_info *ti = tensor_type_get(t->type);
    if (!ti) return bad(p, "unknown type %u of tensor '%s' at offset %llu", t->type, t->name, (ull)at);
    if (t->ne[0] % ti->block_size)
        return bad(p, "row length %lld of tensor '%s' (at offset %llu) is not a multiple of the %s block size %u",
                   (long long)t->ne[0], t->name, (ull)t->info_off, ti->name, (unsigned)ti->block_size);
    uint64_t rows = t->ne[0] ? (uint64_t)(nel / t->ne[0]) : 0, row_bytes, nb;
    if (__builtin_mul_overflow((uint64_t)(t->ne[0] / ti->block_size), (uint64_t)ti->type_size, &row_bytes) ||
        __builtin_mul_overflow(row_bytes, rows, &nb) || nb > p->size)
        return bad(p, "tensor '%s' at offset %llu needs more bytes than the file holds", t->name, (ull)t->info_off);
    t->nbytes = nb;
    at = p->pos;
    if ((rc = rd_uint(p, 8, &t->offset, "tensor data offset"))) return rc;
    if (t->offset % g->alignment)
        return bad(p, "data offset %llu of tensor '%s' at offset %llu is not a multiple of the alignment %u",
                   (ull)t->offset, t->name, (ull)at, g->alignment);
    return 0;
}

static int check_tensor_data(struct parser *p, struct gguf *g)
{
    uint64_t data = g->data_offset, size = p->size;
    for (size_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        if (data > size || t->offset > size - data || t->nbytes > size - data - t->offset)
            return bad(p, "data of tensor '%s' (its info at offset %llu) exceeds the file: %llu bytes from "
                       "position %llu, the file has %llu", t->name, (ull)t->info_off, (ull)t->nbytes,
                       (ull)(data + t->offset), (ull)size);
        t->data = p->base + data + t->offset;
    }
    g->by_name = sorted_index(g, g->n_tensors, cmp_tensor_name);
    for (size_t i = 1; i < g->n_tensors; i++) {
        const struct gguf_tensor *a = &g->tensors[g->by_name[i - 1]], *b = &g->tensors[g->by_name[i]];
        if (!strcmp(a->name, b->name))
            return bad(p, "duplicate tensor name '%s' at offset %llu", b->name,
                       (ull)(a->info_off > b->info_off ? a->info_off : b->info_off));
    }
    size_t *by_off = sorted_index(g, g->n_tensors, cmp_tensor_offset);
    int rc = 0;
    for (size_t i = 1; i < g->n_tensors && !rc; i++) {
        const struct gguf_tensor *a = &g->tensors[by_off[i - 1]], *b = &g->tensors[by_off[i]];
        if (a->nbytes && b->nbytes && a->offset + a->nbytes > b->offset)
            rc = bad(p, "data of tensor '%s' overlaps tensor '%s' at offset %llu", a->name, b->name,
                     (ull)(data + b->offset));
    }
    free(by_off);
    return rc;
}

static int parse(struct gguf *g)
{
    struct parser p = {g->base, g->size, 0, g->path, "", GGUF_MAX_ITEMS};
    uint64_t n_tensors = 0, n_kv = 0;
    int rc = parse_header(&p, g, &n_tensors, &n_kv);
    if (!rc) rc = parse_kvs(&p, g, n_kv);
    if (rc) return rc;
    g->tensors = cm_calloc(n_tensors ? n_tensors : 1, sizeof(*g->tensors));
    for (uint64_t i = 0; i < n_tensors; i++) {
        g->n_tensors = (size_t)i + 1;
        if ((rc = parse_tensor_info(&p, g, &g->tensors[i]))) return rc;
    }
    g->data_offset = p.pos + (g->alignment - p.pos % g->alignment) % g->alignment;
    return check_tensor_data(&p, g);
}

int gguf_open_memory(struct gguf **out, const void *data, size_t size, const char *name)
{
    struct gguf *g = cm_calloc(1, sizeof(*g));
    g->path = cm_strdup(name);
    g->base = data;
    g->size = size;
    int rc = parse(g);
    if (rc) {
        gguf_close(g);
        g = NULL;
    }
    *out = g;
    return rc;
}

/* Reads the whole file into anonymous memory asked for in transparent huge pages
 * (madvise): a decode step streams every weight once, and with 2 MiB pages instead of
 * 4 KiB the weights cost a few hundred TLB entries instead of a quarter million. Returns
 * NULL with errno set when the memory is not there (the caller then maps the file). A short
 * read is an error naming the offset. */
static void *read_resident(int fd, size_t size, const char *path, int *rc)
{
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(mem, size, MADV_HUGEPAGE);
#endif
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, (char *)mem + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            *rc = cm_error_set(CM_EIO, "cannot read '%s' at offset %zu of %zu: %s", path, got, size,
                               r < 0 ? strerror(errno) : "the file became shorter");
            munmap(mem, size);
            return NULL;
        }
        got += (size_t)r;
    }
    mprotect(mem, size, PROT_READ); /* as read-only as the mapping it replaces */
    return mem;
}

int gguf_open_flags(struct gguf **out, const char *path, unsigned flags)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cm_error_set(CM_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    void *map = NULL;
    if (fstat(fd, &st) != 0) {
        rc = cm_error_set(CM_EIO, "cannot stat '%s': %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = cm_error_set(CM_EIO, "cannot read '%s': not a regular file", path);
    } else if (st.st_size < 4) {
        rc = cm_error_set(CM_EFORMAT, "cannot read '%s': truncated magic at offset 0 (the file has %lld bytes)",
                          path, (long long)st.st_size);
    } else if ((flags & GGUF_OPEN_RESIDENT) && ((map = read_resident(fd, (size_t)st.st_size, path, &rc)) || rc)) {
        /* read into memory, or a read error */
    } else if ((map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        map = NULL;
        rc = cm_error_set(CM_EIO, "cannot map '%s': %s", path, strerror(errno));
    }
    close(fd);
    if (rc) return rc;
    struct gguf *g;
    if ((rc = gguf_open_memory(&g, map, (size_t)st.st_size, path))) {
        munmap(map, (size_t)st.st_size);
        return rc;
    }
    g->mapped = 1;
    *out = g;
    return 0;
}

int gguf_open(struct gguf **out, const char *path)
{
    return gguf_open_flags(out, path, 0);
}

void gguf_close(struct gguf *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n_kv; i++) {
        free(g->kv[i].key);
        free(g->kv[i].cstr);
        free_arr(&g->kv[i].arr);
    }
    for (size_t i = 0; i < g->n_tensors; i++) free(g->tensors[i].name);
    free(g->kv);
    free(g->tensors);
    free(g->by_name);
    free(g->kv_by_key);
    if (g->mapped) munmap((void *)g->base, g->size);
    free(g->path);
    free(g);
}
