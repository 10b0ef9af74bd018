/* ktpel photo check: the station's photo check (include/ktpel/photo.h) on image files, and
 * ktpel signature: a signature image from a scan or a pad's pen points
 * (include/ktpel/signature.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ktpel/image.h"
#include "ktpel/photo.h"
#include "ktpel/signature.h"

static const char photo_usage[] =
    "usage: ktpel photo check IMAGE... [-o OUT.jpg] [--json] [--cascades DIR]\n\n"
    "Checks each photo against the KTP-el portrait rules (ISO/IEC 19794-5 full frontal,\n"
    "ICAO style; docs/photo.md): one face, eyes found and level, enough pixels between the\n"
    "eyes, the 3:4 portrait fits in the frame, sharp, well exposed, plain background. Prints\n"
    "ACCEPTED or REJECTED with every failed rule (code, message in Bahasa Indonesia and\n"
    "English, what was measured). With one IMAGE, -o writes the accepted portrait (3:4, JPEG\n"
    "with its resolution). --cascades DIR: the OpenCV Haar cascades (default\n"
    "/usr/share/opencv4/haarcascades). Exit status 0 if every photo is accepted, 1 if not.\n";

static void print_text(const char *path, const ktpel_photo_report *rep)
{
    printf("%s: %s", path, rep->accepted ? "ACCEPTED" : "REJECTED");
    for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++)
        if (rep->failed & (1u << r))
            printf(" %s", ktpel_photo_rule_code((ktpel_photo_rule)r));
    printf("\n");
    if (rep->faces)
        printf("  faces %zu, eyes %s, eye distance %.0f px, roll %.1f deg, blur %.2f%%, face "
               "median %.0f range %.0f, background edges %.1f%% spread %.0f\n",
               rep->faces, rep->eyes_found ? "found" : "not found", rep->eye_distance,
               rep->roll_deg, rep->blur_sigma, rep->face_median, rep->face_range,
               100 * rep->background_edges, rep->background_spread);
    for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++)
        if (rep->failed & (1u << r))
            printf("  - %s: %s / %s (%s)\n", ktpel_photo_rule_code((ktpel_photo_rule)r),
                   ktpel_photo_rule_message_id((ktpel_photo_rule)r),
                   ktpel_photo_rule_message_en((ktpel_photo_rule)r), rep->detail[r]);
}

static void print_json(cli_json *j, const char *path, const ktpel_photo_report *rep,
                       const char *written)
{
    cli_json_begin_object(j, NULL);
    cli_json_string(j, "file", path);
    cli_json_bool(j, "accepted", rep->accepted);
    cli_json_int(j, "faces", (long long)rep->faces);
    cli_json_bool(j, "eyes_found", rep->eyes_found);
    cli_json_double(j, "eye_distance_px", rep->eye_distance);
    cli_json_double(j, "roll_deg", rep->roll_deg);
    cli_json_double(j, "blur_percent", rep->blur_sigma);
    cli_json_double(j, "face_median", rep->face_median);
    cli_json_double(j, "face_range", rep->face_range);
    cli_json_double(j, "background_edges", rep->background_edges);
    cli_json_double(j, "background_spread", rep->background_spread);
    if (rep->crop_found) {
        cli_json_begin_object(j, "crop");
        cli_json_int(j, "x", rep->crop.x);
        cli_json_int(j, "y", rep->crop.y);
        cli_json_int(j, "width", rep->crop.width);
        cli_json_int(j, "height", rep->crop.height);
        cli_json_end_object(j);
    }
    cli_json_begin_array(j, "failed");
    for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++)
        if (rep->failed & (1u << r)) {
            cli_json_begin_object(j, NULL);
            cli_json_string(j, "code", ktpel_photo_rule_code((ktpel_photo_rule)r));
            cli_json_string(j, "message_id", ktpel_photo_rule_message_id((ktpel_photo_rule)r));
            cli_json_string(j, "message_en", ktpel_photo_rule_message_en((ktpel_photo_rule)r));
            cli_json_string(j, "measured", rep->detail[r]);
            cli_json_end_object(j);
        }
    cli_json_end_array(j);
    cli_json_string(j, "portrait", written);
    cli_json_end_object(j);
}

/* Checks one file; writes the portrait to out if accepted. Sets *accepted. */
static int check_one(ktpel_photo_checker *pc, const char *path, const char *out, bool json,
                     cli_json *j, bool *accepted)
{
    ktpel_errbuf eb;
    ktpel_image img = {0};
    ktpel_photo_report rep;
    if (ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &img, &eb) != KTPEL_OK ||
        ktpel_photo_check(pc, &img, &rep, &eb) != KTPEL_OK) {
        ktpel_image_free(&img);
        return cli_fail_err(&eb);
    }
    const char *written = NULL;
    if (out && rep.accepted) {
        ktpel_image portrait = {0};
        ktpel_err rc = ktpel_photo_portrait(&img, &rep, &portrait, &eb);
        if (rc == KTPEL_OK)
            rc = ktpel_photo_write_jpeg(out, &portrait, &eb);
        ktpel_image_free(&portrait);
        if (rc != KTPEL_OK) {
            ktpel_image_free(&img);
            return cli_fail_err(&eb);
        }
        written = out;
    }
    ktpel_image_free(&img);
    if (json)
        print_json(j, path, &rep, written);
    else {
        print_text(path, &rep);
        if (written)
            printf("  portrait written to %s\n", written);
    }
    *accepted = rep.accepted;
    return CLI_OK;
}

