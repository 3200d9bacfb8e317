/* gguf_write.c — the GGUF writer (see gguf.h).
 *
 * Values are encoded as they are set, so a copied key keeps its exact bytes (nested
 * arrays included) and the file is laid out in one pass: header, general.architecture,
 * the other keys in the order set, tensor infos, zero padding to the alignment, then
 * each tensor's data padded to the alignment (as llama.cpp's writer does). Tensor data
 * can be produced while writing (gguf_writer_add_tensor_fill), so converting a model
 * holds one tensor in memory, not the whole file. The file appears atomically.
 * Left out: writing in place, big-endian output, GGUF v2 output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

typedef unsigned long long ull;

void gguf_enc_u8(struct cm_buf *b, uint8_t v) { cm_buf_append(b, &v, 1); }

static void enc_le(struct cm_buf *b, uint64_t v, int n)
{
    uint8_t q[8];
    for (int i = 0; i < n; i++) q[i] = (uint8_t)(v >> (8 * i));
    cm_buf_append(b, q, (size_t)n);
}

void gguf_enc_u16(struct cm_buf *b, uint16_t v) { enc_le(b, v, 2); }
void gguf_enc_u32(struct cm_buf *b, uint32_t v) { enc_le(b, v, 4); }
void gguf_enc_u64(struct cm_buf *b, uint64_t v) { enc_le(b, v, 8); }

void gguf_enc_f32(struct cm_buf *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    enc_le(b, u, 4);
}

void gguf_enc_f64(struct cm_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    enc_le(b, u, 8);
}

void gguf_enc_str(struct cm_buf *b, const char *s, uint64_t len)
{
    enc_le(b, len, 8);
    cm_buf_append(b, s, (size_t)len);
}

void gguf_enc_arr_header(struct cm_buf *b, enum gguf_type elem, uint64_t n)
{
    enc_le(b, (uint64_t)elem, 4);
    enc_le(b, n, 8);
}

void gguf_writer_init(struct gguf_writer *w) { memset(w, 0, sizeof(*w)); }

void gguf_writer_release(struct gguf_writer *w)
{
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        cm_buf_release(&w->kv[i].val);
    }
    for (size_t i = 0; i < w->n_tensors; i++) free(w->tensors[i].name);
    free(w->kv);
    free(w->tensors);
    gguf_writer_init(w);
}

static int check_key(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 65535) return cm_error_set(CM_EINVAL, "invalid GGUF key '%.64s': must be 1 to 65535 bytes", key);
    for (size_t i = 0; i < n; i++)
        if (key[i] <= ' ' || key[i] > '~')
            return cm_error_set(CM_EINVAL, "invalid GGUF key '%.64s': only printable ASCII without spaces", key);
    return 0;
}

static struct gguf_writer_kv *find_kv(const struct gguf_writer *w, const char *key)
{
    for (size_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->kv[i].key, key)) return &w->kv[i];
    return NULL;
}

/* The slot for key (existing or new) with its value emptied; NULL when key is invalid. */
static struct gguf_writer_kv *slot(struct gguf_writer *w, const char *key, enum gguf_type type)
{
    if (check_key(key)) return NULL;
    struct gguf_writer_kv *kv = find_kv(w, key);
    if (!kv) {
        if (w->n_kv == w->cap_kv) {
            w->cap_kv = w->cap_kv ? 2 * w->cap_kv : 16;
            w->kv = cm_realloc(w->kv, w->cap_kv * sizeof(*w->kv));
        }
        kv = &w->kv[w->n_kv++];
        kv->key = cm_strdup(key);
        cm_buf_init(&kv->val);
    }
    kv->type = type;
    kv->val.len = 0;
    return kv;
}

static int set_fixed(struct gguf_writer *w, const char *key, enum gguf_type type, uint64_t bits)
{
    struct gguf_writer_kv *kv = slot(w, key, type);
    if (!kv) return CM_EINVAL;
    enc_le(&kv->val, bits, (int)gguf_type_size(type));
    return 0;
}

