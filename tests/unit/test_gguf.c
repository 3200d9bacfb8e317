/* GGUF: a file with every value type (nested arrays too) and several tensor types is
 * written and read back exactly; then it is truncated at every offset and corrupted
 * field by field, and each malformed variant must fail with a message that names the
 * file and an offset inside it. Getters' width conversions, writer refusals, atomic
 * writes and alignment conventions are checked too. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

static float emb[3 * 64];     /* f32 (3, 64) */
static uint16_t norm16[32];   /* f16 (32) */
static uint8_t q8[2 * 68];    /* q8_0 (2, 64) */
static uint16_t bf[4 * 3 * 2]; /* bf16 (4, 3, 2) */
static uint8_t q4[2 * 18];    /* q4_0 (1, 2, 1, 32): 36 bytes, the last tensor */

static void make_data(void)
{
    for (int i = 0; i < 3 * 64; i++) emb[i] = (float)i * 0.25f - 20.0f;
    for (int i = 0; i < 32; i++) norm16[i] = (uint16_t)(0x3c00 + i);
    float x[128];
    for (int i = 0; i < 128; i++) x[i] = sinf((float)i);
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q8_0, x, q8, 128), 0);
    for (int i = 0; i < 24; i++) bf[i] = (uint16_t)(0x3f80 + i);
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q4_0, x, q4, 64), 0);
}

static void build(struct gguf_writer *w)
{
    make_data();
    gguf_writer_init(w);
    cr_assert_eq(gguf_writer_set_u8(w, "t.u8", 200), 0);
    cr_assert_eq(gguf_writer_set_i8(w, "t.i8", -100), 0);
    cr_assert_eq(gguf_writer_set_u16(w, "t.u16", 60000), 0);
    cr_assert_eq(gguf_writer_set_i16(w, "t.i16", -30000), 0);
    cr_assert_eq(gguf_writer_set_u32(w, "t.u32", 4000000000u), 0);
    cr_assert_eq(gguf_writer_set_i32(w, "t.i32", -2000000000), 0);
    cr_assert_eq(gguf_writer_set_f32(w, "t.f32", 3.5f), 0);
    cr_assert_eq(gguf_writer_set_bool(w, "t.bool", true), 0);
    cr_assert_eq(gguf_writer_set_str(w, "t.str", "hello, gguf"), 0);
    cr_assert_eq(gguf_writer_set_u64(w, "t.u64", 0xfedcba9876543210ull), 0);
    cr_assert_eq(gguf_writer_set_i64(w, "t.i64", -(1ll << 40)), 0);
    cr_assert_eq(gguf_writer_set_f64(w, "t.f64", M_PI), 0);
    int8_t ai8[] = {-1, 2, -128};
    cr_assert_eq(gguf_writer_set_arr(w, "t.arr_i8", GGUF_TYPE_INT8, ai8, 3), 0);
    float af[] = {1.5f, -2.0f};
    cr_assert_eq(gguf_writer_set_arr(w, "t.arr_f32", GGUF_TYPE_FLOAT32, af, 2), 0);
    bool ab[] = {true, false, true};
    cr_assert_eq(gguf_writer_set_arr(w, "t.arr_bool", GGUF_TYPE_BOOL, ab, 3), 0);
    uint64_t au64[] = {1, 1ull << 63};
    cr_assert_eq(gguf_writer_set_arr(w, "t.arr_u64", GGUF_TYPE_UINT64, au64, 2), 0);
    const char *as[] = {"a", "bc", ""};
    cr_assert_eq(gguf_writer_set_arr_str(w, "t.arr_str", as, 3), 0);
    cr_assert_eq(gguf_writer_set_arr(w, "t.arr_empty", GGUF_TYPE_UINT32, NULL, 0), 0);
    struct cm_buf b; /* [[7, -8], [], [9]] as i16 */
    cm_buf_init(&b);
    gguf_enc_arr_header(&b, GGUF_TYPE_ARRAY, 3);
    gguf_enc_arr_header(&b, GGUF_TYPE_INT16, 2);
    gguf_enc_u16(&b, 7);
    gguf_enc_u16(&b, (uint16_t)-8);
    gguf_enc_arr_header(&b, GGUF_TYPE_INT16, 0);
    gguf_enc_arr_header(&b, GGUF_TYPE_INT16, 1);
    gguf_enc_u16(&b, 9);
    cr_assert_eq(gguf_writer_set_encoded(w, "t.nested", GGUF_TYPE_ARRAY, b.data, b.len), 0);
    cm_buf_release(&b);
    cr_assert_eq(gguf_writer_set_str(w, "general.architecture", "llama"), 0); /* set last, written first */
    cr_assert_eq(gguf_writer_add_tensor(w, "token_embd.weight", TENSOR_TYPE_F32, 2, (int64_t[]){64, 3}, emb), 0);
    cr_assert_eq(gguf_writer_add_tensor(w, "output_norm.weight", TENSOR_TYPE_F16, 1, (int64_t[]){32}, norm16), 0);
    cr_assert_eq(gguf_writer_add_tensor(w, "blk.0.attn_q.weight", TENSOR_TYPE_Q8_0, 2, (int64_t[]){64, 2}, q8), 0);
    cr_assert_eq(gguf_writer_add_tensor(w, "bf", TENSOR_TYPE_BF16, 3, (int64_t[]){2, 3, 4}, bf), 0);
    cr_assert_eq(gguf_writer_add_tensor(w, "q4", TENSOR_TYPE_Q4_0, 4, (int64_t[]){32, 1, 2, 1}, q4), 0);
}

