/* Ridge frequency: the local distance between ridges (the period, in pixels).
 *
 * Per foreground cell, the normalised image is sampled in an oriented window centred on
 * the cell: FREQ_LEN samples across the ridges, each the mean of FREQ_WID samples along the
 * ridge (the "x-signature" of Hong, Wan and Jain, 1998). The period is the lag of the
 * highest peak of the signature's normalised autocorrelation between FPX_PERIOD_MIN and
 * FPX_PERIOD_MAX, refined by a parabola through the peak. The peak's height, times the
 * signature's strength, is the cell's ridge clarity (1 = clean sinusoidal ridges).
 * Cells where no period is found take the average of their valid neighbours; the field is
 * then smoothed over 3x3 cells. */
#include <math.h>
#include <stdlib.h>

#include "fp_extract_internal.h"

#define FREQ_LEN 32
#define FREQ_WID 16
/* Lowest autocorrelation peak accepted as a period. */
#define FREQ_MIN_PEAK 0.1f

typedef struct period_est {
    float period;  /* 0 = not found */
    float clarity; /* 0..1 */
} period_est;

static float sample(const fpx_ctx *c, float x, float y)
{
    int xi = (int)lrintf(x), yi = (int)lrintf(y);
    xi = xi < 0 ? 0 : xi >= c->w ? c->w - 1 : xi;
    yi = yi < 0 ? 0 : yi >= c->h ? c->h - 1 : yi;
    return c->norm[(size_t)yi * (size_t)c->w + (size_t)xi];
}

static period_est cell_period(const fpx_ctx *c, int i, int j)
{
    period_est r = {0, 0};
    int k = j * c->bw + i;
    float theta = 0.5f * atan2f(c->cell_sin2[k], c->cell_cos2[k]);
    float tx = cosf(theta), ty = sinf(theta), nx = -ty, ny = tx;
    float cx = (i + 0.5f) * FPX_CELL, cy = (j + 0.5f) * FPX_CELL;
    float sig[FREQ_LEN], mean = 0, energy_raw = 0;
    for (int a = 0; a < FREQ_LEN; a++) {
        float d = a - FREQ_LEN / 2 + 0.5f, s = 0;
        for (int b = 0; b < FREQ_WID; b += 2) {
            float e = b - FREQ_WID / 2 + 0.5f;
            float v = sample(c, cx + d * nx + e * tx, cy + d * ny + e * ty);
            s += v;
            energy_raw += v * v;
        }
        sig[a] = s / (FREQ_WID / 2);
        mean += sig[a];
    }
    mean /= FREQ_LEN;
    float var = 0;
    for (int a = 0; a < FREQ_LEN; a++) {
        sig[a] -= mean;
        var += sig[a] * sig[a];
    }
    var /= FREQ_LEN;
    energy_raw /= FREQ_LEN * (FREQ_WID / 2);
    if (var < 1e-6f)
        return r;
    int lo = (int)floorf(FPX_PERIOD_MIN), hi = (int)ceilf(FPX_PERIOD_MAX);
    float ac[FREQ_LEN];
    for (int lag = lo - 1; lag <= hi + 1 && lag < FREQ_LEN; lag++) {
        float s = 0;
        for (int a = 0; a + lag < FREQ_LEN; a++)
            s += sig[a] * sig[a + lag];
        ac[lag] = s / (FREQ_LEN - lag) / var;
    }
    int best = -1;
    for (int lag = lo; lag <= hi; lag++)
        if (ac[lag] > ac[lag - 1] && ac[lag] >= ac[lag + 1] && (best < 0 || ac[lag] > ac[best]))
            best = lag;
    if (best < 0 || ac[best] < FREQ_MIN_PEAK)
        return r;
    float den = ac[best - 1] - 2 * ac[best] + ac[best + 1];
    float off = den < 0 ? 0.5f * (ac[best - 1] - ac[best + 1]) / den : 0;
    r.period = best + off;
    if (r.period < FPX_PERIOD_MIN || r.period > FPX_PERIOD_MAX) {
        r.period = 0;
        return r;
    }
    /* strength: how much of the raw variance survives averaging along the ridge */
    float strength = energy_raw > 1e-6f ? sqrtf(var / energy_raw) : 0;
    float peak = ac[best] > 1 ? 1 : ac[best];
    r.clarity = peak * (strength > 1 ? 1 : strength);
    return r;
}

/* Fills cells without a period from their valid neighbours, growing outwards. */
static void fill_missing(fpx_ctx *c, float *tmp)
{
    int bw = c->bw, bh = c->bh, missing = 1;
    for (int pass = 0; missing && pass < bw + bh; pass++) {
        missing = 0;
        for (int k = 0; k < bw * bh; k++)
            tmp[k] = c->cell_period[k];
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i++) {
                if (c->cell_period[j * bw + i] > 0)
                    continue;
                float s = 0;
                int n = 0;
                for (int jj = j - 1; jj <= j + 1; jj++)
                    for (int ii = i - 1; ii <= i + 1; ii++)
                        if (ii >= 0 && jj >= 0 && ii < bw && jj < bh &&
                            c->cell_period[jj * bw + ii] > 0) {
                            s += c->cell_period[jj * bw + ii];
                            n++;
                        }
                if (n)
                    tmp[j * bw + i] = s / n;
                else
                    missing = 1;
            }
        for (int k = 0; k < bw * bh; k++)
            c->cell_period[k] = tmp[k];
    }
    for (int k = 0; k < bw * bh; k++)
        if (c->cell_period[k] <= 0)
            c->cell_period[k] = FPX_PERIOD_DEFAULT;
}

static void smooth_periods(fpx_ctx *c, float *tmp)
{
    int bw = c->bw, bh = c->bh;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            float s = 0;
            int n = 0;
            for (int jj = j - 1; jj <= j + 1; jj++)
                for (int ii = i - 1; ii <= i + 1; ii++)
                    if (ii >= 0 && jj >= 0 && ii < bw && jj < bh) {
                        s += c->cell_period[jj * bw + ii];
                        n++;
                    }
            tmp[j * bw + i] = s / n;
        }
    for (int k = 0; k < bw * bh; k++)
        c->cell_period[k] = tmp[k];
}

ktpel_err fpx_frequency(fpx_ctx *c, ktpel_errbuf *eb)
{
    int bw = c->bw, bh = c->bh;
    float *tmp = malloc((size_t)bw * (size_t)bh * sizeof(float));
    if (!tmp)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint frequency: no memory");
    double sum = 0;
    int n = 0;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int k = j * bw + i;
            c->cell_period[k] = 0;
            c->cell_clarity[k] = 0;
            if (!c->cell_mask[k])
                continue;
            period_est pe = cell_period(c, i, j);
            c->cell_period[k] = pe.period;
            c->cell_clarity[k] = pe.clarity;
            if (pe.period > 0) {
                sum += pe.period;
                n++;
            }
        }
    c->mean_period = n ? (float)(sum / n) : FPX_PERIOD_DEFAULT;
    /* background cells take the print's mean, so the field is smooth at the border */
    for (int k = 0; k < bw * bh; k++)
        if (!c->cell_mask[k])
            c->cell_period[k] = n ? c->mean_period : 0;
    fill_missing(c, tmp);
    smooth_periods(c, tmp);
    free(tmp);
    return KTPEL_OK;
}
