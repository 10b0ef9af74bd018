/* Iris code comparison: masked fractional Hamming distance over circular shifts, Daugman's
 * normalisation, and the decision threshold.
 *
 * A probe keeps its code turned by every shift (2 * max_shift + 1 copies), so comparing it
 * with a gallery code is, per shift, 32 words of (a ^ b) & ma & mb and ma & mb with two
 * population counts each: no bit shuffling in the loop. The routine is chosen once per
 * probe from what the CPU offers (AVX-512 VPOPCNTDQ, POPCNT, or portable C); all three
 * count the same bits, so the scores are identical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/iris.h"

/* Counts of one shift: n = bits valid in both, d = differing valid bits. */
typedef void (*count_fn)(const ktpel_iris_code *shifted, int count, const ktpel_iris_code *b,
                         int *n, int *d);

struct ktpel_iris_probe {
    ktpel_iris_code shifted[2 * KTPEL_IRIS_MAX_SHIFT + 1]; /* shift -max..max */
    int max_shift;
    count_fn count;
};

double ktpel_iris_hd_normalise(double hd_raw, int n)
{
    if (n <= 0)
        return 0.5;
    return 0.5 - (0.5 - hd_raw) * sqrt((double)n / KTPEL_IRIS_NORM_BITS);
}

/* ---- counting: three routines, same results ------------------------------------------- */

#define COUNT_BODY(POPCOUNT)                                                                       \
    for (int s = 0; s < count; s++) {                                                              \
        const ktpel_iris_code *a = &shifted[s];                                                    \
        int nn = 0, dd = 0;                                                                        \
        for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {                                          \
            uint64_t m = a->mask[w] & b->mask[w];                                                  \
            nn += POPCOUNT(m);                                                                     \
            dd += POPCOUNT((a->bits[w] ^ b->bits[w]) & m);                                         \
        }                                                                                          \
        n[s] = nn;                                                                                 \
        d[s] = dd;                                                                                 \
    }

/* Portable population count (no instruction set assumed). */
static inline int popcount_portable(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

static void count_generic(const ktpel_iris_code *shifted, int count, const ktpel_iris_code *b,
                          int *n, int *d)
{
    COUNT_BODY(popcount_portable)
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("popcnt"))) static void
count_popcnt(const ktpel_iris_code *shifted, int count, const ktpel_iris_code *b, int *n, int *d)
{
    COUNT_BODY(__builtin_popcountll)
}

#define AVX512_TARGET "avx512f,avx512vpopcntdq"

__attribute__((target(AVX512_TARGET))) static void
count_avx512(const ktpel_iris_code *shifted, int count, const ktpel_iris_code *b, int *n, int *d)
{
    __m512i bb[4], bm[4];
    for (int k = 0; k < 4; k++) {
        bb[k] = _mm512_load_si512((const void *)(b->bits + 8 * k));
        bm[k] = _mm512_load_si512((const void *)(b->mask + 8 * k));
    }
    for (int s = 0; s < count; s++) {
        const ktpel_iris_code *a = &shifted[s];
        __m512i sn = _mm512_setzero_si512(), sd = _mm512_setzero_si512();
        for (int k = 0; k < 4; k++) {
            __m512i m = _mm512_and_si512(_mm512_load_si512((const void *)(a->mask + 8 * k)), bm[k]);
            __m512i x = _mm512_xor_si512(_mm512_load_si512((const void *)(a->bits + 8 * k)), bb[k]);
            sn = _mm512_add_epi64(sn, _mm512_popcnt_epi64(m));
            sd = _mm512_add_epi64(sd, _mm512_popcnt_epi64(_mm512_and_si512(x, m)));
        }
        n[s] = (int)_mm512_reduce_add_epi64(sn);
        d[s] = (int)_mm512_reduce_add_epi64(sd);
    }
}
#endif

/* Build with -DIRIS_NO_SIMD=1 to test the portable path on any machine, with
 * -DIRIS_NO_AVX512=1 to test the POPCNT one on an AVX-512 machine. */
#ifndef IRIS_NO_SIMD
#define IRIS_NO_SIMD 0
#endif
#ifndef IRIS_NO_AVX512
#define IRIS_NO_AVX512 0
#endif

static count_fn choose_count(const char **name)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!IRIS_NO_SIMD && !IRIS_NO_AVX512 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512vpopcntdq")) {
        *name = "avx512-vpopcntdq";
        return count_avx512;
    }
    if (!IRIS_NO_SIMD && __builtin_cpu_supports("popcnt")) {
        *name = "popcnt";
        return count_popcnt;
    }
#endif
    *name = "generic";
    return count_generic;
}

const char *ktpel_iris_compare_isa(void)
{
    const char *name = NULL;
    choose_count(&name);
    return name;
}

/* ---- scores ------------------------------------------------------------------------------ */

static int clamp_shift(int max_shift)
{
    return max_shift < 0 ? 0 : max_shift > KTPEL_IRIS_MAX_SHIFT ? KTPEL_IRIS_MAX_SHIFT : max_shift;
}

