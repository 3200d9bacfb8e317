/* mem.c — the training memory estimate and the machine's available memory (see mem.h). */
#include "train/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/ops.h"

/* Resident bytes beyond the named parts, measured as peak RSS (VmHWM) less those parts
 * (docs/train.md): up to 8 MiB a thread (stacks, OpenBLAS's small buffers), and for each
 * thread past the first a packed panel of 384 x the widest weight-gradient product, which
 * OpenBLAS's helper threads hold: the output head's (n_vocab wide) in full training, the
 * feed-forward's in LoRA (the frozen head gets no gradient). */
#define TR_MEM_PER_THREAD ((uint64_t)8 << 20)
#define TR_MEM_PANEL_ROWS 384
#define TR_MEM_PANEL_MAX 32768

static uint64_t runtime_bytes(const struct llama_hparams *hp, int lora, int threads)
{
    uint64_t wide = lora ? hp->n_ff : (hp->n_vocab > hp->n_ff ? hp->n_vocab : hp->n_ff);
    if (wide > TR_MEM_PANEL_MAX) wide = TR_MEM_PANEL_MAX;
    if (threads < 1) threads = 1;
    return (uint64_t)threads * TR_MEM_PER_THREAD + (uint64_t)(threads - 1) * TR_MEM_PANEL_ROWS * wide * sizeof(float);
}

size_t tr_param_count(const struct llama_hparams *hp, int tied, const struct tr_lora_cfg *lora)
{
    size_t C = hp->dim, F = hp->n_ff, V = hp->n_vocab, L = hp->n_layer;
    size_t KV = hp->n_head_kv * (hp->dim / hp->n_head);
    size_t in[TR_MOD_COUNT] = {C, C, C, C, C, C, F}, out[TR_MOD_COUNT] = {C, KV, KV, C, F, F, C};
    size_t n = 0;
    if (lora && lora->r > 0) {
        size_t La = lora->layers > 0 && (size_t)lora->layers < L ? (size_t)lora->layers : L; /* adapted layers */
        for (int mod = 0; mod < TR_MOD_COUNT; mod++)
            if (lora->targets & (1u << mod)) n += La * (size_t)lora->r * (in[mod] + out[mod]);
        return n;
    }
    n = V * C * (tied ? 1 : 2) + 2 * L * C + C;
    if (llama_arch_has_qkv_bias(hp->arch)) n += L * (C + 2 * KV);
    for (int mod = 0; mod < TR_MOD_COUNT; mod++) n += L * in[mod] * out[mod];
    return n;
}

void tr_mem_estimate(struct tr_mem_plan *p, const struct llama_hparams *hp, int tied, const struct tr_lora_cfg *lora,
                     uint64_t mapped, int B, int T, int threads, int ranks)
{
    memset(p, 0, sizeof(*p));
    int r = lora && lora->r > 0 ? lora->r : 0;
    uint64_t n = tr_param_count(hp, tied, lora);
    p->now = tr_mem_status("VmRSS");
    p->mapped = mapped;
    p->params = 2 * n * sizeof(float);
    if (r) { /* the frozen norms and biases */
        uint64_t kv = (uint64_t)hp->n_head_kv * (hp->dim / hp->n_head);
        p->params += (2 * (uint64_t)hp->n_layer + 1) * hp->dim * sizeof(float);
        if (llama_arch_has_qkv_bias(hp->arch)) p->params += hp->n_layer * (hp->dim + 2 * kv) * sizeof(float);
    }
    p->optimizer = 2 * n * sizeof(float);
    p->activations = tr_model_alloc_bytes_f32(hp, r, r ? lora->layers : 0, B, T);
    /* attention backward's probability and gradient blocks (rows of at most TR_ATT_ROWS queries, T keys) */
    p->activations += 2 * (uint64_t)(T < TR_ATT_ROWS ? T : TR_ATT_ROWS) * T * sizeof(float);
    p->checkpoint = 104 + 3 * n * sizeof(float);
    p->comm = ranks > 1 ? n * sizeof(float) : 0;
    p->runtime = runtime_bytes(hp, r > 0, threads);
    p->total = p->now + p->mapped + p->params + p->optimizer + p->activations + p->checkpoint + p->comm + p->runtime;
}

