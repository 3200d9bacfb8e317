/* frame_loop.h — what a marked loop writes, for the MPI frame (frame.h).
 *
 * From the loop's text (and the program around it, for array counts) chatmpi reads what the
 * loop writes that lives outside it and how each value reaches every rank after a split:
 *
 *   arrays at the loop's index: vectors a[i] or rows a[i * w + ...] (mpi_allgather_share with
 *     that width, or from a + c for a[i + c]);
 *   sums: a variable or an array (away from the index) the loop only adds to; zero on the ranks
 *     other than 0 before the loop, then one MPI_Allreduce with MPI_SUM is exact;
 *   stores that are neither: merged by chatmpi (mpi_merge_begin / mpi_merge_end);
 *   the largest or smallest value and its index (mpi_maxloc / mpi_minloc).
 *
 * The question's sentence (L->writes) says it to the model; the rewrite (frame_fragment) is
 * corrected by it. */
#ifndef CM_LOOP_FRAME_LOOP_H
#define CM_LOOP_FRAME_LOOP_H

#include <stddef.h>
#include <string.h>

#include "corpus/clex.h"
#include "loop/frame.h"

/* The start of the set-up of a loop's sums, at its answer's start */
#define FRAME_ZERO_HEAD \
    "if (mpi_rank != 0) { /* sums: rank 0 keeps the values from before the loop, the other ranks add to zero */\n"

/* Loop L (L->text, its index var; L->begin an offset into the program plx lexes): sets
 * L->writes (the question's sentences), sums, sum_arrays, vector, extremum, rows, written,
 * merges and merge_end. Returns the code its answer starts with before the split (the sums'
 * set-up, the merges' copies), or NULL. Caller frees. */
char *frame_loop_analyse(struct frame_loop *L, const struct clex *plx, const char *var, size_t var_len);

/* The loop (text) may write the name through a call: `&name`, or name as a call's argument
 * (not an element's value, `f(name[i])`). */
int frame_loop_passed_to_call(const char *text, const char *name, size_t len);

/* A gather that waits: text inserted into the program at offset `at` of the marked source. */
struct frame_hoist {
    size_t at;
    char *text;
};
/* The gathers of arrays that only their split loops use inside a loop around them move after
 * that loop, as halos where the loop reads neighbours, through calls too; the reductions of
 * arrays a split loop only adds to move after it too (frame_gather.c says when): their lines are taken out of frags or rewritten (replaced, freed) and *out gets the
 * code to insert, in offset order. Returns its count. Caller frees each text and *out. */
size_t frame_gather_hoist(const struct frame *f, char **frags, struct frame_hoist **out);

/* A subscript as a sum of integer multiples of products of names (frame_lin.c): each term's
 * key is its names sorted and joined by '*' ("" for the constant, FRAME_LIN_VAR for the split
 * loop's index). */
#define FRAME_LIN_TERMS 24
#define FRAME_LIN_KEY 64
#define FRAME_LIN_VAR "@"
struct frame_lin {
    int n;
    struct frame_lin_term {
        long coef;
        char key[FRAME_LIN_KEY];
    } t[FRAME_LIN_TERMS];
};
/* A local defined by a name's token and its initializer's tokens [a, b) (`long c = j * W + i;`),
 * read in place of the name. */
struct frame_lin_def {
    size_t name, a, b;
};
struct frame_lin_env {
    const char *var; /* the split loop's index, or NULL */
    size_t ndefs;
    const struct frame_lin_def *defs;
};
/* Reads tokens [a, b) of lx; 0 when they are not such a sum (a call, an element, a cast, a
 * division, a float, too many terms or an overflow). */
int frame_lin_parse(const struct clex *lx, size_t a, size_t b, const struct frame_lin_env *env, struct frame_lin *out);
/* out = x - y; 0 on overflow. */
int frame_lin_sub(struct frame_lin *out, const struct frame_lin *x, const struct frame_lin *y);
/* out = x + y; 0 on overflow. */
int frame_lin_add(struct frame_lin *out, const struct frame_lin *x, const struct frame_lin *y);
/* Every term of x multiplied by the name; 0 when a key grows too long. */
int frame_lin_mul_name(struct frame_lin *x, const char *name);
/* 1 when a term of x names name. */
int frame_lin_has(const struct frame_lin *x, const char *name);
/* x and y are both the split index times the same W plus terms that name no name of W (and the
 * index only alone): elements of one row of a W-wide row-major matrix, the index's row, when,
 * as in `a[i * n + j]`, the rest is a column in [0, W) (`a[i * n + i]`, `ab[i * w + kl + j - i]`). */
int frame_lin_same_row(const struct frame_lin *x, const struct frame_lin *y);
/* x is such a row's element with W the text width (spaces removed: "n"), or x is the index alone
 * and width is "1". */
int frame_lin_row_width(const struct frame_lin *x, const char *width);
/* x as C (`-W - 1`, `2 * P`, `0`). Caller frees. */
char *frame_lin_text(const struct frame_lin *x);

/* The MPI datatype of the elements of name (len bytes) as the program plx lexes declares it
 * last before the offset `before` (`float *x`, `double s, *y`, `long n`, a parameter):
 * "MPI_FLOAT", "MPI_DOUBLE", "MPI_INT", "MPI_LONG", or NULL (not found, or another type:
 * unsigned, short, long long, long double, a typedef, a struct). Static. */
const char *frame_loop_mpi_type(const struct clex *plx, size_t before, const char *name, size_t len);

/* Token i is a word of a declaration's type (`double`, `long`, `const`, `size_t`, `struct`...). */
int frame_loop_type_word(const struct clex *lx, size_t i);

/* Token i (a name) is declared there: after a type word (or `type *`), after a comma in a
 * statement that begins with one, or as a for loop's variable set in its header. */
int frame_loop_declared(const struct clex *lx, size_t i);

/* The buffer that a line (n bytes) communicates: the first argument of MPI_Allreduce (after
 * MPI_IN_PLACE) or of mpi_allgather_share (*gather = 1), `&` and `(` skipped; 0 for another line. */
int frame_buffer_name(const char *line, size_t n, const char **name, size_t *len, int *gather);

/* The length of the line starting at p, its newline included. */
static inline size_t frame_line_len(const char *p)
{
    const char *nl = strchr(p, '\n');
    return nl ? (size_t)(nl - p) + 1 : strlen(p);
}

/* The tokens i..j-1 (significant or not) as trimmed text. Caller frees. */
char *frame_tok_text(const struct clex *lx, size_t i, size_t j);

/* A counted loop's header, `for ([T] v = A; v OP B; STEP)` with OP one of < <= != (STEP v++,
 * ++v or v += 1) or > >= (STEP v--, --v or v -= 1): token indexes into the lexed text. */
struct frame_header {
    size_t open, close; /* the parentheses */
    size_t var;         /* v; T is the tokens open + 1 .. var - 1 (none when v is not declared there) */
    size_t eq, semi1;   /* A is the tokens eq + 1 .. semi1 - 1 */
    size_t op, semi2;   /* B is the tokens op + 1 .. semi2 - 1 */
    int le, ge, down;   /* OP is <=; OP is >=; the loop counts down (> or >=) */
};
/* The header of the loop whose keyword is token kw: 0 when it is not such a loop (a comma in
 * the initialization, another condition or step, A or B empty). */
int frame_loop_header(const struct clex *lx, size_t kw, struct frame_header *h);

#endif