/* The best of the shifts: smallest hd_norm, ties to the smaller |shift| then the negative. */
static ktpel_iris_score best_of(const int *n, const int *d, int max_shift)
{
    ktpel_iris_score best = {0.5, 0.5, 0, 0};
    int best_abs = -1;
    for (int s = -max_shift; s <= max_shift; s++) {
        int i = s + max_shift;
        double raw = n[i] ? (double)d[i] / n[i] : 0.5;
        double norm = ktpel_iris_hd_normalise(raw, n[i]);
        int a = abs(s);
        if (best_abs < 0 || norm < best.hd_norm || (norm == best.hd_norm && a < best_abs)) {
            best = (ktpel_iris_score){raw, norm, n[i], s};
            best_abs = a;
        }
    }
    return best;
}

static void prepare(const ktpel_iris_code *code, int max_shift, ktpel_iris_probe *p)
{
    const char *name;
    p->max_shift = max_shift;
    p->count = choose_count(&name);
    for (int s = -max_shift; s <= max_shift; s++)
        ktpel_iris_code_rotate(code, s, &p->shifted[s + max_shift]);
}

ktpel_err ktpel_iris_probe_new(const ktpel_iris_code *code, int max_shift, ktpel_iris_probe **out,
                               ktpel_errbuf *eb)
{
    if (!code || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris probe: NULL argument");
    *out = NULL;
    size_t size = (sizeof(ktpel_iris_probe) + 63) & ~(size_t)63;
    ktpel_iris_probe *p = aligned_alloc(64, size);
    if (!p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "iris probe: out of memory");
    prepare(code, clamp_shift(max_shift), p);
    *out = p;
    return KTPEL_OK;
}

void ktpel_iris_probe_free(ktpel_iris_probe *probe)
{
    free(probe);
}

ktpel_iris_score ktpel_iris_probe_compare(const ktpel_iris_probe *p, const ktpel_iris_code *b)
{
    int n[2 * KTPEL_IRIS_MAX_SHIFT + 1], d[2 * KTPEL_IRIS_MAX_SHIFT + 1];
    p->count(p->shifted, 2 * p->max_shift + 1, b, n, d);
    return best_of(n, d, p->max_shift);
}

ktpel_iris_score ktpel_iris_compare(const ktpel_iris_code *a, const ktpel_iris_code *b,
                                    int max_shift)
{
    /* One comparison: turn a for each shift as we go rather than preparing every copy. */
    max_shift = clamp_shift(max_shift);
    const char *name;
    count_fn count = choose_count(&name);
    int n[2 * KTPEL_IRIS_MAX_SHIFT + 1], d[2 * KTPEL_IRIS_MAX_SHIFT + 1];
    ktpel_iris_code turned;
    for (int s = -max_shift; s <= max_shift; s++) {
        ktpel_iris_code_rotate(a, s, &turned);
        count(&turned, 1, b, &n[s + max_shift], &d[s + max_shift]);
    }
    return best_of(n, d, max_shift);
}

/* ---- decision threshold ---------------------------------------------------------------- */

/* Impostor model (docs/iris.md): at one shift, an impostor's hd_norm is a binomial fraction
 * with IMPOSTOR_DOF degrees of freedom around IMPOSTOR_MEAN; the comparison takes the
 * smallest of 2 * 8 + 1 shifts, treated as independent draws (which makes the threshold
 * slightly conservative, shifts being correlated). Both constants are measured on the
 * impostor comparisons at shift 0 of the benchmark sets (docs/iris.md): dof = p(1-p)/var. */
#define IMPOSTOR_MEAN 0.495
#define IMPOSTOR_DOF  157.0

/* P(X / N <= x) for X ~ Binomial(N, p), N real (rounded), summed in log space. */
static double binomial_cdf(double x, double p, double dof)
{
    int n = (int)lround(dof);
    int kmax = (int)floor(x * n + 1e-9);
    if (kmax < 0)
        return 0;
    if (kmax >= n)
        return 1;
    double sum = 0, lp = log(p), lq = log1p(-p);
    for (int k = 0; k <= kmax; k++)
        sum += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
    return sum;
}

static double fmr_at(double t)
{
    double single = binomial_cdf(t, IMPOSTOR_MEAN, IMPOSTOR_DOF);
    return -expm1((2 * KTPEL_IRIS_DEFAULT_SHIFT + 1) * log1p(-single));
}

double ktpel_iris_fmr_for_threshold(double hd_norm)
{
    if (!(hd_norm < 0.5))
        return 1;
    double fmr = fmr_at(hd_norm);
    return fmr > 1e-12 ? fmr : 1e-12;
}

double ktpel_iris_threshold_for_fmr(double fmr)
{
    if (!(fmr >= 1e-12))
        fmr = 1e-12;
    if (fmr > 0.5)
        fmr = 0.5;
    double lo = 0.0, hi = 0.5;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (fmr_at(mid) > fmr)
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}
