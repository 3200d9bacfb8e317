/* signal_corr.c — the correlation (at lag 0) of two sampled signals, a damped sine and a
 * sawtooth, recomputed `reps` times with a growing damping factor.
 * usage: signal_corr [samples (default 2000)] [reps (default 1)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long samples = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (samples < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [samples >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *wave = malloc((size_t)samples * sizeof *wave);
    double *saw = malloc((size_t)samples * sizeof *saw);
    if (!wave || !saw) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long k = 0; k < samples; k++) {
        wave[k] = sin(0.05 * (double)k);
        saw[k] = (double)(k % 25) / 25.0 - 0.5;
    }

    double corr = 0.0;
    for (long r = 0; r < reps; r++) {
        double damp = 1.0 / (double)(r + 2);
        corr = 0.0;
        for (long k = 0; k < samples; k++)
            corr += wave[k] * saw[k] * damp;
    }
    printf("corr %.12e\n", corr);

    free(wave);
    free(saw);
    return 0;
}
