/* The personalisation run (include/ktpel/personalize.h): chips, card prints, register
 * numbers, status personalised, then the shipment (personalize/shipment.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/application.h"
#include "ktpel/card_print.h"
#include "ktpel/chip.h"
#include "ktpel/file.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/personalize.h"
#include "ktpel/region.h"

#include "personalize_internal.h"

/* Chip image budgets, as `ktpel chip write` (docs/chip-format.md). */
#define FACE_W     240
#define FACE_H     320
#define FACE_MAX   16384
#define SIG_W      320
#define SIG_H      160
#define SIG_MAX    6144
#define RIGHT_IDX  2
#define LEFT_IDX   7
#define PATH_BYTES 4400

void ktpel_personalize_issue_place(const ktpel_resident *r, char *buf, size_t size)
{
    static const char *const prefixes[] = {"KABUPATEN ", "KAB. ", "KOTA "};
    const char *name = r->kabupaten;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) == 0 && name[n]) {
            name += n;
            break;
        }
    }
    snprintf(buf, size, "%s", name);
}

void perso_emit(const perso_run *run, ktpel_personalize_event_kind kind, const char *nik,
                const ktpel_card_record *card, const char *path, size_t count, const char *message)
{
    if (!run->opt->on_event)
        return;
    ktpel_personalize_event ev = {kind, nik, card, path, count, message};
    run->opt->on_event(run->opt->ctx, &ev);
}

/* ---- what a card is made of ---------------------------------------------------------------- */

void perso_resident_clear(perso_resident *p)
{
    ktpel_image_free(&p->photo);
    ktpel_image_free(&p->signature);
    free(p->app);
    memset(p, 0, sizeof *p);
}

ktpel_err perso_load_record(ktpel_store *s, const char *nik, perso_resident *p, ktpel_errbuf *eb)
{
    char *text = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_store_resident_record(s, nik, &text, &len, eb);
    if (err)
        return err;
    p->app = malloc(sizeof *p->app);
    if (!p->app)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "personalize: out of memory");
    char source[64];
    snprintf(source, sizeof source, "record of NIK %s", nik);
    if (!err)
        err = ktpel_application_parse(text, len, source, p->app, eb);
    free(text);
    if (!err && strcmp(p->app->resident.nik, nik) != 0)
        err = ktpel_fail(eb, KTPEL_EFORMAT, "record of NIK %s holds NIK %s", nik,
                         p->app->resident.nik);
    return err;
}

static ktpel_err load_image(ktpel_store *s, const char *nik, ktpel_store_image_kind kind,
                            ktpel_image_mode mode, ktpel_image *out, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_store_image_get(s, nik, kind, 0, 1, &data, &len, eb);
    if (err == KTPEL_ENOTFOUND)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: no %s image in the store", nik,
                          kind == KTPEL_STORE_IMAGE_FACE ? "face" : "signature");
    if (!err && (err = ktpel_image_decode(data, len, mode, 0, out, eb)))
        ktpel_fail_context(eb, "NIK %s: stored %s image: ", nik,
                           kind == KTPEL_STORE_IMAGE_FACE ? "face" : "signature");
    free(data);
    return err;
}

/* The record, photo and signature of nik: what the card print needs. */
ktpel_err perso_load_print(ktpel_store *s, const char *nik, perso_resident *p, ktpel_errbuf *eb)
{
    ktpel_err err = perso_load_record(s, nik, p, eb);
    if (!err)
        err = load_image(s, nik, KTPEL_STORE_IMAGE_FACE, KTPEL_IMAGE_RGB, &p->photo, eb);
    if (!err)
        err = load_image(s, nik, KTPEL_STORE_IMAGE_SIGNATURE, KTPEL_IMAGE_GREY, &p->signature, eb);
    return err;
}

/* The view of finger `position` of capture 1, alone in *out. */
static ktpel_err finger(const ktpel_fp_template *all, int position, const char *nik,
                        ktpel_fp_template *out, ktpel_errbuf *eb)
{
    for (int i = 0; i < all->view_count; i++) {
        if (all->views[i].position != position)
            continue;
        *out = *all;
        out->view_count = 1;
        out->views[0] = all->views[i];
        return KTPEL_OK;
    }
    return ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: no %s index finger template (position %d)", nik,
                      position == RIGHT_IDX ? "right" : "left", position);
}

