/* augment.h — source-to-source variants of a corpus case (seq.c + mpi.c), for training data.
 *
 * Every transformation is applied to both programs of a case the same way, on tokens from a
 * real lexer (clex.h), so strings, comments, #include lines and macros from headers are
 * never touched:
 *   AUG_RENAME  user-declared identifiers (variables, functions, parameters, struct fields)
 *               renamed with natural names (n -> len, u -> field, rank -> me, ...); never
 *               keywords, main/argc/argv, MPI_*, library names, macro names, typedef names;
 *   AUG_LOOPS   loop indices renamed by one scheme (i,j,k -> r,c,t / ii,jj,kk / row,col,...);
 *   AUG_SIZES   the defaults of `argc > K ? strtol(argv[K], ...) : DEFAULT` changed (the same
 *               argument gets the same new default in both programs; large ones only shrink);
 *   AUG_FLOAT   a double program made single precision: types, MPI_DOUBLE, DBL_/HUGE_VAL,
 *               strtod, libm names (sqrt -> sqrtf), literals (0.5 -> 0.5f), printf precisions
 *               (%.12e -> %.6e); the caller relaxes the tolerances (AUG_FLOAT_RTOL/ATOL);
 *   AUG_FORMAT  layout only: indentation (2/4/8 spaces or tabs), brace placement (K&R, Allman,
 *               attached), `if (` vs `if(`; the token sequence is checked to be unchanged;
 *   AUG_FORMULA one constant or operator of a floating-point formula that both programs share
 *               (augment_formula.c): the only transformation that changes what the programs
 *               compute, so it is never drawn unless named (AUG_ALL leaves it out).
 * All choices come from a seed: the same seed gives the same bytes.
 * Deliberately leaves out verification (the caller runs the harness) and any semantic change
 * but AUG_FORMULA's: names in comments keep their old spelling, and no statement is reordered.
 */
#ifndef CM_AUGMENT_H
#define CM_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

enum aug_what {
    AUG_RENAME = 1u << 0,
    AUG_LOOPS = 1u << 1,
    AUG_SIZES = 1u << 2,
    AUG_FLOAT = 1u << 3,
    AUG_FORMAT = 1u << 4,
    AUG_ALL = (1u << 5) - 1, /* every transformation that keeps the computation */
    AUG_FORMULA = 1u << 5,
};

#define AUG_FLOAT_RTOL 1e-4
#define AUG_FLOAT_ATOL 1e-5

struct aug_variant {
    char *seq, *mpi;  /* owned */
    unsigned applied; /* the transformations that changed something */
    char *notes;      /* owned: "rename (n->len, ...); format (allman braces, tab indent)" */
};

void aug_variant_init(struct aug_variant *v);
void aug_variant_release(struct aug_variant *v);

/* Applies exactly the transformations in `what` to the pair, choices drawn from `seed`.
 * Returns 0, or CM_EFORMAT (message set) when a program cannot be lexed. A transformation with
 * nothing to act on is skipped silently (it is then missing from v->applied). */
int aug_variant_make(struct aug_variant *v, const char *seq, const char *mpi, unsigned what, uint64_t seed);

/* A deterministic seed for attempt `attempt` of variant k of the case `id` under the run seed:
 * independent of which other cases are processed. */
uint64_t aug_case_seed(uint64_t seed, const char *id, unsigned k, unsigned attempt);
/* A random non-empty subset of `allowed` (AUG_FLOAT only when allow_float). */
unsigned aug_pick_what(uint64_t seed, unsigned allowed, int allow_float);
/* splitmix64: advances *state and returns the next value. */
uint64_t aug_rng_next(uint64_t *state);

/* The names a renaming may change in one program (declared by it, not macro, typedef, tag,
 * main/argc/argv or MPI_ names), in order of first declaration, appended to declared; every
 * identifier the program uses (directives included) appended to all; the object-like macros
 * it defines with a value (`#define N 100`; not `#define F(x) ...`, not an empty
 * `#define GUARD_H`), in order, appended to macros unless it is NULL. CM_EFORMAT when the
 * text does not lex. */
struct cm_strlist;
int aug_program_names(const char *text, struct cm_strlist *declared, struct cm_strlist *all,
                      struct cm_strlist *macros);

/* AUG_FORMULA alone (augment_formula.c), on the texts: one site drawn with *rng among the
 * floating-point formulas both programs share, changed in both. *seq_out, *mpi_out and *note
 * (owned by the caller) stay NULL when there is no such site or a text does not lex. */
int aug_formula(char **seq_out, char **mpi_out, char **note, const char *seq, const char *mpi, uint64_t *rng);

/* Parses "rename,loops,sizes,float,format,formula" (or "all": all but formula) into a mask. CM_EINVAL on an unknown name. */
int aug_parse_what(unsigned *out, const char *list);
/* "rename,loops,..." for a mask, into buf. */
void aug_what_names(char *buf, size_t n, unsigned what);

/* Formatting alone (augment_format.c). indent: 0 = one tab, else that many spaces.
 * braces: AUG_BRACES_*. kw_space: 1 "if (", 0 "if(". *out owned by the caller. */
enum { AUG_BRACES_KR = 0, AUG_BRACES_ALLMAN, AUG_BRACES_ATTACH };
struct aug_style {
    int indent, braces, kw_space;
};
int aug_format(char **out, const char *src, const struct aug_style *st);
/* Single-precision printf formats: "%.12e" -> "%.6e", "%.15g" -> "%.7g"; *out owned. */
char *aug_float_formats(const char *literal, size_t len);

#endif