static uint8_t *fixture(size_t *len)
{
    struct gguf_writer w;
    build(&w);
    void *p;
    cr_assert_eq(gguf_writer_write_memory(&w, &p, len), 0, "%s", cm_error_message());
    gguf_writer_release(&w);
    return p;
}

static void check_fixture(const struct gguf *g)
{
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    int64_t i64;
    float f;
    double d;
    bool bo;
    const char *s;
    cr_assert_eq(g->version, 3);
    cr_assert_eq(g->alignment, 32);
    cr_assert_eq(g->n_kv, 20);
    cr_assert_str_eq(g->kv[0].key, "general.architecture");
    cr_assert_eq(gguf_get_str(g, "general.architecture", &s), 0);
    cr_assert_str_eq(s, "llama");
    cr_assert_eq(gguf_find_key(g, "t.u8")->type, GGUF_TYPE_UINT8);
    cr_assert_eq(gguf_get_u32(g, "t.u8", &u32), 0);
    cr_assert_eq(u32, 200);
    cr_assert_eq(gguf_get_i32(g, "t.i8", &i32), 0);
    cr_assert_eq(i32, -100);
    cr_assert_eq(gguf_get_u32(g, "t.u16", &u32), 0);
    cr_assert_eq(u32, 60000);
    cr_assert_eq(gguf_get_i64(g, "t.i16", &i64), 0);
    cr_assert_eq(i64, -30000);
    cr_assert_eq(gguf_get_u32(g, "t.u32", &u32), 0);
    cr_assert_eq(u32, 4000000000u);
    cr_assert_eq(gguf_get_i32(g, "t.i32", &i32), 0);
    cr_assert_eq(i32, -2000000000);
    cr_assert_eq(gguf_get_f32(g, "t.f32", &f), 0);
    cr_assert_eq(f, 3.5f);
    cr_assert_eq(gguf_get_bool(g, "t.bool", &bo), 0);
    cr_assert(bo);
    cr_assert_eq(gguf_get_str(g, "t.str", &s), 0);
    cr_assert_str_eq(s, "hello, gguf");
    cr_assert_eq(gguf_get_u64(g, "t.u64", &u64), 0);
    cr_assert_eq(u64, 0xfedcba9876543210ull);
    cr_assert_eq(gguf_get_i64(g, "t.i64", &i64), 0);
    cr_assert_eq(i64, -(1ll << 40));
    cr_assert_eq(gguf_get_f64(g, "t.f64", &d), 0);
    cr_assert_eq(d, M_PI);

    const struct gguf_arr *a;
    cr_assert_eq(gguf_get_arr(g, "t.arr_i8", GGUF_TYPE_INT8, &a), 0);
    cr_assert_eq(a->n, 3);
    cr_assert_eq(gguf_arr_get_i64(a, 2, &i64), 0);
    cr_assert_eq(i64, -128);
    cr_assert_eq(gguf_arr_get_u64(a, 0, &u64), CM_EFORMAT); /* -1 is not a u64 */
    cr_assert_eq(gguf_get_arr(g, "t.arr_f32", GGUF_TYPE_FLOAT32, &a), 0);
    cr_assert_eq(gguf_arr_get_f64(a, 1, &d), 0);
    cr_assert_eq(d, -2.0);
    cr_assert_eq(gguf_get_arr(g, "t.arr_bool", GGUF_TYPE_BOOL, &a), 0);
    cr_assert_eq(gguf_arr_get_u64(a, 0, &u64), 0);
    cr_assert_eq(u64, 1);
    cr_assert_eq(gguf_arr_get_u64(a, 1, &u64), 0);
    cr_assert_eq(u64, 0);
    cr_assert_eq(gguf_get_arr(g, "t.arr_u64", GGUF_TYPE_UINT64, &a), 0);
    cr_assert_eq(gguf_arr_get_u64(a, 1, &u64), 0);
    cr_assert_eq(u64, 1ull << 63);
    cr_assert_eq(gguf_arr_get_i64(a, 1, &i64), CM_EFORMAT);
    cr_assert_eq(gguf_get_arr(g, "t.arr_str", GGUF_TYPE_STRING, &a), 0);
    cr_assert_eq(a->n, 3);
    struct gguf_str st = gguf_arr_get_str(a, 1);
    cr_assert_eq(st.len, 2);
    cr_assert(!memcmp(st.data, "bc", 2));
    cr_assert_eq(gguf_arr_get_str(a, 2).len, 0);
    cr_assert_eq(gguf_get_arr(g, "t.arr_empty", GGUF_TYPE_UINT32, &a), 0);
    cr_assert_eq(a->n, 0);
    cr_assert_eq(gguf_get_arr(g, "t.nested", GGUF_TYPE_ARRAY, &a), 0);
    cr_assert_eq(a->n, 3);
    cr_assert_eq(a->arrs[0].type, GGUF_TYPE_INT16);
    cr_assert_eq(a->arrs[0].n, 2);
    cr_assert_eq(gguf_arr_get_i64(&a->arrs[0], 1, &i64), 0);
    cr_assert_eq(i64, -8);
    cr_assert_eq(a->arrs[1].n, 0);
    cr_assert_eq(gguf_arr_get_i64(&a->arrs[2], 0, &i64), 0);
    cr_assert_eq(i64, 9);

    cr_assert_eq(g->n_tensors, 5);
    const struct gguf_tensor *t = gguf_find_tensor(g, "token_embd.weight");
    cr_assert_not_null(t);
    cr_assert_eq(t->type, TENSOR_TYPE_F32);
    cr_assert_eq(t->n_dims, 2);
    cr_assert_eq(t->ne[0], 64);
    cr_assert_eq(t->ne[1], 3);
    cr_assert_eq(t->ne[2], 1);
    cr_assert_eq(t->nbytes, sizeof(emb));
    cr_assert(!memcmp(t->data, emb, sizeof(emb)));
    cr_assert_eq(((const uint8_t *)t->data - g->base) % 32, 0);
    t = gguf_find_tensor(g, "output_norm.weight");
    cr_assert_eq(t->nbytes, sizeof(norm16));
    cr_assert(!memcmp(t->data, norm16, sizeof(norm16)));
    t = gguf_find_tensor(g, "blk.0.attn_q.weight");
    cr_assert_eq(t->type, TENSOR_TYPE_Q8_0);
    cr_assert_eq(t->nbytes, sizeof(q8));
    cr_assert(!memcmp(t->data, q8, sizeof(q8)));
    t = gguf_find_tensor(g, "bf");
    cr_assert_eq(t->n_dims, 3);
    cr_assert_eq(t->n_elements, 24);
    cr_assert(!memcmp(t->data, bf, sizeof(bf)));
    t = gguf_find_tensor(g, "q4");
    cr_assert_eq(t->n_dims, 4);
    cr_assert_eq(t->ne[2], 2);
    cr_assert_eq(t->nbytes, sizeof(q4));
    cr_assert(!memcmp(t->data, q4, sizeof(q4)));
    for (size_t i = 0; i < g->n_tensors; i++) cr_assert_eq(g->tensors[i].offset % 32, 0);
    cr_assert_null(gguf_find_tensor(g, "nope"));
    cr_assert_null(gguf_find_key(g, "nope"));
}

