/* ktpel card / ktpel chip: the personalisation of one card, by hand: its print (PNG and PDF)
 * and its chip data (write, and read with every check). The batch run over the store is
 * `ktpel personalize`. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "ktpel/application.h"
#include "ktpel/card_print.h"
#include "ktpel/chip.h"
#include "ktpel/file.h"
#include "ktpel/fp_extract.h"
#include "ktpel/image.h"
#include "ktpel/pki.h"
#include "ktpel/personalize.h"

static const char card_usage[] =
    "usage: ktpel card render --resident DIR|RECORD [--photo IMG] [--signature IMG]\n"
    "                         -o OUT.png [--pdf OUT.pdf] [--issue-place P] [--issue-date D]\n\n"
    "Renders the front of the KTP-el (85.60 x 53.98 mm) as a 300 dpi PNG (1011 x 638) and,\n"
    "with --pdf, as a PDF page of the card's size for the card printer.\n"
    "  --resident   an enrolment folder (record.txt, face_1.jpg, signature_1.png) or an\n"
    "               application file (record.txt format)\n"
    "  --photo, --signature  images (default: face_1.jpg, signature_1.png of the folder)\n"
    "  --issue-place  place of issue as printed (default: the kabupaten/kota without\n"
    "               \"KABUPATEN \"/\"KOTA \")\n"
    "  --issue-date   YYYY-MM-DD or DD-MM-YYYY (default: today in Jakarta)\n"
    "Texts that do not fit are shrunk, then wrapped, then cut with an ellipsis; every such\n"
    "text is reported.\n";

static const char chip_usage[] =
    "usage: ktpel chip write --resident DIR|RECORD [--photo IMG] [--signature IMG]\n"
    "                        [--right-index ISO|IMG] [--left-index ISO|IMG]\n"
    "                        (--pki DIR | --ds-cert CERT --ds-key KEY)\n"
    "                        [--issue-place P] [--issue-date D] -o CHIPFILE\n"
    "       ktpel chip read CHIPFILE --csca CERT [--at DATE] [--json] [--extract DIR]\n\n"
    "write  builds the chip data (docs/chip-format.md): DG1 demographics, DG2 face (JPEG,\n"
    "       at most 240x320), DG3 both index fingers (ISO 19794-2, at most 48 minutiae\n"
    "       each; from ISO records or extracted from finger images; default the folder's\n"
    "       finger_02_1.png and finger_07_1.png), DG7 signature (JPEG), and the EF.SOD\n"
    "       signed by the document signer (--pki DIR: document-signer.crt/.key of\n"
    "       `ktpel pki init`).\n"
    "read   checks the chip against the trusted CSCA certificate(s) in CERT: structure and\n"
    "       sizes, the DS certificate's chain and validity (at --at DATE, default now), the\n"
    "       signature, every data group's hash; prints the data groups, or names what\n"
    "       fails (exit status 1). --extract DIR writes face.jpg, signature.jpg,\n"
    "       right_index.iso and left_index.iso of a valid chip.\n";

typedef struct opts {
    const char *resident, *photo, *signature, *right, *left;
    const char *pki, *ds_cert, *ds_key, *csca, *out, *pdf, *extract;
    const char *issue_place, *issue_date, *at;
    const char *positional;
    bool json;
} opts;

typedef struct opt_spec {
    const char *name;
    size_t offset;
} opt_spec;

static const opt_spec value_options[] = {
    {"--resident", offsetof(opts, resident)},
    {"--photo", offsetof(opts, photo)},
    {"--signature", offsetof(opts, signature)},
    {"--right-index", offsetof(opts, right)},
    {"--left-index", offsetof(opts, left)},
    {"--pki", offsetof(opts, pki)},
    {"--ds-cert", offsetof(opts, ds_cert)},
    {"--ds-key", offsetof(opts, ds_key)},
    {"--csca", offsetof(opts, csca)},
    {"-o", offsetof(opts, out)},
    {"--output", offsetof(opts, out)},
    {"--pdf", offsetof(opts, pdf)},
    {"--extract", offsetof(opts, extract)},
    {"--issue-place", offsetof(opts, issue_place)},
    {"--issue-date", offsetof(opts, issue_date)},
    {"--at", offsetof(opts, at)},
};

/* Parses argv[1..]; returns CLI_OK, or prints and returns CLI_USAGE (or CLI_OK with *help). */
static int parse(int argc, char **argv, const char *usage, opts *o, bool *help)
{
    memset(o, 0, sizeof *o);
    *help = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            *help = true;
            return CLI_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof value_options / sizeof value_options[0]; k++) {
            if (strcmp(argv[i], value_options[k].name) != 0)
                continue;
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a value", argv[i]);
            *(const char **)((char *)o + value_options[k].offset) = argv[++i];
            known = true;
            break;
        }
        if (known)
            continue;
        if (argv[i][0] == '-')
            return cli_usage_error("%s: unknown option '%s'", argv[0], argv[i]);
        if (o->positional)
            return cli_usage_error("%s: unexpected argument '%s'", argv[0], argv[i]);
        o->positional = argv[i];
    }
    return CLI_OK;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The record and the folder it came from ("" for a lone record file). */
