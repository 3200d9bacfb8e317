/* chatmpi_pmpi.c — chatmpi's PMPI communication profiler.
 *
 * The harness compiles this file with the user's own mpicc next to the program under test
 * (`mpicc -O2 prog.c chatmpi_pmpi.c -lm`). Its MPI_* definitions take the place of the
 * library's and forward to PMPI_*, counting on the way. Per rank it records, for every
 * wrapped operation: calls, bytes and the wall time spent inside it (PMPI_Wtime around the
 * PMPI call); and in total: point-to-point messages and bytes sent, collective calls and
 * bytes, the time inside MPI and the time from MPI_Init's return to MPI_Finalize's entry.
 * At MPI_Finalize, if CHATMPI_PROFILE_DIR is set, rank R writes
 * "$CHATMPI_PROFILE_DIR/chatmpi-prof.R.txt" (through a temporary name and rename, so a
 * reader never sees half a file); unset, nothing is written. A directory that cannot be
 * written is skipped silently: the profiler never prints, never exits, never changes what
 * the program does or prints.
 *
 * Byte convention (docs/profiler.md says the same):
 *   point-to-point: a send to a real destination is one message of count * type size bytes;
 *     a send to MPI_PROC_NULL is a call but no message. Receives record calls and time only
 *     (bytes 0): every byte is counted once, at its sender. Persistent sends count their
 *     message and bytes at each MPI_Start / MPI_Startall, not at MPI_Send_init.
 *   collectives: the bytes of this rank's send-side buffer as the operation uses them, the
 *     same whether or not MPI_IN_PLACE is passed:
 *       Bcast/Ibcast count*size on every rank (root and receivers);
 *       Reduce/Ireduce/Allreduce/Iallreduce/Scan/Exscan count*size on every rank;
 *       Reduce_scatter sum(recvcounts)*size; Reduce_scatter_block recvcount*P*size;
 *       Gather/Allgather sendcount*size (in place: recvcount*recvsize);
 *       Gatherv/Allgatherv sendcount*size (in place: recvcounts[rank]*recvsize);
 *       Scatter sendcount*P*size at the root, 0 elsewhere; Scatterv sum(sendcounts)*size at
 *       the root, 0 elsewhere; Alltoall sendcount*P*size; Alltoallv sum(sendcounts)*size;
 *       Barrier/Ibarrier 0.
 *     P is the communicator size (the remote group's size on an intercommunicator); ranks
 *     passing MPI_PROC_NULL as root count 0, and so does MPI_ROOT for Reduce and Gather(v).
 *   A call that returns an error counts as a call with no messages and no bytes.
 *
 * Left out on purpose: one-sided (MPI_Put/Get), the large-count MPI_*_c variants, the
 * other nonblocking collectives, neighbourhood collectives, MPI-IO, and atomic counters:
 * a program that calls MPI from several threads at once may get slightly low counts.
 * MPI_Init and MPI_Finalize are wrapped for the clock and the file, not listed as ops.
 * All file-scope names other than the MPI_* wrappers are static, so nothing here can clash
 * with the program's own symbols. Written to compile warning-free with -Wall -Wextra
 * against Open MPI 4.1 and MPICH 4 (MPI-3 const signatures), C99 or later.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { CMP_P2P, CMP_COLL, CMP_WAIT };

/* The table of wrapped operations: name (without MPI_) and kind. */
#define CMP_OPS(X)                                                                          \
    X(Send, CMP_P2P) X(Ssend, CMP_P2P) X(Bsend, CMP_P2P) X(Rsend, CMP_P2P)                  \
    X(Isend, CMP_P2P) X(Issend, CMP_P2P) X(Ibsend, CMP_P2P) X(Irsend, CMP_P2P)              \
    X(Sendrecv, CMP_P2P) X(Sendrecv_replace, CMP_P2P) X(Recv, CMP_P2P) X(Irecv, CMP_P2P)    \
    X(Send_init, CMP_P2P) X(Ssend_init, CMP_P2P) X(Bsend_init, CMP_P2P)                     \
    X(Rsend_init, CMP_P2P) X(Recv_init, CMP_P2P) X(Start, CMP_P2P) X(Startall, CMP_P2P)     \
    X(Bcast, CMP_COLL) X(Reduce, CMP_COLL) X(Allreduce, CMP_COLL) X(Gather, CMP_COLL)       \
    X(Gatherv, CMP_COLL) X(Scatter, CMP_COLL) X(Scatterv, CMP_COLL) X(Allgather, CMP_COLL)  \
    X(Allgatherv, CMP_COLL) X(Alltoall, CMP_COLL) X(Alltoallv, CMP_COLL)                    \
    X(Reduce_scatter, CMP_COLL) X(Reduce_scatter_block, CMP_COLL) X(Scan, CMP_COLL)         \
    X(Exscan, CMP_COLL) X(Barrier, CMP_COLL) X(Ibcast, CMP_COLL) X(Ireduce, CMP_COLL)       \
    X(Iallreduce, CMP_COLL) X(Ibarrier, CMP_COLL)                                           \
    X(Wait, CMP_WAIT) X(Waitall, CMP_WAIT) X(Waitany, CMP_WAIT) X(Waitsome, CMP_WAIT)       \
    X(Test, CMP_WAIT) X(Testall, CMP_WAIT) X(Testany, CMP_WAIT) X(Testsome, CMP_WAIT)       \
    X(Probe, CMP_WAIT) X(Iprobe, CMP_WAIT)

