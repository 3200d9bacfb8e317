/* runcache.c — the harness's memo of runs (see runcache.h): image ids, entries on disk. */
#include "harness/runcache.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"

#define IMAGE_MAX (256u << 20)
#define ENTRY_MAGIC "chatmpi-run-cache 1\n"

static void hex128(char *out, XXH128_hash_t h)
{
    snprintf(out, RUNCACHE_ID_LEN + 1, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

static int in_file(size_t size, unsigned long long off, unsigned long long len)
{
    return off <= size && len <= size - off;
}

/* Hashes what the loader maps: the ELF header's machine, type, entry and flags, the program
 * headers, and every allocated section (name, type, flags, address, size and contents), except
 * the build id, which ld computes over the whole file, symbol names included. */
static int image_hash(XXH3_state_t *st, const unsigned char *f, size_t size)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr)) ||
        !in_file(size, eh->e_shoff, (unsigned long long)eh->e_shnum * sizeof(Elf64_Shdr)) ||
        !in_file(size, eh->e_phoff, (unsigned long long)eh->e_phnum * sizeof(Elf64_Phdr)) ||
        eh->e_shstrndx >= eh->e_shnum)
        return -1;
    Elf64_Half hdr[2] = {eh->e_type, eh->e_machine};
    Elf64_Addr entry = eh->e_entry;
    Elf64_Word flags = eh->e_flags;
    XXH3_128bits_update(st, eh->e_ident, EI_NIDENT);
    XXH3_128bits_update(st, hdr, sizeof(hdr));
    XXH3_128bits_update(st, &entry, sizeof(entry));
    XXH3_128bits_update(st, &flags, sizeof(flags));
    XXH3_128bits_update(st, f + eh->e_phoff, (size_t)eh->e_phnum * sizeof(Elf64_Phdr));
    Elf64_Shdr sh[1];
    const unsigned char *shtab = f + eh->e_shoff;
    memcpy(sh, shtab + (size_t)eh->e_shstrndx * sizeof(Elf64_Shdr), sizeof(sh));
    if (sh->sh_type != SHT_STRTAB || !in_file(size, sh->sh_offset, sh->sh_size)) return -1;
    const char *names = (const char *)f + sh->sh_offset;
    size_t names_len = sh->sh_size;
    for (size_t i = 0; i < eh->e_shnum; i++) {
        memcpy(sh, shtab + i * sizeof(Elf64_Shdr), sizeof(sh));
        if (!(sh->sh_flags & SHF_ALLOC)) continue;
        if (sh->sh_name >= names_len || !memchr(names + sh->sh_name, 0, names_len - sh->sh_name)) return -1;
        const char *name = names + sh->sh_name;
        if (sh->sh_type == SHT_NOTE && !strcmp(name, ".note.gnu.build-id")) continue;
        Elf64_Xword fields[5] = {sh->sh_type, sh->sh_flags, sh->sh_addr, sh->sh_size, sh->sh_entsize};
        XXH3_128bits_update(st, name, strlen(name) + 1);
        XXH3_128bits_update(st, fields, sizeof(fields));
        if (sh->sh_type == SHT_NOBITS) continue;
        if (!in_file(size, sh->sh_offset, sh->sh_size)) return -1;
        XXH3_128bits_update(st, f + sh->sh_offset, sh->sh_size);
    }
    return 0;
}

int runcache_image_id(char id[RUNCACHE_ID_LEN + 1], const char *path)
{
    char *f = NULL;
    size_t size = 0;
    if (cm_read_file(&f, &size, path, IMAGE_MAX)) {
        cm_error_clear();
        return -1;
    }
    XXH3_state_t *st = XXH3_createState();
    CM_ASSERT(st != NULL);
    XXH3_128bits_reset(st);
    int rc = image_hash(st, (const unsigned char *)f, size);
    if (!rc) hex128(id, XXH3_128bits_digest(st));
    XXH3_freeState(st);
    free(f);
    return rc;
}

