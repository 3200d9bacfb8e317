/* fuzz_gguf.c — libFuzzer target for the GGUF reader (built and run by `make fuzz`).
 *
 * Each input is parsed from an exact-size heap copy (so AddressSanitizer sees any read
 * past the end). When the reader accepts it, everything a caller may touch is touched:
 * every key through every typed getter and every array element, every tensor looked up
 * by name and each dequantizable tensor's first row and last byte converted/read, and
 * the file written back through the writer and read again (it must be accepted).
 * Left out: checking values (the unit tests do); inputs over 1 MiB (-max_len).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

static volatile uint64_t sink;

static void touch_arr(const struct gguf_arr *a)
{
    for (uint64_t i = 0; i < a->n && i < 4096; i++) {
        int64_t v;
        uint64_t u;
        double d;
        if (a->type == GGUF_TYPE_STRING) {
            struct gguf_str s = gguf_arr_get_str(a, i);
            if (s.len) sink += (uint8_t)s.data[s.len - 1];
        } else if (a->type == GGUF_TYPE_ARRAY) {
            touch_arr(&a->arrs[i]);
        } else {
            if (!gguf_arr_get_i64(a, i, &v)) sink += (uint64_t)v;
            if (!gguf_arr_get_u64(a, i, &u)) sink += u;
            if (!gguf_arr_get_f64(a, i, &d)) sink += (uint64_t)(d == d);
        }
    }
}

static void touch(const struct gguf *g)
{
    for (size_t i = 0; i < g->n_kv; i++) {
        const char *k = g->kv[i].key, *s;
        uint32_t u32;
        uint64_t u64;
        int32_t i32;
        int64_t i64;
        float f;
        double d;
        bool b;
        const struct gguf_arr *a;
        if (gguf_find_key(g, k) == NULL) abort();
        if (!gguf_get_u32(g, k, &u32)) sink += u32;
        if (!gguf_get_u64(g, k, &u64)) sink += u64;
        if (!gguf_get_i32(g, k, &i32)) sink += (uint64_t)i32;
        if (!gguf_get_i64(g, k, &i64)) sink += (uint64_t)i64;
        if (!gguf_get_f32(g, k, &f)) sink += (uint64_t)(f == f);
        if (!gguf_get_f64(g, k, &d)) sink += (uint64_t)(d == d);
        if (!gguf_get_bool(g, k, &b)) sink += b;
        if (!gguf_get_str(g, k, &s)) sink += strlen(s);
        if (!gguf_get_arr(g, k, GGUF_TYPE_COUNT, &a)) touch_arr(a);
    }
    float row[1024];
    for (size_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        if (gguf_find_tensor(g, t->name) != t) abort();
        if (t->nbytes) sink += ((const uint8_t *)t->data)[t->nbytes - 1];
        const struct tensor_type_info *ti = tensor_type_get(t->type);
        if (ti->can_dequantize && t->ne[0] > 0 && t->ne[0] <= 1024 && t->n_elements > 0)
            if (tensor_dequantize_row(t->type, t->data, row, t->ne[0]) == 0) sink += (uint64_t)(row[0] == row[0]);
    }
}

static int copy_tensor(void *ctx, void *dst, size_t n)
{
    memcpy(dst, ((const struct gguf_tensor *)ctx)->data, n);
    return 0;
}

/* Whatever the reader accepts and has general.architecture, the writer must reproduce
 * in a form the reader accepts again. */
static void rewrite(const struct gguf *g)
{
    const struct gguf_kv *arch = gguf_find_key(g, "general.architecture");
    if (!arch || arch->type != GGUF_TYPE_STRING) return;
    struct gguf_writer w;
    gguf_writer_init(&w);
    int rc = 0;
    for (size_t i = 0; i < g->n_kv && !rc; i++) rc = gguf_writer_copy_kv(&w, g, &g->kv[i]);
    for (size_t i = 0; i < g->n_tensors && !rc; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        rc = gguf_writer_add_tensor_fill(&w, t->name, t->type, t->n_dims ? t->n_dims : 1, t->ne, copy_tensor,
                                         (void *)t);
    }
    void *out;
    size_t len;
    if (!rc && !gguf_writer_write_memory(&w, &out, &len)) {
        struct gguf *g2;
        if (gguf_open_memory(&g2, out, len, "rewritten.gguf") != 0) abort();
        if (g2->n_kv != g->n_kv - (g->alignment == 32 && gguf_find_key(g, "general.alignment")) ||
            g2->n_tensors != g->n_tensors)
            abort();
        gguf_close(g2);
        free(out);
    }
    gguf_writer_release(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    struct gguf *g;
    if (gguf_open_memory(&g, copy, size, "fuzz.gguf") == 0) {
        touch(g);
        rewrite(g);
        gguf_close(g);
    } else if (!strstr(cm_error_message(), "cannot read 'fuzz.gguf': ")) {
        abort(); /* every rejection names the file */
    }
    free(copy);
    return 0;
}