Test(gguf, round_trip_every_type)
{
    size_t len;
    uint8_t *p = fixture(&len);
    cr_assert(!memcmp(p, "GGUF\x03\0\0\0\x05\0\0\0\0\0\0\0\x14\0\0\0\0\0\0\0", 24));
    cr_assert(!memcmp(p + 24, "\x14\0\0\0\0\0\0\0general.architecture\x08\0\0\0", 32));
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "fixture.gguf"), 0, "%s", cm_error_message());
    check_fixture(g);
    gguf_close(g);
    free(p);
}

/* The fixture written to DIR/m.gguf in a new temporary directory (*dir); its path. */
static char *fixture_file(char **dir)
{
    cr_assert_eq(cm_make_temp_dir(dir, "test_gguf"), 0);
    char *path = cm_path_join(*dir, "m.gguf");
    struct gguf_writer w;
    build(&w);
    cr_assert_eq(gguf_writer_write(&w, path), 0, "%s", cm_error_message());
    gguf_writer_release(&w);
    return path;
}

Test(gguf, file_write_is_atomic_and_reads_back)
{
    char *dir, *path = fixture_file(&dir);
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, path), 0, "%s", cm_error_message());
    cr_assert(g->mapped);
    check_fixture(g);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq((uint64_t)st.st_size, g->data_offset + g->tensors[4].offset + g->tensors[4].nbytes + 28);
    gguf_close(g);
    cm_remove_tree(path);
    cr_assert_eq(rmdir(dir), 0, "the writer left a temporary file behind");
    free(path);
    free(dir);
}

