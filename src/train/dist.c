/* dist.c — data-parallel communication over MPI (see dist.h). Open MPI's errors stay fatal
 * (MPI_ERRORS_ARE_FATAL): a failed collective ends the whole job with Open MPI's message.
 * Buffers larger than INT_MAX elements go in pieces.
 * Left out: non-blocking collectives, GPU buffers. */
#include "train/dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* A positive integer from the environment, or 0. */
static long env_count(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    char *end;
    long x = strtol(v, &end, 10);
    return *end || x < 0 ? 0 : x;
}

int tr_dist_launched(void)
{
    return env_count("OMPI_COMM_WORLD_SIZE") > 0 || getenv("PMIX_RANK") || env_count("PMI_SIZE") > 0;
}

int tr_dist_init(struct tr_dist *d)
{
    memset(d, 0, sizeof(*d));
    d->size = d->local_size = 1;
    if (!tr_dist_launched()) return 0;
    int provided, inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return cm_error_set(CM_EENV, "cannot initialize MPI");
    d->active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    long want = env_count("OMPI_COMM_WORLD_SIZE");
    if (!want) want = env_count("PMI_SIZE");
    if (want && want != d->size) {
        cm_error_set(CM_EENV, "the launcher started %ld ranks but MPI sees %d", want, d->size);
        cm_error_hint("chatmpi is built with Open MPI: launch it with Open MPI's mpirun (or srun --mpi=pmix)");
        return CM_EENV;
    }
    MPI_Comm local;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
        MPI_Comm_size(local, &d->local_size);
        MPI_Comm_free(&local);
    }
    return 0;
}

static int sum(const struct tr_dist *d, void *buf, size_t n, size_t elem, MPI_Datatype type)
{
    if (!d || !d->active || d->size == 1) return 0;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (size_t)INT_MAX ? n - done : (size_t)INT_MAX;
        if (MPI_Allreduce(MPI_IN_PLACE, (char *)buf + done * elem, (int)k, type, MPI_SUM, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return cm_error_set(CM_EENV, "MPI_Allreduce of %zu values failed", k);
        done += k;
    }
    return 0;
}

int tr_dist_sum_f32(const struct tr_dist *d, float *buf, size_t n)
{
    return sum(d, buf, n, sizeof(float), MPI_FLOAT);
}

int tr_dist_sum_f64(const struct tr_dist *d, double *buf, size_t n)
{
    return sum(d, buf, n, sizeof(double), MPI_DOUBLE);
}

int tr_dist_bcast(const struct tr_dist *d, void *buf, size_t n)
{
    if (!d || !d->active || d->size == 1) return 0;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (size_t)INT_MAX ? n - done : (size_t)INT_MAX;
        if (MPI_Bcast((char *)buf + done, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            return cm_error_set(CM_EENV, "MPI_Bcast of %zu bytes failed", k);
        done += k;
    }
    return 0;
}

int tr_dist_same_u64(const struct tr_dist *d, unsigned long long v)
{
    if (!d || !d->active || d->size == 1) return 1;
    unsigned long long lo = v, hi = v;
    if (MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS ||
        MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return cm_error_set(CM_EENV, "MPI_Allreduce of a checksum failed");
    return lo == hi;
}

int tr_dist_barrier(const struct tr_dist *d)
{
    if (!d || !d->active || d->size == 1) return 0;
    return MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : cm_error_set(CM_EENV, "MPI_Barrier failed");
}

void tr_dist_abort(const struct tr_dist *d, int code)
{
    if (d && d->active) MPI_Abort(MPI_COMM_WORLD, code);
}

void tr_dist_finalize(struct tr_dist *d)
{
    if (d->active) {
        int fin = 0;
        MPI_Finalized(&fin);
        if (!fin) MPI_Finalize();
    }
    memset(d, 0, sizeof(*d));
    d->size = d->local_size = 1;
}