int gguf_writer_set_u8(struct gguf_writer *w, const char *k, uint8_t v) { return set_fixed(w, k, GGUF_TYPE_UINT8, v); }
int gguf_writer_set_i8(struct gguf_writer *w, const char *k, int8_t v) { return set_fixed(w, k, GGUF_TYPE_INT8, (uint8_t)v); }
int gguf_writer_set_u16(struct gguf_writer *w, const char *k, uint16_t v) { return set_fixed(w, k, GGUF_TYPE_UINT16, v); }
int gguf_writer_set_i16(struct gguf_writer *w, const char *k, int16_t v) { return set_fixed(w, k, GGUF_TYPE_INT16, (uint16_t)v); }
int gguf_writer_set_u32(struct gguf_writer *w, const char *k, uint32_t v) { return set_fixed(w, k, GGUF_TYPE_UINT32, v); }
int gguf_writer_set_i32(struct gguf_writer *w, const char *k, int32_t v) { return set_fixed(w, k, GGUF_TYPE_INT32, (uint32_t)v); }
int gguf_writer_set_u64(struct gguf_writer *w, const char *k, uint64_t v) { return set_fixed(w, k, GGUF_TYPE_UINT64, v); }
int gguf_writer_set_i64(struct gguf_writer *w, const char *k, int64_t v) { return set_fixed(w, k, GGUF_TYPE_INT64, (uint64_t)v); }
int gguf_writer_set_bool(struct gguf_writer *w, const char *k, bool v) { return set_fixed(w, k, GGUF_TYPE_BOOL, v ? 1 : 0); }

int gguf_writer_set_f32(struct gguf_writer *w, const char *k, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return set_fixed(w, k, GGUF_TYPE_FLOAT32, u);
}

int gguf_writer_set_f64(struct gguf_writer *w, const char *k, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return set_fixed(w, k, GGUF_TYPE_FLOAT64, u);
}

int gguf_writer_set_str(struct gguf_writer *w, const char *key, const char *v)
{
    struct gguf_writer_kv *kv = slot(w, key, GGUF_TYPE_STRING);
    if (!kv) return CM_EINVAL;
    gguf_enc_str(&kv->val, v, strlen(v));
    return 0;
}

int gguf_writer_set_arr(struct gguf_writer *w, const char *key, enum gguf_type elem, const void *items, uint64_t n)
{
    size_t es = gguf_type_size(elem);
    if (!es) return cm_error_set(CM_EINVAL, "cannot set key '%s': %s is not a fixed-size element type", key, gguf_type_name(elem));
    struct gguf_writer_kv *kv = slot(w, key, GGUF_TYPE_ARRAY);
    if (!kv) return CM_EINVAL;
    gguf_enc_arr_header(&kv->val, elem, n);
    const uint8_t *p = items;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t bits = 0;
        if (elem == GGUF_TYPE_BOOL) bits = ((const bool *)items)[i] ? 1 : 0;
        else memcpy(&bits, p + i * es, es); /* host is little-endian (checked in write) */
        enc_le(&kv->val, bits, (int)es);
    }
    return 0;
}

int gguf_writer_set_arr_str(struct gguf_writer *w, const char *key, const char *const *items, uint64_t n)
{
    struct gguf_writer_kv *kv = slot(w, key, GGUF_TYPE_ARRAY);
    if (!kv) return CM_EINVAL;
    gguf_enc_arr_header(&kv->val, GGUF_TYPE_STRING, n);
    for (uint64_t i = 0; i < n; i++) gguf_enc_str(&kv->val, items[i], strlen(items[i]));
    return 0;
}

int gguf_writer_set_encoded(struct gguf_writer *w, const char *key, enum gguf_type type, const void *bytes, size_t len)
{
    size_t used = 0;
    int rc = check_key(key);
    if (rc) return rc;
    if ((unsigned)type >= GGUF_TYPE_COUNT) return cm_error_set(CM_EINVAL, "cannot set key '%s': unknown value type %u", key, (unsigned)type);
    if ((rc = gguf_check_value(type, bytes, len, &used))) return rc;
    if (used != len)
        return cm_error_set(CM_EINVAL, "cannot set key '%s': %zu bytes follow the encoded value", key, len - used);
    struct gguf_writer_kv *kv = slot(w, key, type);
    cm_buf_append(&kv->val, bytes, len);
    return 0;
}

int gguf_writer_copy_kv(struct gguf_writer *w, const struct gguf *g, const struct gguf_kv *kv)
{
    return gguf_writer_set_encoded(w, kv->key, kv->type, g->base + kv->val_off, (size_t)kv->val_len);
}

int gguf_writer_remove(struct gguf_writer *w, const char *key)
{
    struct gguf_writer_kv *kv = find_kv(w, key);
    if (!kv) return 0;
    free(kv->key);
    cm_buf_release(&kv->val);
    size_t i = (size_t)(kv - w->kv);
    memmove(&w->kv[i], &w->kv[i + 1], (w->n_kv - i - 1) * sizeof(*w->kv));
    w->n_kv--;
    return 0;
}

