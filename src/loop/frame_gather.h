/* frame_gather.h — what frame_gather.c (gathers that wait or go, halos) shares with
 * frame_calls.c (names followed into the functions they are passed to), frame_sums.c (array
 * sums whose reduction waits) and frame_setup.c (set-up loops that set only the rank's rows, CSR
 * segments), and frame.c (a loop's segments, elements_kept): the program lexed with each marked
 * loop's tokens, and the helpers they use. Not for other callers. */
#ifndef CM_LOOP_FRAME_GATHER_H
#define CM_LOOP_FRAME_GATHER_H

#include <stddef.h>

#include "core/buf.h"
#include "loop/frame_loop.h"

struct hctx {
    const struct frame *f;
    struct clex lx;
    size_t *kw, *last;  /* each marked loop's keyword token and last token */
    int *depth;         /* brace depth before each token */
    char *const *frags; /* the answers as given (which loop gathers what) */
};

#define GROUP_MAX 8
struct group {
    size_t n;
    const char *s[GROUP_MAX];
    size_t l[GROUP_MAX];
};

/* A name of a group passed whole to a function of the program (frame_calls.c). */
struct call_use {
    size_t member;                /* the group's name passed */
    size_t open, close;           /* the call's parentheses */
    size_t body0, body1;          /* the function's body braces */
    size_t par0, par1;            /* its parameter list's parentheses */
    size_t param;                 /* the name token of the parameter receiving it */
};
/* The n-th (from 0) comma-separated part [*a, *b) of the tokens open+1 .. close-1. */
int nth_part(const struct clex *lx, size_t open, size_t close, size_t n, size_t *a, size_t *b);
/* The parameter's name in the declaration tokens [a, b), or SIZE_MAX. */
size_t param_name(const struct clex *lx, size_t a, size_t b);
/* Token t (the group's member-th name, in P outside its split loops) is a whole argument of a
 * call of a function the program defines (not the one holding P): *cu says which. */
int call_use_at(const struct hctx *h, size_t t, size_t member, size_t p, struct call_use *cu);
/* A callee's share bound (text) in the caller's terms, spaces removed; NULL when it names what
 * the call does not give. Caller frees. */
char *share_in_caller(const struct clex *lx, const struct call_use *cu, const char *bound);
/* A callee's subscript in the caller's terms (parameters renamed to the arguments); 0 when it
 * names a parameter given something else, or a local of the callee. */
int lin_in_caller(const struct clex *lx, const struct call_use *cu, struct frame_lin *x);
/* An assignment to token t's name: followed by an assignment operator or ++/--, or after ++,
 * -- or &. */
int assigned_at(const struct clex *lx, size_t t);

/* Token i is the name (s, n). */
int tok_eq(const struct clex *lx, size_t i, const char *s, size_t n);
/* The loop statement around tokens a..b: the nearest for/while/do whose statement holds them,
 * or SIZE_MAX. */
size_t enclosing(const struct clex *lx, size_t a, size_t b);
/* The bounds (text) keep their values over tokens a..b: no name in them assigned, no call. */
int bounds_kept(const struct clex *lx, size_t a, size_t b, const char *bounds);
/* The marked loop holding token t, or SIZE_MAX. */
size_t marked_at(const struct hctx *h, size_t t);
/* The group's names are not aliased (but in P's copies, tokens p..pe) nor named in another
 * function unless declared in P's. */
int private_group(const struct hctx *h, const struct group *g, size_t p, size_t pe);
/* Answer text frag gathers the array (s, n): a line `mpi_allgather_share(s, ...);`. */
int frag_gathers(const char *frag, const char *s, size_t n);
/* Adds text t (taken) at offset at to the hoists, once. */
void add_hoist(struct frame_hoist **out, size_t *n_out, size_t *cap, size_t at, struct cm_buf *t);

/* An assignment operator (or ++/--) at token n. */
int assign_op(const struct clex *lx, size_t n);
/* s without blanks. Caller frees. */
char *squeeze(const char *s);
/* frame_setup.c: token p (a name) is, in tokens a..b, the index of a loop `for ([T] p = S[var]; p < S[var + 1];
 * p++)` assigned nowhere else there (a CSR row's entries), and S is never assigned, passed whole
 * or aliased from a on: S's token in *seg. Segments of different var are taken as disjoint (as
 * a row-pointer array's are). */
int segment_var(const struct clex *lx, size_t a, size_t b, const char *var, size_t p, size_t *seg);
/* The array (s, n bytes) is from token a on only read element by element (or freed). */
int elements_kept(const struct clex *lx, size_t a, const char *s, size_t n);
/* main's braces: 0 when not found. */
int main_braces(const struct hctx *h, size_t *ob, size_t *cb);
/* In tokens p..pe, y's group is used only as the gathers that wait allow with loop j (a split
 * loop chatmpi wrote) as the reference, never at a neighbour, and j's share bounds keep their
 * values: every rank reads only its own elements of y there. With rows, when nothing there
 * writes the group, a read elsewhere in the reference's row counts as its own too
 * (frame_lin_same_row: `a[i * n + j]` beside `a[i * n + i]`). */
int region_own(const struct hctx *h, size_t j, const char *y, size_t yl, size_t p, size_t pe, int rows);

/* frame_setup.c: token t names a function of the C math library (sqrt, fabs, pow...). */
int math_call(const struct clex *lx, size_t t);

/* frame_setup.c: set-up loops that set only the rank's own rows of arrays no rank reads
 * another's of again. */
void frame_setup_own(const struct hctx *h, struct frame_hoist **out, size_t *n_out, size_t *cap);

/* frame_setup.c: the gather at offset at (one of main's statements follows it) of y's rows
 * first .. end - 1 (width elements each) is not needed: the first of main's statements from
 * there that names y sets every element of it before reading any, a loop `for (v = first; v <
 * end; v++)` doing `y[v] = ...;` or a call whose function's first use of it is such a split loop
 * that gathers it (width "1" only). Nothing jumps, and no name that y is copied to or from is
 * named before. */
int set_whole_again(const struct hctx *h, size_t at, const char *y, size_t yl, const char *first, const char *end,
                    const char *width);

/* frame_sums.c: loop j's sums into arrays that can wait move around the loop around it. */
void frame_sums_wait(const struct hctx *h, size_t j, char **frags, struct frame_hoist **out, size_t *n_out,
                     size_t *cap);

/* frame_pack.c: loop j's rewrite frag with its triangle's rows of y packed for the loop around
 * it (tokens p..pe of h->lx), after which y is gathered with mpi_allgather_range (width,
 * mpi_type: the gather's), or NULL when the rules there do not hold. Caller frees. */
char *frame_pack(const struct hctx *h, size_t j, const char *frag, const char *y, size_t yl, const char *width,
                 const char *mpi_type, size_t p, size_t pe);

/* frame_block.c: loop j's sum, which the next iterations of the loop around it read (a triangular
 * solve's row sums), reduced once a block of those iterations (frags[j] rewritten, hoists added). */
void frame_sums_block(const struct hctx *h, size_t j, char **frags, struct frame_hoist **out, size_t *n_out,
                      size_t *cap);

#endif