typedef struct chip_parts {
    uint8_t *face, *sig, *iso;
    size_t face_len, sig_len, iso_len;
    ktpel_fp_template *all, *right, *left;
} chip_parts;

static void chip_parts_free(chip_parts *c)
{
    free(c->face);
    free(c->sig);
    free(c->iso);
    free(c->all);
    free(c->right);
    free(c->left);
}

static ktpel_err load_chip_parts(perso_run *run, const char *nik, const perso_resident *p,
                                 chip_parts *c, ktpel_errbuf *eb)
{
    c->all = malloc(sizeof *c->all);
    c->right = malloc(sizeof *c->right);
    c->left = malloc(sizeof *c->left);
    if (!c->all || !c->right || !c->left)
        return ktpel_fail(eb, KTPEL_ENOMEM, "personalize: out of memory");
    ktpel_err err =
        ktpel_chip_jpeg(&p->photo, FACE_W, FACE_H, FACE_MAX, &c->face, &c->face_len, eb);
    if (!err)
        err = ktpel_chip_jpeg(&p->signature, SIG_W, SIG_H, SIG_MAX, &c->sig, &c->sig_len, eb);
    if (!err)
        err = ktpel_store_fp_iso_get(run->store, nik, 1, &c->iso, &c->iso_len, eb);
    if (!err && (err = ktpel_iso19794_2_read(c->iso, c->iso_len, c->all, eb)))
        ktpel_fail_context(eb, "NIK %s: stored finger record: ", nik);
    if (!err)
        err = finger(c->all, RIGHT_IDX, nik, c->right, eb);
    if (!err)
        err = finger(c->all, LEFT_IDX, nik, c->left, eb);
    return err;
}

/* Builds and signs the chip of nik (malloc'd into *chip). */
static ktpel_err make_chip(perso_run *run, const char *nik, uint8_t **chip, size_t *len,
                           ktpel_errbuf *eb)
{
    perso_resident p = {0};
    chip_parts c = {0};
    const char *field = NULL;
    ktpel_err err = perso_load_print(run->store, nik, &p, eb);
    /* The cross-field checks (NIK against region, sex and birth date) are ours, before the
     * chip is signed (chip.h checks each field alone). */
    if (!err && (err = ktpel_resident_validate(&p.app->resident, run->regions,
                                               p.app->application_date, &field, eb)))
        ktpel_fail_context(eb, "NIK %s: record: ", nik);
    if (!err)
        err = load_chip_parts(run, nik, &p, &c, eb);
    char place[KTPEL_TEXT_BYTES(KTPEL_KABUPATEN_MAX)];
    if (!err) {
        ktpel_personalize_issue_place(&p.app->resident, place, sizeof place);
        ktpel_chip_input in = {&p.app->resident, place,  run->issue_date, c.face,   c.face_len,
                               c.right,          c.left, c.sig,           c.sig_len};
        err = ktpel_chip_write(&in, run->opt->ds_cert, run->opt->ds_key, run->time, chip, len, eb);
        if (err)
            ktpel_fail_context(eb, "NIK %s: chip: ", nik);
    }
    chip_parts_free(&c);
    perso_resident_clear(&p);
    return err;
}

/* ---- files --------------------------------------------------------------------------------- */