static int load_resident(const char *arg, ktpel_resident *r, char *dir, size_t dir_size)
{
    char path[4096];
    dir[0] = '\0';
    if (is_dir(arg)) {
        snprintf(dir, dir_size, "%s", arg);
        snprintf(path, sizeof path, "%s/record.txt", arg);
    } else {
        snprintf(path, sizeof path, "%s", arg);
    }
    ktpel_application *app = malloc(sizeof *app);
    if (!app)
        return cli_fail("out of memory");
    ktpel_errbuf eb;
    ktpel_err err = ktpel_application_load(path, app, &eb);
    if (!err)
        *r = app->resident;
    free(app);
    return err ? cli_fail_err(&eb) : CLI_OK;
}

/* An option's value, or DIR/default_name when the resident came as a folder. */
static const char *default_path(const char *given, const char *dir, const char *name, char *buf,
                                size_t size)
{
    if (given)
        return given;
    if (!dir[0])
        return NULL;
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

static int issue_fields(const opts *o, const ktpel_resident *r, char *place, size_t size,
                        ktpel_date *date)
{
    if (o->issue_place)
        snprintf(place, size, "%s", o->issue_place);
    else
        ktpel_personalize_issue_place(r, place, size);
    if (!o->issue_date) {
        *date = ktpel_date_jakarta(time(NULL));
        return CLI_OK;
    }
    ktpel_errbuf eb;
    if (ktpel_date_parse(o->issue_date, "--issue-date", date, &eb) != KTPEL_OK)
        return cli_usage_error("%s", ktpel_errbuf_message(&eb));
    return CLI_OK;
}

/* ---- ktpel card render ---- */

static int card_render(int argc, char **argv)
{
    opts o;
    bool help;
    int rc = parse(argc, argv, card_usage, &o, &help);
    if (rc != CLI_OK || help)
        return rc;
    if (!o.resident || !o.out)
        return cli_usage_error("card render needs --resident and -o\n%s", card_usage);
    ktpel_resident r;
    char dir[4096], photo_buf[4200], sig_buf[4200], place[256];
    if ((rc = load_resident(o.resident, &r, dir, sizeof dir)) != CLI_OK)
        return rc;
    const char *photo = default_path(o.photo, dir, "face_1.jpg", photo_buf, sizeof photo_buf);
    const char *sig = default_path(o.signature, dir, "signature_1.png", sig_buf, sizeof sig_buf);
    if (!photo || !sig)
        return cli_usage_error("card render: --photo and --signature are needed with a record "
                               "file");
    ktpel_card_input in = {&r, place, {0, 0, 0}, NULL, NULL};
    if ((rc = issue_fields(&o, &r, place, sizeof place, &in.issue_date)) != CLI_OK)
        return rc;
    ktpel_image photo_img = {0}, sig_img = {0};
    ktpel_errbuf eb;
    ktpel_card_report *rep = calloc(1, sizeof *rep);
    ktpel_err err = rep ? KTPEL_OK : ktpel_fail(&eb, KTPEL_ENOMEM, "out of memory");
    if (!err)
        err = ktpel_image_read(photo, KTPEL_IMAGE_RGB, 0, &photo_img, &eb);
    if (!err)
        err = ktpel_image_read(sig, KTPEL_IMAGE_GREY, 0, &sig_img, &eb);
    in.photo = &photo_img;
    in.signature = &sig_img;
    if (!err)
        err = ktpel_card_write_png(&in, o.out, rep, &eb);
    if (!err && o.pdf)
        err = ktpel_card_write_pdf(&in, o.pdf, NULL, &eb);
    ktpel_image_free(&photo_img);
    ktpel_image_free(&sig_img);
    ktpel_card_print_release_caches(); /* the command ends here: a clean exit under ASan */
    if (err) {
        free(rep);
        return cli_fail_err(&eb);
    }
    printf("card: %s (%d x %d px, %d dpi)%s%s\n", o.out,
           (int)(KTPEL_CARD_WIDTH_MM / 25.4 * KTPEL_CARD_DPI + 0.5),
           (int)(KTPEL_CARD_HEIGHT_MM / 25.4 * KTPEL_CARD_DPI + 0.5), KTPEL_CARD_DPI,
           o.pdf ? ", " : "", o.pdf ? o.pdf : "");
    for (size_t i = 0; i < rep->count; i++) {
        const ktpel_card_text *t = &rep->texts[i];
        if (t->shrunk || t->wrapped || t->ellipsized)
            printf("  %s: %.2f pt (nominal %.2f)%s%s\n", t->name, t->size_pt, t->nominal_pt,
                   t->wrapped ? ", wrapped" : "", t->ellipsized ? ", CUT WITH AN ELLIPSIS" : "");
    }
    free(rep);
    return CLI_OK;
}

int cmd_card(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(card_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "render") == 0)
        return card_render(argc - 1, argv + 1);
    return cli_usage_error("card: unknown subcommand '%s'\n%s", argv[1], card_usage);
}

