/* frame.c — loop-by-loop answers (see frame.h): the helpers, the marked loops and their splits, the
 * questions, the assembled program. The rewrite taken from an answer is in frame_fragment.c. */
#include "loop/frame.h"
#include "loop/frame_loop.h"
#include "loop/frame_gather.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/clex.h"
#include "harness/hotloops.h"

/* The helpers every framed program starts with. mpi_share gives the first n % size ranks one
 * iteration more; mpi_allgather learns every rank's [lo, hi) first, so a rank passes its own
 * bounds only (what the model naturally writes). */
static const char prolog[] =
    "\n/* ---- MPI frame written by chatmpi: every rank holds all the data; the loops below split\n"
    " * their iterations with mpi_share and give every rank the whole result after them ---- */\n"
    "#include <mpi.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "\n"
    "static int mpi_rank = 0, mpi_size = 1;\n"
    "static unsigned mpi_in_loop_ __attribute__((unused)); /* the loops whose calls leave gathers to after them */\n"
    "\n"
    "static void mpi_frame_finalize(void)\n"
    "{\n"
    "    int done = 0;\n"
    "    MPI_Finalized(&done);\n"
    "    if (!done) MPI_Finalize();\n"
    "}\n"
    "\n"
    "/* MPI set up, finalized at exit (any exit path); only rank 0 writes to stdout */\n"
    "static void mpi_frame_init(void)\n"
    "{\n"
    "    MPI_Init(NULL, NULL);\n"
    "    atexit(mpi_frame_finalize);\n"
    "    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);\n"
    "    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);\n"
    "    if (mpi_rank != 0 && !freopen(\"/dev/null\", \"w\", stdout)) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "}\n"
    "\n"
    "/* mpi_share for a loop whose iteration i does about i - first + 1 units of work (shape 1: a\n"
    " * triangle's rows growing) or end - i (shape -1): the parts are cut where the ranks get about\n"
    " * the same work, not the same count of iterations */\n"
    "static inline long mpi_share_cut_(long n, int shape, int r)\n"
    "{\n"
    "    if (r <= 0) return 0;\n"
    "    if (r >= mpi_size) return n;\n"
    "    double want = (double)r * (double)n * (double)(n + 1) / 2.0 / (double)mpi_size;\n"
    "    long a = 0, b = n; /* the fewest first iterations whose work reaches want */\n"
    "    while (a < b) {\n"
    "        long k = a + (b - a) / 2;\n"
    "        double work = shape > 0 ? (double)k * (double)(k + 1) / 2.0\n"
    "                                : (double)k * (double)n - (double)k * (double)(k - 1) / 2.0;\n"
    "        if (work >= want) b = k;\n"
    "        else a = k + 1;\n"
    "    }\n"
    "    return a;\n"
    "}\n"
    "\n"
    "/* rank r's part [*lo, *hi) of first .. end-1: by count (shape 0) or by work */\n"
    "static inline void mpi_share_of_(long first, long end, int shape, int r, long *lo, long *hi)\n"
    "{\n"
    "    long n = end > first ? end - first : 0, q = n / mpi_size, m = n % mpi_size;\n"
    "    if (shape) {\n"
    "        *lo = first + mpi_share_cut_(n, shape, r);\n"
    "        *hi = first + mpi_share_cut_(n, shape, r + 1);\n"
    "    } else {\n"
    "        *lo = first + q * r + (r < m ? r : m);\n"
    "        *hi = *lo + q + (r < m);\n"
    "    }\n"
    "}\n"
    "\n"
    "/* this rank's part [*lo, *hi) of the iterations first .. end-1, in rank order (kept for\n"
    " * mpi_allgather_share) */\n"
    "static long mpi_share_lo, mpi_share_hi;\n"
    "static inline void mpi_share(long first, long end, long *lo, long *hi)\n"
    "{\n"
    "    mpi_share_of_(first, end, 0, mpi_rank, lo, hi);\n"
    "    mpi_share_lo = *lo, mpi_share_hi = *hi;\n"
    "}\n"
    "\n"
    "/* iteration i is this rank's in the share of first .. end-1 (a set-up loop that sets only\n"
    " * what this rank's split loops read again); the share is worked out once per bounds */\n"
    "static inline int mpi_mine_(long i, long first, long end, int shape)\n"
    "{\n"
    "    static long f = 0, e = -1, lo, hi;\n"
    "    static int s = 0;\n"
    "    if (first != f || end != e || shape != s) {\n"
    "        mpi_share_of_(first, end, shape, mpi_rank, &lo, &hi);\n"
    "        f = first, e = end, s = shape;\n"
    "    }\n"
    "    return i >= lo && i < hi;\n"
    "}\n"
    "\n"
    "static inline void mpi_share_tri(long first, long end, int shape, long *lo, long *hi)\n"
    "{\n"
    "    mpi_share_of_(first, end, shape, mpi_rank, lo, hi);\n"
    "    mpi_share_lo = *lo, mpi_share_hi = *hi;\n"
    "}\n"
    "\n"
    "/* mpi_share for a loop whose iteration i runs over the entries seg[i] .. seg[i + 1] - 1 of\n"
    " * other arrays (a CSC column's, a CSR row's): the parts are cut where the ranks get about the\n"
    " * same count of entries, each iteration counting one more. Whatever seg holds, the parts are\n"
    " * contiguous, in rank order and cover first .. end-1; only their balance depends on it */\n"
    "#define mpi_share_seg(first, end, seg, lo, hi) mpi_share_seg_(first, end, (const void *)(seg), sizeof *(seg), lo, hi)\n"
    "static inline double mpi_seg_at_(const void *seg, size_t size, long k)\n"
    "{\n"
    "    return size == sizeof(int) ? (double)((const int *)seg)[k] : (double)((const long long *)seg)[k];\n"
    "}\n"
    "\n"
    "/* where rank r's part starts: the fewest iterations whose entries reach r / size of them (a\n"
    " * binary search, whose answer never goes back as r grows, whatever seg holds) */\n"
    "static inline long mpi_seg_cut_(long first, long end, const void *seg, size_t size, double total, int r)\n"
    "{\n"
    "    if (r <= 0) return first;\n"
    "    if (r >= mpi_size) return end;\n"
    "    double s0 = mpi_seg_at_(seg, size, first), want = total * (double)r / (double)mpi_size;\n"
    "    long a = first, b = end;\n"
    "    while (a < b) {\n"
    "        long k = a + (b - a) / 2;\n"
    "        if (mpi_seg_at_(seg, size, k) - s0 + (double)(k - first) >= want) b = k;\n"
    "        else a = k + 1;\n"
    "    }\n"
    "    return a;\n"
    "}\n"
    "\n"
    "static inline void mpi_share_seg_(long first, long end, const void *seg, size_t size, long *lo, long *hi)\n"
    "{\n"
    "    double total = 0.0;\n"
    "    if (end > first && (size == sizeof(int) || size == sizeof(long long)))\n"
    "        total = mpi_seg_at_(seg, size, end) - mpi_seg_at_(seg, size, first) + (double)(end - first);\n"
    "    if (!(total > 0.0) || total > 9e15) { /* not a count of entries: by count of iterations */\n"
    "        mpi_share(first, end, lo, hi);\n"
    "        return;\n"
    "    }\n"
    "    *lo = mpi_seg_cut_(first, end, seg, size, total, mpi_rank);\n"
    "    *hi = mpi_seg_cut_(first, end, seg, size, total, mpi_rank + 1);\n"
    "    mpi_share_lo = *lo, mpi_share_hi = *hi;\n"
    "}\n"
    "\n"
    "/* after a loop over this rank's part (the last mpi_share): every rank receives the rows i of a\n"
    " * (a[i*w] .. a[i*w + w-1]; w = 1 for a vector) that every rank computed */\n"
    "static inline void mpi_allgather_share(void *a, long w, MPI_Datatype type)\n"
    "{\n"
    "    long mine[2] = {mpi_share_lo * w, mpi_share_hi * w}, *all = malloc(2 * (size_t)mpi_size * sizeof *all);\n"
    "    int *counts = malloc(2 * (size_t)mpi_size * sizeof *counts), *displs = counts + mpi_size;\n"
    "    if (!all || !counts) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    MPI_Allgather(mine, 2, MPI_LONG, all, 2, MPI_LONG, MPI_COMM_WORLD);\n"
    "    for (int r = 0; r < mpi_size; r++) {\n"
    "        counts[r] = all[2 * r + 1] > all[2 * r] ? (int)(all[2 * r + 1] - all[2 * r]) : 0;\n"
    "        displs[r] = (int)all[2 * r];\n"
    "    }\n"
    "    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a, counts, displs, type, MPI_COMM_WORLD);\n"
    "    free(all);\n"
    "    free(counts);\n"
    "}\n"
    "\n"
    "/* a split loop's rows of a triangle (row v's columns c[2(v - lo)] .. c[2(v - lo) + 1] - 1),\n"
    " * kept by the rank one after another for the loop around it, as packed storage keeps them (a\n"
    " * row then starts where the last one ended, and the memory streams keep going): element\n"
    " * (v, j) is at pk's off[v - lo] + j. mpi_unpack_ puts them back, before their gather */\n"
    "struct mpi_pack_ {\n"
    "    void *a, *pk;\n"
    "    long *c, *off, lo, hi, w;\n"
    "    size_t size;\n"
    "};\n"
    "static struct mpi_pack_ mpi_packs_[16];\n"
    "\n"
    "/* a's pack (and its offsets in *off), or NULL when a is not packed */\n"
    "static inline void *mpi_packed_(const void *a, long **off)\n"
    "{\n"
    "    for (int k = 0; a && k < 16; k++)\n"
    "        if (mpi_packs_[k].a == a) return *off = mpi_packs_[k].off, mpi_packs_[k].pk;\n"
    "    return NULL;\n"
    "}\n"
    "\n"
    "/* begins packing the rows lo .. hi-1 of a (w elements of size bytes each): the caller sets\n"
    " * each row's columns in the array returned, then calls mpi_pack_fill_ */\n"
    "static inline long *mpi_pack_rows_(void *a, size_t size, long w, long lo, long hi)\n"
    "{\n"
    "    struct mpi_pack_ *p = NULL;\n"
    "    for (int k = 0; k < 16 && !p; k++)\n"
    "        if (!mpi_packs_[k].a) p = &mpi_packs_[k];\n"
    "    long n = hi > lo ? hi - lo : 0;\n"
    "    if (!p || !a || !(p->c = malloc((2 * (size_t)n + 1) * sizeof *p->c)) ||\n"
    "        !(p->off = malloc(((size_t)n + 1) * sizeof *p->off)))\n"
    "        MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    p->a = a, p->size = size, p->w = w, p->lo = lo, p->hi = lo + n;\n"
    "    return p->c;\n"
    "}\n"
    "\n"
    "static inline void *mpi_pack_fill_(void *a, long **off)\n"
    "{\n"
    "    struct mpi_pack_ *p = NULL;\n"
    "    for (int k = 0; k < 16 && !p; k++)\n"
    "        if (mpi_packs_[k].a == a) p = &mpi_packs_[k];\n"
    "    long total = 0;\n"
    "    for (long v = p->lo; v < p->hi; v++) {\n"
    "        long *c = p->c + 2 * (v - p->lo);\n"
    "        if (c[1] <= c[0]) c[1] = c[0]; /* an empty row */\n"
    "        else if (c[0] < 0 || c[1] > p->w) {\n"
    "            fprintf(stderr, \"chatmpi: row %ld's columns %ld .. %ld are not in its %ld\\n\", v, c[0], c[1] - 1, p->w);\n"
    "            MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "        }\n"
    "        p->off[v - p->lo] = total - c[0];\n"
    "        total += c[1] - c[0];\n"
    "    }\n"
    "    if (!(p->pk = malloc((size_t)total * p->size + 1))) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    for (long v = p->lo; v < p->hi; v++) {\n"
    "        long *c = p->c + 2 * (v - p->lo);\n"
    "        memcpy((char *)p->pk + (size_t)(p->off[v - p->lo] + c[0]) * p->size,\n"
    "               (char *)a + ((size_t)v * (size_t)p->w + (size_t)c[0]) * p->size, (size_t)(c[1] - c[0]) * p->size);\n"
    "    }\n"
    "    *off = p->off;\n"
    "    return p->pk;\n"
    "}\n"
    "\n"
    "static inline void mpi_unpack_(void *a)\n"
    "{\n"
    "    for (int k = 0; a && k < 16; k++) {\n"
    "        struct mpi_pack_ *p = &mpi_packs_[k];\n"
    "        if (p->a != a) continue;\n"
    "        for (long v = p->lo; v < p->hi; v++) {\n"
    "            long *c = p->c + 2 * (v - p->lo);\n"
    "            memcpy((char *)a + ((size_t)v * (size_t)p->w + (size_t)c[0]) * p->size,\n"
    "                   (char *)p->pk + (size_t)(p->off[v - p->lo] + c[0]) * p->size, (size_t)(c[1] - c[0]) * p->size);\n"
    "        }\n"
    "        free(p->pk), free(p->c), free(p->off);\n"
    "        memset(p, 0, sizeof *p);\n"
    "    }\n"
    "}\n"
    "\n"
    "/* mpi_allgather_share for the part mpi_share(first, end) gives (mpi_share_tri with shape, when\n"
    " * not 0): after a loop around the split loop, in which each rank used only its own rows of a */\n"
    "static inline void mpi_allgather_range(void *a, long w, MPI_Datatype type, long first, long end, int shape)\n"
    "{\n"
    "    long lo0 = mpi_share_lo, hi0 = mpi_share_hi, lo, hi;\n"
    "    mpi_unpack_(a); /* its rows back in place, when they were packed */\n"
    "    if (shape) mpi_share_tri(first, end, shape, &lo, &hi);\n"
    "    else mpi_share(first, end, &lo, &hi);\n"
    "    mpi_allgather_share(a, w, type);\n"
    "    mpi_share_lo = lo0, mpi_share_hi = hi0;\n"
    "}\n"
    "\n"
    "/* after a loop over this rank's part of first .. end-1 (as mpi_share or mpi_share_tri with\n"
    " * shape cut it) that wrote its own rows of a (width w), inside a loop around it that reads a only\n"
    " * there and at the offsets d[0 .. nd-1] from them (a stencil's neighbours): each rank receives\n"
    " * the elements next to its own rows that it reads, from the ranks that own them (a halo); the\n"
    " * rest of a waits for mpi_allgather_range after the loop around */\n"
    "static inline void mpi_halo_share(void *a, long w, MPI_Datatype type, long first, long end, int shape, int nd,\n"
    "                                  const long *d)\n"
    "{\n"
    "    long before = 0, after = 0, lo, hi;\n"
    "    for (int k = 0; k < nd; k++) {\n"
    "        if (-d[k] > before) before = -d[k];\n"
    "        if (d[k] > after) after = d[k];\n"
    "    }\n"
    "    int size, nreq = 0;\n"
    "    MPI_Type_size(type, &size);\n"
    "    MPI_Request *req = malloc(2 * (size_t)mpi_size * sizeof *req);\n"
    "    if (!req) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    mpi_share_of_(first, end, shape, mpi_rank, &lo, &hi);\n"
    "    long L = lo * w, H = hi * w;\n"
    "    for (int r = 0; r < mpi_size && L < H; r++) {\n"
    "        long rlo, rhi;\n"
    "        mpi_share_of_(first, end, shape, r, &rlo, &rhi);\n"
    "        long RL = rlo * w, RH = rhi * w;\n"
    "        if (r == mpi_rank || RL >= RH) continue;\n"
    "        /* what this rank reads of r's rows [gs, ge), and what r reads of this rank's [ss, se) */\n"
    "        long gs, ge, ss, se;\n"
    "        if (RH <= L) { /* r before this rank: its right halo, this rank's left */\n"
    "            gs = RL > L - before ? RL : L - before, ge = RH;\n"
    "            ss = L, se = H < RH + after ? H : RH + after;\n"
    "        } else {\n"
    "            gs = RL, ge = RH < H + after ? RH : H + after;\n"
    "            ss = L > RL - before ? L : RL - before, se = H;\n"
    "        }\n"
    "        if (ge - gs > 2147483647L || se - ss > 2147483647L) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "        if (gs < ge) MPI_Irecv((char *)a + gs * size, (int)(ge - gs), type, r, 7, MPI_COMM_WORLD, &req[nreq++]);\n"
    "        if (ss < se) MPI_Isend((char *)a + ss * size, (int)(se - ss), type, r, 7, MPI_COMM_WORLD, &req[nreq++]);\n"
    "    }\n"
    "    MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);\n"
    "    free(req);\n"
    "}\n"
    "\n"
    "/* a loop over this rank's part that stores elements of a (n of size bytes) where they are not\n"
    " * rows of its index: a copy before it, and after it every rank gets the elements every rank\n"
    " * stored (those that differ from the copy), in rank order */\n"
    "static inline void *mpi_merge_begin(const void *a, long n, size_t size)\n"
    "{\n"
    "    void *copy = malloc((size_t)n * size + 1);\n"
    "    if (!copy) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    memcpy(copy, a, (size_t)n * size);\n"
    "    return copy;\n"
    "}\n"
    "\n"
    "static inline void mpi_merge_end(void *a, void *before, long n, size_t size)\n"
    "{\n"
    "    char *p = a, *q = before;\n"
    "    int mine = 0, total = 0;\n"
    "    for (long i = 0; i < n; i++) mine += memcmp(p + i * size, q + i * size, size) != 0;\n"
    "    long *idx = malloc((size_t)mine * sizeof *idx + 1);\n"
    "    char *val = malloc((size_t)mine * size + 1);\n"
    "    int *counts = malloc(2 * (size_t)mpi_size * sizeof *counts), *displs = counts + mpi_size;\n"
    "    if (!idx || !val || !counts) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    for (long i = 0, k = 0; i < n; i++)\n"
    "        if (memcmp(p + i * size, q + i * size, size) != 0) {\n"
    "            idx[k] = i;\n"
    "            memcpy(val + k++ * size, p + i * size, size);\n"
    "        }\n"
    "    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);\n"
    "    for (int r = 0; r < mpi_size; r++) displs[r] = total, total += counts[r];\n"
    "    long *all_idx = malloc((size_t)total * sizeof *all_idx + 1);\n"
    "    char *all_val = malloc((size_t)total * size + 1);\n"
    "    if (!all_idx || !all_val) MPI_Abort(MPI_COMM_WORLD, 1);\n"
    "    MPI_Datatype t;\n"
    "    MPI_Type_contiguous((int)size, MPI_BYTE, &t);\n"
    "    MPI_Type_commit(&t);\n"
    "    MPI_Allgatherv(idx, mine, MPI_LONG, all_idx, counts, displs, MPI_LONG, MPI_COMM_WORLD);\n"
    "    MPI_Allgatherv(val, mine, t, all_val, counts, displs, t, MPI_COMM_WORLD);\n"
    "    MPI_Type_free(&t);\n"
    "    for (int k = 0; k < total; k++) memcpy(p + all_idx[k] * size, all_val + (size_t)k * size, size);\n"
    "    free(idx), free(val), free(counts), free(all_idx), free(all_val), free(before);\n"
    "}\n"
    "\n"
    "/* after a loop over this rank's part that keeps the largest (smallest) value and its index:\n"
    " * every rank gets the overall one, the lowest index among equal values */\n"
    "#define mpi_maxloc(value, index) mpi_loc_(value, index, MPI_MAXLOC)\n"
    "#define mpi_minloc(value, index) mpi_loc_(value, index, MPI_MINLOC)\n"
    "#define mpi_loc_(value, index, op)                                                \\\n"
    "    do {                                                                          \\\n"
    "        struct { double v; int i; } mpi_loc_m = {(double)(value), (int)(index)};  \\\n"
    "        MPI_Allreduce(MPI_IN_PLACE, &mpi_loc_m, 1, MPI_DOUBLE_INT, op, MPI_COMM_WORLD); \\\n"
    "        (value) = mpi_loc_m.v;                                                    \\\n"
    "        (index) = mpi_loc_m.i;                                                    \\\n"
    "    } while (0)\n"
    "/* ---- end of the MPI frame ---- */\n";