static int photo_check(int argc, char **argv)
{
    const char *out = NULL, *cascades = NULL;
    bool json = false;
    int first = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(photo_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (++i >= argc)
                return cli_usage_error("photo check: -o needs a file name");
            out = argv[i];
        } else if (strcmp(argv[i], "--cascades") == 0) {
            if (++i >= argc)
                return cli_usage_error("photo check: --cascades needs a folder");
            cascades = argv[i];
        } else if (argv[i][0] == '-') {
            return cli_usage_error("photo check: unknown option '%s'", argv[i]);
        } else if (nfiles++ == 0) {
            first = i;
        }
    }
    if (nfiles == 0)
        return cli_usage_error("photo check: no image given\n%s", photo_usage);
    if (out && nfiles > 1)
        return cli_usage_error("photo check: -o takes one image only");
    ktpel_errbuf eb;
    ktpel_photo_checker *pc = NULL;
    if (ktpel_photo_checker_create(cascades, &pc, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    cli_json j;
    if (json) {
        cli_json_init(&j, stdout);
        cli_json_begin_array(&j, NULL);
    }
    int status = CLI_OK;
    for (int i = first; i < argc; i++) {
        if (argv[i][0] == '-') {
            i += strcmp(argv[i], "--json") != 0; /* skip the option's value */
            continue;
        }
        bool accepted = false;
        int rc = check_one(pc, argv[i], out, json, &j, &accepted);
        if (rc != CLI_OK || !accepted)
            status = CLI_FAIL;
    }
    if (json) {
        cli_json_end_array(&j);
        cli_json_finish(&j);
    }
    ktpel_photo_checker_free(pc);
    return status;
}

int cmd_photo(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(photo_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return photo_check(argc - 1, argv + 1);
    return cli_usage_error("photo: unknown subcommand '%s' (see 'ktpel photo --help')", argv[1]);
}

static const char signature_usage[] =
    "usage: ktpel signature IMAGE -o OUT.png\n"
    "       ktpel signature --pen FILE -o OUT.png\n\n"
    "Makes the enrolment's signature image: from a scanned or photographed signature (dark\n"
    "ink on light paper: Otsu threshold, cropped to the ink) or from a signature pad's pen\n"
    "points (CSV t_ms,x_mm,y_mm,pressure,stroke; include/ktpel/signature.h), normalised to\n"
    "600x240 pixels at 200 dpi, black ink on white.\n";

int cmd_signature(int argc, char **argv)
{
    const char *in = NULL, *pen = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(signature_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--pen") == 0) {
            if (++i >= argc)
                return cli_usage_error("signature: --pen needs a file");
            pen = argv[i];
        } else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (++i >= argc)
                return cli_usage_error("signature: -o needs a file name");
            out = argv[i];
        } else if (argv[i][0] == '-') {
            return cli_usage_error("signature: unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_usage_error("signature: one image only");
        }
    }
    if ((in != NULL) == (pen != NULL))
        return cli_usage_error("signature: give an IMAGE or --pen FILE (one of them)\n%s",
                               signature_usage);
    if (!out)
        return cli_usage_error("signature: -o OUT.png is needed");
    ktpel_errbuf eb;
    ktpel_image sig = {0};
    ktpel_err rc;
    if (pen) {
        ktpel_pen_trace trace = {0};
        rc = ktpel_pen_trace_read(pen, &trace, &eb);
        if (rc == KTPEL_OK)
            rc = ktpel_signature_from_pen(&trace, &sig, &eb);
        ktpel_pen_trace_free(&trace);
    } else {
        ktpel_image scan = {0};
        rc = ktpel_image_read(in, KTPEL_IMAGE_GREY, 0, &scan, &eb);
        if (rc == KTPEL_OK) {
            rc = ktpel_signature_from_image(&scan, &sig, &eb);
            if (rc != KTPEL_OK)
                ktpel_fail_context(&eb, "%s", in);
        }
        ktpel_image_free(&scan);
    }
    if (rc == KTPEL_OK)
        rc = ktpel_image_write(out, &sig, 0, &eb);
    ktpel_image_free(&sig);
    if (rc != KTPEL_OK)
        return cli_fail_err(&eb);
    printf("%s: signature %dx%d at %d dpi\n", out, KTPEL_SIGNATURE_OUT_WIDTH,
           KTPEL_SIGNATURE_OUT_HEIGHT, KTPEL_SIGNATURE_DPI);
    return CLI_OK;
}
