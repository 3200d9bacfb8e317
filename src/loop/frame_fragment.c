/* frame_fragment.c — a loop's rewrite taken from the model's answer and corrected by what
 * chatmpi knows of the loop (see frame.h, frame_fragment): the code block cut after its last
 * communication, lines that communicate what the loop does not write dropped, gathers given the
 * rows' base and width, datatypes from the declarations, MPI_IN_PLACE, invented helpers dropped,
 * and the reductions chatmpi knows the loop needs completed. */
#include "loop/frame.h"
#include "loop/frame_loop.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/clex.h"

/* At s (just after "MPI_Allreduce("): the first two arguments equal (spaces aside)? Their
 * extent in *a0, *a1 (the first argument's bytes). */
static int same_buffers(const char *s, const char **a0, const char **a1)
{
    const char *args[3];
    int depth = 0, n = 0;
    args[n++] = s;
    for (const char *p = s; *p && n < 3; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if ((*p == ')' || *p == ']') && depth-- == 0) return 0;
        else if (*p == ',' && depth == 0) args[n++] = p + 1;
    }
    if (n < 3) return 0;
    const char *x = args[0], *xe = args[1] - 1, *y = args[1], *ye = args[2] - 1;
    while (x < xe || y < ye) {
        while (x < xe && (*x == ' ' || *x == '\n')) x++;
        while (y < ye && (*y == ' ' || *y == '\n')) y++;
        if (x == xe || y == ye) break;
        if (*x++ != *y++) return 0;
    }
    while (x < xe && (*x == ' ' || *x == '\n')) x++;
    while (y < ye && (*y == ' ' || *y == '\n')) y++;
    if (x != xe || y != ye || args[1] - 1 == args[0]) return 0;
    *a0 = args[0], *a1 = args[1] - 1;
    return 1;
}

/* Whether the identifier s[0..n) occurs in text as a whole name. */
static int has_name(const char *text, const char *s, size_t n)
{
    for (const char *p = text; (p = memmem(p, strlen(p), s, n)); p += n) {
        int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[n]) || p[n] == '_';
        if (!before && !after) return 1;
    }
    return 0;
}

/* The line (n bytes) communicates a variable that the loop does not name: the buffer of an
 * MPI_Allreduce (its second argument when the first is MPI_IN_PLACE) or of
 * mpi_allgather_share (its first). A copy of the question's example, not the loop's result. */
int frame_buffer_name(const char *line, size_t n, const char **name, size_t *len, int *gather)
{
    const char *c = memmem(line, n, "MPI_Allreduce(", 14);
    const char *arg = c ? c + 14 : NULL;
    *gather = 0;
    if (!c && (c = memmem(line, n, "mpi_allgather_share(", 20))) arg = c + 20, *gather = 1;
    if (!arg) return 0;
    const char *end = line + n;
    while (arg < end && (*arg == ' ' || *arg == '&' || *arg == '(')) arg++;
    if (c[0] == 'M' && end - arg > 12 && !memcmp(arg, "MPI_IN_PLACE", 12)) {
        arg = memchr(arg, ',', (size_t)(end - arg));
        if (!arg) return 0;
        for (arg++; arg < end && (*arg == ' ' || *arg == '&' || *arg == '('); arg++) {}
    }
    size_t k = 0;
    while (arg + k < end && (isalnum((unsigned char)arg[k]) || arg[k] == '_')) k++;
    if (!k || isdigit((unsigned char)arg[0])) return 0;
    *name = arg, *len = k;
    return 1;
}

static int foreign_buffer(const char *line, size_t n, const char *loop)
{
    const char *name;
    size_t len;
    int gather;
    return frame_buffer_name(line, n, &name, &len, &gather) && !has_name(loop, name, len);
}

/* A line that gathers an array the loop writes in rows (L->rows), its first two arguments made
 * the rows' base and width; NULL when the line is no such gather. Caller frees. */
static char *fix_gather(const struct frame_loop *L, const char *line, size_t n)
{
    const char *name, *c = memmem(line, n, "mpi_allgather_share(", 20);
    size_t len;
    int gather;
    if (!c || !L->rows || !frame_buffer_name(line, n, &name, &len, &gather) || !gather) return NULL;
    char key[80];
    snprintf(key, sizeof(key), "\x1f%.*s\x1e", (int)(len < 70 ? len : 70), name);
    const char *r = strstr(L->rows, key);
    if (!r) return NULL;
    r += strlen(key);
    const char *sep = strchr(r, '\x1e'), *end = r + strcspn(r, "\x1f");
    /* the third argument: after the second depth-0 comma */
    const char *a = c + 20, *e = line + n;
    int depth = 0, commas = 0;
    const char *third = NULL;
    for (const char *p = a; p < e && !third; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if (*p == ')' || *p == ']') {
            if (depth-- == 0) return NULL;
        } else if (*p == ',' && depth == 0 && ++commas == 2) third = p + 1;
    }
    if (!third) return NULL;
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b, "%.*s%.*s, %.*s,%.*s", (int)(a - line), line, (int)(sep - r), r, (int)(end - sep - 1), sep + 1,
                  (int)(e - third), third);
    return cm_buf_detach(&b);
}

