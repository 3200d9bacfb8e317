/* gguf.h — GGUF files (llama.cpp's model format): a fully validated reader and a writer.
 *
 * Reader: gguf_open maps the file read-only (gguf_open_flags with GGUF_OPEN_RESIDENT reads
 * it into huge pages instead: how models are loaded) and checks every count, length, type id,
 * dimension and offset against the file size before anything is used; a malformed file
 * is an error naming the file and the byte offset, never a crash. Versions 2 and 3 are
 * read (little-endian only). Metadata strings and tensor data stay in the mapping;
 * keys, tensor names and scalar string values are copied (NUL-terminated).
 *
 * Writer: collects metadata and tensors, then writes a GGUF v3 file atomically
 * (temporary file, fsync, rename) the way llama.cpp does: general.architecture first,
 * general.alignment only when it is not 32, each tensor's data aligned and zero-padded.
 *
 * Left out: big-endian files, GGUF v1, editing a file in place, split (sharded) models.
 * Ownership: what comes back through **out belongs to the caller; pointers returned
 * directly (keys, arrays, tensors, data) are borrowed from the struct gguf and live
 * until gguf_close.
 */
#ifndef CM_GGUF_GGUF_H
#define CM_GGUF_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define GGUF_MAGIC "GGUF"
#define GGUF_VERSION 3
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_MAX_NAME 64 /* llama.cpp's limit on tensor names, NUL included */

enum gguf_type {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT = 13,
};

/* A string inside the mapping: not NUL-terminated, may hold any bytes. */
struct gguf_str {
    const char *data;
    uint64_t len;
};

struct gguf_arr {
    enum gguf_type type; /* element type */
    uint64_t n;
    const void *data;      /* fixed-size elements: n little-endian values, unaligned */
    struct gguf_str *strs; /* type STRING: n strings */
    struct gguf_arr *arrs; /* type ARRAY: n nested arrays */
};

struct gguf_kv {
    char *key; /* NUL-terminated copy */
    enum gguf_type type;
    union {
        uint64_t u; /* UINT8..UINT64 and BOOL (0 or 1) */
        int64_t i;  /* INT8..INT64 */
        double f;   /* FLOAT32, FLOAT64 */
    } v;
    struct gguf_str str; /* type STRING: in the mapping */
    char *cstr;          /* type STRING: NUL-terminated copy */
    struct gguf_arr arr; /* type ARRAY */
    uint64_t offset;     /* where the key starts in the file */
    uint64_t val_off, val_len; /* the encoded value's bytes (after the type id) */
};

struct gguf_tensor {
    char *name;     /* NUL-terminated copy */
    uint32_t type;  /* enum tensor_type */
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS]; /* ne[0] is the row length; unused dims are 1 */
    int64_t n_elements;
    uint64_t nbytes;
    uint64_t offset;  /* relative to the data section */
    const void *data; /* in the mapping */
    uint64_t info_off; /* where the tensor info starts in the file */
};

struct gguf {
    char *path; /* as given; used in messages */
    const uint8_t *base;
    size_t size;
    int mapped;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset; /* file offset of the tensor data section */
    size_t n_kv;
    struct gguf_kv *kv;
    size_t n_tensors;
    struct gguf_tensor *tensors; /* in file order */
    size_t *by_name;             /* tensor indices sorted by name */
    size_t *kv_by_key;           /* kv indices sorted by key */
};

/* Opens and validates path. On failure *out is NULL and the message names the file
 * and, for a malformed file, the byte offset. */
int gguf_open(struct gguf **out, const char *path);
/* GGUF_OPEN_RESIDENT: read the file into anonymous memory in transparent huge pages instead
 * of mapping it (faster weight streaming; the file's size in private memory). Falls back to
 * the mapping when that memory cannot be had. */
#define GGUF_OPEN_RESIDENT 1u
int gguf_open_flags(struct gguf **out, const char *path, unsigned flags);
/* The same over a buffer the caller keeps alive until gguf_close; name is for messages. */
int gguf_open_memory(struct gguf **out, const void *data, size_t size, const char *name);
void gguf_close(struct gguf *g); /* accepts NULL */

const char *gguf_type_name(enum gguf_type t); /* "u32", "str", "arr"...; "?" if unknown */

/* NULL when absent. */
const struct gguf_kv *gguf_find_key(const struct gguf *g, const char *key);
const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name);

/* Typed getters. Integers are accepted in any stored width and signedness whose value
 * fits (llama.cpp writes some counts as u32, others as u64 or i32); floats accept
 * f32 and f64; gguf_get_str refuses strings with NUL bytes. Returns 0, or CM_EFORMAT
 * with the message set ("cannot read 'm.gguf': missing key 'llama.block_count'",
 * "... key 'x' at offset 40 is a string, expected an integer"). */
int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out);
int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out);
int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out);
int gguf_get_i64(const struct gguf *g, const char *key, int64_t *out);
int gguf_get_f32(const struct gguf *g, const char *key, float *out);
int gguf_get_f64(const struct gguf *g, const char *key, double *out);
int gguf_get_bool(const struct gguf *g, const char *key, bool *out);
int gguf_get_str(const struct gguf *g, const char *key, const char **out);
/* elem == GGUF_TYPE_COUNT accepts any element type. */
int gguf_get_arr(const struct gguf *g, const char *key, enum gguf_type elem, const struct gguf_arr **out);

/* Array elements (i < a->n is the caller's to check; it is asserted). Numeric getters
 * convert like the scalar getters and return CM_EFORMAT when the value does not fit. */