/* GGUF_OPEN_RESIDENT: the same file read into memory of its own, so a later change of the
 * file does not reach the loaded tensors (a mapping would show it), and the same errors. */
Test(gguf, resident_open_reads_a_copy)
{
    char *dir, *path = fixture_file(&dir);
    struct gguf *g, *m;
    cr_assert_eq(gguf_open_flags(&g, path, GGUF_OPEN_RESIDENT), 0, "%s", cm_error_message());
    cr_assert_eq(gguf_open(&m, path), 0, "%s", cm_error_message());
    check_fixture(g);
    const struct gguf_tensor *t = &g->tensors[0], *tm = &m->tensors[0];
    cr_assert_eq(t->nbytes, tm->nbytes);
    uint8_t *before = malloc(t->nbytes);
    memcpy(before, t->data, t->nbytes);
    cr_assert(!memcmp(before, tm->data, t->nbytes));
    int fd = open(path, O_WRONLY);
    cr_assert(fd >= 0);
    uint8_t *ones = malloc(t->nbytes);
    memset(ones, 0x5a, t->nbytes);
    cr_assert_eq(pwrite(fd, ones, t->nbytes, (off_t)(g->data_offset + t->offset)), (ssize_t)t->nbytes);
    close(fd);
    cr_assert(!memcmp(tm->data, ones, t->nbytes), "the mapping should show the file's change");
    cr_assert(!memcmp(t->data, before, t->nbytes), "the resident copy changed with the file");
    gguf_close(g);
    gguf_close(m);
    free(ones);
    free(before);
    cr_assert_eq(gguf_open_flags(&g, "/nonexistent/m.gguf", GGUF_OPEN_RESIDENT), CM_EIO);
    cr_assert_null(g);
    cr_assert_eq(gguf_open_flags(&g, dir, GGUF_OPEN_RESIDENT), CM_EIO);
    cr_assert_eq(truncate(path, 40), 0);
    cr_assert_eq(gguf_open_flags(&g, path, GGUF_OPEN_RESIDENT), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "m.gguf"), "%s", cm_error_message());
    cm_remove_tree(path);
    cr_assert_eq(rmdir(dir), 0);
    free(path);
    free(dir);
}

static int fill_ramp(void *ctx, void *dst, size_t n)
{
    float *f = dst;
    for (size_t i = 0; i < n / 4; i++) f[i] = (float)i + *(float *)ctx;
    return 0;
}

static int fill_fail(void *ctx, void *dst, size_t n) { return cm_error_set(CM_EINVAL, "fill failed on purpose"); }

Test(gguf, fill_callback_and_failed_write_leaves_nothing)
{
    char *dir, *path;
    cr_assert_eq(cm_make_temp_dir(&dir, "test_gguf"), 0);
    path = cm_path_join(dir, "m.gguf");
    struct gguf_writer w;
    gguf_writer_init(&w);
    float base = 0.5f;
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", "llama"), 0);
    cr_assert_eq(gguf_writer_add_tensor_fill(&w, "r", TENSOR_TYPE_F32, 1, (int64_t[]){5}, fill_ramp, &base), 0);
    cr_assert_eq(gguf_writer_write(&w, path), 0);
    struct gguf *g;
    cr_assert_eq(gguf_open(&g, path), 0, "%s", cm_error_message());
    cr_assert_eq(((const float *)gguf_find_tensor(g, "r")->data)[4], 4.5f);
    gguf_close(g);
    cm_remove_tree(path);
    cr_assert_eq(gguf_writer_add_tensor_fill(&w, "x", TENSOR_TYPE_F32, 1, (int64_t[]){5}, fill_fail, NULL), 0);
    cr_assert_eq(gguf_writer_write(&w, path), CM_EINVAL);
    cr_assert_eq(rmdir(dir), 0, "a failed write left a file behind");
    gguf_writer_release(&w);
    free(path);
    free(dir);
}