/* The line (n bytes) with its one MPI datatype made the declared type of its buffer (a float
 * array gathered or summed as MPI_DOUBLE moves twice its bytes and garbles them); NULL when
 * nothing changes. Caller frees. */
static char *fix_type(const struct clex *plx, const struct frame_loop *L, const char *line, size_t n)
{
    static const char *const types[] = {"MPI_DOUBLE", "MPI_FLOAT", "MPI_INT", "MPI_LONG"};
    const char *name, *at = NULL;
    size_t len, at_len = 0;
    int gather, found = 0;
    if (!plx || !frame_buffer_name(line, n, &name, &len, &gather)) return NULL;
    const char *want = frame_loop_mpi_type(plx, L->begin, name, len);
    if (!want) return NULL;
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        size_t tl = strlen(types[k]);
        for (const char *p = line; (p = memmem(p, (size_t)(line + n - p), types[k], tl)); p += tl) {
            int after = p + tl < line + n && (isalnum((unsigned char)p[tl]) || p[tl] == '_');
            if (after) continue;
            found++, at = p, at_len = tl;
        }
    }
    if (found != 1 || (at_len == strlen(want) && !memcmp(at, want, at_len))) return NULL;
    struct cm_buf b;
    cm_buf_init(&b);
    cm_buf_printf(&b, "%.*s%s%.*s", (int)(at - line), line, want, (int)(line + n - at - at_len), at + at_len);
    return cm_buf_detach(&b);
}

/* code without the MPI_Allreduce lines whose buffer is an array the same rewrite gathers: an
 * array gathered holds every rank's rows, so a sum over the ranks of it is a slip; but an
 * array of the loop's sums (",a,b," list, zero on the ranks other than 0) is summed, and a
 * gather of it is the slip */
static char *drop_reduced_gathers(char *code, const char *sums)
{
    struct cm_buf gathered, b;
    cm_buf_init(&gathered), cm_buf_init(&b);
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = code; *p;) {
            size_t l = frame_line_len(p);
            const char *name;
            size_t len;
            int gather, keep = 1;
            if (frame_buffer_name(p, l, &name, &len, &gather)) {
                char key[80];
                snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name);
                int sum = sums && strstr(sums, key);
                if (pass == 0 && gather && !sum) cm_buf_puts(&gathered, key);
                if (pass == 1 && gather && sum) keep = 0;
                if (pass == 1 && !gather && gathered.data && strstr(gathered.data, key)) keep = 0;
            }
            if (pass == 1 && keep) cm_buf_append(&b, p, l);
            p += l;
        }
    cm_buf_release(&gathered);
    free(code);
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

/* The line is a call of an mpi_ function the frame does not define (`mpi_allreduce(...)`,
 * `mpi_allreduce_share(...)`: the model's inventions, which would not link): chatmpi drops it
 * and completes the reductions it knows of. */
static int unknown_helper(const char *line, size_t n)
{
    static const char *const known[] = {"mpi_share", "mpi_share_tri", "mpi_share_seg", "mpi_allgather_share", "mpi_allgather_range",
                                        "mpi_halo_share", "mpi_merge_begin", "mpi_merge_end", "mpi_maxloc",
                                        "mpi_minloc"};
    size_t w = 0;
    while (w < n && (line[w] == ' ' || line[w] == '\t')) w++;
    if (n - w < 5 || memcmp(line + w, "mpi_", 4)) return 0;
    size_t k = w;
    while (k < n && (isalnum((unsigned char)line[k]) || line[k] == '_')) k++;
    size_t p = k;
    while (p < n && (line[p] == ' ' || line[p] == '\t')) p++;
    if (p >= n || line[p] != '(') return 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i]) == k - w && !memcmp(known[i], line + w, k - w)) return 0;
    return 1;
}

/* What chatmpi knows how to combine, it makes sure is combined: each variable the loop only
 * adds to (MPI_SUM), raises (MPI_MAX) or lowers (MPI_MIN) gets one MPI_Allreduce with that
 * operation (the model's, its operation corrected, or chatmpi's, after the code), and an
 * extremum and its index mpi_maxloc / mpi_minloc (any other reduction of them dropped). The
 * datatype comes from the declaration (plx); a variable of another type is left to the model.
 * Takes code (freed). */
