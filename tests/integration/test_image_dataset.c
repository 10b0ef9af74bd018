/* Images from ../shared/datasets (skipped when absent). */
#include <stdio.h>

#include "ktpel/image.h"
#include "testutil.h"

/* Real FVC2002 images: 388x374 grey PNG without a resolution; the caller's 500 dpi applies. */
static void test_dataset_png(void **state)
{
    (void)state;
    const char *dir = ktpel_test_dataset("fingerprint/fvc2002_db1_b");
    char path[4200];
    snprintf(path, sizeof path, "%s/101_1.png", dir);
    ktpel_image img;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, &img, &eb), KTPEL_OK);
    assert_int_equal(img.width, 388);
    assert_int_equal(img.height, 374);
    assert_int_equal(img.dpi, 500);
    ktpel_image_free(&img);
}

int main(void)
{
    ktpel_test_dataset("fingerprint/fvc2002_db1_b"); /* skip (77) before cmocka starts */
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_dataset_png)};
    return cmocka_run_group_tests_name("image_dataset", tests, NULL, NULL);
}