/* The first number after key in a "key value [kB]" file; 0 when absent. */
static uint64_t read_kv(const char *path, const char *key, int kb)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    uint64_t v = 0;
    size_t k = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, k) && (line[k] == ':' || line[k] == ' ')) {
            const char *s = line + k + (line[k] == ':');
            char *end;
            errno = 0;
            unsigned long long x = strtoull(s, &end, 10);
            if (!errno && end != s) v = kb ? (uint64_t)x * 1024 : (uint64_t)x;
            break;
        }
    fclose(f);
    return v;
}

/* One number from a one-line file ("max" and anything unreadable give UINT64_MAX). */
static uint64_t read_one(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return UINT64_MAX;
    char line[64];
    uint64_t v = UINT64_MAX;
    if (fgets(line, sizeof(line), f)) {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(line, &end, 10);
        if (!errno && end != line) v = (uint64_t)x;
    }
    fclose(f);
    return v;
}

/* The room left under the cgroup limits of this process and its ancestors (v1 memory
 * controller or v2), or UINT64_MAX when there is no limit. File-backed pages count as free:
 * the kernel reclaims them before it fails an allocation. */
static uint64_t cgroup_room(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return UINT64_MAX;
    char line[1024], path[1024] = "", base[64] = "";
    int v1 = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b) continue;
        *b = '\0';
        const char *ctl = a + 1;
        int is_v1 = !strcmp(ctl, "memory") || strstr(ctl, "memory") != NULL;
        if (is_v1 || (!*ctl && !v1)) {
            snprintf(path, sizeof(path), "%s", b + 1);
            snprintf(base, sizeof(base), "%s", is_v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup");
            v1 = is_v1;
        }
    }
    fclose(f);
    if (!*base) return UINT64_MAX;
    uint64_t room = UINT64_MAX;
    for (;;) {
        char dir[1200], file[1300];
        snprintf(dir, sizeof(dir), "%s%s", base, path);
        snprintf(file, sizeof(file), "%s/%s", dir, v1 ? "memory.limit_in_bytes" : "memory.max");
        uint64_t lim = read_one(file);
        if (lim < ((uint64_t)1 << 60)) {
            snprintf(file, sizeof(file), "%s/%s", dir, v1 ? "memory.usage_in_bytes" : "memory.current");
            uint64_t use = read_one(file);
            snprintf(file, sizeof(file), "%s/memory.stat", dir);
            uint64_t cache = read_kv(file, v1 ? "total_cache" : "file", 0);
            if (use == UINT64_MAX) use = 0;
            use = use > cache ? use - cache : 0;
            uint64_t left = lim > use ? lim - use : 0;
            if (left < room) room = left;
        }
        char *slash = strrchr(path, '/');
        if (!slash || !path[0] || !strcmp(path, "/")) break;
        if (slash == path) path[1] = '\0';
        else *slash = '\0';
    }
    return room;
}

int tr_mem_available(uint64_t *bytes, const char **what)
{
    uint64_t avail = read_kv("/proc/meminfo", "MemAvailable", 1);
    if (!avail) return cm_error_set(CM_EENV, "cannot read MemAvailable from '/proc/meminfo'");
    *what = "MemAvailable";
    uint64_t cg = cgroup_room();
    if (cg < avail) avail = cg, *what = "cgroup limit";
    *bytes = avail;
    return 0;
}

uint64_t tr_mem_status(const char *key)
{
    return read_kv("/proc/self/status", key, 1);
}

int tr_mem_parse_size(uint64_t *out, const char *text)
{
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (errno || end == text || !isfinite(x) || x < 0) goto bad;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1024.0, end++; break;
    case 'M': mul = 1024.0 * 1024, end++; break;
    case 'G': mul = 1024.0 * 1024 * 1024, end++; break;
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024, end++; break;
    default: break;
    }
    if (mul > 1 && (*end == 'i' || *end == 'I')) end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end || x * mul >= 1.8e19) goto bad;
    *out = (uint64_t)(x * mul);
    return 0;
bad:
    cm_error_set(CM_EINVAL, "invalid memory size '%s'", text);
    cm_error_hint("a number of bytes with an optional K, M, G or T (powers of 1024): 512M, 2G, 1.5GiB");
    return CM_EINVAL;
}

void tr_mem_format(char *buf, size_t n, uint64_t bytes)
{
    double x = (double)bytes;
    if (x >= 1024.0 * 1024 * 1024) snprintf(buf, n, "%.1f GiB", x / (1024.0 * 1024 * 1024));
    else if (x >= 1024.0 * 1024) snprintf(buf, n, "%.0f MiB", x / (1024.0 * 1024));
    else snprintf(buf, n, "%.0f KiB", x / 1024.0);
}