void frame_release(struct frame *f)
{
    for (size_t j = 0; j < f->n; j++) free(f->loops[j].indent), free(f->loops[j].text), free(f->loops[j].prefix), free(f->loops[j].writes),
            free(f->loops[j].sums), free(f->loops[j].rows), free(f->loops[j].written),
            free(f->loops[j].merges), free(f->loops[j].merge_end), free(f->loops[j].ext_value),
            free(f->loops[j].ext_index), free(f->loops[j].maxes), free(f->loops[j].mins);
    for (size_t j = 0; j < f->n; j++) free(f->loops[j].var), free(f->loops[j].share_first), free(f->loops[j].share_end);
    free(f->loops), free(f->src);
    memset(f, 0, sizeof(*f));
}


/* s without `indent` at the start of each line that has it. */
static char *dedent(const char *s, size_t n, const char *indent)
{
    size_t k = strlen(indent);
    struct cm_buf b;
    cm_buf_init(&b);
    for (size_t i = 0; i < n;) {
        if (i && k && n - i >= k && !memcmp(s + i, indent, k)) i += k; /* the first line starts at the loop */
        const char *nl = memchr(s + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        cm_buf_append(&b, s + i, l);
        i += l;
    }
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

/* A simple expression: one name or number, which needs no parentheses. */
static int is_atom(const char *e)
{
    for (const char *p = e; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.')) return 0;
    return *e != 0;
}

/* A for loop's index (text begins at `for`): the name before the first '=' of its header's
 * first clause; NULL (while, do, no assignment). */
static const char *loop_var(const char *text, size_t *len)
{
    struct clex lx;
    clex_init(&lx);
    const char *v = NULL;
    if (!clex_run(&lx, text, strlen(text)) && clex_is(&lx, 0, "for")) {
        size_t open = clex_next_sig(&lx, 0);
        for (size_t k = open + 1; k < lx.n && !clex_is(&lx, k, ";"); k++)
            if (clex_is(&lx, k, "=")) {
                size_t p = clex_prev_sig(&lx, k);
                if (p != (size_t)-1 && lx.toks[p].kind == CLEX_IDENT) v = text + lx.toks[p].off, *len = lx.toks[p].len;
                break;
            }
    }
    clex_release(&lx);
    return v;
}

/* How the work of iteration v grows over the loop, from the loops inside its body (tokens
 * from..to of lx): 1 when an inner for loop's condition bounds it by v (`j <= v`, `k < v + 1`:
 * a triangle's rows growing), -1 when an inner loop starts from v (`j = v + 1; j < n`) or is
 * bounded by `n - v`; 0 when neither, or both. */
static int work_shape(const struct clex *lx, size_t from, size_t to, const char *v, size_t vl)
{
    int up = 0, down = 0;
    for (size_t k = from; k < to; k++) {
        if (!clex_is(lx, k, "for")) continue;
        size_t open = clex_next_sig(lx, k), close = clex_is(lx, open, "(") ? clex_match(lx, open) : lx->n;
        if (close >= to) continue;
        size_t semi1 = open + 1, semi2;
        while (semi1 < close && !clex_is(lx, semi1, ";")) semi1++;
        for (semi2 = semi1 + 1; semi2 < close && !clex_is(lx, semi2, ";"); semi2++) {}
        if (semi2 >= close) continue;
        int in_init = 0, in_cond = 0, cond_minus = 0;
        for (size_t t = open + 1; t < semi2; t++) {
            if (lx->toks[t].kind != CLEX_IDENT || lx->toks[t].len != vl || memcmp(lx->src + lx->toks[t].off, v, vl))
                continue;
            if (t < semi1) in_init = 1;
            else in_cond = 1, cond_minus |= clex_is(lx, clex_prev_sig(lx, t), "-");
        }
        if (in_cond && !cond_minus && !in_init) up = 1;
        else if ((in_cond && cond_minus) || (in_init && !in_cond)) down = 1;
    }
    return up == down ? 0 : up ? 1 : -1;
}

/* The array S when one of the body's own statements (the body at token from of lx, v the index)
 * is a loop over a segment, `for ([T] p = S[v]; p < S[v + 1]; p++)` (or !=: a CSC column's
 * entries), with S a name the loop neither declares nor assigns, nor passes whole: its text, else
 * NULL. Caller frees. */
static char *segment_array(const struct clex *lx, size_t from, const char *v, size_t vl)
{
    size_t body = clex_next_sig(lx, from - 1), first = body, stop;
    if (body >= lx->n) return NULL;
    if (clex_is(lx, body, "{")) first = clex_next_sig(lx, body), stop = clex_match(lx, body);
    else stop = clex_stmt_end(lx, body);
    for (size_t s = first; s < lx->n && s <= stop && !clex_is(lx, s, "}");) {
        size_t e = clex_stmt_end(lx, s);
        if (e >= lx->n) break;
        struct frame_header hd;
        if (clex_is(lx, s, "for") && frame_loop_header(lx, s, &hd) && !hd.down && !hd.le) { /* < or != */
            size_t a[5], b[7]; /* S [ v ] ;  and  S [ v + 1 ] ; */
            a[0] = clex_next_sig(lx, hd.eq), b[0] = clex_next_sig(lx, hd.op);
            for (int k = 1; k < 5; k++) a[k] = clex_next_sig(lx, a[k - 1]);
            for (int k = 1; k < 7; k++) b[k] = clex_next_sig(lx, b[k - 1]);
            const char *S = lx->src + lx->toks[a[0]].off;
            size_t sl = lx->toks[a[0]].len;
            int ok = lx->toks[a[0]].kind == CLEX_IDENT && clex_is(lx, a[1], "[") && tok_eq(lx, a[2], v, vl) &&
                     clex_is(lx, a[3], "]") && a[4] == hd.semi1 && tok_eq(lx, b[0], S, sl) && clex_is(lx, b[1], "[") &&
                     tok_eq(lx, b[2], v, vl) && clex_is(lx, b[3], "+") && clex_is(lx, b[4], "1") &&
                     clex_is(lx, b[5], "]") && b[6] == hd.semi2 && elements_kept(lx, 0, S, sl);
            for (size_t t = 0; ok && t < lx->n; t++) ok = !(tok_eq(lx, t, S, sl) && frame_loop_declared(lx, t));
            if (ok) return cm_strndup(S, sl);
        }
        s = clex_next_sig(lx, e);
    }
    return NULL;
}

/* The loop writes only sums (variables and arrays it only adds to, summed over the ranks after
 * it): which rank runs which iteration makes no difference to what follows. */
static int writes_only_sums(const struct frame_loop *L)
{
    if (!L->sums || !L->written || L->rows || L->merges || L->extremum || L->maxes || L->mins) return 0;
    for (const char *w = L->written + 1; *w;) {
        size_t l = strcspn(w, ",");
        char key[FRAME_LIN_KEY + 2];
        if (!l || l + 2 >= sizeof(key)) return 0;
        snprintf(key, sizeof(key), ",%.*s,", (int)l, w);
        if (!strstr(L->sums, key)) return 0;
        w += l + (w[l] == ',');
    }
    return 1;
}

/* For a canonical counted loop `for ([T] v = A; v < B | v <= B | v != B; v++ | ++v | v += 1) BODY`
 * (text, dedented): the loop over this rank's share, "mpi_share(A, B, &lo, &hi);" and the loop
 * with the same body from lo to hi; for one counting down, `for ([T] v = A; v >= B | v > B; v--
 * | --v | v -= 1)`, the share of [B, A + 1) (B + 1 for >) and the loop from hi - 1 down to lo, in
 * the program's order; NULL for any other loop (the model then writes the split). */
static char *split_loop(const struct frame *f, struct frame_loop *L, const char *text)
{
    struct clex lx;
    clex_init(&lx);
    char *out = NULL, *type = NULL, *first = NULL, *bound = NULL;
    if (clex_run(&lx, text, strlen(text))) goto done;
    struct frame_header hd; /* the text begins at the loop's keyword */
    if (!frame_loop_header(&lx, 0, &hd)) goto done;
    size_t close = hd.close;
    const char *vn = text + lx.toks[hd.var].off;
    size_t vl = lx.toks[hd.var].len;
    int le = hd.le, ge = hd.ge, down = hd.down;
    type = frame_tok_text(&lx, hd.open + 1, hd.var);
    first = frame_tok_text(&lx, hd.eq + 1, hd.semi1);
    bound = frame_tok_text(&lx, hd.op + 1, hd.semi2);
    struct cm_buf b;
    cm_buf_init(&b);
    L->share_shape = work_shape(&lx, close + 1, lx.n, vn, vl);
    char *seg = !L->share_shape && !down && writes_only_sums(L) ? segment_array(&lx, close + 1, vn, vl) : NULL;
    if (seg) L->share_shape = FRAME_SHAPE_SEG;
    /* the iterations as a range [low, end): first .. bound, or bound (+ 1 for >) .. first + 1 */
    const char *low = down ? bound : first, *high = down ? first : bound;
    cm_buf_printf(&b, "long %s, %s;\n%s(", f->lo, f->hi,
                  seg ? "mpi_share_seg" : L->share_shape ? "mpi_share_tri" : "mpi_share");
    size_t first_at = b.len;
    if (down && !ge) cm_buf_printf(&b, is_atom(low) ? "%s + 1" : "(%s) + 1", low);
    else cm_buf_puts(&b, low);
    L->share_first = cm_strndup(b.data + first_at, b.len - first_at);
    cm_buf_puts(&b, ", ");
    size_t end_at = b.len;
    if (le || down) cm_buf_printf(&b, is_atom(high) ? "%s + 1" : "(%s) + 1", high);
    else cm_buf_puts(&b, high);
    L->share_end = cm_strndup(b.data + end_at, b.len - end_at);
    if (seg) cm_buf_printf(&b, ", %s", seg);
    else if (L->share_shape) cm_buf_printf(&b, ", %d", L->share_shape);
    free(seg);
    if (down) /* from the top of this rank's part down to its bottom (v + 1 > lo: safe for unsigned v) */
        cm_buf_printf(&b, ", &%s, &%s);\nfor (%s%s%.*s = %s - 1; %.*s + 1 > %s; %.*s--)%s\n", f->lo, f->hi, type,
                      *type ? " " : "", (int)vl, vn, f->hi, (int)vl, vn, f->lo, (int)vl, vn,
                      text + lx.toks[close].off + 1);
    else
        cm_buf_printf(&b, ", &%s, &%s);\nfor (%s%s%.*s = %s; %.*s < %s; %.*s++)%s\n", f->lo, f->hi, type,
                      *type ? " " : "", (int)vl, vn, f->lo, (int)vl, vn, f->hi, (int)vl, vn,
                      text + lx.toks[close].off + 1);
    out = cm_buf_detach(&b);
done:
    free(type), free(first), free(bound);
    clex_release(&lx);
    return out;
}

/* Tokens k..e pass the address of a variable declared outside them to a call (`f(x[i], &scale,
 * &ssq)`): what the call makes of it over a part of the iterations has no known combination,
 * so such a loop is not split. */
static int writes_through_call(const struct clex *lx, size_t k, size_t e)
{
    for (size_t i = k; i <= e; i++) {
        if (!clex_is(lx, i, "&")) continue;
        size_t p = clex_prev_sig(lx, i), v = clex_next_sig(lx, i), nx = v < lx->n ? clex_next_sig(lx, v) : lx->n;
        if (p == SIZE_MAX || !(clex_is(lx, p, "(") || clex_is(lx, p, ",")) || v >= lx->n ||
            lx->toks[v].kind != CLEX_IDENT || !(clex_is(lx, nx, ",") || clex_is(lx, nx, ")")))
            continue;
        int depth = 0, call = 0; /* the `(` of the arguments, after a function's name */
        for (size_t q = p; q != SIZE_MAX && q >= k; q = clex_prev_sig(lx, q)) {
            if (clex_is(lx, q, ")") || clex_is(lx, q, "]")) depth++;
            else if (clex_is(lx, q, "[")) depth--;
            else if (clex_is(lx, q, "(") && depth-- == 0) {
                size_t fn = clex_prev_sig(lx, q);
                call = fn != SIZE_MAX && lx->toks[fn].kind == CLEX_IDENT &&
                       !clex_is_keyword(lx->src + lx->toks[fn].off, lx->toks[fn].len);
                break;
            }
        }
        int own = 0;
        for (size_t q = k; q <= e && !own; q++)
            own = lx->toks[q].kind == CLEX_IDENT && lx->toks[q].len == lx->toks[v].len &&
                  !memcmp(lx->src + lx->toks[q].off, lx->src + lx->toks[v].off, lx->toks[v].len) &&
                  frame_loop_declared(lx, q);
        if (call && !own) return 1;
    }
    return 0;
}

int frame_build(struct frame *f, const char *marked_src)
{
    memset(f, 0, sizeof(*f));
    struct clex lx;
    clex_init(&lx);
    size_t len = strlen(marked_src);
    int rc = clex_run(&lx, marked_src, len);
    if (rc) goto out;
    f->src = cm_strdup(marked_src);
    int has_lo = 0, has_hi = 0;
    size_t cap = 0, depth = 0;
    f->main_body = (size_t)-1;
    for (size_t i = 0; i < lx.n; i++) {
        const struct clex_tok *t = &lx.toks[i];
        if (t->kind == CLEX_IDENT) {
            has_lo |= clex_is(&lx, i, "lo"), has_hi |= clex_is(&lx, i, "hi");
            if (depth == 0 && f->main_body == (size_t)-1 && clex_is(&lx, i, "main")) {
                size_t open = clex_next_sig(&lx, i), close = clex_is(&lx, open, "(") ? clex_match(&lx, open) : lx.n;
                size_t body = close < lx.n ? clex_next_sig(&lx, close) : lx.n;
                if (clex_is(&lx, body, "{")) f->main_body = lx.toks[body].off + 1;
            }
        } else if (t->kind == CLEX_PUNCT && t->len == 1) {
            char c = marked_src[t->off];
            if (c == '{') depth++;
            else if (c == '}' && depth) depth--;
        } else if (t->kind == CLEX_PP && depth == 0 && t->len >= 8 && !memcmp(marked_src + t->off, "#include", 8)) {
            f->prolog_at = t->off + t->len; /* before the newline ending it */
        } else if (t->kind == CLEX_COMMENT && t->len == strlen(HOTLOOPS_MARK) &&
                   !memcmp(marked_src + t->off, HOTLOOPS_MARK, t->len)) {
            size_t k = clex_next_sig(&lx, i);
            if (!(clex_is(&lx, k, "for") || clex_is(&lx, k, "while") || clex_is(&lx, k, "do"))) continue;
            size_t e = clex_stmt_end(&lx, k);
            if (e >= lx.n) continue;
            if (writes_through_call(&lx, k, e)) { /* its effect cannot be communicated: every rank runs it */
                static const char whole[] = "/* chatmpi: every rank runs it all";
                memset(f->src + t->off, ' ', t->len);
                memcpy(f->src + t->off, whole, sizeof(whole) - 1);
                memcpy(f->src + t->off + t->len - 2, "*/", 2);
                i = e;
                continue;
            }
            size_t begin = t->off;
            while (begin && (marked_src[begin - 1] == ' ' || marked_src[begin - 1] == '\t')) begin--;
            if (begin && marked_src[begin - 1] != '\n') begin = t->off; /* code before it on its line */
            if (f->n == cap) f->loops = cm_realloc(f->loops, (cap = cap ? 2 * cap : 4) * sizeof(*f->loops));
            struct frame_loop *L = &f->loops[f->n++];
            memset(L, 0, sizeof(*L));
            L->begin = begin;
            L->kw = lx.toks[k].off;
            L->end = lx.toks[e].off + lx.toks[e].len;
            L->indent = cm_strndup(marked_src + begin, t->off - begin);
            L->text = dedent(marked_src + lx.toks[k].off, L->end - lx.toks[k].off, L->indent);
            i = e;
        }
    }
    if (f->main_body == (size_t)-1) {
        rc = cm_error_set(CM_EFORMAT, "the program has no main function to put MPI's set-up in");
        goto out;
    }
    if (!f->n) {
        rc = strstr(f->src, "/* chatmpi: every rank runs it all")
                 ? cm_error_set(CM_EFORMAT, "every marked loop passes a variable's address to a call: chatmpi cannot "
                                            "tell how to combine what the ranks' parts compute")
                 : cm_error_set(CM_EFORMAT, "no loop is marked '%s' (chatmpi data hotloops marks them)", HOTLOOPS_MARK);
        goto out;
    }
    snprintf(f->lo, sizeof(f->lo), "%s", has_lo || has_hi ? "mpi_lo" : "lo");
    snprintf(f->hi, sizeof(f->hi), "%s", has_lo || has_hi ? "mpi_hi" : "hi");
    for (size_t j = 0; j < f->n; j++) {
        struct frame_loop *L = &f->loops[j];
        size_t vl = 0;
        const char *v = loop_var(L->text, &vl);
        char *setup = frame_loop_analyse(L, &lx, v, vl);
        if (v) L->var = cm_strndup(v, vl);
        char *split = split_loop(f, L, L->text);
        struct cm_buf b;
        cm_buf_init(&b);
        cm_buf_printf(&b, "```c\n%s", setup ? setup : "");
        if (split) cm_buf_puts(&b, split);
        else cm_buf_printf(&b, FRAME_PREFIX_FMT, f->lo, f->hi);
        L->prefix = cm_buf_detach(&b);
        free(split), free(setup);
    }
out:
    clex_release(&lx);
    if (rc) frame_release(f);
    return rc;
}

char *frame_question(const struct frame *f, size_t j)
{
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b,
                  "This C program is going to run on several MPI ranks. Every rank holds all of the program's data "
                  "and runs all of it as written, and only rank 0's output is printed. Two helper functions are "
                  "defined in the program:\n\n"
                  "    /* this rank's part [*lo, *hi) of the iterations first, first+1, ..., end-1 */\n"
                  "    void mpi_share(long first, long end, long *lo, long *hi);\n"
                  "    /* after the loop over this rank's part: every rank receives the rows i of the array a\n"
                  "       (a[i*w] ... a[i*w + w-1]; w = 1 for a vector) that every rank computed */\n"
                  "    void mpi_allgather_share(void *a, long w, MPI_Datatype type);\n\n"
                  "Rewrite the loop marked `%s` so that this rank runs only its part of the loop's iterations "
                  "(mpi_share, into %s and %s), followed by the communication after which every rank holds exactly "
                  "what the whole loop computes: MPI_Allreduce with MPI_IN_PLACE for a sum (MPI_SUM), a maximum or "
                  "a minimum; mpi_allgather_share for the array elements the loop writes at its index. Keep the "
                  "loop's body as it is, declare no variable of the program again, and print nothing. Answer "
                  "with only the rewritten loop and the communication, in one ```c block.\n\n",
                  HOTLOOPS_MARK, f->lo, f->hi);
    /* the example has the loop's kind of sums: the model follows its shape closely */
    const struct frame_loop *Lj = &f->loops[j];
    if (Lj->extremum) {
        const char *fn = Lj->extremum > 0 ? "mpi_maxloc" : "mpi_minloc", *op = Lj->extremum > 0 ? ">" : "<";
        cm_buf_printf(&b,
                      "A third helper is defined for a loop that keeps the %s value and its index:\n\n"
                      "    /* after the loop over this rank's part: every rank gets the %s value of all\n"
                      "       ranks and its index (the lowest index among equal values) */\n"
                      "    %s(value, index);\n\n"
                      "For example, this loop (best is w[0] and ibest is 0 before it):\n\n```c\n"
                      "for (long i = 1; i < n; i++) {\n"
                      "    if (w[i] %s best) {\n"
                      "        best = w[i];\n"
                      "        ibest = i;\n"
                      "    }\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "long %s, %s;\n"
                      "mpi_share(1, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    if (w[i] %s best) {\n"
                      "        best = w[i];\n"
                      "        ibest = i;\n"
                      "    }\n"
                      "}\n"
                      "%s(best, ibest);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->extremum > 0 ? "largest" : "smallest", Lj->extremum > 0 ? "largest" : "smallest", fn, op,
                      f->lo, f->hi, f->lo, f->hi, f->lo, f->hi, op, fn);
    } else if (Lj->sum_arrays) {
        cm_buf_printf(&b,
                      "For example, this loop that adds into the nbins elements of the array hist and into total:\n\n"
                      "```c\n"
                      "for (long i = 0; i < n; i++) {\n"
                      "    hist[bin[i]] += w[i];\n"
                      "    total += w[i];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s"
                      "    for (long mpi_t = 0; mpi_t < nbins; mpi_t++)\n"
                      "        hist[mpi_t] = 0;\n"
                      "    total = 0;\n"
                      "}\n"
                      "long %s, %s;\n"
                      "mpi_share(0, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    hist[bin[i]] += w[i];\n"
                      "    total += w[i];\n"
                      "}\n"
                      "MPI_Allreduce(MPI_IN_PLACE, hist, nbins, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      FRAME_ZERO_HEAD, f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    } else if (Lj->vector) {
        cm_buf_printf(&b,
                      "For example, this loop%s:\n\n```c\n"
                      "for (long i = 0; i < n; i++) {\n"
                      "    a[i] = 2.0 * b[i];\n"
                      "    c[i] = a[i] - b[i];\n"
                      "    total += c[i];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s%s"
                      "long %s, %s;\n"
                      "mpi_share(0, n, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    a[i] = 2.0 * b[i];\n"
                      "    c[i] = a[i] - b[i];\n"
                      "    total += c[i];\n"
                      "}\n"
                      "mpi_allgather_share(a, 1, MPI_DOUBLE);\n"
                      "mpi_allgather_share(c, 1, MPI_DOUBLE);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->sums ? "" : " (total is 0 before it)", Lj->sums ? FRAME_ZERO_HEAD : "",
                      Lj->sums ? "    total = 0;\n}\n" : "", f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    } else {
        cm_buf_printf(&b,
                      "For example, this loop over the rows of a matrix%s:\n\n```c\n"
                      "for (long i = 0; i < rows; i++) {\n"
                      "    for (long j = 0; j < cols; j++)\n"
                      "        out[i * cols + j] = 2.0 * in[i * cols + j];\n"
                      "    total += out[i * cols];\n"
                      "}\n```\n\nis rewritten as:\n\n```c\n"
                      "%s%s"
                      "long %s, %s;\n"
                      "mpi_share(0, rows, &%s, &%s);\n"
                      "for (long i = %s; i < %s; i++) {\n"
                      "    for (long j = 0; j < cols; j++)\n"
                      "        out[i * cols + j] = 2.0 * in[i * cols + j];\n"
                      "    total += out[i * cols];\n"
                      "}\n"
                      "mpi_allgather_share(out, cols, MPI_DOUBLE);\n"
                      "MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);\n"
                      "```\n\nThe program:\n\n```c\n",
                      Lj->sums ? "" : " (total is 0 before it)", Lj->sums ? FRAME_ZERO_HEAD : "",
                      Lj->sums ? "    total = 0;\n}\n" : "", f->lo, f->hi, f->lo, f->hi, f->lo, f->hi);
    }
    /* the program with loop j's mark only */
    size_t at = 0;
    for (size_t k = 0; k < f->n; k++) {
        if (k == j) continue;
        const struct frame_loop *L = &f->loops[k];
        const char *mark = strstr(f->src + L->begin, HOTLOOPS_MARK);
        size_t m = (size_t)(mark - f->src), e = m + strlen(HOTLOOPS_MARK);
        if (L->begin < m || m == 0 || f->src[m - 1] == '\n') { /* alone on its line: the line goes */
            m = L->begin;
            if (f->src[e] == '\n') e++;
        }
        cm_buf_append(&b, f->src + at, m - at);
        at = e;
    }
    cm_buf_puts(&b, f->src + at);
    if (b.len && b.data[b.len - 1] != '\n') cm_buf_puts(&b, "\n");
    cm_buf_printf(&b, "```\n\nThe marked loop:\n\n```c\n%s\n```\n", f->loops[j].text);
    if (f->loops[j].writes) cm_buf_printf(&b, "\n%s", f->loops[j].writes);
    return cm_buf_detach(&b);
}

/* Appends src[*at..to) to b, with the hoisted gathers that fall in it; *at = to. */
static void copy_to(struct cm_buf *b, const struct frame *f, size_t *at, size_t to, const struct frame_hoist *h,
                    size_t nh, size_t *k)
{
    for (; *k < nh && h[*k].at <= to; ++*k) {
        if (h[*k].at < *at) continue; /* inside a replaced loop: cannot be */
        cm_buf_append(b, f->src + *at, h[*k].at - *at);
        cm_buf_puts(b, h[*k].text);
        *at = h[*k].at;
    }
    cm_buf_append(b, f->src + *at, to - *at);
    *at = to;
}

char *frame_program(const struct frame *f, char *const *given)
{
    char **frags = cm_calloc(f->n + 1, sizeof(*frags));
    for (size_t j = 0; j < f->n; j++) frags[j] = given[j] ? cm_strdup(given[j]) : NULL;
    struct frame_hoist *h = NULL;
    size_t nh = frame_gather_hoist(f, frags, &h), k = 0;
    struct cm_buf b;
    cm_buf_init(&b);
    size_t at = 0;
    int prolog_done = 0, main_done = 0;
    for (size_t j = 0; j <= f->n; j++) {
        size_t next = j < f->n ? f->loops[j].begin : strlen(f->src);
        if (!prolog_done && f->prolog_at <= next) {
            copy_to(&b, f, &at, f->prolog_at, h, nh, &k);
            if (f->prolog_at) cm_buf_puts(&b, "\n");
            cm_buf_puts(&b, prolog + (f->prolog_at ? 0 : 1));
            prolog_done = 1;
        }
        if (!main_done && f->main_body <= next) {
            copy_to(&b, f, &at, f->main_body, h, nh, &k);
            cm_buf_puts(&b, "\n    mpi_frame_init(); /* chatmpi: MPI_Init, rank, size; only rank 0 prints */");
            main_done = 1;
        }
        copy_to(&b, f, &at, next, h, nh, &k);
        if (j == f->n) break;
        const struct frame_loop *L = &f->loops[j];
        cm_buf_printf(&b, "%s{ /* chatmpi: the loop split over the ranks (the model's rewrite) */\n", L->indent);
        const char *s = frags[j] ? frags[j] : "";
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t l = nl ? (size_t)(nl - s) : strlen(s);
            if (l) cm_buf_printf(&b, "%s    %.*s", L->indent, (int)l, s);
            cm_buf_puts(&b, "\n");
            s += l + (nl != NULL);
        }
        while (b.len >= 2 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n') b.data[--b.len] = 0;
        cm_buf_printf(&b, "%s}", L->indent);
        at = L->end;
    }
    for (size_t j = 0; j < f->n; j++) free(frags[j]);
    for (size_t i = 0; i < nh; i++) free(h[i].text);
    free(frags), free(h);
    return cm_buf_detach(&b);
}
