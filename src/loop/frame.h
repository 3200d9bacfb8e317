/* frame.h — loop-by-loop answers: chatmpi writes the MPI frame, the model rewrites the loops.
 *
 * A small model asked for a whole MPI program drops or garbles code it should have kept
 * (Qwen2.5-Coder-1.5B deleted the very loop it was to split: docs/default-model.md). In the
 * frame, chatmpi writes what is the same in every replicated-data program and the model writes
 * only what needs understanding:
 *
 *   chatmpi: MPI_Init first in main (and MPI_Finalize at exit, whatever the exit path), the
 *            rank and size, the other ranks' stdout to /dev/null (rank 0 prints, as the
 *            sequential program does), the split of each simple counted loop, and helpers:
 *            mpi_share / mpi_share_tri / mpi_share_seg (a rank's block of a loop's iterations,
 *            by count, by a triangle's work or by a sum loop's segments of entries),
 *            mpi_allgather_share / mpi_allgather_range (every rank gets what every rank
 *            computed of an array: after the loop, or once after a loop around it,
 *            frame_gather.c), mpi_halo_share (only the elements next to a rank's own, for a
 *            stencil's step), mpi_merge_begin / mpi_merge_end, mpi_maxloc / mpi_minloc; and the
 *            reductions it knows the loop needs (sums, counts, maxima, minima, an extremum),
 *            when the model leaves them out or gets their operation wrong;
 *   model:   for each loop marked by hotloops (harness/hotloops.h), asked one loop at a time,
 *            the loop over its share of the iterations followed by the communication after
 *            which every rank holds what the whole loop computed (MPI_Allreduce, the helpers).
 *
 * Every rank keeps the whole data, as in the sequential program, so nothing else changes;
 * except where chatmpi shows that no rank reads another's elements of an array again (or not
 * before they are gathered): then its gather waits or goes (frame_gather.c) and a set-up loop
 * sets only the rank's rows of it (frame_setup.c); and a gather goes when the program sets the
 * whole array again before reading it (frame_setup.c); and a split loop's sum that the next
 * iterations of the loop around it read (forward substitution's row sums) is reduced once a
 * block of 64 of those iterations (frame_block.c); and a triangle's rows whose gather waits are
 * packed for the loop around their split loop (frame_pack.c). The assembled program is an
 * ordinary MPI program that the harness checks like any other. */
#ifndef CM_LOOP_FRAME_H
#define CM_LOOP_FRAME_H

#include <stddef.h>

/* The start of an answer (the model continues it) when the loop is not a simple counted one:
 * the bounds declared, the share asked. For `for ([T] v = A; v < B; v++) BODY` (or <=, !=,
 * ++v, v += 1) the answer begins with the share and the loop over it, BODY as written: the
 * model writes the communication after it. Either comes after "```c" and the sums' set-up. */
#define FRAME_PREFIX_FMT "long %s, %s;\nmpi_share("
/* Between the loops' answers in a round's saved answer (one text per round). */
#define FRAME_SEPARATOR "\n/* ---- chatmpi frame: the next loop's answer ---- */\n"

/* share_shape of a loop cut by its segments' entries (mpi_share_seg) */
#define FRAME_SHAPE_SEG 2

struct frame_loop {
    size_t begin, end; /* the bytes of the marked program replaced: the mark's line to the loop's end */
    size_t kw;         /* the offset of its keyword (for, while, do) */
    char *var;         /* its index (a for loop's), or NULL */
    char *share_first, *share_end; /* a simple counted loop's share: mpi_share(first, end, ...) that
                                    * chatmpi wrote; NULL when the model writes the split */
    int share_shape;   /* 0: mpi_share; 1 or -1: mpi_share_tri (work growing or shrinking with the index);
                        * FRAME_SHAPE_SEG: mpi_share_seg (a loop that only adds to sums, over
                        * segments of entries: parts with about the same count of entries, which
                        * no other loop's share is taken to equal) */
    char *indent;      /* the loop's indentation */
    char *text;        /* the loop as written, its indentation taken off */
    char *prefix;      /* the start of its answer (owned) */
    char *writes;      /* what it writes that lives outside it, a sentence for the question, or NULL */
    char *sums;        /* ",s,y," the variables and arrays it only adds to, zeroed on ranks other
                        * than 0 at its answer's start (to be summed over the ranks), or NULL */
    unsigned sum_arrays; /* how many of them are arrays */
    int vector;          /* the arrays it writes at its index are written as a[index] */
    int extremum;        /* it keeps the largest (1) or smallest (-1) value and its index */
    char *ext_value, *ext_index; /* those two variables */
    char *maxes, *mins;  /* ",m," the variables it only raises (lowers) to a value it meets:
                          * `if (e > m) m = e;`, reduced with MPI_MAX (MPI_MIN), or NULL */
    char *rows;          /* "\x1fname\x1ebase\x1ewidth" entries: the gather of an array it writes in rows
                          * of that width (or from base + c) is mpi_allgather_share(base, width, ...) */
    char *written;       /* ",a,b," every name it writes (arrays and variables) */
    char *merges;        /* ",a," arrays it stores elements of that chatmpi merges over the ranks
                          * (mpi_merge_begin at its answer's start), or NULL */
    char *merge_end;     /* the code that ends their merge, after the rewrite */
};

struct frame {
    char *src;                /* the marked program (owned) */
    struct frame_loop *loops; /* in source order */
    size_t n;
    size_t main_body;         /* the offset just after main's `{` */
    size_t prolog_at;         /* where the helpers go: after the last top-level #include */
    char lo[16], hi[16];      /* the bounds' names: lo and hi, or mpi_lo and mpi_hi when the
                               * program has a lo or hi of its own */
};

/* From a program marked by hotloops_mark. CM_EFORMAT (with why) when it cannot be lexed, has
 * no main function or no marked loop. */
int frame_build(struct frame *f, const char *marked_src);
void frame_release(struct frame *f);

/* The question for loop j: the frame's rules, the program with only loop j marked, the loop.
 * Caller frees. */
char *frame_question(const struct frame *f, size_t j);

/* Loop j's rewrite in an answer (frame_fragment.c; the answer begins with f->prefix): the
 * code block's text up to the end of its last communicating statement, with #include lines dropped, a line that
 * communicates a variable the loop does not name dropped (a copy of the question's example),
 * and MPI_Allreduce(&x, &x, ...) made MPI_Allreduce(MPI_IN_PLACE, &x, ...); NULL with *why
 * when there is none, it is a whole program or it does not call mpi_share. Caller frees. */
char *frame_fragment(const struct frame *f, size_t j, const char *answer, const char **why);

/* The MPI program: the helpers, MPI set up at the start of main, each loop replaced by its
 * rewrite (frags[j], in a block of its own). Caller frees. */
char *frame_program(const struct frame *f, char *const *frags);

#endif
