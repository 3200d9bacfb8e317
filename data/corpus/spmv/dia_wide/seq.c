/* Sparse matrix-vector product y = A x, DIA format, rectangular nr x nc matrix with 11 diagonals
 * at irregular offsets (negative ones below the main diagonal). The diagonals are stored in the
 * column-indexed layout: dval[d*nc + j] = A[j - offs[d]][j], zero where that row falls outside
 * the matrix. The product is repeated `reps` times (for timing).
 * Usage: dia_wide [nr] [nc] [reps]                                                             */
#include <stdio.h>
#include <stdlib.h>

#define NOFF 11
static const long offs[NOFF] = {-40, -17, -8, -3, -1, 0, 1, 2, 5, 13, 31};

/* A[i][j] on diagonal j - i */
static double dia_coef(long i, long j)
{
    long o = j - i;
    if (o == 0)
        return 12.0 + (double)(i % 5) * 0.5;
    double mag = (1.0 + (double)((i + j) % 4) * 0.25) / (double)(1 + (o < 0 ? -o : o));
    return o < 0 ? -mag : 0.5 * mag;
}

static double xw_entry(long j) { return 1.5 + (double)((j * 5) % 17) / 17.0; }

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
    long nr = argc > 1 ? strtol(argv[1], NULL, 10) : 700;
    long nc = argc > 2 ? strtol(argv[2], NULL, 10) : 500;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (nr < 1 || nc < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [nr >= 1] [nc >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *dval = malloc((size_t)(NOFF * nc) * sizeof *dval);
    for (int d = 0; d < NOFF; d++)
        for (long j = 0; j < nc; j++) {
            long i = j - offs[d];
            dval[d * nc + j] = (i >= 0 && i < nr) ? dia_coef(i, j) : 0.0;
        }

    double *xw = malloc((size_t)nc * sizeof *xw);
    double *yw = malloc((size_t)nr * sizeof *yw);
    for (long j = 0; j < nc; j++)
        xw[j] = xw_entry(j);

    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < nr; i++)
            yw[i] = 0.0;
        for (int d = 0; d < NOFF; d++) {
            long o = offs[d];
            long jlo = o > 0 ? o : 0;            /* row j - o >= 0 */
            long jhi = nr + o < nc ? nr + o : nc; /* row j - o < nr */
            for (long j = jlo; j < jhi; j++)
                yw[j - o] += dval[d * nc + j] * xw[j];
        }
    }

    print_y(yw, nr);
    free(dval);
    free(xw);
    free(yw);
    return 0;
}
