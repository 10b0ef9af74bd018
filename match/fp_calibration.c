/* Calibration of ktpel_fp_compare scores to false match rates.
 *
 * Measured impostor score distribution: the ISO/IEC 19794-2 templates of FVC2002 DB1_B,
 * DB2_B, DB3_B and DB4_B (../shared/datasets/fingerprint-iso, SecuGen extractor) pooled as
 * 40 fingers x 8 impressions; every unordered pair of impressions of different fingers
 * (across all four sets) is an impostor comparison: 49,920 scores. For each FMR in the
 * table the threshold is the lowest score at which at most FMR x 49,920 impostor scores are
 * at or above it. With 49,920 comparisons nothing below 5e-5 can be measured: the 1e-5 and
 * 1e-6 rows extend the last measured decade (1e-3 .. 1e-4) log-linearly and are estimates.
 * Measured with `ktpel fp bench DIR --scores FILE` on a folder of links to the four sets
 * (names prefixed with the set number so that fingers stay distinct); regenerate it when
 * the comparison algorithm changes. Other sensors and extractors shift these figures: a
 * deployment should recalibrate on its own impostor scores.
 */
#include "ktpel/fp_match.h"

#include <math.h>

typedef struct calibration_point {
    double fmr;
    float threshold;
} calibration_point;

/* Decreasing FMR, increasing threshold. */
static const calibration_point table[] = {
    /* 49920 impostor scores */
    {1e-01, 0.016675f}, /* measured */
    {3e-02, 0.018989f}, /* measured */
    {1e-02, 0.021544f}, /* measured */
    {3e-03, 0.024849f}, /* measured */
    {1e-03, 0.027946f}, /* measured */
    {3e-04, 0.033223f}, /* measured */
    {1e-04, 0.037923f}, /* measured */
    {5e-05, 0.038718f}, /* measured */
    {1e-05, 0.047900f}, /* extrapolated */
    {1e-06, 0.057877f}, /* extrapolated */
};

#define TABLE_SIZE ((int)(sizeof table / sizeof table[0]))

float ktpel_fp_threshold_for_fmr(double fmr)
{
    if (!(fmr < table[0].fmr))
        return table[0].threshold;
    if (!(fmr > table[TABLE_SIZE - 1].fmr))
        return table[TABLE_SIZE - 1].threshold;
    int k = 1;
    while (table[k].fmr > fmr)
        k++;
    /* Linear in log10(FMR) between the two rows around fmr. */
    double f0 = log10(table[k - 1].fmr), f1 = log10(table[k].fmr);
    double w = (log10(fmr) - f0) / (f1 - f0);
    return (float)(table[k - 1].threshold + w * (table[k].threshold - table[k - 1].threshold));
}

double ktpel_fp_fmr_for_threshold(float threshold)
{
    if (threshold <= table[0].threshold)
        return table[0].fmr;
    if (threshold >= table[TABLE_SIZE - 1].threshold)
        return table[TABLE_SIZE - 1].fmr;
    int k = 1;
    while (table[k].threshold < threshold)
        k++;
    double w = (threshold - table[k - 1].threshold) /
               (double)(table[k].threshold - table[k - 1].threshold);
    double f0 = log10(table[k - 1].fmr), f1 = log10(table[k].fmr);
    return pow(10.0, f0 + w * (f1 - f0));
}