static char *complete_reductions(const struct frame_loop *L, const struct clex *plx, char *code)
{
    static const char *const ops[] = {"MPI_SUM", "MPI_MAX", "MPI_MIN", "MPI_PROD"};
    struct cm_buf b;
    cm_buf_init(&b);
    int has_loc = L->extremum && (strstr(code, "mpi_maxloc(") || strstr(code, "mpi_minloc("));
    unsigned done = 0; /* which of the loop's variables have a reduction, in list order */
    const char *lists[3] = {L->sums, L->maxes, L->mins};
    for (const char *p = code; *p;) {
        size_t l = frame_line_len(p);
        const char *name;
        size_t len;
        int gather, keep = 1;
        const char *op = NULL;
        if (frame_buffer_name(p, l, &name, &len, &gather) && !gather) {
            for (int k = 0, bit = 0; k < 3; k++)
                for (const char *q = lists[k] ? lists[k] + 1 : ""; *q; bit++) {
                    size_t ql = strcspn(q, ",");
                    if (ql == len && !memcmp(q, name, len)) op = ops[k], done |= 1u << (bit < 31 ? bit : 31);
                    q += ql + 1;
                }
            if (L->extremum && !has_loc &&
                ((L->ext_value && strlen(L->ext_value) == len && !memcmp(L->ext_value, name, len)) ||
                 (L->ext_index && strlen(L->ext_index) == len && !memcmp(L->ext_index, name, len))))
                keep = 0; /* chatmpi writes the extremum's mpi_maxloc */
        }
        if (keep && op) { /* the operation corrected */
            struct cm_buf t;
            cm_buf_init(&t);
            cm_buf_append(&t, p, l);
            for (size_t k = 0; k < 4; k++) {
                char *at = t.data ? strstr(t.data, ops[k]) : NULL;
                if (!at || ops[k] == op) continue;
                size_t ol = strlen(ops[k]);
                if (at[ol] == '_' || isalnum((unsigned char)at[ol])) continue;
                cm_buf_append(&b, t.data, (size_t)(at - t.data));
                cm_buf_puts(&b, op);
                cm_buf_puts(&b, at + ol);
                cm_buf_release(&t);
                break;
            }
            if (t.data) cm_buf_append(&b, t.data, t.len), cm_buf_release(&t);
        } else if (keep) {
            cm_buf_append(&b, p, l);
        }
        p += l;
    }
    if (b.len && b.data[b.len - 1] != '\n') cm_buf_puts(&b, "\n");
    for (int k = 0, bit = 0; k < 3; k++)
        for (const char *q = lists[k] ? lists[k] + 1 : ""; *q; bit++) {
            size_t ql = strcspn(q, ",");
            char elem[80];
            snprintf(elem, sizeof(elem), "%.*s[", (int)(ql < 70 ? ql : 70), q);
            const char *type = plx ? frame_loop_mpi_type(plx, L->begin, q, ql) : NULL;
            if (!(done >> (bit < 31 ? bit : 31) & 1) && !strstr(L->text, elem) && type)
                cm_buf_printf(&b, "MPI_Allreduce(MPI_IN_PLACE, &%.*s, 1, %s, %s, MPI_COMM_WORLD);\n", (int)ql, q, type,
                              ops[k]);
            q += ql + 1;
        }
    if (L->extremum && !has_loc && L->ext_value && L->ext_index)
        cm_buf_printf(&b, "%s(%s, %s);\n", L->extremum > 0 ? "mpi_maxloc" : "mpi_minloc", L->ext_value, L->ext_index);
    free(code);
    return b.data ? cm_buf_detach(&b) : cm_strdup("");
}

