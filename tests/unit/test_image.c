/* Images: codecs, resolution carried through every format, malformed headers. */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/image.h"
#include "testutil.h"

static void make_pattern(ktpel_image *img, int w, int h, int channels, int dpi)
{
    assert_int_equal(ktpel_image_alloc(img, w, h, channels, dpi, NULL), KTPEL_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++)
                img->data[((size_t)y * w + x) * channels + c] = (uint8_t)(x * 3 + y * 5 + c * 70);
}

static void round_trip(ktpel_image_format fmt, int channels, bool lossless)
{
    ktpel_image img, back;
    ktpel_errbuf eb;
    make_pattern(&img, 37, 23, channels, 569);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_image_encode(&img, fmt, 95, &buf, &len, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_sniff(buf, len), fmt);
    int dpi = -1;
    assert_int_equal(ktpel_image_probe_dpi(buf, len, &dpi, &eb), KTPEL_OK);
    int expected_dpi = fmt == KTPEL_IMAGE_FORMAT_PGM ? 0 : 569;
    assert_int_equal(dpi, expected_dpi);
    assert_int_equal(ktpel_image_decode(buf, len, (ktpel_image_mode)channels, 300, &back, &eb),
                     KTPEL_OK);
    assert_int_equal(back.width, 37);
    assert_int_equal(back.height, 23);
    assert_int_equal(back.channels, channels);
    assert_int_equal(back.dpi, expected_dpi ? expected_dpi : 300); /* PGM: caller's default */
    size_t n = (size_t)37 * 23 * channels;
    if (lossless) {
        assert_memory_equal(back.data, img.data, n);
    } else {
        long err = 0;
        for (size_t i = 0; i < n; i++)
            err += labs((long)back.data[i] - img.data[i]);
        assert_true(err / (long)n < 12); /* JPEG at quality 95 stays close */
    }
    free(buf);
    ktpel_image_free(&img);
    ktpel_image_free(&back);
}

static void test_round_trips(void **state)
{
    (void)state;
    round_trip(KTPEL_IMAGE_FORMAT_PNG, 1, true);
    round_trip(KTPEL_IMAGE_FORMAT_PNG, 3, true);
    round_trip(KTPEL_IMAGE_FORMAT_TIFF, 1, true);
    round_trip(KTPEL_IMAGE_FORMAT_TIFF, 3, true);
    round_trip(KTPEL_IMAGE_FORMAT_BMP, 1, true);
    round_trip(KTPEL_IMAGE_FORMAT_BMP, 3, true);
    round_trip(KTPEL_IMAGE_FORMAT_PGM, 1, true);
    round_trip(KTPEL_IMAGE_FORMAT_JPEG, 1, false);
    round_trip(KTPEL_IMAGE_FORMAT_JPEG, 3, false);
}

static void test_convert(void **state)
{
    (void)state;
    ktpel_image rgb, grey, back;
    assert_int_equal(ktpel_image_alloc(&rgb, 2, 1, 3, 500, NULL), KTPEL_OK);
    memcpy(rgb.data, (uint8_t[]){255, 0, 0, 255, 255, 255}, 6);
    assert_int_equal(ktpel_image_convert(&rgb, KTPEL_IMAGE_GREY, &grey, NULL), KTPEL_OK);
    assert_int_equal(grey.data[0], 76); /* 0.299 * 255 */
    assert_int_equal(grey.data[1], 255);
    assert_int_equal(grey.dpi, 500);
    assert_int_equal(ktpel_image_convert(&grey, KTPEL_IMAGE_RGB, &back, NULL), KTPEL_OK);
    assert_int_equal(back.data[3], 255);
    assert_int_equal(back.data[0], 76);
    ktpel_image_free(&rgb);
    ktpel_image_free(&grey);
    ktpel_image_free(&back);
}

static void expect_reject(const uint8_t *buf, size_t len, ktpel_err code, const char *needle)
{
    ktpel_image img;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err rc = ktpel_image_decode(buf, len, KTPEL_IMAGE_GREY, 500, &img, &eb);
    if (rc == KTPEL_OK)
        fail_msg("accepted malformed data, expected '%s'", needle);
    if (rc != code)
        fail_msg("expected code %d for '%s', got %d: %s", code, needle, rc, eb.message);
    if (!strstr(eb.message, needle))
        fail_msg("message '%s' does not mention '%s'", eb.message, needle);
    assert_null(img.data);
}

