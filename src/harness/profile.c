/* profile.c — the reader of chatmpi's PMPI profile files (see profile.h for the format),
 * and the embedded profiler source.
 *
 * The files come from a program under test, so they are parsed as hostile input: size
 * capped, one record a line with single spaces, every number checked for syntax and range,
 * every key required exactly once, "end" required last, the op bytes required to add up.
 * Left out on purpose: any tolerance for other versions (a new field is a new version),
 * and any interpretation of the numbers beyond the run totals (reports do that).
 */
#include "harness/profile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "pmpi_profiler_src.h"

#define PROF_MAX_FILE_BYTES (1u << 20)
#define PROF_MAX_LINE 512
#define PROF_MAX_TOKENS 8

static const char prof_file_prefix[] = "chatmpi-prof.";
static const char prof_file_suffix[] = ".txt";

const char *prof_profiler_source(size_t *len)
{
    if (len) *len = (size_t)pmpi_profiler_src_len;
    return pmpi_profiler_src;
}

int prof_write_profiler(const char *path)
{
    return cm_write_file_atomic(path, pmpi_profiler_src, (size_t)pmpi_profiler_src_len);
}

void prof_rank_release(struct prof_rank *r)
{
    free(r->ops);
    memset(r, 0, sizeof(*r));
}

void prof_run_init(struct prof_run *run) { memset(run, 0, sizeof(*run)); }

void prof_run_release(struct prof_run *run)
{
    for (int i = 0; run->ranks && i < run->n_ranks; i++) prof_rank_release(&run->ranks[i]);
    free(run->ranks);
    prof_run_init(run);
}

const struct prof_op *prof_rank_find_op(const struct prof_rank *r, const char *name)
{
    for (size_t i = 0; i < r->n_ops; i++)
        if (!strcmp(r->ops[i].name, name)) return &r->ops[i];
    return NULL;
}

/* Sets "cannot read profile 'NAME': line N: DETAIL" and returns CM_EFORMAT. */
static int prof_bad(const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int prof_bad(const char *name, int line, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (line > 0) return cm_error_set(CM_EFORMAT, "cannot read profile '%s': line %d: %s", name, line, detail);
    return cm_error_set(CM_EFORMAT, "cannot read profile '%s': %s", name, detail);
}

/* Unsigned decimal: digits only (no sign, no space), at most 20 of them, no overflow. */
static int prof_parse_u64(const char *s, unsigned long long *v)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20 || strspn(s, "0123456789") != n) return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *v = x;
    return 0;
}

static int prof_parse_int(const char *s, int *v, long long lo, long long hi)
{
    unsigned long long x;
    if (prof_parse_u64(s, &x) || (long long)x < lo || x > (unsigned long long)hi) return -1;
    *v = (int)x;
    return 0;
}

/* Seconds: digits, optionally '.' and digits; nothing else (no sign, exponent, inf, nan). */
static int prof_parse_secs(const char *s, double *v)
{
    size_t n = strlen(s), i = strspn(s, "0123456789");
    if (i == 0 || n > 40) return -1;
    if (s[i] == '.') {
        size_t f = strspn(s + i + 1, "0123456789");
        if (f == 0) return -1;
        i += 1 + f;
    }
    if (i != n) return -1;
    char *end;
    double x = strtod(s, &end);
    if (*end || !isfinite(x) || x < 0) return -1;
    *v = x;
    return 0;
}

static int prof_op_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < sizeof(((struct prof_op *)0)->name) &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* The scalar keys, in file order; each must appear exactly once. */
enum { K_RANK, K_SIZE, K_MPI_TIME, K_TOTAL_TIME, K_P2P_MSGS, K_P2P_BYTES, K_COLL_CALLS, K_COLL_BYTES, K_N };
static const char *const prof_keys[K_N] = {"rank",     "size",      "mpi_time",   "total_time",
                                           "p2p_msgs", "p2p_bytes", "coll_calls", "coll_bytes"};