Test(gguf, alignment_convention)
{
    struct gguf_writer w;
    build(&w);
    cr_assert_eq(gguf_writer_set_alignment(&w, 64), 0);
    void *p;
    size_t len;
    struct gguf *g;
    cr_assert_eq(gguf_writer_write_memory(&w, &p, &len), 0);
    cr_assert_eq(gguf_open_memory(&g, p, len, "a.gguf"), 0, "%s", cm_error_message());
    cr_assert_eq(g->alignment, 64);
    cr_assert_eq(g->data_offset % 64, 0);
    for (size_t i = 0; i < g->n_tensors; i++) cr_assert_eq(g->tensors[i].offset % 64, 0);
    gguf_close(g);
    free(p);
    /* 32 is the default: the key is dropped, even when set explicitly */
    cr_assert_eq(gguf_writer_set_u32(&w, "general.alignment", 32), 0);
    cr_assert_eq(gguf_writer_write_memory(&w, &p, &len), 0);
    cr_assert_eq(gguf_open_memory(&g, p, len, "a.gguf"), 0);
    cr_assert_null(gguf_find_key(g, "general.alignment"));
    cr_assert_eq(g->n_kv, 20);
    gguf_close(g);
    free(p);
    cr_assert_eq(gguf_writer_set_alignment(&w, 48), CM_EINVAL);
    gguf_writer_release(&w);
}

/* "... at offset N ..." with N <= limit, and the file's name. */
static void assert_offset_message(const char *name, uint64_t limit)
{
    const char *m = cm_error_message(), *at = strstr(m, "at offset ");
    cr_assert(strstr(m, name), "message lacks the file name: %s", m);
    cr_assert_not_null(at, "message lacks an offset: %s", m);
    unsigned long long off = strtoull(at + 10, NULL, 10);
    cr_assert(off <= limit, "offset %llu is past %llu: %s", off, (unsigned long long)limit, m);
}

Test(gguf, truncated_at_every_offset)
{
    size_t len;
    uint8_t *p = fixture(&len);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "full.gguf"), 0);
    uint64_t end = g->data_offset + g->tensors[4].offset + g->tensors[4].nbytes;
    gguf_close(g);
    for (size_t n = 0; n < len; n++) {
        uint8_t *q = cm_malloc(n); /* exact-size copy: ASan catches any read past it */
        memcpy(q, p, n);
        int rc = gguf_open_memory(&g, q, n, "cut.gguf");
        if (n < end) {
            cr_assert_eq(rc, CM_EFORMAT, "truncated at %zu of %zu: accepted", n, len);
            cr_assert_null(g);
            assert_offset_message("'cut.gguf'", n);
        } else {
            cr_assert_eq(rc, 0, "only padding is missing at %zu: %s", n, cm_error_message());
            gguf_close(g);
        }
        free(q);
    }
    free(p);
}

/* Opens a patched copy and checks the message. */
static void expect_bad(const uint8_t *p, size_t len, size_t at, const void *patch, size_t plen, const char *want)
{
    uint8_t *q = cm_malloc(len);
    memcpy(q, p, len);
    memcpy(q + at, patch, plen);
    struct gguf *g;
    int rc = gguf_open_memory(&g, q, len, "bad.gguf");
    cr_assert_eq(rc, CM_EFORMAT, "patch at %zu (want '%s') accepted", at, want);
    cr_assert(strstr(cm_error_message(), want), "'%s' lacks '%s'", cm_error_message(), want);
    assert_offset_message("'bad.gguf'", len);
    free(q);
}

static void put_u32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }
static void put_u64(uint8_t *b, uint64_t v) { memcpy(b, &v, 8); }

