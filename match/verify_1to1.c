/* 1:1 fingerprint verification at a false match rate (include/ktpel/fp_verify.h). */
#include <stdlib.h>

#include "ktpel/fp_match.h"
#include "ktpel/fp_verify.h"

ktpel_err ktpel_fp_verify_features(const ktpel_fp_template *reference, int view,
                                   const ktpel_fp_features *probe, double fmr,
                                   ktpel_fp_verify_result *out, ktpel_errbuf *eb)
{
    if (!reference || !probe || !out || view < 0 || view >= reference->view_count)
        return ktpel_fail(eb, KTPEL_EINVAL, "1:1 verification: bad argument (view %d)", view);
    if (!(fmr >= 1e-6 && fmr <= 1e-1))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "1:1 verification: false match rate %g outside "
                          "1e-6..1e-1",
                          fmr);
    *out = (ktpel_fp_verify_result){0};
    out->threshold = ktpel_fp_threshold_for_fmr(fmr);
    out->probe_minutiae = probe->count;
    out->probe_quality = probe->quality;
    ktpel_fp_compact *ref = NULL, *live = NULL;
    ktpel_fp_workspace *ws = NULL;
    ktpel_err err = ktpel_fp_compact_from_template(reference, view, &ref, eb);
    if (!err)
        err = ktpel_fp_compact_build(probe->minutiae, probe->count, probe->width, probe->height,
                                     probe->dpi, probe->dpi, &live, eb);
    if (!err)
        err = ktpel_fp_workspace_new(&ws, eb);
    if (!err) {
        out->score = ktpel_fp_compare(ref, live, ws);
        out->match = out->score >= out->threshold;
    }
    ktpel_fp_workspace_free(ws);
    ktpel_fp_compact_free(ref);
    ktpel_fp_compact_free(live);
    return err;
}

ktpel_err ktpel_fp_verify_image(const ktpel_fp_template *reference, int view,
                                const ktpel_image *grey, double fmr, ktpel_fp_verify_result *out,
                                ktpel_errbuf *eb)
{
    if (!grey)
        return ktpel_fail(eb, KTPEL_EINVAL, "1:1 verification: no image");
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOMEM, "1:1 verification: out of memory");
    ktpel_err err = ktpel_fp_extract(grey, NULL, f, eb);
    if (!err)
        err = ktpel_fp_verify_features(reference, view, f, fmr, out, eb);
    free(f);
    return err;
}
