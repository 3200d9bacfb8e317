/* gguf_get.c — lookups and typed getters over an open GGUF file (see gguf.h).
 *
 * Integer getters take any stored integer width and signedness whose value fits, since
 * converters write the same key as u32 in one file and u64 or i32 in another. Floats
 * take f32 or f64 (not integers: a float key stored as an integer is a broken file).
 * Left out: locale-dependent or lossy conversions (string to number, float to int).
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "gguf/gguf.h"

typedef unsigned long long ull;

const struct gguf_kv *gguf_find_key(const struct gguf *g, const char *key)
{
    size_t lo = 0, hi = g->kv_by_key ? g->n_kv : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct gguf_kv *kv = &g->kv[g->kv_by_key[mid]];
        int c = strcmp(kv->key, key);
        if (!c) return kv;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name)
{
    size_t lo = 0, hi = g->by_name ? g->n_tensors : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct gguf_tensor *t = &g->tensors[g->by_name[mid]];
        int c = strcmp(t->name, name);
        if (!c) return t;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int is_unsigned(enum gguf_type t)
{
    return t == GGUF_TYPE_UINT8 || t == GGUF_TYPE_UINT16 || t == GGUF_TYPE_UINT32 || t == GGUF_TYPE_UINT64;
}

static int is_signed(enum gguf_type t)
{
    return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64;
}

static int find(const struct gguf *g, const char *key, const struct gguf_kv **out)
{
    *out = gguf_find_key(g, key);
    if (!*out) return cm_error_set(CM_EFORMAT, "cannot read '%s': missing key '%s'", g->path, key);
    return 0;
}

static int wrong_type(const struct gguf *g, const struct gguf_kv *kv, const char *want)
{
    return cm_error_set(CM_EFORMAT, "cannot read '%s': key '%s' at offset %llu is %s, expected %s", g->path,
                        kv->key, (ull)kv->offset, gguf_type_name(kv->type), want);
}

static int out_of_range(const struct gguf *g, const struct gguf_kv *kv, const char *want)
{
    if (is_signed(kv->type))
        return cm_error_set(CM_EFORMAT, "cannot read '%s': value %lld of key '%s' at offset %llu does not fit %s",
                            g->path, (long long)kv->v.i, kv->key, (ull)kv->offset, want);
    return cm_error_set(CM_EFORMAT, "cannot read '%s': value %llu of key '%s' at offset %llu does not fit %s",
                        g->path, (ull)kv->v.u, kv->key, (ull)kv->offset, want);
}

/* Integer as a signed/unsigned pair: *neg set when the value is negative. */
static int get_int(const struct gguf *g, const char *key, const struct gguf_kv **kvp, uint64_t *mag, int *neg)
{
    int rc = find(g, key, kvp);
    if (rc) return rc;
    const struct gguf_kv *kv = *kvp;
    if (is_unsigned(kv->type)) {
        *mag = kv->v.u, *neg = 0;
    } else if (is_signed(kv->type)) {
        *neg = kv->v.i < 0;
        *mag = *neg ? (uint64_t)0 - (uint64_t)kv->v.i : (uint64_t)kv->v.i;
    } else {
        return wrong_type(g, kv, "an integer");
    }
    return 0;
}

int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out)
{
    const struct gguf_kv *kv;
    uint64_t m;
    int neg, rc = get_int(g, key, &kv, &m, &neg);
    if (rc) return rc;
    if (neg) return out_of_range(g, kv, "u64");
    *out = m;
    return 0;
}

int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out)
{
    const struct gguf_kv *kv;
    uint64_t m;
    int neg, rc = get_int(g, key, &kv, &m, &neg);
    if (rc) return rc;
    if (neg || m > UINT32_MAX) return out_of_range(g, kv, "u32");
    *out = (uint32_t)m;
    return 0;
}

int gguf_get_i64(const struct gguf *g, const char *key, int64_t *out)
{
    const struct gguf_kv *kv;
    uint64_t m;
    int neg, rc = get_int(g, key, &kv, &m, &neg);
    if (rc) return rc;
    if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX) return out_of_range(g, kv, "i64");
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out)
{
    const struct gguf_kv *kv;
    uint64_t m;
    int neg, rc = get_int(g, key, &kv, &m, &neg);
    if (rc) return rc;
    if (neg ? m > (uint64_t)INT32_MAX + 1 : m > (uint64_t)INT32_MAX) return out_of_range(g, kv, "i32");
    *out = neg ? (int32_t)(0 - (int64_t)m) : (int32_t)m;
    return 0;
}

int gguf_get_f64(const struct gguf *g, const char *key, double *out)
{
    const struct gguf_kv *kv;
    int rc = find(g, key, &kv);
    if (rc) return rc;
    if (kv->type != GGUF_TYPE_FLOAT32 && kv->type != GGUF_TYPE_FLOAT64) return wrong_type(g, kv, "a float");
    *out = kv->v.f;
    return 0;
}

