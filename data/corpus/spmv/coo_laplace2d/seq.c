/* Sparse matrix-vector product y = A x with A stored in COO (coordinate) format.
 * A is the 5-point operator of an nx x ny grid (row-major numbering g = iy*nx + ix) with
 * variable coefficients: diagonal 4 + c(g), neighbours -(1 + small variation). The entry list
 * is assembled row by row (sorted by row, columns increasing). The product is repeated `reps`
 * times (for timing). Usage: coo_laplace2d [nx] [ny] [reps]                                    */
#include <stdio.h>
#include <stdlib.h>

static double diag_coef(long g) { return 4.0 + (double)(g % 13) * 0.0625; }
static double off_coef(long g, long h) { return -1.0 - (double)((g + h) % 4) * 0.125; }
static double x_entry(long g) { return 1.0 + (double)(g % 9) * 0.1; }

/* Append the entries of grid row g (point (ix, iy)) in increasing column order; returns count. */
static long emit_row(long g, long nx, long ny, long *ri, long *ci, double *v)
{
    long ix = g % nx, iy = g / nx, k = 0;
    long nb[5] = {iy > 0 ? g - nx : -1, ix > 0 ? g - 1 : -1, g,
                  ix < nx - 1 ? g + 1 : -1, iy < ny - 1 ? g + nx : -1};
    for (int t = 0; t < 5; t++) {
        if (nb[t] < 0)
            continue;
        if (ri) {
            ri[k] = g;
            ci[k] = nb[t];
            v[k] = nb[t] == g ? diag_coef(g) : off_coef(g, nb[t]);
        }
        k++;
    }
    return k;
}

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
    long nx = argc > 1 ? strtol(argv[1], NULL, 10) : 30;
    long ny = argc > 2 ? strtol(argv[2], NULL, 10) : 30;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nx < 1 || ny < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [nx >= 1] [ny >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }
    long n = nx * ny;

    /* Count the entries, then assemble the coordinate list row by row. */
    long nnz = 0;
    for (long g = 0; g < n; g++)
        nnz += emit_row(g, nx, ny, NULL, NULL, NULL);
    long *row = malloc((size_t)nnz * sizeof *row);
    long *col = malloc((size_t)nnz * sizeof *col);
    double *val = malloc((size_t)nnz * sizeof *val);
    for (long g = 0, k = 0; g < n; g++)
        k += emit_row(g, nx, ny, row + k, col + k, val + k);

    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    for (long g = 0; g < n; g++)
        x[g] = x_entry(g);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            y[i] = 0.0;
        for (long k = 0; k < nnz; k++)
            y[row[k]] += val[k] * x[col[k]];
    }

    print_y(y, n);
    free(row);
    free(col);
    free(val);
    free(x);
    free(y);
    return 0;
}