/* ---- ktpel chip write ---- */

/* A template from an ISO 19794-2 file, or extracted from a finger image. */
static ktpel_err load_finger(const char *path, ktpel_fp_template *t, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, (size_t)64 << 20, &data, &len, eb);
    if (err)
        return err;
    bool iso = ktpel_iso19794_2_sniff(data, len);
    free(data);
    if (iso)
        return ktpel_iso19794_2_read_file(path, t, eb);
    ktpel_image img = {0};
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    err = ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &img, eb);
    if (!err)
        err = ktpel_fp_extract(&img, NULL, f, eb);
    if (!err)
        err = ktpel_fp_template_init(t, f->width, f->height, f->dpi, f->minutiae, f->count, eb);
    if (!err)
        t->views[0].quality = (uint8_t)f->quality;
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    ktpel_image_free(&img);
    free(f);
    return err;
}

/* Reads an image and encodes it as a JPEG for the chip. */
static ktpel_err chip_image(const char *path, ktpel_image_mode mode, int w, int h, size_t max,
                            uint8_t **jpeg, size_t *len, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_read(path, mode, 0, &img, eb);
    if (!err && (err = ktpel_chip_jpeg(&img, w, h, max, jpeg, len, eb)))
        ktpel_fail_context(eb, "%s: ", path);
    ktpel_image_free(&img);
    return err;
}

typedef struct chip_job {
    ktpel_resident resident;
    char place[256];
    uint8_t *face, *sig;
    size_t face_len, sig_len;
    ktpel_fp_template *right, *left;
    ktpel_pki_cert *cert;
    ktpel_pki_key *key;
} chip_job;