int gguf_get_f32(const struct gguf *g, const char *key, float *out)
{
    double d = 0;
    int rc = gguf_get_f64(g, key, &d);
    if (rc) return rc;
    if (isfinite(d) && fabs(d) > 3.4028234663852886e38) return out_of_range(g, gguf_find_key(g, key), "f32");
    *out = (float)d;
    return 0;
}

int gguf_get_bool(const struct gguf *g, const char *key, bool *out)
{
    const struct gguf_kv *kv;
    int rc = find(g, key, &kv);
    if (rc) return rc;
    if (kv->type != GGUF_TYPE_BOOL) return wrong_type(g, kv, "bool");
    *out = kv->v.u != 0;
    return 0;
}

int gguf_get_str(const struct gguf *g, const char *key, const char **out)
{
    const struct gguf_kv *kv;
    int rc = find(g, key, &kv);
    if (rc) return rc;
    if (kv->type != GGUF_TYPE_STRING) return wrong_type(g, kv, "str");
    if (memchr(kv->str.data, '\0', kv->str.len))
        return cm_error_set(CM_EFORMAT, "cannot read '%s': string of key '%s' at offset %llu contains a NUL byte",
                            g->path, kv->key, (ull)kv->offset);
    *out = kv->cstr;
    return 0;
}

int gguf_get_arr(const struct gguf *g, const char *key, enum gguf_type elem, const struct gguf_arr **out)
{
    const struct gguf_kv *kv;
    int rc = find(g, key, &kv);
    if (rc) return rc;
    if (kv->type != GGUF_TYPE_ARRAY) return wrong_type(g, kv, "arr");
    if (elem != GGUF_TYPE_COUNT && kv->arr.type != elem)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': key '%s' at offset %llu is an array of %s, expected %s",
                            g->path, kv->key, (ull)kv->offset, gguf_type_name(kv->arr.type), gguf_type_name(elem));
    *out = &kv->arr;
    return 0;
}

/* Array element i as raw little-endian bits. */
static uint64_t arr_raw(const struct gguf_arr *a, uint64_t i)
{
    size_t n = gguf_type_size(a->type);
    const uint8_t *q = (const uint8_t *)a->data + i * n;
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;) v = (v << 8) | q[k];
    return v;
}

static int arr_int(const struct gguf_arr *a, uint64_t i, uint64_t *mag, int *neg)
{
    CM_ASSERT(i < a->n);
    uint64_t raw = arr_raw(a, i);
    int bits = 8 * (int)gguf_type_size(a->type);
    if (is_unsigned(a->type) || a->type == GGUF_TYPE_BOOL) {
        *mag = raw, *neg = 0;
    } else if (is_signed(a->type)) {
        int64_t s = (int64_t)(raw << (64 - bits)) >> (64 - bits);
        *neg = s < 0;
        *mag = *neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
    } else {
        return cm_error_set(CM_EFORMAT, "array element %llu is %s, expected an integer", (ull)i,
                            gguf_type_name(a->type));
    }
    return 0;
}

int gguf_arr_get_i64(const struct gguf_arr *a, uint64_t i, int64_t *out)
{
    uint64_t m;
    int neg, rc = arr_int(a, i, &m, &neg);
    if (rc) return rc;
    if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX)
        return cm_error_set(CM_EFORMAT, "array element %llu does not fit i64", (ull)i);
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int gguf_arr_get_u64(const struct gguf_arr *a, uint64_t i, uint64_t *out)
{
    uint64_t m;
    int neg, rc = arr_int(a, i, &m, &neg);
    if (rc) return rc;
    if (neg) return cm_error_set(CM_EFORMAT, "array element %llu is negative, expected u64", (ull)i);
    *out = m;
    return 0;
}

int gguf_arr_get_f64(const struct gguf_arr *a, uint64_t i, double *out)
{
    CM_ASSERT(i < a->n);
    uint64_t raw = arr_raw(a, i);
    if (a->type == GGUF_TYPE_FLOAT32) {
        uint32_t r = (uint32_t)raw;
        float f;
        memcpy(&f, &r, 4);
        *out = f;
    } else if (a->type == GGUF_TYPE_FLOAT64) {
        memcpy(out, &raw, 8);
    } else {
        return cm_error_set(CM_EFORMAT, "array element %llu is %s, expected a float", (ull)i, gguf_type_name(a->type));
    }
    return 0;
}

struct gguf_str gguf_arr_get_str(const struct gguf_arr *a, uint64_t i)
{
    CM_ASSERT(a->type == GGUF_TYPE_STRING && i < a->n);
    return a->strs[i];
}
