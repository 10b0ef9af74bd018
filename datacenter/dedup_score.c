/* Fusion of finger scores into a resident score, and thresholds from target rates (the
 * model is described in include/ktpel/dedup.h). */
#include <math.h>

#include "ktpel/dedup.h"
#include "ktpel/fp_match.h"
#include "ktpel/iris.h"

/* Share of calibrated impostor scores at or above the point where evidence starts. */
#define BASE_FMR 0.1

static double evidence_of_fmr(double fmr)
{
    double x = -log10(fmr) + log10(BASE_FMR);
    return x > 0 ? x : 0;
}

double ktpel_dedup_finger_evidence(float score)
{
    return evidence_of_fmr(ktpel_fp_fmr_for_threshold(score));
}

/* The iris engine's model FMR is a calibrated impostor tail like the fingers' (for an
 * impostor eye, P(x > t) = 0.1 * 10^-t above 0), so an eye fuses as one more finger. */
double ktpel_dedup_iris_evidence(double hd_norm)
{
    return evidence_of_fmr(ktpel_iris_fmr_for_threshold(hd_norm));
}

/* ln of P(Gamma(k, 1) >= y) = e^-y * sum_{j<k} y^j / j!, for k >= 1, y >= 0. */
static double log_gamma_tail(int k, double y)
{
    double max = 0, terms[KTPEL_MAX_FINGERS_FUSED];
    for (int j = 0; j < k; j++) {
        terms[j] = j * log(y > 0 ? y : 1e-300) - lgamma(j + 1.0);
        if (j == 0 || terms[j] > max)
            max = terms[j];
    }
    if (y <= 0)
        return 0; /* the whole mass */
    double sum = 0;
    for (int j = 0; j < k; j++)
        sum += exp(terms[j] - max);
    return -y + max + log(sum);
}

static double log_choose(int n, int k)
{
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double ktpel_dedup_fuse(const float *finger_scores, int count)
{
    if (!finger_scores || count <= 0)
        return 0;
    if (count > KTPEL_MAX_FINGERS_FUSED)
        count = KTPEL_MAX_FINGERS_FUSED;
    double x[KTPEL_MAX_FINGERS_FUSED];
    for (int i = 0; i < count; i++)
        x[i] = ktpel_dedup_finger_evidence(finger_scores[i]);
    return ktpel_dedup_fuse_evidence(x, count);
}

double ktpel_dedup_fuse_evidence(const double *evidence, int count)
{
    if (!evidence || count <= 0)
        return 0;
    if (count > KTPEL_MAX_FINGERS_FUSED)
        count = KTPEL_MAX_FINGERS_FUSED;
    double x = 0;
    for (int i = 0; i < count; i++)
        x += evidence[i];
    if (x <= 0)
        return 0;
    /* P(X >= x) = sum over k fingers above the base point of Binomial(count, BASE_FMR)
     * times the Gamma(k, ln 10) tail at x; summed in log space. */
    const double lambda = log(10.0);
    double logs[KTPEL_MAX_FINGERS_FUSED + 1], max = -INFINITY;
    for (int k = 1; k <= count; k++) {
        logs[k] = log_choose(count, k) + k * log(BASE_FMR) + (count - k) * log(1 - BASE_FMR) +
                  log_gamma_tail(k, lambda * x);
        max = logs[k] > max ? logs[k] : max;
    }
    double sum = 0;
    for (int k = 1; k <= count; k++)
        sum += exp(logs[k] - max);
    double log_tail = max + log(sum);
    return log_tail < 0 ? -log_tail / lambda : 0;
}

double ktpel_dedup_threshold(double fpir, size_t n)
{
    if (!(fpir > 0))
        return INFINITY;
    return -log10(fpir / (double)(n ? n : 1));
}
