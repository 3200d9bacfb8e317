/* smooth9_mpi.c -- hand-written MPI version of ../smooth9.c (3x3 binomial blur, fixed frame).
 *
 * Row-block decomposition: the rows are split into contiguous blocks, the remainder going to the
 * first ranks (ranks beyond the row count own nothing and sit out).  Each rank stores its rows
 * plus one halo row above and below, fills its own rows from the formula, and before every pass
 * swaps its first and last row with its neighbours (MPI_Sendrecv, MPI_PROC_NULL at the top and
 * bottom of the picture).  The frame rows/columns are never written, as in the sequential code.
 * Output: MPI_Gatherv of the whole picture when small; otherwise the sum by MPI_Reduce and the
 * sample pixels by an MPI_Reduce in which only each pixel's owner contributes a non-zero. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define SHOW_ALL_LIMIT 300
#define AT(img, r, c, w) ((img)[(size_t)(r) * (size_t)(w) + (size_t)(c)])
#define NSAMPLES 17

static double original_pixel(long r, long c, long rows, long cols)
{
    double level = 200.0 * (double)(r + c) / (double)(rows + cols);
    double dr = (double)r - 0.4 * (double)rows, dc = (double)c - 0.6 * (double)cols;
    double rad = 0.25 * (double)(rows < cols ? rows : cols);
    if (dr * dr + dc * dc <= rad * rad) level += 50.0;
    unsigned long h = (unsigned long)r * 2654435761UL + (unsigned long)c * 40503UL;
    h = (h ^ (h >> 13)) * 2246822519UL;
    level += (double)((h >> 7) % 11);
    return level > 255.0 ? 255.0 : level;
}

static long first_row(long rows, int nproc, int k) { return k * (rows / nproc) + (k < rows % nproc ? k : rows % nproc); }
static long row_count(long rows, int nproc, int k) { return rows / nproc + (k < rows % nproc ? 1 : 0); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, nproc;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &nproc);

    long rows = argc > 1 ? atol(argv[1]) : 480;
    long cols = argc > 2 ? atol(argv[2]) : 640;
    long passes = argc > 3 ? atol(argv[3]) : 10;
    if (rows < 1 || cols < 1 || passes < 0) {
        if (me == 0) fprintf(stderr, "smooth9: need rows >= 1, cols >= 1, passes >= 0\n");
        MPI_Finalize();
        return 1;
    }

    long lo = first_row(rows, nproc, me), mine = row_count(rows, nproc, me);
    /* local row l (0..mine+1) is global row lo - 1 + l; l = 0 and l = mine + 1 are halos */
    size_t nloc = (size_t)(mine + 2) * (size_t)cols;
    double *pic = calloc(nloc, sizeof(double));
    double *work = calloc(nloc, sizeof(double));
    if (pic == NULL || work == NULL) {
        fprintf(stderr, "smooth9: rank %d cannot allocate its block\n", me);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long l = 1; l <= mine; l++)
        for (long c = 0; c < cols; c++)
            AT(pic, l, c, cols) = AT(work, l, c, cols) = original_pixel(lo - 1 + l, c, rows, cols);

    int up = (me > 0 && mine > 0) ? me - 1 : MPI_PROC_NULL;
    int down = (me + 1 < nproc && me + 1 < rows) ? me + 1 : MPI_PROC_NULL;
    /* local rows that get updated: global rows 1 .. rows-2 that this rank owns */
    long lbeg = lo >= 1 ? 1 : 2;
    long lend = (lo + mine - 1 <= rows - 2) ? mine : mine - 1;
    int ncols = (int)cols;

    for (long pass = 0; pass < passes; pass++) {
        if (mine > 0) {
            MPI_Sendrecv(&AT(pic, 1, 0, cols), ncols, MPI_DOUBLE, up, 10,
                         &AT(pic, mine + 1, 0, cols), ncols, MPI_DOUBLE, down, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&AT(pic, mine, 0, cols), ncols, MPI_DOUBLE, down, 11,
                         &AT(pic, 0, 0, cols), ncols, MPI_DOUBLE, up, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (long l = lbeg; l <= lend; l++) {
            for (long c = 1; c + 1 < cols; c++) {
                double a = AT(pic, l - 1, c - 1, cols) + 2.0 * AT(pic, l - 1, c, cols) + AT(pic, l - 1, c + 1, cols);
                double b = 2.0 * AT(pic, l, c - 1, cols) + 4.0 * AT(pic, l, c, cols) + 2.0 * AT(pic, l, c + 1, cols);
                double d = AT(pic, l + 1, c - 1, cols) + 2.0 * AT(pic, l + 1, c, cols) + AT(pic, l + 1, c + 1, cols);
                AT(work, l, c, cols) = (a + b + d) / 16.0;
            }
        }
        double *t = pic;
        pic = work;
        work = t;
    }

    if (rows * cols <= SHOW_ALL_LIMIT) {
        int *cnts = NULL, *offs = NULL;
        double *whole = NULL;
        if (me == 0) {
            cnts = malloc((size_t)nproc * sizeof(int));
            offs = malloc((size_t)nproc * sizeof(int));
            whole = malloc((size_t)(rows * cols) * sizeof(double));
            for (int k = 0; k < nproc; k++) {
                cnts[k] = (int)(row_count(rows, nproc, k) * cols);
                offs[k] = (int)(first_row(rows, nproc, k) * cols);
            }
        }
        MPI_Gatherv(&AT(pic, 1, 0, cols), (int)(mine * cols), MPI_DOUBLE, whole, cnts, offs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (me == 0) {
            for (long r = 0; r < rows; r++) {
                for (long c = 0; c < cols; c++)
                    printf(c ? " %.8f" : "%.8f", AT(whole, r, c, cols));
                printf("\n");
            }
            free(cnts);
            free(offs);
            free(whole);
        }
    } else {
        /* the sample pixels in print order: centre, four quarter points, 12 on the diagonal */
        long sr[NSAMPLES], sc[NSAMPLES];
        int ns = 0;
        sr[ns] = rows / 2, sc[ns] = cols / 2, ns++;
        for (int q = 1; q <= 3; q += 2)
            for (int s = 1; s <= 3; s += 2)
                sr[ns] = q * rows / 4, sc[ns] = s * cols / 4, ns++;
        for (int k = 0; k < 12; k++)
            sr[ns] = k * (rows - 1) / 11, sc[ns] = k * (cols - 1) / 11, ns++;

        double part = 0.0, total = 0.0, val[NSAMPLES], got[NSAMPLES];
        for (long l = 1; l <= mine; l++)
            for (long c = 0; c < cols; c++) part += AT(pic, l, c, cols);
        for (int k = 0; k < NSAMPLES; k++)
            val[k] = (sr[k] >= lo && sr[k] < lo + mine) ? AT(pic, sr[k] - lo + 1, sc[k], cols) : 0.0;
        MPI_Reduce(&part, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(val, got, NSAMPLES, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (me == 0) {
            printf("picture %ld x %ld after %ld passes\n", rows, cols, passes);
            printf("brightness sum %.10e mean %.10e\n", total, total / (double)(rows * cols));
            printf("centre (%ld,%ld) = %.10f\n", sr[0], sc[0], got[0]);
            for (int k = 1; k < 5; k++) printf("quarter (%ld,%ld) = %.10f\n", sr[k], sc[k], got[k]);
            for (int k = 5; k < NSAMPLES; k++) printf("diag (%ld,%ld) = %.10f\n", sr[k], sc[k], got[k]);
        }
    }
    free(pic);
    free(work);
    MPI_Finalize();
    return 0;
}
