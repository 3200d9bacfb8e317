/* profile.h — reads the per-rank files that chatmpi's PMPI profiler
 * (src/harness/profiler/chatmpi_pmpi.c) writes at MPI_Finalize, and hands out that
 * profiler's source so the harness can compile it next to a program with the user's mpicc.
 *
 * File format (docs/profiler.md): "<dir>/chatmpi-prof.<rank>.txt", plain text, one record
 * a line, single spaces:
 *     chatmpi-prof 1                         magic and version, first line
 *     rank R / size P                        this rank in MPI_COMM_WORLD, and its size
 *     mpi_time T / total_time T              seconds inside MPI, seconds Init..Finalize
 *     p2p_msgs N / p2p_bytes B               point-to-point messages and bytes sent
 *     coll_calls N / coll_bytes B            collective calls and bytes
 *     op NAME calls N bytes B time T         per operation, only those called
 *     end                                    last line (a truncated file is an error)
 * Every key above appears exactly once; the op bytes add up to p2p_bytes + coll_bytes.
 */
#ifndef CM_HARNESS_PROFILE_H
#define CM_HARNESS_PROFILE_H

#include <stddef.h>

#define PROF_MAGIC "chatmpi-prof"
#define PROF_VERSION 1
#define PROF_MAX_RANKS 65536

struct prof_op {
    char name[32]; /* e.g. "MPI_Allreduce" */
    unsigned long long calls, bytes;
    double time_s;
};

struct prof_rank {
    int rank, size;
    double mpi_time_s, total_time_s;
    unsigned long long p2p_msgs, p2p_bytes, coll_calls, coll_bytes;
    struct prof_op *ops; /* owned; in file order */
    size_t n_ops;
};

struct prof_run {
    int n_ranks;
    struct prof_rank *ranks; /* owned; ranks[r].rank == r */
    unsigned long long total_bytes;    /* sum over ranks of p2p_bytes + coll_bytes */
    unsigned long long max_rank_bytes; /* max over ranks of p2p_bytes + coll_bytes */
    unsigned long long total_msgs;     /* sum over ranks of p2p_msgs */
    double max_mpi_frac;               /* max over ranks of mpi_time / total_time (0 when total is 0) */
};

void prof_run_init(struct prof_run *run);
void prof_run_release(struct prof_run *run);

/* Reads "<dir>/chatmpi-prof.<r>.txt" for every rank into *out (released first; the caller
 * releases it). expected_ranks > 0 demands exactly that many ranks; 0 takes the count from
 * rank 0's "size" line. Every file is validated strictly: a missing, extra, duplicate or
 * malformed file is CM_EFORMAT (or CM_EIO) naming the file and line; *out is then empty. */
int prof_read_dir(struct prof_run *out, const char *dir, int expected_ranks);

/* Parses one file's text (name is used in messages only) into *out (caller releases with
 * prof_rank_release). */
int prof_parse_rank(struct prof_rank *out, const char *text, size_t len, const char *name);
void prof_rank_release(struct prof_rank *r);

/* The op named name (e.g. "MPI_Send") in r, or NULL; borrowed. */
const struct prof_op *prof_rank_find_op(const struct prof_rank *r, const char *name);

/* The profiler's C source, embedded at build time (borrowed, NUL-terminated); *len gets
 * its length when len is not NULL. */
const char *prof_profiler_source(size_t *len);
/* Writes the profiler source to path (atomically). */
int prof_write_profiler(const char *path);

#endif