static int prof_parse_key(struct prof_rank *r, int key, const char *val)
{
    switch (key) {
    case K_RANK: return prof_parse_int(val, &r->rank, 0, PROF_MAX_RANKS - 1);
    case K_SIZE: return prof_parse_int(val, &r->size, 1, PROF_MAX_RANKS);
    case K_MPI_TIME: return prof_parse_secs(val, &r->mpi_time_s);
    case K_TOTAL_TIME: return prof_parse_secs(val, &r->total_time_s);
    case K_P2P_MSGS: return prof_parse_u64(val, &r->p2p_msgs);
    case K_P2P_BYTES: return prof_parse_u64(val, &r->p2p_bytes);
    case K_COLL_CALLS: return prof_parse_u64(val, &r->coll_calls);
    default: return prof_parse_u64(val, &r->coll_bytes);
    }
}

/* "op NAME calls N bytes B time T" (tok[0] is "op"). */
static int prof_parse_op(struct prof_rank *r, size_t *cap, char **tok, int ntok, const char *name, int line)
{
    if (ntok != 8 || strcmp(tok[2], "calls") || strcmp(tok[4], "bytes") || strcmp(tok[6], "time"))
        return prof_bad(name, line, "expected 'op NAME calls N bytes B time T'");
    if (!prof_op_name_ok(tok[1])) return prof_bad(name, line, "bad op name '%.40s'", tok[1]);
    if (prof_rank_find_op(r, tok[1])) return prof_bad(name, line, "op '%s' appears twice", tok[1]);
    struct prof_op op;
    memset(&op, 0, sizeof(op));
    memcpy(op.name, tok[1], strlen(tok[1]) + 1);
    if (prof_parse_u64(tok[3], &op.calls)) return prof_bad(name, line, "bad number '%.40s' for 'calls'", tok[3]);
    if (prof_parse_u64(tok[5], &op.bytes)) return prof_bad(name, line, "bad number '%.40s' for 'bytes'", tok[5]);
    if (prof_parse_secs(tok[7], &op.time_s)) return prof_bad(name, line, "bad number '%.40s' for 'time'", tok[7]);
    if (r->n_ops == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        r->ops = cm_realloc(r->ops, *cap * sizeof(*r->ops));
    }
    r->ops[r->n_ops++] = op;
    return 0;
}

/* Splits line in place on single spaces; an empty token (double, leading or trailing space)
 * or too many tokens is an error. */
static int prof_split(char *line, char **tok, int *ntok)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == PROF_MAX_TOKENS) return -1;
        tok[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = '\0';
        p = sp + 1;
    }
    for (int i = 0; i < n; i++)
        if (!*tok[i]) return -1;
    *ntok = n;
    return 0;
}

static int prof_check_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return -1;
    return 0;
}