static void test_malformed(void **state)
{
    (void)state;
    ktpel_image img;
    uint8_t *png = NULL;
    size_t png_len = 0;
    make_pattern(&img, 16, 16, 1, 500);
    assert_int_equal(ktpel_image_encode(&img, KTPEL_IMAGE_FORMAT_PNG, 0, &png, &png_len, NULL),
                     KTPEL_OK);

    expect_reject(NULL, 0, KTPEL_ETRUNCATED, "no data");
    expect_reject((const uint8_t *)"hello world", 11, KTPEL_EUNSUPPORTED, "not a JPEG");
    /* PNG cut inside IHDR */
    expect_reject(png, 20, KTPEL_ETRUNCATED, "IHDR");
    /* PNG cut inside the pixel data */
    expect_reject(png, png_len - 30, KTPEL_ETRUNCATED, "IDAT");
    /* PNG with damaged pixel data: the header is fine, the decoder must refuse */
    uint8_t *big = malloc(png_len);
    memcpy(big, png, png_len);
    uint8_t *idat = memmem(big, png_len, "IDAT", 4);
    assert_non_null(idat);
    size_t idat_len = (size_t)idat[-2] << 8 | idat[-1];
    for (size_t i = 6; i < idat_len; i++) /* past the zlib header */
        idat[i] ^= 0x5a;
    expect_reject(big, png_len, KTPEL_EFORMAT, "cannot decode");
    /* PNG claiming an enormous size */
    memcpy(big, png, png_len);
    big[16] = 0x7f; /* width high byte */
    expect_reject(big, png_len, KTPEL_ETOOBIG, "out of range");
    /* chunk length running past the end */
    memcpy(big, png, png_len);
    big[8] = 0x10;
    expect_reject(big, png_len, KTPEL_ETRUNCATED, "IHDR");
    free(big);

    /* JPEG whose first segment claims more bytes than exist */
    const uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x40, 0x00, 'J', 'F', 'I', 'F', 0};
    expect_reject(jpeg, sizeof jpeg, KTPEL_ETRUNCATED, "segment 0xE0");
    /* JPEG with no frame header */
    const uint8_t jpeg2[] = {0xFF, 0xD8, 0xFF, 0xD9};
    expect_reject(jpeg2, sizeof jpeg2, KTPEL_EFORMAT, "no frame header");

    /* BMP with an unknown header size, and a truncated one */
    uint8_t bmp[60] = {'B', 'M'};
    bmp[14] = 20;
    expect_reject(bmp, sizeof bmp, KTPEL_EFORMAT, "header size 20");
    expect_reject(bmp, 20, KTPEL_ETRUNCATED, "BMP");

    /* TIFF whose directory lies outside the file */
    const uint8_t tiff[] = {'I', 'I', '*', 0, 0xff, 0xff, 0, 0, 0, 0};
    expect_reject(tiff, sizeof tiff, KTPEL_EFORMAT, "directory offset");

    /* PGM without a height, and with a zero width */
    expect_reject((const uint8_t *)"P5 12", 5, KTPEL_EFORMAT, "height");
    expect_reject((const uint8_t *)"P5 0 4 255\n", 11, KTPEL_ETOOBIG, "out of range");

    free(png);
    ktpel_image_free(&img);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    char path[4200];
    ktpel_image img, back;
    ktpel_errbuf eb;
    make_pattern(&img, 30, 20, 1, 500);
    snprintf(path, sizeof path, "%s/finger.png", dir);
    assert_int_equal(ktpel_image_write(path, &img, 0, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &back, &eb), KTPEL_OK);
    assert_int_equal(back.dpi, 500);
    assert_memory_equal(back.data, img.data, 600);
    ktpel_image_free(&back);

    /* errors name the file */
    snprintf(path, sizeof path, "%s/missing.png", dir);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &back, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "missing.png"));
    snprintf(path, sizeof path, "%s/no-such-dir/out.png", dir);
    assert_int_equal(ktpel_image_write(path, &img, 0, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "out.png"));
    snprintf(path, sizeof path, "%s/out.xyz", dir);
    assert_int_equal(ktpel_image_write(path, &img, 0, &eb), KTPEL_EUNSUPPORTED);

    /* a garbage file named .png is rejected with its name */
    snprintf(path, sizeof path, "%s/garbage.png", dir);
    FILE *f = fopen(path, "wb");
    fputs("not an image at all", f);
    fclose(f);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &back, &eb), KTPEL_EUNSUPPORTED);
    assert_non_null(strstr(eb.message, "garbage.png"));

    ktpel_image_free(&img);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_alloc_limits(void **state)
{
    (void)state;
    ktpel_image img;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_alloc(&img, 0, 10, 1, 0, &eb), KTPEL_ETOOBIG);
    assert_int_equal(ktpel_image_alloc(&img, 10, 10, 2, 0, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_image_alloc(&img, KTPEL_IMAGE_MAX_SIDE + 1, 1, 1, 0, &eb),
                     KTPEL_ETOOBIG);
    assert_int_equal(ktpel_image_alloc(&img, 10, 10, 1, -5, &eb), KTPEL_EINVAL);
    ktpel_image_free(&img);
    ktpel_image_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),  cmocka_unit_test(test_convert),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_files),
        cmocka_unit_test(test_alloc_limits),
    };
    return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