int gguf_arr_get_i64(const struct gguf_arr *a, uint64_t i, int64_t *out);
int gguf_arr_get_u64(const struct gguf_arr *a, uint64_t i, uint64_t *out);
int gguf_arr_get_f64(const struct gguf_arr *a, uint64_t i, double *out);
struct gguf_str gguf_arr_get_str(const struct gguf_arr *a, uint64_t i);

/* Size of a fixed-size value type in bytes; 0 for STRING, ARRAY and unknown ids. */
size_t gguf_type_size(enum gguf_type t);

/* ---- writer ---- */

/* Produces a tensor's nbytes of data into dst while the file is written (streaming). */
typedef int (*gguf_fill_fn)(void *ctx, void *dst, size_t nbytes);

struct gguf_writer_kv {
    char *key;
    enum gguf_type type;
    struct cm_buf val; /* the encoded value */
};

struct gguf_writer_tensor {
    char *name;
    uint32_t type;
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];
    uint64_t nbytes;
    const void *data; /* borrowed until the write, or NULL when fill is set */
    gguf_fill_fn fill;
    void *fill_ctx;
};

struct gguf_writer {
    struct gguf_writer_kv *kv;
    size_t n_kv, cap_kv;
    struct gguf_writer_tensor *tensors;
    size_t n_tensors, cap_tensors;
};

void gguf_writer_init(struct gguf_writer *w);
void gguf_writer_release(struct gguf_writer *w);

/* Setters replace a key that is already there (keeping its place). Keys are printable
 * ASCII, 1..65535 bytes. Return 0 or CM_EINVAL with the message set. */
int gguf_writer_set_u8(struct gguf_writer *w, const char *key, uint8_t v);
int gguf_writer_set_i8(struct gguf_writer *w, const char *key, int8_t v);
int gguf_writer_set_u16(struct gguf_writer *w, const char *key, uint16_t v);
int gguf_writer_set_i16(struct gguf_writer *w, const char *key, int16_t v);
int gguf_writer_set_u32(struct gguf_writer *w, const char *key, uint32_t v);
int gguf_writer_set_i32(struct gguf_writer *w, const char *key, int32_t v);
int gguf_writer_set_f32(struct gguf_writer *w, const char *key, float v);
int gguf_writer_set_bool(struct gguf_writer *w, const char *key, bool v);
int gguf_writer_set_str(struct gguf_writer *w, const char *key, const char *v);
int gguf_writer_set_u64(struct gguf_writer *w, const char *key, uint64_t v);
int gguf_writer_set_i64(struct gguf_writer *w, const char *key, int64_t v);
int gguf_writer_set_f64(struct gguf_writer *w, const char *key, double v);
/* An array of fixed-size elements given as a C array of the matching type
 * (uint8_t for UINT8, float for FLOAT32, bool for BOOL, ...). */
int gguf_writer_set_arr(struct gguf_writer *w, const char *key, enum gguf_type elem, const void *items,
                        uint64_t n);
int gguf_writer_set_arr_str(struct gguf_writer *w, const char *key, const char *const *items, uint64_t n);
/* A value already encoded with the gguf_enc_* helpers (nested arrays); it is parsed
 * and refused unless it is exactly one well-formed value of the given type. */
int gguf_writer_set_encoded(struct gguf_writer *w, const char *key, enum gguf_type type, const void *bytes,
                            size_t len);
/* Copies a key and its value as they are in an open file. */
int gguf_writer_copy_kv(struct gguf_writer *w, const struct gguf *g, const struct gguf_kv *kv);
/* Removes a key; 0 whether or not it was there. */
int gguf_writer_remove(struct gguf_writer *w, const char *key);
/* 32 removes general.alignment (the default); other powers of two set it. */
int gguf_writer_set_alignment(struct gguf_writer *w, uint32_t alignment);

/* Adds a tensor. name < GGUF_MAX_NAME bytes and unique; 1..4 dims, each >= 1; ne[0] a
 * multiple of the type's block size. data is borrowed until gguf_writer_write. */
int gguf_writer_add_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                           const int64_t *ne, const void *data);
/* The same, with the data produced by fill(ctx, dst, nbytes) during the write. */
int gguf_writer_add_tensor_fill(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                const int64_t *ne, gguf_fill_fn fill, void *ctx);

/* Writes the file atomically. Refuses a writer without general.architecture (string),
 * since llama.cpp cannot load such a file. */
int gguf_writer_write(const struct gguf_writer *w, const char *path);
/* The same into a buffer (for tests and tools); *out is owned by the caller. */
int gguf_writer_write_memory(const struct gguf_writer *w, void **out, size_t *len);

/* Encoders for gguf_writer_set_encoded (little-endian, as in the file). */
void gguf_enc_u8(struct cm_buf *b, uint8_t v);
void gguf_enc_u16(struct cm_buf *b, uint16_t v);
void gguf_enc_u32(struct cm_buf *b, uint32_t v);
void gguf_enc_u64(struct cm_buf *b, uint64_t v);
void gguf_enc_f32(struct cm_buf *b, float v);
void gguf_enc_f64(struct cm_buf *b, double v);
void gguf_enc_str(struct cm_buf *b, const char *s, uint64_t len);
void gguf_enc_arr_header(struct cm_buf *b, enum gguf_type elem, uint64_t n);

/* Parses one encoded value of the given type from bytes[0..len) (the writer's check; the
 * reader uses the same code). On success *used is the value's length. */
int gguf_check_value(enum gguf_type type, const void *bytes, size_t len, size_t *used);

#endif