#define CMP_ENUM(name, kind) CMP_OP_##name,
enum { CMP_OPS(CMP_ENUM) CMP_NOPS };
#define CMP_ROW(name, kind) {"MPI_" #name, kind},
static const struct {
    const char *name;
    int kind;
} cmp_table[CMP_NOPS] = {CMP_OPS(CMP_ROW)};

static struct {
    unsigned long long calls, bytes;
    double time;
} cmp_stat[CMP_NOPS];
static unsigned long long cmp_p2p_msgs, cmp_p2p_bytes, cmp_coll_calls, cmp_coll_bytes;
static double cmp_mpi_time, cmp_t_init;

/* Persistent send requests: handle -> the message they send at each start. */
static struct cmp_persist {
    MPI_Request req;
    unsigned long long msgs, bytes;
} *cmp_persist;
static size_t cmp_n_persist, cmp_cap_persist;

static void cmp_record(int op, double dt, unsigned long long msgs, unsigned long long bytes)
{
    if (dt < 0) dt = 0; /* a clock that steps back never makes negative time */
    cmp_stat[op].calls++;
    cmp_stat[op].bytes += bytes;
    cmp_stat[op].time += dt;
    cmp_mpi_time += dt;
    if (cmp_table[op].kind == CMP_P2P) {
        cmp_p2p_msgs += msgs;
        cmp_p2p_bytes += bytes;
    } else if (cmp_table[op].kind == CMP_COLL) {
        cmp_coll_calls++;
        cmp_coll_bytes += bytes;
    }
}

/* Runs CALL timed, records OP with MSGS and BYTES (evaluated only after success), returns. */
#define CMP_WRAP(op, call, msgs, bytes)                                                     \
    double cmp_t0 = PMPI_Wtime();                                                           \
    int cmp_rc = (call);                                                                    \
    double cmp_dt = PMPI_Wtime() - cmp_t0;                                                  \
    if (cmp_rc == MPI_SUCCESS)                                                              \
        cmp_record(op, cmp_dt, (msgs), (bytes));                                            \
    else                                                                                    \
        cmp_record(op, cmp_dt, 0, 0);                                                       \
    return cmp_rc

static unsigned long long cmp_bytes(int count, MPI_Datatype dt)
{
    int size = 0;
    if (count <= 0 || dt == MPI_DATATYPE_NULL) return 0;
    if (PMPI_Type_size(dt, &size) != MPI_SUCCESS || size <= 0) return 0;
    return (unsigned long long)count * (unsigned long long)size;
}

static unsigned long long cmp_bytes_v(const int *counts, int n, MPI_Datatype dt)
{
    unsigned long long sum = 0;
    int i;
    if (!counts) return 0;
    for (i = 0; i < n; i++) sum += cmp_bytes(counts[i], dt);
    return sum;
}

static int cmp_is_inter(MPI_Comm comm)
{
    int inter = 0;
    if (PMPI_Comm_test_inter(comm, &inter) != MPI_SUCCESS) return 0;
    return inter;
}

static int cmp_rank(MPI_Comm comm)
{
    int r = -1;
    if (PMPI_Comm_rank(comm, &r) != MPI_SUCCESS) return -1;
    return r;
}