static void chip_job_free(chip_job *j)
{
    free(j->face);
    free(j->sig);
    free(j->right);
    free(j->left);
    ktpel_pki_cert_free(j->cert);
    ktpel_pki_key_free(j->key);
    free(j);
}

static ktpel_err load_signer(const opts *o, chip_job *j, ktpel_errbuf *eb)
{
    char cert[4200], key[4200];
    const char *cert_path = o->ds_cert, *key_path = o->ds_key;
    if (o->pki) {
        snprintf(cert, sizeof cert, "%s/%s", o->pki, KTPEL_PKI_DS_CERT);
        snprintf(key, sizeof key, "%s/%s", o->pki, KTPEL_PKI_DS_KEY);
        cert_path = cert;
        key_path = key;
    }
    ktpel_err err = ktpel_pki_cert_load(cert_path, &j->cert, eb);
    if (!err)
        err = ktpel_pki_key_load(key_path, &j->key, eb);
    if (!err && !ktpel_pki_key_matches(j->key, j->cert))
        err = ktpel_fail(eb, KTPEL_EINVAL, "%s is not the key of %s", key_path, cert_path);
    return err;
}

static int chip_write(int argc, char **argv)
{
    opts o;
    bool help;
    int rc = parse(argc, argv, chip_usage, &o, &help);
    if (rc != CLI_OK || help)
        return rc;
    if (!o.resident || !o.out)
        return cli_usage_error("chip write needs --resident and -o\n%s", chip_usage);
    if (!o.pki && (!o.ds_cert || !o.ds_key))
        return cli_usage_error("chip write needs --pki DIR or --ds-cert and --ds-key");
    chip_job *j = calloc(1, sizeof *j);
    if (!j)
        return cli_fail("out of memory");
    char dir[4096], b1[4200], b2[4200], b3[4200], b4[4200];
    if ((rc = load_resident(o.resident, &j->resident, dir, sizeof dir)) != CLI_OK) {
        chip_job_free(j);
        return rc;
    }
    const char *photo = default_path(o.photo, dir, "face_1.jpg", b1, sizeof b1);
    const char *sig = default_path(o.signature, dir, "signature_1.png", b2, sizeof b2);
    const char *right = default_path(o.right, dir, "finger_02_1.png", b3, sizeof b3);
    const char *left = default_path(o.left, dir, "finger_07_1.png", b4, sizeof b4);
    if (!photo || !sig || !right || !left) {
        chip_job_free(j);
        return cli_usage_error("chip write: --photo, --signature, --right-index and "
                               "--left-index are needed with a record file");
    }
    ktpel_chip_input in = {&j->resident, j->place, {0, 0, 0}, NULL, 0, NULL, NULL, NULL, 0};
    if ((rc = issue_fields(&o, &j->resident, j->place, sizeof j->place, &in.issue_date))) {
        chip_job_free(j);
        return rc;
    }
    ktpel_errbuf eb;
    j->right = malloc(sizeof *j->right);
    j->left = malloc(sizeof *j->left);
    ktpel_err err = j->right && j->left ? KTPEL_OK : ktpel_fail(&eb, KTPEL_ENOMEM, "out of memory");
    if (!err)
        err = chip_image(photo, KTPEL_IMAGE_RGB, 240, 320, 16384, &j->face, &j->face_len, &eb);
    if (!err)
        err = chip_image(sig, KTPEL_IMAGE_GREY, 320, 160, 6144, &j->sig, &j->sig_len, &eb);
    if (!err)
        err = load_finger(right, j->right, &eb);
    if (!err)
        err = load_finger(left, j->left, &eb);
    if (!err)
        err = load_signer(&o, j, &eb);
    in.face_jpeg = j->face;
    in.face_len = j->face_len;
    in.signature_jpeg = j->sig;
    in.signature_len = j->sig_len;
    in.right_index = j->right;
    in.left_index = j->left;
    if (!err)
        err = ktpel_chip_write_file(o.out, &in, j->cert, j->key, 0, &eb);
    if (!err) {
        struct stat st;
        printf("chip: %s: %lld bytes (face JPEG %zu, signature JPEG %zu, minutiae right %d -> "
               "%d, left %d -> %d)\n",
               o.out, stat(o.out, &st) == 0 ? (long long)st.st_size : -1LL, j->face_len, j->sig_len,
               j->right->views[0].count,
               j->right->views[0].count < KTPEL_CHIP_MINUTIAE_MAX ? j->right->views[0].count
                                                                  : KTPEL_CHIP_MINUTIAE_MAX,
               j->left->views[0].count,
               j->left->views[0].count < KTPEL_CHIP_MINUTIAE_MAX ? j->left->views[0].count
                                                                 : KTPEL_CHIP_MINUTIAE_MAX);
    }
    chip_job_free(j);
    return err ? cli_fail_err(&eb) : CLI_OK;
}