int prof_parse_rank(struct prof_rank *out, const char *text, size_t len, const char *name)
{
    memset(out, 0, sizeof(*out));
    int rc = 0, line = 0, seen[K_N] = {0}, ended = 0;
    size_t cap = 0, pos = 0;
    if (len == 0) return prof_bad(name, 0, "empty file");
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        if (!nl) {
            rc = prof_bad(name, line + 1, "unterminated last line (file truncated?)");
            goto done;
        }
        size_t n = (size_t)(nl - s);
        pos += n + 1;
        line++;
        if (ended) {
            rc = prof_bad(name, line, "text after 'end'");
            goto done;
        }
        if (n >= PROF_MAX_LINE) {
            rc = prof_bad(name, line, "line longer than %d bytes", PROF_MAX_LINE - 1);
            goto done;
        }
        if (prof_check_line(s, n)) {
            rc = prof_bad(name, line, "control or non-ASCII character");
            goto done;
        }
        char buf[PROF_MAX_LINE], *tok[PROF_MAX_TOKENS];
        int ntok;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (prof_split(buf, tok, &ntok)) {
            rc = prof_bad(name, line, "malformed line '%.60s'", s);
            goto done;
        }
        if (line == 1) {
            int version;
            if (ntok != 2 || strcmp(tok[0], PROF_MAGIC)) {
                rc = prof_bad(name, line, "not a chatmpi profile (first line should be '%s %d')", PROF_MAGIC,
                              PROF_VERSION);
                goto done;
            }
            if (prof_parse_int(tok[1], &version, 0, INT_MAX) || version != PROF_VERSION) {
                rc = prof_bad(name, line, "unsupported version '%.20s' (this chatmpi reads %d)", tok[1], PROF_VERSION);
                goto done;
            }
            continue;
        }
        if (!strcmp(tok[0], "end") && ntok == 1) {
            ended = 1;
            continue;
        }
        if (!strcmp(tok[0], "op")) {
            if ((rc = prof_parse_op(out, &cap, tok, ntok, name, line))) goto done;
            continue;
        }
        int key = 0;
        while (key < K_N && strcmp(tok[0], prof_keys[key])) key++;
        if (key == K_N || ntok != 2) {
            rc = prof_bad(name, line, key == K_N ? "unknown record '%.40s'" : "expected '%s VALUE'", tok[0]);
            goto done;
        }
        if (seen[key]++) {
            rc = prof_bad(name, line, "'%s' appears twice", prof_keys[key]);
            goto done;
        }
        if (prof_parse_key(out, key, tok[1])) {
            rc = prof_bad(name, line, "bad number '%.40s' for '%s'", tok[1], prof_keys[key]);
            goto done;
        }
    }
    if (!ended) {
        rc = prof_bad(name, 0, "no 'end' line (file truncated?)");
        goto done;
    }
    for (int k = 0; k < K_N; k++)
        if (!seen[k]) {
            rc = prof_bad(name, 0, "no '%s' line", prof_keys[k]);
            goto done;
        }
    if (out->rank >= out->size) {
        rc = prof_bad(name, 0, "rank %d is not below size %d", out->rank, out->size);
        goto done;
    }
    unsigned long long sum = 0, want;
    if (__builtin_add_overflow(out->p2p_bytes, out->coll_bytes, &want)) {
        rc = prof_bad(name, 0, "byte totals overflow");
        goto done;
    }
    for (size_t i = 0; i < out->n_ops; i++)
        if (__builtin_add_overflow(sum, out->ops[i].bytes, &sum)) {
            rc = prof_bad(name, 0, "byte totals overflow");
            goto done;
        }
    if (sum != want)
        rc = prof_bad(name, 0, "op bytes add up to %llu, but p2p_bytes + coll_bytes is %llu", sum, want);
done:
    if (rc) prof_rank_release(out);
    return rc;
}

/* The rank in a canonical file name "chatmpi-prof.<R>.txt", -1 if the name is not one of
 * ours, -2 if it starts like ours but is not canonical. */
static long prof_name_rank(const char *fname)
{
    size_t n = strlen(fname), pl = sizeof(prof_file_prefix) - 1, sl = sizeof(prof_file_suffix) - 1;
    if (n <= pl + sl || strncmp(fname, prof_file_prefix, pl) || strcmp(fname + n - sl, prof_file_suffix))
        return -1;
    const char *d = fname + pl;
    size_t dl = n - pl - sl;
    if (dl > 6 || strspn(d, "0123456789") != dl || (dl > 1 && d[0] == '0')) return -2;
    long r = 0;
    for (size_t i = 0; i < dl; i++) r = r * 10 + (d[i] - '0');
    return r < PROF_MAX_RANKS ? r : -2;
}

struct prof_file {
    long rank; /* from the name */
    char *name;
};

static int prof_file_cmp(const void *a, const void *b)
{
    long x = ((const struct prof_file *)a)->rank, y = ((const struct prof_file *)b)->rank;
    return (x > y) - (x < y);
}

/* Lists our files in dir, sorted by the rank in their names. */
static int prof_list_files(struct prof_file **out, size_t *n_out, const char *dir)
{
    *out = NULL, *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) return cm_error_set(CM_EIO, "cannot read profile directory '%s': %s", dir, strerror(errno));
    struct prof_file *files = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long r = prof_name_rank(e->d_name);
        if (r == -1) continue;
        if (r == -2) {
            rc = cm_error_set(CM_EFORMAT, "cannot read profiles in '%s': unexpected file '%s'", dir, e->d_name);
            break;
        }
        if (n == PROF_MAX_RANKS) {
            rc = cm_error_set(CM_EFORMAT, "cannot read profiles in '%s': more than %d files", dir, PROF_MAX_RANKS);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            files = cm_realloc(files, cap * sizeof(*files));
        }
        files[n].rank = r;
        files[n++].name = cm_path_join(dir, e->d_name);
    }
    closedir(d);
    if (rc) {
        for (size_t i = 0; i < n; i++) free(files[i].name);
        free(files);
        return rc;
    }
    if (n) qsort(files, n, sizeof(*files), prof_file_cmp);
    *out = files, *n_out = n;
    return 0;
}