void perso_card_path(const perso_run *run, const ktpel_card_record *c, const char *ext, char *buf,
                     size_t size)
{
    snprintf(buf, size, "%s/cards/%s.%s", run->opt->out_dir, c->register_no, ext);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* True if path holds exactly data. */
static bool file_equals(const char *path, const uint8_t *data, size_t len)
{
    uint8_t *have = NULL;
    size_t have_len = 0;
    if (ktpel_file_read(path, KTPEL_CARDS_CHIP_MAX + 1, &have, &have_len, NULL))
        return false;
    bool same = have_len == len && memcmp(have, data, len) == 0;
    free(have);
    return same;
}

/* Writes whatever of the card's three files is missing (the chip also when it differs from
 * the stored one). *wrote tells whether anything was written. */
static ktpel_err write_card_files(perso_run *run, const ktpel_card_record *c, bool *wrote,
                                  ktpel_errbuf *eb)
{
    char chip_path[PATH_BYTES], png[PATH_BYTES], pdf[PATH_BYTES];
    perso_card_path(run, c, "chip", chip_path, sizeof chip_path);
    perso_card_path(run, c, "png", png, sizeof png);
    perso_card_path(run, c, "pdf", pdf, sizeof pdf);
    *wrote = false;
    ktpel_card_record stored;
    uint8_t *chip = NULL;
    ktpel_err err = ktpel_cards_get(run->store, c->nik, &stored, &chip, eb);
    if (!err && !file_equals(chip_path, chip, stored.chip_len)) {
        err = ktpel_file_write_atomic(chip_path, chip, stored.chip_len, eb);
        *wrote = true;
    }
    free(chip);
    if (err || (file_exists(png) && file_exists(pdf)))
        return err;
    perso_resident p = {0};
    err = perso_load_print(run->store, c->nik, &p, eb);
    char place[KTPEL_TEXT_BYTES(KTPEL_KABUPATEN_MAX)];
    if (!err) {
        ktpel_personalize_issue_place(&p.app->resident, place, sizeof place);
        ktpel_card_input in = {&p.app->resident, place, c->issue_date, &p.photo, &p.signature};
        if (!file_exists(png))
            err = ktpel_card_write_png(&in, png, NULL, eb);
        if (!err && !file_exists(pdf))
            err = ktpel_card_write_pdf(&in, pdf, NULL, eb);
        *wrote = true;
    }
    if (err)
        ktpel_fail_context(eb, "card %s (NIK %s): ", c->register_no, c->nik);
    perso_resident_clear(&p);
    return err;
}

/* Files of every personalised card not yet shipped (this run's, or a stopped run's). */
typedef struct files_ctx {
    perso_run *run;
    ktpel_personalize_stats *st;
    ktpel_errbuf *eb;
    ktpel_err err;
} files_ctx;

static int files_one(void *ctx, const ktpel_card_record *c, ktpel_status status)
{
    files_ctx *f = ctx;
    if (status != KTPEL_STATUS_PERSONALISED)
        return 0;
    bool wrote = false;
    f->err = write_card_files(f->run, c, &wrote, f->eb);
    if (!f->err && wrote) {
        f->st->files++;
        perso_emit(f->run, KTPEL_PERSO_FILES, c->nik, c, NULL, 1, NULL);
    }
    return f->err != KTPEL_OK;
}

/* ---- the run ------------------------------------------------------------------------------- */

static ktpel_err personalise_batch(perso_run *run, char (*niks)[KTPEL_NIK_LEN + 1], size_t n,
                                   ktpel_personalize_stats *st, ktpel_errbuf *eb)
{
    ktpel_card_new *cards = calloc(n, sizeof *cards);
    ktpel_card_record *recs = calloc(n, sizeof *recs);
    uint8_t **chips = calloc(n, sizeof *chips);
    ktpel_err err = cards && recs && chips
                        ? KTPEL_OK
                        : ktpel_fail(eb, KTPEL_ENOMEM, "personalize: out of memory");
    size_t ok = 0;
    for (size_t i = 0; !err && i < n; i++) {
        ktpel_errbuf why;
        size_t len = 0;
        if (make_chip(run, niks[i], &chips[ok], &len, &why) != KTPEL_OK) {
            st->skipped++;
            perso_emit(run, KTPEL_PERSO_SKIPPED, niks[i], NULL, NULL, 0, why.message);
            continue;
        }
        cards[ok] = (ktpel_card_new){niks[i], run->issue_date, chips[ok], len};
        ok++;
    }
    if (!err && ok)
        err = ktpel_cards_personalise(run->store, cards, ok, run->time, run->actor, recs, eb);
    for (size_t i = 0; !err && i < ok; i++) {
        st->personalised++;
        perso_emit(run, KTPEL_PERSO_PERSONALISED, recs[i].nik, &recs[i], NULL, 1, NULL);
    }
    /* Files right after the commit, so that they appear as the run goes. */
    files_ctx f = {run, st, eb, KTPEL_OK};
    for (size_t i = 0; !err && i < ok; i++) {
        files_one(&f, &recs[i], KTPEL_STATUS_PERSONALISED);
        err = f.err;
    }
    for (size_t i = 0; chips && i < n; i++)
        free(chips[i]);
    free(chips);
    free(cards);
    free(recs);
    return err;
}

static ktpel_err personalise_pending(perso_run *run, ktpel_personalize_stats *st, ktpel_errbuf *eb)
{
    char(*niks)[KTPEL_NIK_LEN + 1] = NULL;
    size_t count = 0;
    ktpel_err err = ktpel_cards_pending(run->store, &niks, &count, eb);
    st->pending = count;
    for (size_t i = 0; !err && i < count; i += run->batch) {
        size_t n = count - i < run->batch ? count - i : run->batch;
        err = personalise_batch(run, niks + i, n, st, eb);
    }
    free(niks);
    return err;
}

static int lock_store(ktpel_store *s, ktpel_errbuf *eb)
{
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/personalize.lock", ktpel_store_dir(s));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
    if (fd < 0) {
        ktpel_fail(eb, KTPEL_EIO, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        ktpel_fail(eb, KTPEL_EIO, "%s: another ktpel personalize runs on this store", path);
        return -1;
    }
    return fd;
}

static ktpel_err make_dirs(const char *out, ktpel_errbuf *eb)
{
    const char *subs[] = {"", "/cards", "/shipments"};
    for (size_t i = 0; i < 3; i++) {
        char path[PATH_BYTES];
        snprintf(path, sizeof path, "%s%s", out, subs[i]);
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", path,
                              strerror(errno));
    }
    return KTPEL_OK;
}

static ktpel_err check_options(const ktpel_personalize_options *opt, ktpel_errbuf *eb)
{
    if (!opt || !opt->out_dir || !opt->ds_cert || !opt->ds_key)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "personalize: the output folder and the document signer's "
                          "certificate and key are needed");
    if (strlen(opt->out_dir) > 4000)
        return ktpel_fail(eb, KTPEL_EINVAL, "personalize: output folder name too long");
    if (!ktpel_pki_key_matches(opt->ds_key, opt->ds_cert))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "personalize: the key is not the document signer certificate's");
    if (opt->time < 0 || opt->time > KTPEL_STATUS_TIME_MAX)
        return ktpel_fail(eb, KTPEL_EINVAL, "personalize: time %lld out of range",
                          (long long)opt->time);
    return ktpel_status_actor_validate(opt->actor ? opt->actor : KTPEL_PERSONALIZE_DEFAULT_ACTOR,
                                       eb);
}

