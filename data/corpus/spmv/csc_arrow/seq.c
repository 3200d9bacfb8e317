/* Sparse matrix-vector product y = A x, CSC format, n x n arrow-head matrix.
 * A has a dense "head" of WIDTH rows and WIDTH columns plus the diagonal: A[i][j] != 0 iff
 * i == j, i < WIDTH or j < WIDTH. In CSC the head columns are dense (n entries each) and every
 * other column j holds the head rows 0..WIDTH-1 and its diagonal. All values are positive.
 * The product is repeated `reps` times (for timing). Usage: csc_arrow [n] [reps]              */
#include <stdio.h>
#include <stdlib.h>

#define WIDTH 3 /* width of the arrow head */

static double arrow_val(long i, long j)
{
    if (i == j)
        return 10.0 + (double)(i % 4);
    if (i < WIDTH && j < WIDTH)
        return 1.0 / (double)(1 + i + j);
    if (i < WIDTH)
        return 0.5 / (double)(1 + (j + i) % 17); /* head row, body column */
    return 0.25 + (double)((i + 2 * j) % 5) * 0.1; /* body row, head column */
}

static double xv_entry(long j) { return 1.0 + (double)((3 * j) % 10) * 0.05; }

static void print_y(const double *y, long n)
{
    if (n <= 64) {
        for (long i = 0; i < n; i++)
            printf("%.12e\n", y[i]);
        return;
    }
    double sum = 0.0, wsum = 0.0;
    for (long i = 0; i < n; i++) {
        sum += y[i];
        wsum += (double)(1 + i % 7) * y[i];
    }
    printf("sum %.12e\nwsum %.12e\n", sum, wsum);
    long step = n / 32;
    for (long i = 0; i < n; i += step)
        printf("y[%ld] %.12e\n", i, y[i]);
    printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long w = n < WIDTH ? n : WIDTH;

    /* Column j: all n rows if j < w, else rows 0..w-1 and j (row indices increasing). */
    long *cptr = malloc((size_t)(n + 1) * sizeof *cptr);
    cptr[0] = 0;
    for (long j = 0; j < n; j++)
        cptr[j + 1] = cptr[j] + (j < w ? n : w + 1);
    long *ridx = malloc((size_t)cptr[n] * sizeof *ridx);
    double *aval = malloc((size_t)cptr[n] * sizeof *aval);
    for (long j = 0; j < n; j++) {
        long p = cptr[j];
        long ntop = j < w ? n : w; /* head column: all rows; body column: the head rows */
        for (long i = 0; i < ntop; i++, p++) {
            ridx[p] = i;
            aval[p] = arrow_val(i, j);
        }
        if (j >= w) { /* body column: the diagonal below the head rows */
            ridx[p] = j;
            aval[p] = arrow_val(j, j);
        }
    }

    double *xv = malloc((size_t)n * sizeof *xv);
    double *yv = malloc((size_t)n * sizeof *yv);
    for (long j = 0; j < n; j++)
        xv[j] = xv_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            yv[i] = 0.0;
        for (long j = 0; j < n; j++)
            for (long p = cptr[j]; p < cptr[j + 1]; p++)
                yv[ridx[p]] += aval[p] * xv[j];
    }

    print_y(yv, n);
    free(cptr);
    free(ridx);
    free(aval);
    free(xv);
    free(yv);
    return 0;
}
