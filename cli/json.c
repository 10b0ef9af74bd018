#include "cli.h"

#include <math.h>

void cli_json_init(cli_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->need_comma[0] = false;
}

static void write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out); /* UTF-8 passes through */
        }
    }
    fputc('"', out);
}

static void begin_value(cli_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputc(',', j->out);
    j->need_comma[j->depth] = true;
    if (key) {
        write_escaped(j->out, key);
        fputc(':', j->out);
    }
}

static void open_scope(cli_json *j, const char *key, char bracket)
{
    begin_value(j, key);
    fputc(bracket, j->out);
    if (j->depth + 1 < (int)(sizeof j->need_comma / sizeof j->need_comma[0]))
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_scope(cli_json *j, char bracket)
{
    fputc(bracket, j->out);
    if (j->depth > 0)
        j->depth--;
}

void cli_json_begin_object(cli_json *j, const char *key)
{
    open_scope(j, key, '{');
}

void cli_json_end_object(cli_json *j)
{
    close_scope(j, '}');
}

void cli_json_begin_array(cli_json *j, const char *key)
{
    open_scope(j, key, '[');
}

void cli_json_end_array(cli_json *j)
{
    close_scope(j, ']');
}

void cli_json_string(cli_json *j, const char *key, const char *value)
{
    begin_value(j, key);
    if (value)
        write_escaped(j->out, value);
    else
        fputs("null", j->out);
}

void cli_json_int(cli_json *j, const char *key, long long value)
{
    begin_value(j, key);
    fprintf(j->out, "%lld", value);
}

void cli_json_double(cli_json *j, const char *key, double value)
{
    begin_value(j, key);
    if (isfinite(value))
        fprintf(j->out, "%.6g", value);
    else
        fputs("null", j->out);
}

void cli_json_bool(cli_json *j, const char *key, bool value)
{
    begin_value(j, key);
    fputs(value ? "true" : "false", j->out);
}

void cli_json_finish(cli_json *j)
{
    fputc('\n', j->out);
    fflush(j->out);
}