/* The number of ranks a per-rank send block goes to: remote group size on intercomms. */
static int cmp_peers(MPI_Comm comm)
{
    int n = 0;
    if (cmp_is_inter(comm)) {
        if (PMPI_Comm_remote_size(comm, &n) != MPI_SUCCESS) return 0;
    } else if (PMPI_Comm_size(comm, &n) != MPI_SUCCESS) {
        return 0;
    }
    return n;
}

static int cmp_local_size(MPI_Comm comm)
{
    int n = 0;
    if (PMPI_Comm_size(comm, &n) != MPI_SUCCESS) return 0;
    return n;
}

/* Does this rank hold the root's send buffer of a rooted collective? */
static int cmp_is_root(int root, MPI_Comm comm)
{
    if (root == MPI_ROOT) return 1;
    if (root == MPI_PROC_NULL || cmp_is_inter(comm)) return 0;
    return root == cmp_rank(comm);
}

/* Is this rank a contributor (not the receiving root group) of an all-to-one collective? */
static int cmp_contributes(int root)
{
    return root != MPI_ROOT && root != MPI_PROC_NULL;
}

static unsigned long long cmp_msg(int dest) { return dest == MPI_PROC_NULL ? 0 : 1; }

static void cmp_persist_add(MPI_Request req, unsigned long long msgs, unsigned long long bytes)
{
    if (cmp_n_persist == cmp_cap_persist) {
        size_t cap = cmp_cap_persist ? 2 * cmp_cap_persist : 16;
        struct cmp_persist *p = realloc(cmp_persist, cap * sizeof(*p));
        if (!p) return; /* out of memory: this request's starts go uncounted */
        cmp_persist = p;
        cmp_cap_persist = cap;
    }
    cmp_persist[cmp_n_persist].req = req;
    cmp_persist[cmp_n_persist].msgs = msgs;
    cmp_persist[cmp_n_persist].bytes = bytes;
    cmp_n_persist++;
}

static struct cmp_persist *cmp_persist_find(MPI_Request req)
{
    size_t i;
    if (req == MPI_REQUEST_NULL) return NULL;
    for (i = 0; i < cmp_n_persist; i++)
        if (cmp_persist[i].req == req) return &cmp_persist[i];
    return NULL;
}

/* ---- point-to-point ---------------------------------------------------------------- */

#define CMP_SEND(NAME)                                                                      \
    int MPI_##NAME(const void *buf, int count, MPI_Datatype dt, int dest, int tag,          \
                   MPI_Comm comm)                                                           \
    {                                                                                       \
        CMP_WRAP(CMP_OP_##NAME, PMPI_##NAME(buf, count, dt, dest, tag, comm), cmp_msg(dest), \
                 cmp_msg(dest) * cmp_bytes(count, dt));                                     \
    }
#define CMP_ISEND(NAME)                                                                     \
    int MPI_##NAME(const void *buf, int count, MPI_Datatype dt, int dest, int tag,          \
                   MPI_Comm comm, MPI_Request *req)                                         \
    {                                                                                       \
        CMP_WRAP(CMP_OP_##NAME, PMPI_##NAME(buf, count, dt, dest, tag, comm, req),          \
                 cmp_msg(dest), cmp_msg(dest) * cmp_bytes(count, dt));                      \
    }
#define CMP_SEND_INIT(NAME)                                                                 \
    int MPI_##NAME(const void *buf, int count, MPI_Datatype dt, int dest, int tag,          \
                   MPI_Comm comm, MPI_Request *req)                                         \
    {                                                                                       \
        double cmp_t0 = PMPI_Wtime();                                                       \
        int cmp_rc = PMPI_##NAME(buf, count, dt, dest, tag, comm, req);                     \
        cmp_record(CMP_OP_##NAME, PMPI_Wtime() - cmp_t0, 0, 0);                             \
        if (cmp_rc == MPI_SUCCESS)                                                          \
            cmp_persist_add(*req, cmp_msg(dest), cmp_msg(dest) * cmp_bytes(count, dt));     \
        return cmp_rc;                                                                      \
    }

CMP_SEND(Send)
CMP_SEND(Ssend)
CMP_SEND(Bsend)
CMP_SEND(Rsend)
CMP_ISEND(Isend)
CMP_ISEND(Issend)
CMP_ISEND(Ibsend)
CMP_ISEND(Irsend)
CMP_SEND_INIT(Send_init)
CMP_SEND_INIT(Ssend_init)
CMP_SEND_INIT(Bsend_init)
CMP_SEND_INIT(Rsend_init)

int MPI_Recv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    CMP_WRAP(CMP_OP_Recv, PMPI_Recv(buf, count, dt, src, tag, comm, status), 0, 0);
}

