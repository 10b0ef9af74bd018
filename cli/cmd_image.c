/* ktpel image: look at an image as ktpel sees it (format, size, resolution) and convert
 * between formats with the resolution carried along. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ktpel/image.h"

static const char usage[] =
    "usage: ktpel image info FILE [--dpi N] [--json]\n"
    "       ktpel image convert IN OUT [--dpi N] [--grey] [--quality Q]\n\n"
    "info     prints format, size, channels and resolution. The resolution comes from the\n"
    "         file (JPEG JFIF, PNG pHYs, TIFF, BMP); --dpi N is used when it has none.\n"
    "convert  re-encodes IN in the format of OUT's extension (.jpg .png .tif .bmp .pgm),\n"
    "         keeping the resolution; --grey converts to 8-bit grey; --quality for JPEG.\n";

static int image_info(int argc, char **argv)
{
    const char *path = NULL;
    int dpi = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--dpi") == 0) {
            int rc = cli_parse_int("--dpi", i + 1 < argc ? argv[++i] : NULL, 1, 100000, &dpi);
            if (rc != CLI_OK)
                return rc;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("image info: unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage_error("image info: one file only");
        }
    }
    if (!path)
        return cli_usage_error("image info: no file given\n%s", usage);
    ktpel_errbuf eb;
    ktpel_image img;
    if (ktpel_image_read(path, KTPEL_IMAGE_RGB, dpi, &img, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    ktpel_image_format fmt = ktpel_image_format_from_name(path);
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "file", path);
        cli_json_string(&j, "format", ktpel_image_format_name(fmt));
        cli_json_int(&j, "width", img.width);
        cli_json_int(&j, "height", img.height);
        if (img.dpi)
            cli_json_int(&j, "dpi", img.dpi);
        else
            cli_json_string(&j, "dpi", NULL);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("%s: %s, %dx%d, ", path, ktpel_image_format_name(fmt), img.width, img.height);
        if (img.dpi)
            printf("%d dpi%s\n", img.dpi, dpi && img.dpi == dpi ? " (given)" : "");
        else
            printf("resolution unknown\n");
    }
    ktpel_image_free(&img);
    return CLI_OK;
}

static int image_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int dpi = 0, quality = 0;
    bool grey = false;
    for (int i = 1; i < argc; i++) {
        int rc = CLI_OK;
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--grey") == 0) {
            grey = true;
        } else if (strcmp(argv[i], "--dpi") == 0) {
            rc = cli_parse_int("--dpi", i + 1 < argc ? argv[++i] : NULL, 1, 100000, &dpi);
        } else if (strcmp(argv[i], "--quality") == 0) {
            rc = cli_parse_int("--quality", i + 1 < argc ? argv[++i] : NULL, 1, 100, &quality);
        } else if (argv[i][0] == '-') {
            return cli_usage_error("image convert: unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return cli_usage_error("image convert: IN and OUT only");
        }
        if (rc != CLI_OK)
            return rc;
    }
    if (!in || !out)
        return cli_usage_error("image convert: need IN and OUT\n%s", usage);
    ktpel_errbuf eb;
    ktpel_image img;
    if (ktpel_image_read(in, grey ? KTPEL_IMAGE_GREY : KTPEL_IMAGE_RGB, dpi, &img, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    ktpel_err rc = ktpel_image_write(out, &img, quality, &eb);
    ktpel_image_free(&img);
    if (rc != KTPEL_OK)
        return cli_fail_err(&eb);
    return CLI_OK;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "info") == 0)
        return image_info(argc - 1, argv + 1);
    if (strcmp(argv[1], "convert") == 0)
        return image_convert(argc - 1, argv + 1);
    return cli_usage_error("image: unknown subcommand '%s'\n%s", argv[1], usage);
}
