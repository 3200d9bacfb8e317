/* dist.h — data-parallel training across processes: who am I (rank, size), sum a buffer
 * over every rank (the gradients, the loss), broadcast rank 0's state, barrier, abort.
 *
 * The one implementation (dist.c) is MPI, and MPI is initialized only when the process was
 * started by a launcher (mpirun/mpiexec, srun): tr_dist_launched() looks for the variables
 * they set (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE). A plain `chatmpi train` never
 * initializes MPI; it runs as rank 0 of 1 and every call below is a no-op. The harness, which
 * runs mpirun on generated programs, never touches this module.
 *
 * A later backend (NCCL on GPUs) replaces dist.c behind the same functions; the trainer
 * only sees struct tr_dist and these calls.
 * Left out: model or pipeline parallelism, overlapping the all-reduce with backward,
 * communicators other than the world. */
#ifndef CM_TRAIN_DIST_H
#define CM_TRAIN_DIST_H

#include <stddef.h>

struct tr_dist {
    int rank, size;     /* 0 and 1 when alone */
    int local_size;     /* ranks on this machine (they share its memory) */
    int active;         /* MPI was initialized by tr_dist_init */
};

/* 1 when a launcher started this process with more than one rank or over PMI/PMIx. */
int tr_dist_launched(void);
/* Alone (rank 0 of 1, nothing initialized) unless tr_dist_launched(); then MPI_Init_thread
 * (funneled: only the main thread calls MPI). CM_EENV when the launcher announced N ranks
 * but MPI sees another number (a launcher of another MPI than the one chatmpi is built with). */
int tr_dist_init(struct tr_dist *d);
/* In place: buf[i] = sum over ranks of buf[i], the same on every rank. */
int tr_dist_sum_f32(const struct tr_dist *d, float *buf, size_t n);
int tr_dist_sum_f64(const struct tr_dist *d, double *buf, size_t n);
/* Rank 0's n bytes at buf to every rank. */
int tr_dist_bcast(const struct tr_dist *d, void *buf, size_t n);
/* 1 on every rank when all ranks pass the same 64-bit value, 0 otherwise (or CM_E*). */
int tr_dist_same_u64(const struct tr_dist *d, unsigned long long v);
int tr_dist_barrier(const struct tr_dist *d);
/* Ends every rank of the job with exit status code (MPI_Abort); returns only when alone. */
void tr_dist_abort(const struct tr_dist *d, int code);
/* MPI_Finalize when active; d becomes alone again. */
void tr_dist_finalize(struct tr_dist *d);

#endif