int MPI_Irecv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Irecv, PMPI_Irecv(buf, count, dt, src, tag, comm, req), 0, 0);
}

int MPI_Recv_init(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm,
                  MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Recv_init, PMPI_Recv_init(buf, count, dt, src, tag, comm, req), 0, 0);
}

int MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype stype, int dest, int stag,
                 void *rbuf, int rcount, MPI_Datatype rtype, int src, int rtag, MPI_Comm comm,
                 MPI_Status *status)
{
    CMP_WRAP(CMP_OP_Sendrecv,
             PMPI_Sendrecv(sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, src, rtag, comm,
                           status),
             cmp_msg(dest), cmp_msg(dest) * cmp_bytes(scount, stype));
}

int MPI_Sendrecv_replace(void *buf, int count, MPI_Datatype dt, int dest, int stag, int src,
                         int rtag, MPI_Comm comm, MPI_Status *status)
{
    CMP_WRAP(CMP_OP_Sendrecv_replace,
             PMPI_Sendrecv_replace(buf, count, dt, dest, stag, src, rtag, comm, status),
             cmp_msg(dest), cmp_msg(dest) * cmp_bytes(count, dt));
}

int MPI_Start(MPI_Request *req)
{
    struct cmp_persist *p = cmp_persist_find(*req);
    unsigned long long msgs = p ? p->msgs : 0, bytes = p ? p->bytes : 0;
    CMP_WRAP(CMP_OP_Start, PMPI_Start(req), msgs, bytes);
}

int MPI_Startall(int n, MPI_Request reqs[])
{
    unsigned long long msgs = 0, bytes = 0;
    int i;
    for (i = 0; i < n; i++) {
        struct cmp_persist *p = cmp_persist_find(reqs[i]);
        if (p) msgs += p->msgs, bytes += p->bytes;
    }
    CMP_WRAP(CMP_OP_Startall, PMPI_Startall(n, reqs), msgs, bytes);
}

/* Not counted as an op; forgets a persistent request so a reused handle is not miscounted. */
int MPI_Request_free(MPI_Request *req)
{
    struct cmp_persist *p = cmp_persist_find(*req);
    if (p) *p = cmp_persist[--cmp_n_persist];
    return PMPI_Request_free(req);
}

/* ---- collectives (bytes: see the convention at the top) ----------------------------- */

int MPI_Bcast(void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Bcast, PMPI_Bcast(buf, count, dt, root, comm), 0,
             root == MPI_PROC_NULL ? 0 : cmp_bytes(count, dt));
}

int MPI_Ibcast(void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm, MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Ibcast, PMPI_Ibcast(buf, count, dt, root, comm, req), 0,
             root == MPI_PROC_NULL ? 0 : cmp_bytes(count, dt));
}

int MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op, int root,
               MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Reduce, PMPI_Reduce(sbuf, rbuf, count, dt, op, root, comm), 0,
             cmp_contributes(root) ? cmp_bytes(count, dt) : 0);
}

int MPI_Ireduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op, int root,
                MPI_Comm comm, MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Ireduce, PMPI_Ireduce(sbuf, rbuf, count, dt, op, root, comm, req), 0,
             cmp_contributes(root) ? cmp_bytes(count, dt) : 0);
}

int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op,
                  MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Allreduce, PMPI_Allreduce(sbuf, rbuf, count, dt, op, comm), 0,
             cmp_bytes(count, dt));
}

int MPI_Iallreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op,
                   MPI_Comm comm, MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Iallreduce, PMPI_Iallreduce(sbuf, rbuf, count, dt, op, comm, req), 0,
             cmp_bytes(count, dt));
}

int MPI_Scan(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Scan, PMPI_Scan(sbuf, rbuf, count, dt, op, comm), 0, cmp_bytes(count, dt));
}

int MPI_Exscan(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op,
               MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Exscan, PMPI_Exscan(sbuf, rbuf, count, dt, op, comm), 0,
             cmp_bytes(count, dt));
}

int MPI_Reduce_scatter(const void *sbuf, void *rbuf, const int rcounts[], MPI_Datatype dt,
                       MPI_Op op, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Reduce_scatter, PMPI_Reduce_scatter(sbuf, rbuf, rcounts, dt, op, comm), 0,
             cmp_bytes_v(rcounts, cmp_local_size(comm), dt));
}

