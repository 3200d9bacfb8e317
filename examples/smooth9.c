/* smooth9.c -- blur a synthetic grey-scale picture with a 3x3 binomial kernel.
 *
 *      1 2 1
 *      2 4 2   / 16
 *      1 2 1
 *
 * The picture (rows x cols pixels, brightness 0..255) is a soft diagonal gradient with a bright
 * disc in it and some pseudo-random speckle.  Every pass replaces each inner pixel by the
 * weighted mean of its 3x3 neighbourhood.  Border handling: the outermost ring of pixels (first
 * and last row, first and last column) is a frame that is never changed, so the kernel always
 * sees real pixels.  A picture with fewer than 3 rows or 3 columns is all frame.
 *
 * Output: the whole picture for small pictures (up to 300 pixels), otherwise the mean
 * brightness, the brightness sum and a handful of sample pixels.
 *
 * usage: smooth9 [rows (default 480)] [cols (default 640)] [passes (default 10)] */
#include <stdio.h>
#include <stdlib.h>

#define SHOW_ALL_LIMIT 300
#define AT(img, r, c, w) ((img)[(size_t)(r) * (size_t)(w) + (size_t)(c)])

/* brightness of the untouched picture at pixel (r, c) */
static double original_pixel(long r, long c, long rows, long cols)
{
    double level = 200.0 * (double)(r + c) / (double)(rows + cols);
    double dr = (double)r - 0.4 * (double)rows, dc = (double)c - 0.6 * (double)cols;
    double rad = 0.25 * (double)(rows < cols ? rows : cols);
    if (dr * dr + dc * dc <= rad * rad) level += 50.0;
    unsigned long h = (unsigned long)r * 2654435761UL + (unsigned long)c * 40503UL;
    h = (h ^ (h >> 13)) * 2246822519UL;
    level += (double)((h >> 7) % 11);          /* speckle 0..10 */
    return level > 255.0 ? 255.0 : level;
}

static void blur_once(const double *src, double *dst, long rows, long cols)
{
    for (long r = 1; r + 1 < rows; r++) {
        for (long c = 1; c + 1 < cols; c++) {
            double up = AT(src, r - 1, c - 1, cols) + 2.0 * AT(src, r - 1, c, cols) + AT(src, r - 1, c + 1, cols);
            double mid = 2.0 * AT(src, r, c - 1, cols) + 4.0 * AT(src, r, c, cols) + 2.0 * AT(src, r, c + 1, cols);
            double down = AT(src, r + 1, c - 1, cols) + 2.0 * AT(src, r + 1, c, cols) + AT(src, r + 1, c + 1, cols);
            AT(dst, r, c, cols) = (up + mid + down) / 16.0;
        }
    }
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 480;
    long cols = argc > 2 ? atol(argv[2]) : 640;
    long passes = argc > 3 ? atol(argv[3]) : 10;
    if (rows < 1 || cols < 1 || passes < 0) {
        fprintf(stderr, "smooth9: need rows >= 1, cols >= 1, passes >= 0\n");
        return 1;
    }

    size_t npix = (size_t)rows * (size_t)cols;
    double *pic = malloc(npix * sizeof(double));
    double *work = malloc(npix * sizeof(double));
    if (pic == NULL || work == NULL) {
        fprintf(stderr, "smooth9: cannot allocate %ld x %ld picture\n", rows, cols);
        return 1;
    }
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++)
            AT(pic, r, c, cols) = AT(work, r, c, cols) = original_pixel(r, c, rows, cols);

    for (long pass = 0; pass < passes; pass++) {
        blur_once(pic, work, rows, cols);
        double *t = pic;
        pic = work;
        work = t;
    }

    if (rows * cols <= SHOW_ALL_LIMIT) {
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++)
                printf(c ? " %.8f" : "%.8f", AT(pic, r, c, cols));
            printf("\n");
        }
    } else {
        double total = 0.0;
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) total += AT(pic, r, c, cols);
        printf("picture %ld x %ld after %ld passes\n", rows, cols, passes);
        printf("brightness sum %.10e mean %.10e\n", total, total / (double)(rows * cols));
        /* samples: the centre, the four quarter points and a walk down the diagonal */
        printf("centre (%ld,%ld) = %.10f\n", rows / 2, cols / 2, AT(pic, rows / 2, cols / 2, cols));
        for (int q = 1; q <= 3; q += 2)
            for (int s = 1; s <= 3; s += 2)
                printf("quarter (%ld,%ld) = %.10f\n", q * rows / 4, s * cols / 4, AT(pic, q * rows / 4, s * cols / 4, cols));
        for (int k = 0; k < 12; k++) {
            long r = k * (rows - 1) / 11, c = k * (cols - 1) / 11;
            printf("diag (%ld,%ld) = %.10f\n", r, c, AT(pic, r, c, cols));
        }
    }
    free(pic);
    free(work);
    return 0;
}