int gguf_writer_set_alignment(struct gguf_writer *w, uint32_t alignment)
{
    if (!alignment || (alignment & (alignment - 1)) || alignment > (1u << 30))
        return cm_error_set(CM_EINVAL, "invalid GGUF alignment %u: must be a power of two up to 2^30", alignment);
    if (alignment == GGUF_DEFAULT_ALIGNMENT) return gguf_writer_remove(w, "general.alignment");
    return gguf_writer_set_u32(w, "general.alignment", alignment);
}

static int add_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const int64_t *ne,
                      const void *data, gguf_fill_fn fill, void *ctx)
{
    size_t nl = strlen(name);
    if (nl == 0 || nl >= GGUF_MAX_NAME)
        return cm_error_set(CM_EINVAL, "invalid tensor name '%.80s': must be 1 to %d bytes", name, GGUF_MAX_NAME - 1);
    for (size_t i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name)) return cm_error_set(CM_EINVAL, "duplicate tensor name '%s'", name);
    const struct tensor_type_info *ti = tensor_type_get(type);
    if (!ti) return cm_error_set(CM_EINVAL, "tensor '%s': unknown type %u", name, type);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
        return cm_error_set(CM_EINVAL, "tensor '%s': %u dimensions (1 to %d)", name, n_dims, GGUF_MAX_DIMS);
    struct gguf_writer_tensor t = {.type = type, .n_dims = n_dims, .data = data, .fill = fill, .fill_ctx = ctx};
    uint64_t rows = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        t.ne[d] = d < (int)n_dims ? ne[d] : 1;
        if (t.ne[d] < 1) return cm_error_set(CM_EINVAL, "tensor '%s': dimension %d is %lld", name, d, (long long)t.ne[d]);
        if (d > 0 && __builtin_mul_overflow(rows, (uint64_t)t.ne[d], &rows))
            return cm_error_set(CM_EINVAL, "tensor '%s': too many elements", name);
    }
    size_t row = tensor_row_size(type, t.ne[0]);
    if (!row)
        return cm_error_set(CM_EINVAL, "tensor '%s': row length %lld is not a multiple of the %s block size %u", name,
                            (long long)t.ne[0], ti->name, (unsigned)ti->block_size);
    if (__builtin_mul_overflow((uint64_t)row, rows, &t.nbytes))
        return cm_error_set(CM_EINVAL, "tensor '%s': too many bytes", name);
    t.name = cm_strdup(name);
    if (w->n_tensors == w->cap_tensors) {
        w->cap_tensors = w->cap_tensors ? 2 * w->cap_tensors : 16;
        w->tensors = cm_realloc(w->tensors, w->cap_tensors * sizeof(*w->tensors));
    }
    w->tensors[w->n_tensors++] = t;
    return 0;
}

int gguf_writer_add_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const int64_t *ne,
                           const void *data)
{
    return add_tensor(w, name, type, n_dims, ne, data, NULL, NULL);
}

int gguf_writer_add_tensor_fill(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                const int64_t *ne, gguf_fill_fn fill, void *ctx)
{
    return add_tensor(w, name, type, n_dims, ne, NULL, fill, ctx);
}

/* ---- output: one sink for files and memory ---- */

struct sink {
    FILE *f;           /* or NULL: into buf */
    struct cm_buf buf;
    const char *path;
    uint64_t written;
};

static int sink_put(struct sink *s, const void *p, size_t n)
{
    s->written += n;
    if (!s->f) {
        cm_buf_append(&s->buf, p, n);
        return 0;
    }
    if (n && fwrite(p, 1, n, s->f) != n) return cm_error_set(CM_EIO, "cannot write '%s': %s", s->path, strerror(errno));
    return 0;
}

static int sink_pad(struct sink *s, uint32_t align)
{
    static const uint8_t zeros[256];
    uint64_t pad = (align - s->written % align) % align;
    int rc = 0;
    while (pad && !rc) {
        size_t k = pad < sizeof(zeros) ? (size_t)pad : sizeof(zeros);
        rc = sink_put(s, zeros, k);
        pad -= k;
    }
    return rc;
}