Test(gguf, corrupted_fields)
{
    size_t len;
    uint8_t *p = fixture(&len), b[8];
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "ok.gguf"), 0);
    expect_bad(p, len, 0, "GGML", 4, "not a GGUF file");
    put_u32(b, 1), expect_bad(p, len, 4, b, 4, "version 1 is not supported");
    put_u32(b, 4), expect_bad(p, len, 4, b, 4, "unsupported GGUF version 4");
    put_u32(b, 0x03000000), expect_bad(p, len, 4, b, 4, "big-endian");
    put_u64(b, 1ull << 40), expect_bad(p, len, 8, b, 8, "tensor count 1099511627776 at offset 8 exceeds the file");
    put_u64(b, 1ull << 40), expect_bad(p, len, 16, b, 8, "key-value count");
    put_u64(b, 4294967295u), expect_bad(p, len, 24, b, 8, "key length 4294967295 at offset 24 exceeds the file");
    const struct gguf_kv *kv = gguf_find_key(g, "t.str");
    put_u32(b, 13), expect_bad(p, len, kv->val_off - 4, b, 4, "unknown value type 13 of key 't.str'");
    put_u64(b, 1ull << 62), expect_bad(p, len, kv->val_off, b, 8, "string length 4611686018427387904 at offset");
    kv = gguf_find_key(g, "t.bool");
    expect_bad(p, len, kv->val_off, "\x02", 1, "neither 0 nor 1");
    kv = gguf_find_key(g, "t.arr_bool");
    expect_bad(p, len, kv->val_off + 12 + 1, "\x07", 1, "neither 0 nor 1");
    kv = gguf_find_key(g, "t.arr_u64");
    put_u32(b, 99), expect_bad(p, len, kv->val_off, b, 4, "unknown array element type 99");
    put_u64(b, 1ull << 61), expect_bad(p, len, kv->val_off + 4, b, 8, "array length 2305843009213693952 of key 't.arr_u64'");
    kv = gguf_find_key(g, "t.arr_str");
    put_u64(b, 1ull << 40), expect_bad(p, len, kv->val_off + 4, b, 8, "array length");
    put_u64(b, 100000), expect_bad(p, len, kv->val_off + 12, b, 8, "string length 100000 at offset");
    kv = gguf_find_key(g, "t.nested");
    put_u64(b, 1ull << 33), expect_bad(p, len, kv->val_off + 4, b, 8, "exceeds the file");
    put_u64(b, 1ull << 40), expect_bad(p, len, kv->val_off + 12 + 4, b, 8, "array length 1099511627776 of key 't.nested'");
    kv = gguf_find_key(g, "t.u8"); /* rename "t.u8" to "t.i8": a duplicate */
    expect_bad(p, len, kv->offset + 8, "t.i8", 4, "duplicate key 't.i8'");
    expect_bad(p, len, kv->offset + 9, "\0", 1, "contains a NUL byte");

    const struct gguf_tensor *t1 = &g->tensors[1], *t2 = &g->tensors[2];
    uint64_t ndims_at = t2->info_off + 8 + strlen(t2->name), type_at = ndims_at + 4 + 8 * t2->n_dims;
    put_u64(b, 4294967295u), expect_bad(p, len, t2->info_off, b, 8, "tensor name length 4294967295");
    put_u64(b, 2000), expect_bad(p, len, t2->info_off, b, 8, "tensor name length 2000");
    put_u32(b, 5), expect_bad(p, len, ndims_at, b, 4, "has 5 dimensions");
    put_u64(b, 1ull << 63), expect_bad(p, len, ndims_at + 4 + 8, b, 8, "is too large");
    put_u64(b, 1ull << 40), expect_bad(p, len, ndims_at + 4 + 8, b, 8, "needs more bytes than the file holds");
    put_u64(b, 33), expect_bad(p, len, ndims_at + 4, b, 8, "row length 33 of tensor 'blk.0.attn_q.weight'");
    put_u32(b, 4), expect_bad(p, len, type_at, b, 4, "unknown type 4 of tensor 'blk.0.attn_q.weight'");
    put_u32(b, 40), expect_bad(p, len, type_at, b, 4, "unknown type 40");
    put_u64(b, t2->offset + 1), expect_bad(p, len, type_at + 4, b, 8, "not a multiple of the alignment 32");
    put_u64(b, 1ull << 40), expect_bad(p, len, type_at + 4, b, 8, "exceeds the file");
    put_u64(b, UINT64_MAX - 31), expect_bad(p, len, type_at + 4, b, 8, "exceeds the file");
    put_u64(b, t1->offset), expect_bad(p, len, type_at + 4, b, 8, "overlaps");
    expect_bad(p, len, g->tensors[4].info_off + 8, "bf", 2, "duplicate tensor name 'bf'");
    gguf_close(g);
    free(p);
}