int MPI_Reduce_scatter_block(const void *sbuf, void *rbuf, int rcount, MPI_Datatype dt,
                             MPI_Op op, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Reduce_scatter_block,
             PMPI_Reduce_scatter_block(sbuf, rbuf, rcount, dt, op, comm), 0,
             cmp_bytes(rcount, dt) * (unsigned long long)cmp_local_size(comm));
}

int MPI_Gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
               MPI_Datatype rtype, int root, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Gather, PMPI_Gather(sbuf, scount, stype, rbuf, rcount, rtype, root, comm), 0,
             !cmp_contributes(root)    ? 0
             : sbuf == MPI_IN_PLACE ? cmp_bytes(rcount, rtype)
                                    : cmp_bytes(scount, stype));
}

int MPI_Gatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Gatherv,
             PMPI_Gatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, root, comm), 0,
             !cmp_contributes(root) ? 0
             : sbuf == MPI_IN_PLACE ? (rcounts ? cmp_bytes(rcounts[cmp_rank(comm)], rtype) : 0)
                                    : cmp_bytes(scount, stype));
}

int MPI_Allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Allgather, PMPI_Allgather(sbuf, scount, stype, rbuf, rcount, rtype, comm),
             0, sbuf == MPI_IN_PLACE ? cmp_bytes(rcount, rtype) : cmp_bytes(scount, stype));
}

int MPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                   const int rcounts[], const int displs[], MPI_Datatype rtype, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Allgatherv,
             PMPI_Allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm), 0,
             sbuf == MPI_IN_PLACE ? (rcounts ? cmp_bytes(rcounts[cmp_rank(comm)], rtype) : 0)
                                  : cmp_bytes(scount, stype));
}

int MPI_Scatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Scatter,
             PMPI_Scatter(sbuf, scount, stype, rbuf, rcount, rtype, root, comm), 0,
             cmp_is_root(root, comm)
                 ? cmp_bytes(scount, stype) * (unsigned long long)cmp_peers(comm)
                 : 0);
}

int MPI_Scatterv(const void *sbuf, const int scounts[], const int displs[], MPI_Datatype stype,
                 void *rbuf, int rcount, MPI_Datatype rtype, int root, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Scatterv,
             PMPI_Scatterv(sbuf, scounts, displs, stype, rbuf, rcount, rtype, root, comm), 0,
             cmp_is_root(root, comm) ? cmp_bytes_v(scounts, cmp_peers(comm), stype) : 0);
}

int MPI_Alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Alltoall, PMPI_Alltoall(sbuf, scount, stype, rbuf, rcount, rtype, comm), 0,
             (sbuf == MPI_IN_PLACE ? cmp_bytes(rcount, rtype) : cmp_bytes(scount, stype)) *
                 (unsigned long long)cmp_peers(comm));
}

int MPI_Alltoallv(const void *sbuf, const int scounts[], const int sdispls[], MPI_Datatype stype,
                  void *rbuf, const int rcounts[], const int rdispls[], MPI_Datatype rtype,
                  MPI_Comm comm)
{
    CMP_WRAP(CMP_OP_Alltoallv,
             PMPI_Alltoallv(sbuf, scounts, sdispls, stype, rbuf, rcounts, rdispls, rtype, comm),
             0,
             sbuf == MPI_IN_PLACE ? cmp_bytes_v(rcounts, cmp_peers(comm), rtype)
                                  : cmp_bytes_v(scounts, cmp_peers(comm), stype));
}

int MPI_Barrier(MPI_Comm comm) { CMP_WRAP(CMP_OP_Barrier, PMPI_Barrier(comm), 0, 0); }

int MPI_Ibarrier(MPI_Comm comm, MPI_Request *req)
{
    CMP_WRAP(CMP_OP_Ibarrier, PMPI_Ibarrier(comm, req), 0, 0);
}

/* ---- completion and probing: calls and time ---------------------------------------- */

int MPI_Wait(MPI_Request *req, MPI_Status *st) { CMP_WRAP(CMP_OP_Wait, PMPI_Wait(req, st), 0, 0); }

int MPI_Waitall(int n, MPI_Request reqs[], MPI_Status sts[])
{
    CMP_WRAP(CMP_OP_Waitall, PMPI_Waitall(n, reqs, sts), 0, 0);
}

int MPI_Waitany(int n, MPI_Request reqs[], int *idx, MPI_Status *st)
{
    CMP_WRAP(CMP_OP_Waitany, PMPI_Waitany(n, reqs, idx, st), 0, 0);
}