/* ---- ktpel chip read ---- */

static int parse_at(const char *text, int64_t *at)
{
    if (!text) {
        *at = 0;
        return CLI_OK;
    }
    ktpel_date d;
    ktpel_errbuf eb;
    if (ktpel_date_parse(text, "--at", &d, &eb) != KTPEL_OK)
        return cli_usage_error("%s", ktpel_errbuf_message(&eb));
    /* Noon in Jakarta (05:00 UTC) of that day. */
    *at = ktpel_date_to_days(d) * 86400 + 5 * 3600;
    return CLI_OK;
}

static const int dg_numbers[] = {1, 2, 3, 7};

static void print_json(const char *file, const ktpel_chip_report *rep, const ktpel_chip_contents *c,
                       bool valid)
{
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "file", file);
    cli_json_bool(&j, "valid", valid);
    cli_json_string(&j, "verdict", ktpel_chip_verdict_name(rep->verdict));
    cli_json_string(&j, "part", valid ? NULL : rep->part);
    cli_json_string(&j, "message", rep->message);
    cli_json_begin_object(&j, "sizes");
    cli_json_int(&j, "file", (long long)rep->file_size);
    cli_json_int(&j, "EF.COM", (long long)rep->com_size);
    for (size_t i = 0; i < 4; i++) {
        char key[8];
        snprintf(key, sizeof key, "DG%d", dg_numbers[i]);
        cli_json_int(&j, key, (long long)rep->dg_size[dg_numbers[i]]);
    }
    cli_json_int(&j, "EF.SOD", (long long)rep->sod_size);
    cli_json_end_object(&j);
    cli_json_begin_object(&j, "signer");
    cli_json_string(&j, "subject", rep->signer_subject[0] ? rep->signer_subject : NULL);
    cli_json_string(&j, "issuer", rep->signer_issuer[0] ? rep->signer_issuer : NULL);
    cli_json_string(&j, "not_after", rep->signer_not_after[0] ? rep->signer_not_after : NULL);
    cli_json_end_object(&j);
    if (valid) {
        char text[KTPEL_CARD_FIELD_TEXT_MAX];
        cli_json_begin_object(&j, "DG1");
        for (size_t i = 0; i < KTPEL_FIELD_COUNT; i++)
            cli_json_string(&j, ktpel_resident_field_name(i),
                            ktpel_card_field_text(&c->resident, i, text, sizeof text));
        cli_json_string(&j, "issue_place", c->issue_place);
        cli_json_string(&j, "issue_date", ktpel_date_format_card(c->issue_date, text, sizeof text));
        cli_json_end_object(&j);
        cli_json_int(&j, "face_jpeg_bytes", (long long)c->face_len);
        cli_json_int(&j, "right_index_minutiae", c->right_index->views[0].count);
        cli_json_int(&j, "left_index_minutiae", c->left_index->views[0].count);
        cli_json_int(&j, "signature_jpeg_bytes", (long long)c->signature_len);
    }
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static void print_text(const char *file, const ktpel_chip_report *rep, const ktpel_chip_contents *c,
                       bool valid)
{
    if (!valid) {
        printf("%s: INVALID (%s) in %s\n  %s\n", file, ktpel_chip_verdict_name(rep->verdict),
               rep->part, rep->message);
        return;
    }
    printf("%s: VALID, %zu bytes\n  signed by %s, issued by %s, valid until %s\n", file,
           rep->file_size, rep->signer_subject, rep->signer_issuer, rep->signer_not_after);
    printf("  EF.COM %zu, DG1 %zu, DG2 %zu, DG3 %zu, DG7 %zu, EF.SOD %zu bytes; all hashes match\n",
           rep->com_size, rep->dg_size[1], rep->dg_size[2], rep->dg_size[3], rep->dg_size[7],
           rep->sod_size);
    char text[KTPEL_CARD_FIELD_TEXT_MAX];
    for (size_t i = 0; i < KTPEL_FIELD_COUNT; i++)
        printf("  %-18s %s\n", ktpel_resident_field_name(i),
               ktpel_card_field_text(&c->resident, i, text, sizeof text));
    printf("  %-18s %s, %s\n", "issued", c->issue_place,
           ktpel_date_format_card(c->issue_date, text, sizeof text));
    printf("  DG2 face: %zu-byte JPEG; DG3: right index %d, left index %d minutiae; DG7 "
           "signature: %zu-byte JPEG\n",
           c->face_len, c->right_index->views[0].count, c->left_index->views[0].count,
           c->signature_len);
}