char *frame_fragment(const struct frame *f, size_t j, const char *answer, const char **why)
{
    *why = NULL;
    const char *open = strstr(answer, "```");
    if (!open) {
        *why = "no ```c code block";
        return NULL;
    }
    const char *s = strchr(open, '\n');
    s = s ? s + 1 : open + strlen(open);
    const char *end = strstr(s, "```");
    size_t n = end ? (size_t)(end - s) : strlen(s);
    struct cm_buf b;
    cm_buf_init(&b);
    struct clex plx; /* the program, for the buffers' declared types */
    clex_init(&plx);
    int lexed = !clex_run(&plx, f->src, strlen(f->src));
    if (!lexed) cm_error_clear();
    size_t merge_begun = 0, merge_begins = 0; /* the prefix's mpi_merge_begin lines are kept */
    for (const char *m = f->loops[j].merges; m && *m; m++) merge_begins += *m == ',';
    if (merge_begins) merge_begins--;
    for (size_t i = 0; i < n;) { /* the lines, #include dropped */
        const char *nl = memchr(s + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        size_t w = strspn(s + i, " \t");
        int include = w < l && l - w >= 8 && !memcmp(s + i + w, "#include", 8);
        const struct frame_loop *L = &f->loops[j];
        const char *name;
        size_t len;
        int gather;
        char *fixed = NULL, key[80];
        if (include || foreign_buffer(s + i, l, L->text) || unknown_helper(s + i, l)) {
            /* dropped */
        } else if (L->merges && (memmem(s + i, l, "mpi_merge_end(", 14) || memmem(s + i, l, "mpi_merge_begin(", 16))) {
            /* chatmpi writes the merge (its start is in the answer's prefix) */
            if (memmem(s + i, l, "mpi_merge_begin(", 16) && merge_begun++ < merge_begins) cm_buf_append(&b, s + i, l);
        } else if (L->merges && frame_buffer_name(s + i, l, &name, &len, &gather) &&
                   (snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name), strstr(L->merges, key))) {
            /* chatmpi merges it */
        } else if (frame_buffer_name(s + i, l, &name, &len, &gather) && L->written &&
                   (snprintf(key, sizeof(key), ",%.*s,", (int)(len < 70 ? len : 70), name), !strstr(L->written, key)) &&
                   !frame_loop_passed_to_call(L->text, name, len)) {
            /* a reduction or a gather of what the loop only reads: every rank has it already
             * (MPI_SUM would multiply it by the ranks; a gather moves it for nothing) */
        } else {
            fixed = fix_gather(L, s + i, l);
            const char *line = fixed ? fixed : s + i;
            size_t ll = fixed ? strlen(fixed) : l;
            char *typed = fix_type(lexed ? &plx : NULL, L, line, ll);
            if (typed) cm_buf_puts(&b, typed);
            else cm_buf_append(&b, line, ll);
            free(fixed), free(typed);
        }
        i += l;
    }
    char *code = b.data ? cm_buf_detach(&b) : cm_strdup("");
    /* the rewrite ends with its communication: what follows the last line that communicates
     * (printing, code of the program after the loop written again) is not the loop's */
    char *last = NULL;
    for (char *p = code; *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (memmem(p, l, "MPI_", 4) || memmem(p, l, "mpi_allgather_share", 19) || memmem(p, l, "mpi_maxloc(", 11) ||
            memmem(p, l, "mpi_minloc(", 11))
            last = p;
        p += l + (nl != NULL);
    }
    if (last) {
        /* the end of the statement begun on that line: its first ';' at bracket depth 0 */
        int depth = 0;
        char *e = last;
        for (; *e && !(*e == ';' && depth <= 0); e++) depth += (*e == '(') - (*e == ')');
        if (*e) {
            char *nl = strchr(e, '\n');
            if (nl) nl[1] = 0;
        }
    }
    if (strstr(code, "main(") || strstr(code, "main (")) {
        free(code), clex_release(&plx);
        *why = "the answer is a whole program, not the loop's rewrite";
        return NULL;
    }
    if (!strstr(code, "mpi_share")) {
        free(code), clex_release(&plx);
        *why = "the answer does not share the loop's iterations (no mpi_share)";
        return NULL;
    }
    /* MPI_Allreduce(&s, &s, ...): the same buffer twice is an error in MPI; in place meant */
    cm_buf_init(&b);
    const char *p = code;
    for (const char *q; (q = strstr(p, "MPI_Allreduce("));) {
        q += strlen("MPI_Allreduce(");
        const char *a0, *a1;
        cm_buf_append(&b, p, (size_t)(q - p));
        if (same_buffers(q, &a0, &a1)) {
            cm_buf_puts(&b, "MPI_IN_PLACE");
            p = a1;
        } else {
            p = q;
        }
    }
    cm_buf_puts(&b, p);
    free(code);
    char *out = drop_reduced_gathers(cm_buf_detach(&b), f->loops[j].sums);
    out = complete_reductions(&f->loops[j], lexed ? &plx : NULL, out);
    clex_release(&plx);
    if (f->loops[j].merge_end) { /* the stores chatmpi merges, after the model's communication */
        char *m = cm_malloc(strlen(out) + strlen(f->loops[j].merge_end) + 1);
        sprintf(m, "%s%s", out, f->loops[j].merge_end);
        free(out);
        out = m;
    }
    return out;
}
