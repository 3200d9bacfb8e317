/* hotloops.h — where a sequential program spends its time, and the program with the loops to
 * split marked for the model.
 *
 * hotloops_profile runs the program once under gcov (gcc --coverage -O0, the given arguments)
 * and reads how many times each line ran. hotloops_mark then picks the loops to split: among
 * the outermost loops, those that do at least a quarter of the work of the busiest; a loop
 * that holds other loops and writes no array element indexed by its own variable (a
 * repetition, time-step or solver-iteration loop; every while and do loop) is not split
 * itself: its inner loops that do at least a tenth of its work are considered in its place.
 * Each chosen loop gets HOTLOOPS_MARK on the line above it, indented like it; nothing else in
 * the program changes. */
#ifndef CM_HOTLOOPS_H
#define CM_HOTLOOPS_H

#include <stddef.h>

#define HOTLOOPS_MARK "/* MPI: split this loop over the ranks */"

/* counts[k] for line k + 1: how many times it ran; -1 for a line with no code. */
struct hotloops_counts {
    long long *v;
    size_t n;
};
void hotloops_counts_release(struct hotloops_counts *c);

/* Compiles src (a C file) with gcc --coverage in a temporary directory, runs it with args
 * (whitespace-split; may be NULL) for at most timeout_s seconds and reads gcov's line counts.
 * CM_EENV when gcc or gcov is missing, CM_EFORMAT when the program does not build, CM_EIO
 * when it fails or times out (the message says which). */
int hotloops_profile(struct hotloops_counts *out, const char *src_path, const char *args, double timeout_s);

/* The program src with the chosen loops marked (the caller's), and how many were marked in
 * *n_marked (0: the program comes back unchanged). CM_EFORMAT when src cannot be lexed. */
int hotloops_mark(char **out, size_t *n_marked, const char *src, const struct hotloops_counts *c);

#endif