static ktpel_err run_locked(perso_run *run, ktpel_personalize_stats *st, ktpel_errbuf *eb)
{
    ktpel_err err = make_dirs(run->opt->out_dir, eb);
    if (!err)
        err = personalise_pending(run, st, eb);
    if (!err) {
        /* Leftovers of a stopped run: committed cards whose files were not all written. */
        files_ctx f = {run, st, eb, KTPEL_OK};
        err = ktpel_cards_list(run->store, files_one, &f, eb);
        if (!err)
            err = f.err;
    }
    if (!err && !run->opt->no_ship)
        err = perso_ship(run, st, eb);
    return err;
}

ktpel_err ktpel_personalize_run(ktpel_store *s, const ktpel_personalize_options *opt,
                                ktpel_personalize_stats *stats, ktpel_errbuf *eb)
{
    ktpel_personalize_stats local;
    ktpel_personalize_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    if (!s)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_personalize_run: NULL store");
    ktpel_err err = check_options(opt, eb);
    if (err)
        return err;
    perso_run run = {.store = s, .opt = opt};
    run.time = opt->time ? opt->time : (int64_t)time(NULL);
    run.issue_date = ktpel_date_jakarta(run.time);
    run.batch = opt->batch ? opt->batch : KTPEL_PERSONALIZE_DEFAULT_BATCH;
    run.actor = opt->actor ? opt->actor : KTPEL_PERSONALIZE_DEFAULT_ACTOR;
    int lock = lock_store(s, eb);
    if (lock < 0)
        return KTPEL_EIO;
    err = ktpel_regions_create(&run.regions, eb);
    if (!err)
        err = run_locked(&run, st, eb);
    ktpel_regions_free(run.regions);
    close(lock);
    return err;
}