/* A file made by hand: header and one key whose value is given. */
static uint8_t *one_key_file(size_t *len, const char *key, uint32_t type, const struct cm_buf *val)
{
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_append(&b, "GGUF", 4);
    gguf_enc_u32(&b, 3);
    gguf_enc_u64(&b, 0);
    gguf_enc_u64(&b, 1);
    gguf_enc_str(&b, key, strlen(key));
    gguf_enc_u32(&b, type);
    cm_buf_append(&b, val->data, val->len);
    *len = b.len;
    return (uint8_t *)cm_buf_detach(&b);
}

Test(gguf, deep_nesting_and_alignment_key)
{
    struct cm_buf v;
    cm_buf_init(&v);
    for (int i = 0; i < 9; i++) gguf_enc_arr_header(&v, GGUF_TYPE_ARRAY, 1);
    gguf_enc_arr_header(&v, GGUF_TYPE_UINT8, 0);
    size_t len;
    uint8_t *p = one_key_file(&len, "deep", GGUF_TYPE_ARRAY, &v);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "deep.gguf"), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "nest deeper than 8"), "%s", cm_error_message());
    size_t used;
    cr_assert_eq(gguf_check_value(GGUF_TYPE_ARRAY, v.data, v.len, &used), CM_EFORMAT);
    free(p);
    v.len = 0;
    gguf_enc_u32(&v, 48);
    p = one_key_file(&len, "general.alignment", GGUF_TYPE_UINT32, &v);
    cr_assert_eq(gguf_open_memory(&g, p, len, "al.gguf"), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "alignment 48 at offset 53 is not a power of two"), "%s", cm_error_message());
    free(p);
    v.len = 0;
    gguf_enc_u64(&v, 64);
    p = one_key_file(&len, "general.alignment", GGUF_TYPE_UINT64, &v);
    cr_assert_eq(gguf_open_memory(&g, p, len, "al.gguf"), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "is u64, expected u32"), "%s", cm_error_message());
    free(p);
    /* version 2 files are read */
    v.len = 0;
    gguf_enc_u32(&v, 64);
    p = one_key_file(&len, "general.alignment", GGUF_TYPE_UINT32, &v);
    p[4] = 2;
    cr_assert_eq(gguf_open_memory(&g, p, len, "v2.gguf"), 0, "%s", cm_error_message());
    cr_assert_eq(g->version, 2);
    cr_assert_eq(g->alignment, 64);
    gguf_close(g);
    free(p);
    cm_buf_release(&v);
}

Test(gguf, getters_convert_widths_and_refuse_mismatches)
{
    size_t len;
    uint8_t *p = fixture(&len);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "m.gguf"), 0);
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    float f;
    const char *s;
    const struct gguf_arr *a;
    cr_assert_eq(gguf_get_u64(g, "t.u16", &u64), 0);
    cr_assert_eq(u64, 60000);
    cr_assert_eq(gguf_get_f32(g, "t.f64", &f), 0); /* f64 narrows to f32 */
    cr_assert_float_eq(f, (float)M_PI, 0);
    cr_assert_eq(gguf_get_u32(g, "t.i8", &u32), CM_EFORMAT); /* -100 */
    cr_assert(strstr(cm_error_message(), "value -100 of key 't.i8'"), "%s", cm_error_message());
    cr_assert_eq(gguf_get_u32(g, "t.u64", &u32), CM_EFORMAT);
    cr_assert_eq(gguf_get_i32(g, "t.u32", &i32), CM_EFORMAT);
    cr_assert_eq(gguf_get_u32(g, "t.str", &u32), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "cannot read 'm.gguf': key 't.str' at offset"), "%s", cm_error_message());
    cr_assert(strstr(cm_error_message(), "is str, expected an integer"), "%s", cm_error_message());
    cr_assert_eq(gguf_get_f32(g, "t.u32", &f), CM_EFORMAT);
    cr_assert_eq(gguf_get_str(g, "t.u8", &s), CM_EFORMAT);
    cr_assert_eq(gguf_get_arr(g, "t.arr_str", GGUF_TYPE_UINT32, &a), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "array of str, expected u32"), "%s", cm_error_message());
    cr_assert_eq(gguf_get_u32(g, "llama.block_count", &u32), CM_EFORMAT);
    cr_assert_str_eq(cm_error_message(), "cannot read 'm.gguf': missing key 'llama.block_count'");
    gguf_close(g);
    free(p);
}

