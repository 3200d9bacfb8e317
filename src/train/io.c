/* io.c — checkpoints and GGUF export for training (see io.h). */
#include "train/io.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

#define CKPT_HEADER 96

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static float getf(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

static void write_header(uint8_t *h, const struct tr_model_f32 *m, uint64_t step, uint64_t rng)
{
    memset(h, 0, CKPT_HEADER);
    memcpy(h, TR_CKPT_MAGIC, 8);
    put32(h + 8, TR_CKPT_VERSION);
    put32(h + 12, (m->tied ? 1u : 0) | (m->lora.r > 0 ? 2u : 0) | (uint32_t)m->hp.arch << 8 |
                      (m->lora.r > 0 ? (uint32_t)m->lora.layers << 16 : 0)); /* layers: 0 before it existed */
    const struct llama_hparams *hp = &m->hp;
    uint32_t v[8] = {hp->n_vocab, hp->n_ctx, hp->dim, hp->n_ff, hp->n_layer, hp->n_head, hp->n_head_kv, hp->n_rot};
    for (int i = 0; i < 8; i++) put32(h + 16 + 4 * i, v[i]);
    memcpy(h + 48, &hp->rope_base, 4);
    memcpy(h + 52, &hp->norm_eps, 4);
    if (m->lora.r > 0) {
        put32(h + 56, (uint32_t)m->lora.r);
        memcpy(h + 60, &m->lora.alpha, 4);
        memcpy(h + 64, &m->lora.dropout, 4);
        put32(h + 68, m->lora.targets);
    }
    put64(h + 72, step);
    put64(h + 80, rng);
    put64(h + 88, m->n_params);
}

int tr_checkpoint_save(const struct tr_trainer *t, const char *path)
{
    const struct tr_model_f32 *m = t->m;
    size_t n = m->n_params, len = CKPT_HEADER + 3 * n * sizeof(float) + 8;
    uint8_t *buf = cm_malloc(len);
    write_header(buf, m, t->step, t->rng);
    memcpy(buf + CKPT_HEADER, m->params, n * sizeof(float));
    memcpy(buf + CKPT_HEADER + n * sizeof(float), t->mom, n * sizeof(float));
    memcpy(buf + CKPT_HEADER + 2 * n * sizeof(float), t->vel, n * sizeof(float));
    put64(buf + len - 8, fnv1a(buf, len - 8));
    int rc = cm_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

static int read_checked(uint8_t **out, size_t *len, const char *path)
{
    char *data = NULL;
    int rc = cm_read_file(&data, len, path, (size_t)1 << 40);
    if (rc) return rc;
    uint8_t *b = (uint8_t *)data;
    if (*len < CKPT_HEADER + 8 || memcmp(b, TR_CKPT_MAGIC, 8) != 0) {
        free(data);
        return cm_error_set(CM_EFORMAT, "cannot read '%s': not a chatmpi training checkpoint", path);
    }
    if (get32(b + 8) != TR_CKPT_VERSION) {
        uint32_t v = get32(b + 8);
        free(data);
        cm_error_set(CM_EFORMAT, "cannot read '%s': checkpoint version %u, this chatmpi reads version %u", path, v,
                     TR_CKPT_VERSION);
        cm_error_hint("resume with the chatmpi that wrote it, or start from the exported model");
        return CM_EFORMAT;
    }
    uint64_t np = get64(b + 88);
    if (np > (*len - CKPT_HEADER - 8) / 12 || CKPT_HEADER + 12 * np + 8 != *len) {
        free(data);
        return cm_error_set(CM_EFORMAT, "cannot read '%s': size %zu does not match %llu parameters", path, *len,
                            (unsigned long long)np);
    }
    if (fnv1a(b, *len - 8) != get64(b + *len - 8)) {
        free(data);
        return cm_error_set(CM_EFORMAT, "cannot read '%s': checksum mismatch (the file is damaged)", path);
    }
    *out = b;
    return 0;
}

int tr_checkpoint_peek(const char *path, struct llama_hparams *hp, int *tied, struct tr_lora_cfg *lora)
{
    uint8_t *b;
    size_t len;
    int rc = read_checked(&b, &len, path);
    if (rc) return rc;
    uint32_t *f[8] = {&hp->n_vocab, &hp->n_ctx, &hp->dim, &hp->n_ff, &hp->n_layer, &hp->n_head, &hp->n_head_kv,
                      &hp->n_rot};
    for (int i = 0; i < 8; i++) *f[i] = get32(b + 16 + 4 * i);
    hp->rope_base = getf(b + 48);
    hp->norm_eps = getf(b + 52);
    *tied = get32(b + 12) & 1;
    hp->arch = (enum llama_arch)(get32(b + 12) >> 8 & 0xff); /* 0, llama, in files written before qwen2 */
    memset(lora, 0, sizeof(*lora));
    if (get32(b + 12) & 2) {
        lora->r = (int)get32(b + 56);
        lora->alpha = getf(b + 60);
        lora->dropout = getf(b + 64);
        lora->targets = get32(b + 68);
        lora->layers = (int)(get32(b + 12) >> 16);
    }
    free(b);
    if ((unsigned)hp->arch >= LLAMA_ARCH_COUNT)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': unknown architecture %u", path, (unsigned)hp->arch);
    rc = llama_hparams_validate(hp);
    if (rc) return cm_error_set(rc, "cannot read '%s': %s", path, cm_error_message());
    return 0;
}

int tr_checkpoint_load(struct tr_trainer *t, const char *path)
{
    uint8_t *b;
    size_t len;
    int rc = read_checked(&b, &len, path);
    if (rc) return rc;
    struct tr_model_f32 *m = t->m;
    uint8_t want[CKPT_HEADER];
    write_header(want, m, 0, 0);
    if (memcmp(b + 12, want + 12, 72 - 12) != 0 || get64(b + 88) != m->n_params) {
        free(b);
        cm_error_set(CM_EFORMAT, "cannot resume from '%s': it holds a model of another shape or LoRA setting", path);
        cm_error_hint("give the same --init shape (or --base) and --lora settings as the run that wrote it");
        return CM_EFORMAT;
    }
    size_t n = m->n_params;
    t->step = get64(b + 72);
    t->rng = get64(b + 80);
    memcpy(m->params, b + CKPT_HEADER, n * sizeof(float));
    memcpy(t->mom, b + CKPT_HEADER + n * sizeof(float), n * sizeof(float));
    memcpy(t->vel, b + CKPT_HEADER + 2 * n * sizeof(float), n * sizeof(float));
    free(b);
    return 0;
}

/* ---- GGUF export ---- */

struct fill_ctx {
    const float *src;
    uint32_t type;
    int64_t ne0, ne1;
};

static int fill_rows(void *ctx, void *dst, size_t nbytes)
{
    const struct fill_ctx *f = ctx;
    size_t rb = tensor_row_size(f->type, f->ne0);
    CM_ASSERT(rb * (size_t)f->ne1 == nbytes);
    for (int64_t r = 0; r < f->ne1; r++) {
        int rc = tensor_quantize_row(f->type, f->src + r * f->ne0, (char *)dst + r * rb, f->ne0);
        if (rc) return rc;
    }
    return 0;
}

static int finish(struct gguf_writer *w, tr_kv_hook hook, void *hook_ctx, const char *path, void **mem,
                  size_t *mem_len)
{
    int rc = hook ? hook(hook_ctx, w) : 0;
    if (!rc) rc = path ? gguf_writer_write(w, path) : gguf_writer_write_memory(w, mem, mem_len);
    return rc;
}

int tr_export_model(const struct tr_model_f32 *m, uint32_t type, tr_kv_hook hook, void *hook_ctx, const char *path,
                    void **mem, size_t *mem_len)
{
    if (m->lora.r > 0)
        return cm_error_set(CM_EINVAL, "cannot export a LoRA-trained model as a whole model: write the adapter");
    const struct tensor_type_info *ti = tensor_type_get(type);
    if (!ti || !ti->can_quantize)
        return cm_error_set(CM_EINVAL, "cannot export tensors as type %s", tensor_type_name(type));
    struct gguf_writer w;
    gguf_writer_init(&w);
    struct fill_ctx *fills = cm_calloc(m->n_tensors, sizeof(*fills));
    int rc = llama_hparams_write(&m->hp, &w);
    for (size_t i = 0; !rc && i < m->n_tensors; i++) {
        const struct tr_ptensor *t = &m->tensors[i];
        uint32_t ty = t->n_dims == 2 && t->ne[0] % ti->block_size == 0 ? type : TENSOR_TYPE_F32;
        fills[i] = (struct fill_ctx){m->params + t->off, ty, t->ne[0], t->ne[1]};
        rc = gguf_writer_add_tensor_fill(&w, t->name, ty, (uint32_t)t->n_dims, t->ne, fill_rows, &fills[i]);
    }
    if (!rc) rc = finish(&w, hook, hook_ctx, path, mem, mem_len);
    gguf_writer_release(&w);
    free(fills);
    return rc;
}

int tr_export_lora(const struct tr_model_f32 *m, tr_kv_hook hook, void *hook_ctx, const char *path, void **mem,
                   size_t *mem_len)
{
    if (m->lora.r <= 0) return cm_error_set(CM_EINVAL, "cannot write an adapter: the model was not trained with LoRA");
    struct gguf_writer w;
    gguf_writer_init(&w);
    int rc;
    if (!(rc = gguf_writer_set_str(&w, "general.architecture", llama_arch_name(m->hp.arch))) &&
        !(rc = gguf_writer_set_str(&w, "general.type", "adapter")) &&
        !(rc = gguf_writer_set_str(&w, "adapter.type", "lora")))
        rc = gguf_writer_set_f32(&w, "adapter.lora.alpha", m->lora.alpha);
    for (size_t i = 0; !rc && i < m->n_tensors; i++) {
        const struct tr_ptensor *t = &m->tensors[i];
        rc = gguf_writer_add_tensor(&w, t->name, TENSOR_TYPE_F32, 2, t->ne, m->params + t->off);
    }
    if (!rc) rc = finish(&w, hook, hook_ctx, path, mem, mem_len);
    gguf_writer_release(&w);
    return rc;
}