/* DIR/<2 hex>/<30 hex> for key (caller frees); *sub gets DIR/<2 hex> when sub is not NULL. */
static char *entry_path(const char *dir, const char *key, char **sub)
{
    char h[RUNCACHE_ID_LEN + 1], two[3];
    hex128(h, XXH3_128bits(key, strlen(key)));
    snprintf(two, sizeof(two), "%.2s", h);
    char *d = cm_path_join(dir, two), *p = cm_path_join(d, h + 2);
    if (sub)
        *sub = d;
    else
        free(d);
    return p;
}

/* "<word> <n>\n" then n bytes and "\n": the bytes' start into *data, their count into *n. */
static int take_block(const char **cur, const char *end, const char *word, const char **data, size_t *n)
{
    size_t wl = strlen(word);
    const char *p = *cur;
    if ((size_t)(end - p) < wl + 2 || memcmp(p, word, wl) || p[wl] != ' ') return -1;
    p += wl + 1;
    char *e;
    unsigned long long v = strtoull(p, &e, 10);
    if (e == p || e >= end || *e != '\n') return -1;
    p = e + 1;
    if ((unsigned long long)(end - p) < v + 1 || p[v] != '\n') return -1;
    *data = p, *n = (size_t)v;
    *cur = p + v + 1;
    return 0;
}

int runcache_get(const char *dir, const char *key, struct sandbox_result *res)
{
    char *path = entry_path(dir, key, NULL), *text = NULL;
    size_t len = 0;
    int found = 0;
    if (!cm_is_file(path) || cm_read_file(&text, &len, path, 0)) {
        cm_error_clear();
        goto done;
    }
    const char *cur = text, *end = text + len, *k, *out, *err;
    size_t kn, on, en;
    size_t ml = sizeof(ENTRY_MAGIC) - 1;
    if (len < ml || memcmp(cur, ENTRY_MAGIC, ml)) goto done;
    cur += ml;
    if (take_block(&cur, end, "key", &k, &kn) || kn != strlen(key) || memcmp(k, key, kn)) goto done;
    int e_end, code, sig, abort_seen, used = 0;
    size_t dropped;
    double wall;
    const char *nl = memchr(cur, '\n', (size_t)(end - cur));
    if (!nl || sscanf(cur, "run end=%d exit=%d signal=%d abort=%d err_dropped=%zu wall=%lf%n", &e_end, &code, &sig,
                      &abort_seen, &dropped, &wall, &used) != 6 ||
        cur + used != nl || e_end != SANDBOX_EXITED)
        goto done;
    cur = nl + 1;
    if (take_block(&cur, end, "out", &out, &on) || take_block(&cur, end, "err", &err, &en)) goto done;
    if ((size_t)(end - cur) != 4 || memcmp(cur, "end\n", 4)) goto done;
    memset(res, 0, sizeof(*res));
    res->end = SANDBOX_EXITED;
    res->exit_code = code, res->signal = sig, res->abort_seen = abort_seen != 0;
    res->err_dropped = dropped, res->wall_s = wall;
    cm_buf_init(&res->out), cm_buf_init(&res->err);
    cm_buf_append(&res->out, out, on);
    cm_buf_append(&res->err, err, en);
    found = 1;
done:
    free(text);
    free(path);
    return found;
}

int runcache_put(const char *dir, const char *key, const struct sandbox_result *res)
{
    if (res->end != SANDBOX_EXITED) return 0;
    char *sub = NULL, *path = entry_path(dir, key, &sub);
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_puts(&b, ENTRY_MAGIC);
    cm_buf_printf(&b, "key %zu\n", strlen(key));
    cm_buf_puts(&b, key);
    cm_buf_printf(&b, "\nrun end=%d exit=%d signal=%d abort=%d err_dropped=%zu wall=%.17g\n", (int)res->end,
                  res->exit_code, res->signal, res->abort_seen != 0, res->err_dropped, res->wall_s);
    cm_buf_printf(&b, "out %zu\n", res->out.len);
    cm_buf_append(&b, res->out.data, res->out.len);
    cm_buf_printf(&b, "\nerr %zu\n", res->err.len);
    cm_buf_append(&b, res->err.data, res->err.len);
    cm_buf_puts(&b, "\nend\n");
    int rc = cm_make_dirs(sub, 0755);
    if (!rc) rc = cm_write_file_atomic(path, b.data, b.len);
    cm_buf_release(&b);
    free(sub);
    free(path);
    return rc;
}