Test(gguf, writer_refusals)
{
    struct gguf_writer w;
    gguf_writer_init(&w);
    void *p;
    size_t len;
    cr_assert_eq(gguf_writer_write_memory(&w, &p, &len), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "general.architecture"));
    cr_assert_eq(gguf_writer_set_u32(&w, "", 1), CM_EINVAL);
    cr_assert_eq(gguf_writer_set_u32(&w, "has space", 1), CM_EINVAL);
    float x[64] = {0};
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", TENSOR_TYPE_Q8_0, 1, (int64_t[]){33}, x), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "not a multiple of the q8_0 block size 32"), "%s", cm_error_message());
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", 4, 1, (int64_t[]){32}, x), CM_EINVAL);
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", TENSOR_TYPE_F32, 5, (int64_t[]){1, 1, 1, 1, 1}, x), CM_EINVAL);
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", TENSOR_TYPE_F32, 2, (int64_t[]){4, 0}, x), CM_EINVAL);
    char longname[80];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[79] = '\0';
    cr_assert_eq(gguf_writer_add_tensor(&w, longname, TENSOR_TYPE_F32, 1, (int64_t[]){4}, x), CM_EINVAL);
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", TENSOR_TYPE_F32, 1, (int64_t[]){4}, x), 0);
    cr_assert_eq(gguf_writer_add_tensor(&w, "a", TENSOR_TYPE_F32, 1, (int64_t[]){4}, x), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "duplicate tensor name 'a'"));
    struct cm_buf b;
    cm_buf_init(&b);
    gguf_enc_arr_header(&b, GGUF_TYPE_UINT32, 2);
    gguf_enc_u32(&b, 1); /* one element short */
    cr_assert_eq(gguf_writer_set_encoded(&w, "x", GGUF_TYPE_ARRAY, b.data, b.len), CM_EFORMAT);
    gguf_enc_u32(&b, 2);
    gguf_enc_u8(&b, 0); /* one byte too many */
    cr_assert_eq(gguf_writer_set_encoded(&w, "x", GGUF_TYPE_ARRAY, b.data, b.len), CM_EINVAL);
    cr_assert_eq(gguf_writer_set_encoded(&w, "x", GGUF_TYPE_ARRAY, b.data, b.len - 1), 0);
    cm_buf_release(&b);
    /* setting a key again replaces it in place */
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", "gpt2"), 0);
    cr_assert_eq(gguf_writer_set_str(&w, "general.architecture", "llama"), 0);
    cr_assert_eq(w.n_kv, 2);
    cr_assert_eq(gguf_writer_write_memory(&w, &p, &len), 0);
    struct gguf *g;
    cr_assert_eq(gguf_open_memory(&g, p, len, "w.gguf"), 0);
    const char *s;
    cr_assert_eq(gguf_get_str(g, "general.architecture", &s), 0);
    cr_assert_str_eq(s, "llama");
    /* copying every key reproduces the same bytes */
    struct gguf_writer w2;
    gguf_writer_init(&w2);
    for (size_t i = 0; i < g->n_kv; i++) cr_assert_eq(gguf_writer_copy_kv(&w2, g, &g->kv[i]), 0);
    cr_assert_eq(gguf_writer_add_tensor(&w2, "a", TENSOR_TYPE_F32, 1, (int64_t[]){4}, x), 0);
    void *p2;
    size_t len2;
    cr_assert_eq(gguf_writer_write_memory(&w2, &p2, &len2), 0);
    cr_assert_eq(len2, len);
    cr_assert(!memcmp(p, p2, len));
    free(p2);
    gguf_writer_release(&w2);
    gguf_close(g);
    free(p);
    gguf_writer_release(&w);
}

Test(gguf, open_errors)
{
    struct gguf *g = (struct gguf *)1;
    cr_assert_eq(gguf_open(&g, "/nonexistent/m.gguf"), CM_EIO);
    cr_assert_null(g);
    cr_assert(strstr(cm_error_message(), "cannot open '/nonexistent/m.gguf'"));
    cr_assert_eq(gguf_open(&g, "/"), CM_EIO);
    cr_assert(strstr(cm_error_message(), "not a regular file"));
    char *dir;
    cr_assert_eq(cm_make_temp_dir(&dir, "test_gguf"), 0);
    char *path = cm_path_join(dir, "empty.gguf");
    cr_assert_eq(cm_write_file_atomic(path, "", 0), 0);
    cr_assert_eq(gguf_open(&g, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "truncated magic at offset 0"), "%s", cm_error_message());
    cr_assert_eq(cm_write_file_atomic(path, "GGUF\x03\0\0\0", 8), 0);
    cr_assert_eq(gguf_open(&g, path), CM_EFORMAT);
    cr_assert(strstr(cm_error_message(), "truncated tensor count at offset 8"), "%s", cm_error_message());
    cm_remove_tree(dir);
    free(path);
    free(dir);
}