static int prof_fill_totals(struct prof_run *run, const char *dir)
{
    for (int i = 0; i < run->n_ranks; i++) {
        const struct prof_rank *r = &run->ranks[i];
        unsigned long long b;
        if (__builtin_add_overflow(r->p2p_bytes, r->coll_bytes, &b) ||
            __builtin_add_overflow(run->total_bytes, b, &run->total_bytes) ||
            __builtin_add_overflow(run->total_msgs, r->p2p_msgs, &run->total_msgs))
            return cm_error_set(CM_EFORMAT, "cannot read profiles in '%s': totals overflow", dir);
        if (b > run->max_rank_bytes) run->max_rank_bytes = b;
        double frac = r->total_time_s > 0 ? r->mpi_time_s / r->total_time_s : 0;
        if (frac > run->max_mpi_frac) run->max_mpi_frac = frac;
    }
    return 0;
}

int prof_read_dir(struct prof_run *out, const char *dir, int expected_ranks)
{
    prof_run_release(out);
    if (expected_ranks < 0 || expected_ranks > PROF_MAX_RANKS)
        return cm_error_set(CM_EINVAL, "cannot read profiles: expected rank count %d out of range", expected_ranks);
    struct prof_file *files;
    size_t n_files;
    int rc = prof_list_files(&files, &n_files, dir);
    if (rc) return rc;
    int p = expected_ranks;
    const char **from = NULL; /* which file each rank came from */
    for (size_t i = 0; i < n_files; i++) {
        char *text;
        size_t len;
        struct prof_rank r;
        if ((rc = cm_read_file(&text, &len, files[i].name, PROF_MAX_FILE_BYTES))) goto done;
        rc = memchr(text, '\0', len) ? prof_bad(files[i].name, 0, "contains a NUL byte")
                                     : prof_parse_rank(&r, text, len, files[i].name);
        free(text);
        if (rc) goto done;
        if (!out->ranks) {
            if (!p) p = r.size;
            out->n_ranks = p;
            out->ranks = cm_calloc((size_t)p, sizeof(*out->ranks));
            from = cm_calloc((size_t)p, sizeof(*from));
            for (int k = 0; k < p; k++) out->ranks[k].rank = -1;
        }
        if (r.size != p) {
            rc = prof_bad(files[i].name, 0, "size %d, but the run has %d ranks", r.size, p);
        } else if (from[r.rank]) {
            rc = prof_bad(files[i].name, 0, "duplicate rank %d (also in '%s')", r.rank, from[r.rank]);
        } else if (r.rank != files[i].rank) {
            rc = prof_bad(files[i].name, 0, "holds rank %d, not the rank %ld its name says", r.rank, files[i].rank);
        }
        if (rc) {
            prof_rank_release(&r);
            goto done;
        }
        out->ranks[r.rank] = r;
        from[r.rank] = files[i].name;
    }
    if (!p) {
        rc = cm_error_set(CM_EFORMAT, "cannot read profiles in '%s': no chatmpi-prof.<rank>.txt files", dir);
        cm_error_hint("the program may have exited before MPI_Finalize, or CHATMPI_PROFILE_DIR did not reach it");
        goto done;
    }
    for (int k = 0; k < p; k++)
        if (!out->ranks || !from[k]) {
            rc = cm_error_set(CM_EFORMAT, "cannot read profiles in '%s': no profile for rank %d (chatmpi-prof.%d.txt)",
                              dir, k, k);
            cm_error_hint("that rank may have exited before MPI_Finalize, or was never started");
            goto done;
        }
    rc = prof_fill_totals(out, dir);
done:
    for (size_t i = 0; i < n_files; i++) free(files[i].name);
    free(files);
    free(from);
    if (rc) prof_run_release(out);
    return rc;
}