static ktpel_err extract(const char *dir, const ktpel_chip_contents *c, ktpel_errbuf *eb)
{
    char path[4200];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder", dir);
    snprintf(path, sizeof path, "%s/face.jpg", dir);
    ktpel_err err = ktpel_file_write_atomic(path, c->face_jpeg, c->face_len, eb);
    if (!err) {
        snprintf(path, sizeof path, "%s/signature.jpg", dir);
        err = ktpel_file_write_atomic(path, c->signature_jpeg, c->signature_len, eb);
    }
    if (!err) {
        snprintf(path, sizeof path, "%s/right_index.iso", dir);
        err = ktpel_iso19794_2_write_file(path, c->right_index, eb);
    }
    if (!err) {
        snprintf(path, sizeof path, "%s/left_index.iso", dir);
        err = ktpel_iso19794_2_write_file(path, c->left_index, eb);
    }
    return err;
}

static int chip_read(int argc, char **argv)
{
    opts o;
    bool help;
    int rc = parse(argc, argv, chip_usage, &o, &help);
    if (rc != CLI_OK || help)
        return rc;
    if (!o.positional || !o.csca)
        return cli_usage_error("chip read needs CHIPFILE and --csca CERT\n%s", chip_usage);
    int64_t at = 0;
    if ((rc = parse_at(o.at, &at)) != CLI_OK)
        return rc;
    ktpel_errbuf eb;
    ktpel_pki_trust *trust = NULL;
    if (ktpel_pki_trust_load(o.csca, &trust, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    ktpel_chip_contents c;
    ktpel_chip_report rep;
    ktpel_err err = ktpel_chip_read_file(o.positional, trust, at, &c, &rep, &eb);
    ktpel_pki_trust_free(trust);
    bool valid = err == KTPEL_OK;
    if (o.json)
        print_json(o.positional, &rep, &c, valid);
    else
        print_text(o.positional, &rep, &c, valid);
    if (valid && o.extract && extract(o.extract, &c, &eb) != KTPEL_OK) {
        ktpel_chip_contents_free(&c);
        return cli_fail_err(&eb);
    }
    ktpel_chip_contents_free(&c);
    return valid ? CLI_OK : CLI_FAIL;
}

int cmd_chip(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(chip_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "write") == 0)
        return chip_write(argc - 1, argv + 1);
    if (strcmp(argv[1], "read") == 0)
        return chip_read(argc - 1, argv + 1);
    return cli_usage_error("chip: unknown subcommand '%s'\n%s", argv[1], chip_usage);
}
