/* Fuzz target: ISO/IEC 19794-2:2005 record reader. A record that reads must write back to
 * the same bytes when it had no extended data (checked by size and reading again), and must
 * give a compact template that compares with itself without trouble.
 *
 * Seeds (corpus/fuzz_iso19794_2/) are tiny records built for this purpose, not dataset
 * files: one view of 12 minutiae; two views; a view without minutiae; a view with two
 * extended data areas (one length without, one with its 4-byte header); an 800 x 800 image
 * at 394 pixels/cm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_fp_template *t = malloc(sizeof *t), *back = malloc(sizeof *back);
    if (!t || !back) {
        free(t);
        free(back);
        return 0;
    }
    if (ktpel_iso19794_2_read(data, size, t, NULL) == KTPEL_OK) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (ktpel_iso19794_2_write(t, &buf, &len, NULL) != KTPEL_OK)
            abort(); /* what was read must be writable */
        if (len > size || ktpel_iso19794_2_read(buf, len, back, NULL) != KTPEL_OK)
            abort();
        if (back->view_count != t->view_count ||
            memcmp(back->views[0].minutiae, t->views[0].minutiae,
                   (size_t)t->views[0].count * sizeof(ktpel_minutia)) != 0)
            abort();
        free(buf);
        ktpel_fp_compact *c = NULL;
        ktpel_fp_workspace *ws = NULL;
        if (ktpel_fp_compact_from_template(t, 0, &c, NULL) == KTPEL_OK &&
            ktpel_fp_workspace_new(&ws, NULL) == KTPEL_OK) {
            float s = ktpel_fp_compare(c, c, ws);
            if (!(s >= 0.0f && s <= 1.0001f))
                abort();
        }
        ktpel_fp_workspace_free(ws);
        ktpel_fp_compact_free(c);
    }
    free(t);
    free(back);
    return 0;
}
