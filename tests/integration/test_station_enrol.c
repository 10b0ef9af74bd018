/* `ktpel station enrol` end to end (issue 6, "Done when"): one synthetic resident
 * (fixtures/population/E000003) enrolled with its ten fingers fed through libfprint's
 * virtual_image device, the photo and both irises through camera image sequences, the index
 * fingers re-captured (E000004 is the same person: its fresh captures are the re-captures),
 * the first re-capture of the right index finger deliberately another finger, so that it is
 * rejected and captured again. The sealed packet lands in the spool; `ktpel packet open`
 * accepts it and lists it; its images are the fed ones, pixel for pixel; `ktpel station send`
 * moves it to the inbox; and, where `ktpel ingest --inbox` exists, the data center stores it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ktpel/camera.h"
#include "ktpel/image.h"
#include "ktpel/packet.h"
#include "testutil.h"

#define OUT_SIZE (256 * 1024)

static char *tmp;
static char out[OUT_SIZE];
static char e3[4200], e4[4200], res_dir[4200], pki[4200];
static char nik[17];

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *data = ktpel_test_read_file(from, &len);
    if (!data)
        fail_msg("cannot read %s", from);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

static void copy_named(const char *from_dir, const char *name, const char *to_dir,
                       const char *to_name)
{
    char a[8500], b[8500];
    snprintf(a, sizeof a, "%s/%s", from_dir, name);
    snprintf(b, sizeof b, "%s/%s", to_dir, to_name ? to_name : name);
    copy_file(a, b);
}

/* Frame `index` of an image sequence in dir, from an image file. */
static void put_frame(const char *dir, unsigned index, const char *image, ktpel_image_mode mode)
{
    char frame[4400];
    ktpel_errbuf eb;
    ktpel_image img = {0};
    assert_int_equal(ktpel_camera_frame_path(dir, index, frame, sizeof frame, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_read(image, mode, 0, &img, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_write(frame, &img, 0, &eb), KTPEL_OK);
    ktpel_image_free(&img);
}

/* The resident's folder: E000003's record, signature pen points and fingers; the index
 * fingers' re-captures: finger_02_2 is E000003's right middle finger (wrong), finger_02_3 and
 * finger_07_2 E000004's fresh captures of the right and left index fingers. No face or iris
 * files: those come from the camera sequences. */
static void make_resident(void)
{
    snprintf(res_dir, sizeof res_dir, "%s/resident", tmp);
    assert_int_equal(mkdir(res_dir, 0755), 0);
    copy_named(e3, "record.txt", res_dir, NULL);
    copy_named(e3, "signature_1.csv", res_dir, NULL);
    for (int p = 1; p <= 10; p++) {
        char name[32];
        snprintf(name, sizeof name, "finger_%02d_1.png", p);
        copy_named(e3, name, res_dir, NULL);
    }
    copy_named(e3, "finger_03_1.png", res_dir, "finger_02_2.png");
    copy_named(e4, "finger_02_1.png", res_dir, "finger_02_3.png");
    copy_named(e4, "finger_07_1.png", res_dir, "finger_07_2.png");
    char dir[4400], img[4400];
    snprintf(dir, sizeof dir, "%s/face", tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(img, sizeof img, "%s/face_1.jpg", e3);
    put_frame(dir, 0, img, KTPEL_IMAGE_RGB);
    snprintf(dir, sizeof dir, "%s/iris", tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(img, sizeof img, "%s/iris_right_1.png", e3);
    put_frame(dir, 0, img, KTPEL_IMAGE_GREY);
    snprintf(img, sizeof img, "%s/iris_left_1.png", e3);
    put_frame(dir, 1, img, KTPEL_IMAGE_GREY);
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    const char *fx = getenv("KTPEL_FIXTURES");
    snprintf(e3, sizeof e3, "%s/population/E000003", fx ? fx : "fixtures");
    snprintf(e4, sizeof e4, "%s/population/E000004", fx ? fx : "fixtures");
    char rec[4300];
    snprintf(rec, sizeof rec, "%s/record.txt", e3);
    size_t len = 0;
    char *text = (char *)ktpel_test_read_file(rec, &len);
    assert_non_null(text);
    const char *p = strstr(text, "\nnik: ");
    assert_non_null(p);
    memcpy(nik, p + 6, 16);
    free(text);
    snprintf(pki, sizeof pki, "%s/pki", tmp);
    int rc = ktpel_test_ktpel(out, sizeof out, "pki init %s", pki);
    if (rc == 0)
        rc = ktpel_test_ktpel(out, sizeof out, "pki issue-station %s --station ST-3520-01", pki);
    if (rc != 0)
        fail_msg("pki: %s", out);
    make_resident();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

static int enrol(const char *spool, const char *extra)
{
    return ktpel_test_ktpel(out, sizeof out,
                            "station enrol --nik %s --station-cert %s/station-ST-3520-01.crt "
                            "--station-key %s/station-ST-3520-01.key --dc-cert %s/datacenter.crt "
                            "--spool %s --operator OP-0042 --from %s --virtual-scanner "
                            "--camera %s/face --iris-camera %s/iris --confirm %s",
                            nik, pki, pki, pki, spool, res_dir, tmp, tmp, extra);
}

static const ktpel_packet_capture *line_of(const ktpel_packet *p, const char *item, int attempts)
{
    for (size_t i = 0; i < ktpel_packet_capture_count(p); i++) {
        const ktpel_packet_capture *c = ktpel_packet_capture_at(p, i);
        if (strcmp(c->item, item) == 0 && (attempts < 0 || c->attempts == attempts))
            return c;
    }
    return NULL;
}

/* The packet's entry decodes to the same pixels as the file that was fed. */
static void assert_same_pixels(const ktpel_packet *p, const char *entry, const char *file)
{
    size_t len = 0;
    const uint8_t *data = ktpel_packet_find(p, entry, &len);
    if (!data)
        fail_msg("entry %s missing", entry);
    ktpel_image a = {0}, b = {0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_decode(data, len, KTPEL_IMAGE_GREY, 0, &a, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_read(file, KTPEL_IMAGE_GREY, 0, &b, &eb), KTPEL_OK);
    assert_int_equal(a.width, b.width);
    assert_int_equal(a.height, b.height);
    assert_memory_equal(a.data, b.data, (size_t)a.width * a.height);
    ktpel_image_free(&a);
    ktpel_image_free(&b);
}

/* Checks the packet in-process: every step's lines and the fed images. */
static void check_packet(const char *path)
{
    ktpel_errbuf eb;
    ktpel_pki_cert *dc = NULL;
    ktpel_pki_key *key = NULL;
    ktpel_pki_trust *trust = NULL;
    char f[4400];
    snprintf(f, sizeof f, "%s/datacenter.crt", pki);
    assert_int_equal(ktpel_pki_cert_load(f, &dc, &eb), KTPEL_OK);
    snprintf(f, sizeof f, "%s/datacenter.key", pki);
    assert_int_equal(ktpel_pki_key_load(f, &key, &eb), KTPEL_OK);
    snprintf(f, sizeof f, "%s/ca.crt", pki);
    assert_int_equal(ktpel_pki_trust_load(f, &trust, &eb), KTPEL_OK);
    ktpel_packet_open_options opt = {trust, dc, key, (int64_t)time(NULL), 86400, NULL, NULL};
    ktpel_packet *p = NULL;
    ktpel_packet_info info;
    ktpel_err rc = ktpel_packet_open_file(path, &opt, &p, &info, &eb);
    if (rc)
        fail_msg("open: %s", ktpel_errbuf_message(&eb));
    assert_string_equal(info.station_id, "ST-3520-01");
    const ktpel_packet_meta *m = ktpel_packet_get_meta(p);
    assert_string_equal(m->nik, nik);
    assert_string_equal(m->operator_id, "OP-0042");
    assert_true(m->resident_confirmed);
    for (int pos = 1; pos <= 10; pos++) {
        char item[16], entry[32], fed[4400];
        snprintf(item, sizeof item, "finger_%02d", pos);
        const ktpel_packet_capture *c = line_of(p, item, -1);
        assert_non_null(c);
        assert_string_equal(c->status, "captured");
        assert_string_equal(c->device, "libfprint:virtual_image");
        snprintf(entry, sizeof entry, "finger_%02d_1.png", pos);
        snprintf(fed, sizeof fed, "%s/%s", e3, entry);
        assert_same_pixels(p, entry, fed);
    }
    /* The deliberate mismatch, then the right finger. */
    const ktpel_packet_capture *c = line_of(p, "verify_finger_02", 1);
    assert_non_null(c);
    assert_string_equal(c->status, "mismatch");
    c = line_of(p, "verify_finger_02", 2);
    assert_non_null(c);
    assert_string_equal(c->status, "match");
    assert_string_equal(line_of(p, "verify_finger_07", 1)->status, "match");
    char fed[4400];
    snprintf(fed, sizeof fed, "%s/finger_02_1.png", e4);
    assert_same_pixels(p, "verify_finger_02_2.png", fed);
    /* Photo and irises through the image sequences. */
    assert_int_equal(strncmp(line_of(p, "face", -1)->device, "images:", 7), 0);
    assert_int_equal(strncmp(line_of(p, "iris_right", -1)->device, "images:", 7), 0);
    assert_string_equal(line_of(p, "iris_left", -1)->status, "captured");
    assert_non_null(ktpel_packet_find(p, "face_1.jpg", NULL));
    assert_non_null(ktpel_packet_find(p, "fingers_1.iso", NULL));
    assert_non_null(ktpel_packet_find(p, "signature_1.csv", NULL));
    assert_non_null(ktpel_packet_find(p, "confirmation.txt", NULL));
    ktpel_packet_free(p);
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(key);
    ktpel_pki_trust_free(trust);
}

/* Where ingest of packets has landed (`ktpel ingest --inbox DIR --dc-key K --ca C`). */
static int ingest_has_inbox(void)
{
    ktpel_test_ktpel(out, sizeof out, "ingest --help");
    return strstr(out, "--inbox") != NULL;
}

static void test_enrol_seal_send_ingest(void **state)
{
    (void)state;
    char spool[4400], inbox[4400], json[4096];
    snprintf(spool, sizeof spool, "%s/spool", tmp);
    snprintf(inbox, sizeof inbox, "%s/inbox", tmp);
    int rc = enrol(spool, "--quiet --json");
    if (rc != 0)
        fail_msg("station enrol (exit %d): %s", rc, out);
    printf("%s", out);
    /* The JSON result (the last line; libfprint may warn on stderr before it). */
    const char *j = strstr(out, "{\"file\"");
    assert_non_null(j);
    snprintf(json, sizeof json, "%s", j);
    assert_non_null(strstr(json, "\"fingers_captured\":10"));
    assert_non_null(strstr(json, "\"irises_captured\":2"));
    assert_non_null(strstr(json, "{\"finger\":2,\"attempts\":2,"));
    assert_non_null(strstr(json, "{\"finger\":7,\"attempts\":1,"));
    char id[33];
    const char *pid = strstr(json, "\"packet_id\":\"");
    assert_non_null(pid);
    memcpy(id, pid + 13, 32);
    id[32] = 0;
    char path[4500];
    snprintf(path, sizeof path, "%s/%s.ktp", spool, id);
    check_packet(path);

    /* ktpel packet open accepts it and lists its contents. */
    rc = ktpel_test_ktpel(out, sizeof out,
                          "packet open %s --dc-key %s/datacenter.key --ca %s/ca.crt", path, pki,
                          pki);
    if (rc != 0)
        fail_msg("packet open: %s", out);
    printf("%s", out);
    const char *listed[] = {"OK",
                            "OP-0042",
                            "face_1.jpg",
                            "finger_10_1.png",
                            "fingers_1.iso",
                            "iris_left_1.png",
                            "verify_finger_02_2.png",
                            "mismatch",
                            "libfprint:virtual_image"};
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
        if (!strstr(out, listed[i]))
            fail_msg("packet open does not list %s", listed[i]);

    /* station send: into the inbox, out of the spool. */
    assert_int_equal(mkdir(inbox, 0755), 0);
    rc = ktpel_test_ktpel(out, sizeof out, "station send --spool %s --inbox %s", spool, inbox);
    if (rc != 0)
        fail_msg("station send: %s", out);
    char sent[4500];
    snprintf(sent, sizeof sent, "%s/%s.ktp", inbox, id);
    struct stat st;
    assert_int_equal(stat(sent, &st), 0);
    assert_int_not_equal(stat(path, &st), 0);

    if (!ingest_has_inbox()) {
        printf("NOTE: `ktpel ingest --inbox` is not available yet: the ingest of the sent packet "
               "is not checked\n");
        return;
    }
    rc = ktpel_test_ktpel(out, sizeof out,
                          "ingest --store %s/store --inbox %s --dc-key %s/datacenter.key --ca "
                          "%s/ca.crt",
                          tmp, inbox, pki, pki);
    printf("%s", out);
    if (rc != 0)
        fail_msg("ingest --inbox (exit %d): %s", rc, out);
    assert_non_null(strstr(out, nik));
    assert_non_null(strstr(out, "1 stored"));
    char done[4600];
    snprintf(done, sizeof done, "%s/done/%s.ktp", inbox, id);
    assert_int_equal(stat(done, &st), 0);
}

/* A record of another NIK, a resident who does not confirm: exit 1, nothing in the spool. */
static void test_enrol_refused(void **state)
{
    (void)state;
    char spool[4400];
    snprintf(spool, sizeof spool, "%s/spool-refused", tmp);
    char saved[17];
    memcpy(saved, nik, sizeof saved);
    memcpy(nik, "3520010101010001", 17);
    int rc = enrol(spool, "--quiet");
    memcpy(nik, saved, sizeof saved);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "3520010101010001"));
    struct stat st;
    assert_int_not_equal(stat(spool, &st), 0);
    /* Usage errors. */
    assert_int_equal(ktpel_test_ktpel(out, sizeof out, "station enrol --nik %s", nik), 2);
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "station enrol --nik %s --station-cert a --station-key b "
                                      "--dc-cert c --spool d --operator e --from f "
                                      "--missing 11:amputated",
                                      nik),
                     2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrol_seal_send_ingest),
        cmocka_unit_test(test_enrol_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