int MPI_Waitsome(int n, MPI_Request reqs[], int *outn, int idx[], MPI_Status sts[])
{
    CMP_WRAP(CMP_OP_Waitsome, PMPI_Waitsome(n, reqs, outn, idx, sts), 0, 0);
}

int MPI_Test(MPI_Request *req, int *flag, MPI_Status *st)
{
    CMP_WRAP(CMP_OP_Test, PMPI_Test(req, flag, st), 0, 0);
}

int MPI_Testall(int n, MPI_Request reqs[], int *flag, MPI_Status sts[])
{
    CMP_WRAP(CMP_OP_Testall, PMPI_Testall(n, reqs, flag, sts), 0, 0);
}

int MPI_Testany(int n, MPI_Request reqs[], int *idx, int *flag, MPI_Status *st)
{
    CMP_WRAP(CMP_OP_Testany, PMPI_Testany(n, reqs, idx, flag, st), 0, 0);
}

int MPI_Testsome(int n, MPI_Request reqs[], int *outn, int idx[], MPI_Status sts[])
{
    CMP_WRAP(CMP_OP_Testsome, PMPI_Testsome(n, reqs, outn, idx, sts), 0, 0);
}

int MPI_Probe(int src, int tag, MPI_Comm comm, MPI_Status *st)
{
    CMP_WRAP(CMP_OP_Probe, PMPI_Probe(src, tag, comm, st), 0, 0);
}

int MPI_Iprobe(int src, int tag, MPI_Comm comm, int *flag, MPI_Status *st)
{
    CMP_WRAP(CMP_OP_Iprobe, PMPI_Iprobe(src, tag, comm, flag, st), 0, 0);
}

/* ---- lifetime and the report ------------------------------------------------------- */

int MPI_Init(int *argc, char ***argv)
{
    int rc = PMPI_Init(argc, argv);
    if (rc == MPI_SUCCESS) cmp_t_init = PMPI_Wtime();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    if (rc == MPI_SUCCESS) cmp_t_init = PMPI_Wtime();
    return rc;
}

/* Prints seconds as "S.NNNNNNNNN" with integers only, so the program's locale cannot turn
 * the decimal point into a comma. */
static void cmp_put_time(FILE *f, double s)
{
    unsigned long long ns;
    if (!(s > 0)) s = 0;
    if (s > 1e9) s = 1e9;
    ns = (unsigned long long)(s * 1e9 + 0.5);
    fprintf(f, "%llu.%09llu", ns / 1000000000ULL, ns % 1000000000ULL);
}

static void cmp_write_report(double total)
{
    const char *dir = getenv("CHATMPI_PROFILE_DIR");
    char path[4096], tmp[4160];
    int rank = 0, size = 0, n, i, bad;
    FILE *f;
    if (!dir || !*dir) return;
    if (PMPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS) return;
    if (PMPI_Comm_size(MPI_COMM_WORLD, &size) != MPI_SUCCESS) return;
    n = snprintf(path, sizeof(path), "%s/chatmpi-prof.%d.txt", dir, rank);
    if (n < 0 || (size_t)n >= sizeof(path)) return;
    n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) return;
    f = fopen(tmp, "w");
    if (!f) return;
    fprintf(f, "chatmpi-prof 1\nrank %d\nsize %d\nmpi_time ", rank, size);
    cmp_put_time(f, cmp_mpi_time);
    fputs("\ntotal_time ", f);
    cmp_put_time(f, total);
    fprintf(f, "\np2p_msgs %llu\np2p_bytes %llu\ncoll_calls %llu\ncoll_bytes %llu\n",
            cmp_p2p_msgs, cmp_p2p_bytes, cmp_coll_calls, cmp_coll_bytes);
    for (i = 0; i < CMP_NOPS; i++) {
        if (!cmp_stat[i].calls) continue;
        fprintf(f, "op %s calls %llu bytes %llu time ", cmp_table[i].name, cmp_stat[i].calls,
                cmp_stat[i].bytes);
        cmp_put_time(f, cmp_stat[i].time);
        fputc('\n', f);
    }
    fputs("end\n", f);
    bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) remove(tmp);
}

int MPI_Finalize(void)
{
    cmp_write_report(PMPI_Wtime() - cmp_t_init);
    free(cmp_persist);
    cmp_persist = NULL;
    cmp_n_persist = cmp_cap_persist = 0;
    return PMPI_Finalize();
}
