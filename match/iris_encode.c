/* Iris encoding: each of KTPEL_IRIS_RINGS radial bands of the rubber sheet is averaged into
 * one circular signal, filtered by a 1-D log-Gabor filter (an analytic band-pass: no DC,
 * Gaussian on a log-frequency axis), and the phase of the response at each code column is
 * quantised to two bits (signs of the real and imaginary parts), as in Masek's encoder after
 * Daugman's phase demodulation.
 *
 * A bit is masked when the sheet under the filter is mostly noise, and when its part of the
 * response is close to zero: such "fragile" bits flip between images of the same eye
 * (Hollingsworth, Bowyer and Flynn, IEEE TPAMI 31(6), 2009). */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "iris_internal.h"

#define N             KTPEL_IRIS_POLAR_COLS
#define ROWS_PER_RING (KTPEL_IRIS_POLAR_ROWS / KTPEL_IRIS_RINGS)
/* Filter centre wavelength in sheet columns (N / 18 = 14 cycles around the iris) and
 * bandwidth (sigma / f0 = 0.5, about two octaves), Masek's choice for 1-D log-Gabors. */
#define WAVELENGTH 18.0
#define SIGMA_ON_F 0.5
/* A column's filter sees about half a wavelength either side: most of it must be iris. */
#define SUPPORT           (WAVELENGTH / 2)
#define MIN_SUPPORT_VALID 0.75
/* Bits whose part of the response is under this share of its RMS are fragile. */
#define FRAGILE 0.2

_Static_assert(KTPEL_IRIS_POLAR_COLS == 2 * KTPEL_IRIS_COLUMNS, "two sheet columns per code one");
_Static_assert(ROWS_PER_RING *KTPEL_IRIS_RINGS == KTPEL_IRIS_POLAR_ROWS, "rings");

/* In-place radix-2 FFT of length N; inverse when `inverse` (without the 1/N). */
static void fft(double complex *x, int inverse)
{
    for (int i = 1, j = 0; i < N; i++) {
        int bit = N >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double complex t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
    for (int len = 2; len <= N; len <<= 1) {
        double ang = (inverse ? 2 : -2) * IRIS_PI / len;
        double complex wl = cos(ang) + I * sin(ang);
        for (int i = 0; i < N; i += len) {
            double complex w = 1;
            for (int k = 0; k < len / 2; k++) {
                double complex u = x[i + k], v = x[i + k + len / 2] * w;
                x[i + k] = u + v;
                x[i + k + len / 2] = u - v;
                w *= wl;
            }
        }
    }
}

/* Log-Gabor gain at DFT bin u (positive frequencies only: the response is analytic). */
static double log_gabor(int u)
{
    if (u <= 0 || u >= N / 2)
        return 0;
    double f = (double)u / N, f0 = 1.0 / WAVELENGTH, ls = log(SIGMA_ON_F);
    double l = log(f / f0);
    return exp(-l * l / (2 * ls * ls));
}

/* One ring: its signal, the share of valid sheet cells per column, the filter response. */
static void ring_response(const ktpel_iris_features *f, int ring, double complex *z, double *valid)
{
    double sum = 0;
    int count = 0;
    double s[N];
    for (int j = 0; j < N; j++) {
        double acc = 0;
        int n = 0;
        for (int r = ring * ROWS_PER_RING; r < (ring + 1) * ROWS_PER_RING; r++) {
            int k = r * N + j;
            if (!f->polar_noise[k]) {
                acc += f->polar[k];
                n++;
            }
        }
        valid[j] = (double)n / ROWS_PER_RING;
        s[j] = n ? acc / n : NAN;
        if (n) {
            sum += s[j];
            count++;
        }
    }
    double mean = count ? sum / count : 0;
    for (int j = 0; j < N; j++)
        z[j] = isnan(s[j]) ? 0 : s[j] - mean;
    fft(z, 0);
    for (int u = 0; u < N; u++)
        z[u] *= log_gabor(u) / N;
    fft(z, 1);
}

static void set_bit(uint64_t *words, int bit)
{
    words[bit / 64] |= 1ull << (bit % 64);
}

void iris_encode(ktpel_iris_features *f)
{
    ktpel_iris_code *code = &f->code;
    memset(code->bits, 0, sizeof code->bits);
    memset(code->mask, 0, sizeof code->mask);
    double energy = 0;
    int energy_n = 0;
    for (int ring = 0; ring < KTPEL_IRIS_RINGS; ring++) {
        double complex z[N];
        double valid[N], support[N];
        ring_response(f, ring, z, valid);
        int half = (int)SUPPORT;
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int d = -half; d <= half; d++)
                acc += valid[(j + d + N) % N];
            support[j] = acc / (2 * half + 1);
        }
        double re2 = 0, im2 = 0;
        int n = 0;
        for (int j = 0; j < N; j++)
            if (support[j] >= MIN_SUPPORT_VALID) {
                re2 += creal(z[j]) * creal(z[j]);
                im2 += cimag(z[j]) * cimag(z[j]);
                energy += cabs(z[j]);
                energy_n++;
                n++;
            }
        double re_floor = n ? FRAGILE * sqrt(re2 / n) : 0,
               im_floor = n ? FRAGILE * sqrt(im2 / n) : 0;
        for (int c = 0; c < KTPEL_IRIS_COLUMNS; c++) {
            int j = 2 * c;
            if (support[j] < MIN_SUPPORT_VALID || valid[j] < 0.5)
                continue;
            int bit = KTPEL_IRIS_BITS_PER_COLUMN * c + 2 * ring;
            double re = creal(z[j]), im = cimag(z[j]);
            if (fabs(re) >= re_floor) {
                set_bit(code->mask, bit);
                if (re > 0)
                    set_bit(code->bits, bit);
            }
            if (fabs(im) >= im_floor) {
                set_bit(code->mask, bit + 1);
                if (im > 0)
                    set_bit(code->bits, bit + 1);
            }
        }
    }
    f->quality.focus = energy_n ? energy / energy_n : 0;
}
