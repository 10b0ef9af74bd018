/* Daugman's rubber sheet: the annulus between pupil and limbus, sampled on a fixed polar
 * grid whatever the pupil's dilation and the circles' offset, with a noise mask for what is
 * not iris: eyelids (from the segmentation), eyelashes and specular reflections (grey
 * levels far from the iris's own, measured robustly on the sheet itself). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iris_internal.h"

#define CELLS (KTPEL_IRIS_POLAR_ROWS * KTPEL_IRIS_POLAR_COLS)
/* Grey levels this many robust standard deviations from the median are not iris texture:
 * eyelashes below, reflections above. */
#define OUTLIER_SIGMAS 3.0
/* Brightest levels are sensor saturation: reflections whatever the statistics say. */
#define SATURATED 250.0f

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median and robust standard deviation (1.4826 x median absolute deviation) of v[0..n). */
static void robust_stats(float *v, int n, float *median, float *sigma)
{
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    *median = v[n / 2];
    for (int i = 0; i < n; i++)
        v[i] = fabsf(v[i] - *median);
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    *sigma = 1.4826f * v[n / 2];
    if (*sigma < 1)
        *sigma = 1;
}

void iris_normalise(const iris_fimage *img, ktpel_iris_features *f)
{
    float *sheet = malloc(CELLS * sizeof *sheet);
    float *scratch = malloc(CELLS * sizeof *scratch);
    uint8_t *noise = f->polar_noise;
    memset(noise, 1, CELLS);
    memset(f->polar, 0, CELLS);
    if (!sheet || !scratch) {
        free(sheet);
        free(scratch);
        return; /* an all-noise sheet: the code has no valid bit */
    }
    int valid = 0;
    for (int i = 0; i < KTPEL_IRIS_POLAR_ROWS; i++)
        for (int j = 0; j < KTPEL_IRIS_POLAR_COLS; j++) {
            double x, y;
            iris_polar_point(&f->seg, i, j, &x, &y);
            float v = iris_sample(img, x, y);
            int k = i * KTPEL_IRIS_POLAR_COLS + j;
            sheet[k] = v < 0 ? 0 : v;
            if (v >= 0 && !iris_under_eyelid(&f->seg, x, y)) {
                noise[k] = 0;
                scratch[valid++] = v;
            }
        }
    if (valid > 0) {
        float median, sigma;
        robust_stats(scratch, valid, &median, &sigma);
        float lo = median - (float)OUTLIER_SIGMAS * sigma;
        float hi = median + (float)OUTLIER_SIGMAS * sigma;
        if (hi > SATURATED)
            hi = SATURATED;
        /* Outliers, grown by one cell so that their soft edges go too. */
        memset(scratch, 0, CELLS * sizeof *scratch);
        for (int k = 0; k < CELLS; k++)
            if (!noise[k] && (sheet[k] < lo || sheet[k] >= hi))
                scratch[k] = 1;
        for (int i = 0; i < KTPEL_IRIS_POLAR_ROWS; i++)
            for (int j = 0; j < KTPEL_IRIS_POLAR_COLS; j++) {
                int hit = 0;
                for (int di = -1; di <= 1 && !hit; di++)
                    for (int dj = -1; dj <= 1 && !hit; dj++) {
                        int ii = i + di,
                            jj = (j + dj + KTPEL_IRIS_POLAR_COLS) % KTPEL_IRIS_POLAR_COLS;
                        hit = ii >= 0 && ii < KTPEL_IRIS_POLAR_ROWS &&
                              scratch[ii * KTPEL_IRIS_POLAR_COLS + jj] != 0;
                    }
                if (hit)
                    noise[i * KTPEL_IRIS_POLAR_COLS + j] = 1;
            }
    }
    for (int k = 0; k < CELLS; k++) {
        float v = sheet[k];
        f->polar[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrintf(v));
    }
    free(sheet);
    free(scratch);
}