static int layout(const struct gguf_writer *w, uint32_t *align)
{
    const uint16_t one = 1;
    CM_ASSERT(*(const uint8_t *)&one == 1); /* the encoders assume a little-endian host */
    struct gguf_writer_kv *arch = find_kv(w, "general.architecture");
    if (!arch || arch->type != GGUF_TYPE_STRING) {
        int rc = cm_error_set(CM_EINVAL, "cannot write a GGUF file without the string key 'general.architecture'");
        cm_error_hint("set it to the model's architecture, e.g. \"llama\"");
        return rc;
    }
    *align = GGUF_DEFAULT_ALIGNMENT;
    struct gguf_writer_kv *al = find_kv(w, "general.alignment");
    if (al) {
        uint32_t a = 0;
        if (al->type == GGUF_TYPE_UINT32) memcpy(&a, al->val.data, 4);
        if (al->type != GGUF_TYPE_UINT32 || !a || (a & (a - 1)) || a > (1u << 30))
            return cm_error_set(CM_EINVAL, "cannot write a GGUF file: 'general.alignment' must be a u32 power of two");
        *align = a;
    }
    return 0;
}

static int emit(const struct gguf_writer *w, struct sink *s)
{
    uint32_t align;
    int rc = layout(w, &align);
    if (rc) return rc;
    struct cm_buf h;
    cm_buf_init(&h);
    cm_buf_append(&h, GGUF_MAGIC, 4);
    gguf_enc_u32(&h, GGUF_VERSION);
    gguf_enc_u64(&h, w->n_tensors);
    /* general.alignment 32 is the default and not written, like llama.cpp */
    struct gguf_writer_kv *al = find_kv(w, "general.alignment");
    int skip_al = al && align == GGUF_DEFAULT_ALIGNMENT;
    gguf_enc_u64(&h, w->n_kv - (size_t)skip_al);
    struct gguf_writer_kv *arch = find_kv(w, "general.architecture");
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < w->n_kv; i++) {
            const struct gguf_writer_kv *kv = &w->kv[i];
            if ((pass == 0) != (kv == arch) || (skip_al && kv == al)) continue;
            gguf_enc_str(&h, kv->key, strlen(kv->key));
            gguf_enc_u32(&h, kv->type);
            cm_buf_append(&h, kv->val.data, kv->val.len);
        }
    uint64_t off = 0;
    size_t max_fill = 0;
    for (size_t i = 0; i < w->n_tensors; i++) {
        const struct gguf_writer_tensor *t = &w->tensors[i];
        gguf_enc_str(&h, t->name, strlen(t->name));
        gguf_enc_u32(&h, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++) gguf_enc_u64(&h, (uint64_t)t->ne[d]);
        gguf_enc_u32(&h, t->type);
        gguf_enc_u64(&h, off);
        off += t->nbytes + (align - t->nbytes % align) % align;
        if (t->fill && t->nbytes > max_fill) max_fill = (size_t)t->nbytes;
    }
    rc = sink_put(s, h.data, h.len);
    cm_buf_release(&h);
    if (!rc && w->n_tensors) rc = sink_pad(s, align);
    void *scratch = max_fill ? cm_malloc(max_fill) : NULL;
    for (size_t i = 0; i < w->n_tensors && !rc; i++) {
        const struct gguf_writer_tensor *t = &w->tensors[i];
        const void *data = t->data;
        if (t->fill && t->nbytes) {
            memset(scratch, 0, (size_t)t->nbytes);
            if ((rc = t->fill(t->fill_ctx, scratch, (size_t)t->nbytes))) break;
            data = scratch;
        }
        if (!(rc = sink_put(s, data, (size_t)t->nbytes))) rc = sink_pad(s, align);
    }
    free(scratch);
    return rc;
}

int gguf_writer_write_memory(const struct gguf_writer *w, void **out, size_t *len)
{
    struct sink s = {NULL, {0}, "memory", 0};
    cm_buf_init(&s.buf);
    int rc = emit(w, &s);
    if (rc) {
        cm_buf_release(&s.buf);
        *out = NULL, *len = 0;
        return rc;
    }
    *len = s.buf.len;
    *out = cm_buf_detach(&s.buf);
    return 0;
}

int gguf_writer_write(const struct gguf_writer *w, const char *path)
{
    size_t plen = strlen(path) + 32;
    char *tmp = cm_malloc(plen);
    snprintf(tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    struct sink s = {NULL, {0}, path, 0};
    int rc = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(s.f = fdopen(fd, "wb"))) {
        rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        goto done;
    }
    setvbuf(s.f, NULL, _IOFBF, 1 << 20);
    rc = emit(w, &s);
    if (!rc && fflush(s.f) != 0) rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (!rc && fsync(fileno(s.f)) != 0) rc = cm_error_set(CM_EIO, "cannot sync '%s': %s", path, strerror(errno));
    if (fclose(s.f) != 0 && !rc) rc = cm_error_set(CM_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = cm_error_set(CM_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
done:
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}
