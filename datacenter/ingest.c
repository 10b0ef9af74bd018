/* Ingest of enrolment folders: read and check everything, then store in one transaction. */
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/application.h"
#include "ktpel/file.h"
#include "ktpel/fp_extract.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/ingest.h"

#include "ingest_internal.h"
#include "ingest_iris.h"
#include "store_internal.h"

#define FILE_MAX     (32u << 20) /* bytes, any one file of an enrolment */
#define CAPTURES_MAX 16
#define FILES_MAX    256

const char *ktpel_ingest_outcome_id(ktpel_ingest_outcome outcome)
{
    switch (outcome) {
    case KTPEL_INGEST_STORED:
        return "stored";
    case KTPEL_INGEST_UNCHANGED:
        return "unchanged";
    case KTPEL_INGEST_REJECTED:
        return "rejected";
    }
    return "?";
}

bool ktpel_ingest_is_enrolment(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/record.txt", dir);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* What an enrolment folder holds, read and checked. */
typedef struct enrolment {
    char label[256]; /* the folder's last component, for messages */
    ktpel_application *app;
    uint8_t *record;
    size_t record_len;
    uint8_t *iso[CAPTURES_MAX + 1]; /* by capture 1..16 */
    size_t iso_len[CAPTURES_MAX + 1];
    int captures;
    ktpel_fp_template *tmpl; /* capture 1 */
    uint8_t *compact[DC_FINGERS + 1];
    size_t compact_len[DC_FINGERS + 1];
    int fingers;
    uint8_t digest[32];
    dc_image images[FILES_MAX]; /* face, signature, finger and iris images, as read */
    int image_count;
    dc_iris_codes iris; /* from iris_right_1.png, iris_left_1.png */
} enrolment;

static void enrolment_free(enrolment *e)
{
    free(e->app);
    free(e->record);
    for (int k = 0; k <= CAPTURES_MAX; k++)
        free(e->iso[k]);
    free(e->tmpl);
    for (int p = 0; p <= DC_FINGERS; p++)
        free(e->compact[p]);
    for (int i = 0; i < e->image_count; i++)
        free(e->images[i].data);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's file names, sorted (so that the digest does not depend on the file system). */
static ktpel_err list_names(const char *dir, char ***names, size_t *count, ktpel_errbuf *eb)
{
    DIR *d = opendir(dir);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "cannot open the folder");
    char **list = calloc(FILES_MAX, sizeof *list);
    size_t n = 0;
    ktpel_err err = list ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    for (struct dirent *de; !err && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        if (n == FILES_MAX)
            err = ktpel_fail(eb, KTPEL_ETOOBIG, "more than %d files", FILES_MAX);
        else if (!(list[n++] = strdup(de->d_name)))
            err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    }
    closedir(d);
    if (err) {
        for (size_t i = 0; list && i < n; i++)
            free(list[i]);
        free(list);
        return err;
    }
    qsort(list, n, sizeof *list, cmp_names);
    *names = list;
    *count = n;
    return KTPEL_OK;
}

/* Matches NAME exactly against "PREFIX%d" + "SUFFIX" with a number in lo..hi. */
static int name_number(const char *name, const char *prefix, const char *suffix, int lo, int hi)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), nl = strlen(name);
    if (nl <= pl + sl || strncmp(name, prefix, pl) != 0 || strcmp(name + nl - sl, suffix) != 0)
        return -1;
    int v = 0;
    for (size_t i = pl; i < nl - sl; i++) {
        if (name[i] < '0' || name[i] > '9' || v > 1000)
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

typedef enum file_kind { FILE_OTHER, FILE_RECORD, FILE_ISO, FILE_FINGER, FILE_IMAGE } file_kind;

static file_kind classify(const char *name, int *capture, int *position)
{
    *capture = *position = 0;
    if (strcmp(name, "record.txt") == 0)
        return FILE_RECORD;
    if ((*capture = name_number(name, "fingers_", ".iso", 1, CAPTURES_MAX)) > 0)
        return FILE_ISO;
    if (strncmp(name, "finger_", 7) == 0 && strlen(name) > 10 && name[9] == '_') {
        char pos[3] = {name[7], name[8], 0};
        *position = name_number(pos, "", "", 1, DC_FINGERS);
        char rest[64];
        snprintf(rest, sizeof rest, "x%s", name + 10);
        *capture = name_number(rest, "x", ".png", 1, CAPTURES_MAX);
        if (pos[0] >= '0' && pos[0] <= '9' && pos[1] >= '0' && pos[1] <= '9' && *position > 0 &&
            *capture > 0)
            return FILE_FINGER;
    }
    if (name_number(name, "face_", ".jpg", 1, CAPTURES_MAX) > 0 ||
        name_number(name, "signature_", ".png", 1, CAPTURES_MAX) > 0 ||
        name_number(name, "iris_left_", ".png", 1, CAPTURES_MAX) > 0 ||
        name_number(name, "iris_right_", ".png", 1, CAPTURES_MAX) > 0)
        return FILE_IMAGE;
    return FILE_OTHER;
}

static void digest_file(EVP_MD_CTX *md, const char *name, const uint8_t *data, size_t len)
{
    uint8_t size[8];
    dc_put_be64(size, len);
    EVP_DigestUpdate(md, name, strlen(name) + 1);
    EVP_DigestUpdate(md, size, sizeof size);
    EVP_DigestUpdate(md, data, len);
}

static ktpel_err check_record(enrolment *e, const ktpel_regions *regions, ktpel_errbuf *eb)
{
    e->app = calloc(1, sizeof *e->app); /* a failed parse leaves it partly filled */
    ktpel_application_result *r = malloc(sizeof *r);
    ktpel_err err = e->app && r ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    if (!err)
        err = ktpel_application_parse((const char *)e->record, e->record_len, "record.txt", e->app,
                                      eb);
    if (!err)
        err = ktpel_application_check(e->app, regions, r, eb);
    if (!err && !r->record_valid)
        err = ktpel_fail(eb, KTPEL_EFIELD, "%s", r->record_error);
    free(r);
    return err;
}

/* One finger image: decoded always; for capture 1 without ISO records, its minutiae become a
 * view of the capture-1 template. */
static ktpel_err check_finger_image(enrolment *e, const char *name, const uint8_t *data, size_t len,
                                    int position, int capture, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_decode(data, len, KTPEL_IMAGE_GREY, KTPEL_FP_DEFAULT_DPI, &img, eb);
    if (err) {
        ktpel_fail_context(eb, "%s: ", name);
        return err;
    }
    if (capture != 1 || e->iso[1]) {
        ktpel_image_free(&img);
        return KTPEL_OK;
    }
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    if (!err && (err = ktpel_fp_extract(&img, NULL, f, eb)))
        ktpel_fail_context(eb, "%s: ", name);
    if (!err && !e->tmpl) {
        if (!(e->tmpl = malloc(sizeof *e->tmpl)))
            err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
        else if (!(err = ktpel_fp_template_init(e->tmpl, f->width, f->height, f->dpi, NULL, 0, eb)))
            e->tmpl->view_count = 0;
    }
    if (!err && (e->tmpl->width != f->width || e->tmpl->height != f->height))
        err = ktpel_fail(eb, KTPEL_EFORMAT, "%s: %dx%d pixels, the other fingers %dx%d", name,
                         f->width, f->height, e->tmpl->width, e->tmpl->height);
    if (!err) {
        ktpel_fp_view *v = &e->tmpl->views[e->tmpl->view_count++];
        memset(v, 0, sizeof *v);
        v->position = (uint8_t)position;
        v->quality = (uint8_t)f->quality;
        v->count = f->count;
        memcpy(v->minutiae, f->minutiae, (size_t)f->count * sizeof *f->minutiae);
    }
    free(f);
    ktpel_image_free(&img);
    return err;
}

/* Checks one ISO record; capture 1's is kept parsed. */
static ktpel_err check_iso(enrolment *e, const char *name, int capture, ktpel_errbuf *eb)
{
    ktpel_fp_template *t = malloc(sizeof *t);
    if (!t)
        return ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    ktpel_err err = ktpel_iso19794_2_read(e->iso[capture], e->iso_len[capture], t, eb);
    if (err)
        ktpel_fail_context(eb, "%s: ", name);
    bool seen[DC_FINGERS + 1] = {0};
    for (int v = 0; !err && v < t->view_count; v++) {
        int p = t->views[v].position;
        if (p < 1 || p > DC_FINGERS)
            err = ktpel_fail(eb, KTPEL_EFIELD, "%s: view %d has finger position %d, not 1..10",
                             name, v, p);
        else if (seen[p])
            err = ktpel_fail(eb, KTPEL_EFIELD, "%s: finger position %d appears twice", name, p);
        else
            seen[p] = true;
    }
    if (!err && capture == 1) {
        free(e->tmpl);
        e->tmpl = t;
        return KTPEL_OK;
    }
    free(t);
    return err;
}

/* Compact templates of capture 1, serialised for the store. */
static ktpel_err build_compacts(enrolment *e, ktpel_errbuf *eb)
{
    if ((!e->tmpl || e->tmpl->view_count == 0) && dc_iris_count(&e->iris))
        return KTPEL_OK; /* no usable fingers: deduplicated by its irises */
    if (!e->tmpl || e->tmpl->view_count == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "no finger templates (fingers_1.iso) or images "
                          "(finger_NN_1.png), and no iris images");
    for (int v = 0; v < e->tmpl->view_count; v++) {
        int p = e->tmpl->views[v].position;
        ktpel_fp_compact *c;
        ktpel_err err = ktpel_fp_compact_from_template(e->tmpl, v, &c, eb);
        if (err) {
            ktpel_fail_context(eb, "finger %d: ", p);
            return err;
        }
        e->compact_len[p] = ktpel_fp_compact_serialised_size(c);
        e->compact[p] = malloc(e->compact_len[p]);
        err = e->compact[p] ? ktpel_fp_compact_serialise(c, e->compact[p], e->compact_len[p], eb)
                            : ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
        ktpel_fp_compact_free(c);
        if (err)
            return err;
        e->fingers++;
    }
    /* Fingers from images: write their capture-1 ISO record, as a station would have. */
    if (!e->iso[1]) {
        ktpel_err err = ktpel_iso19794_2_write(e->tmpl, &e->iso[1], &e->iso_len[1], eb);
        if (err)
            return err;
        e->captures = e->captures ? e->captures : 1;
    }
    return KTPEL_OK;
}

/* Reads one file of the enrolment into the digest and checks it by kind. */
static ktpel_err read_file(enrolment *e, const char *dir, const char *name, file_kind kind,
                           int capture, int position, EVP_MD_CTX *md, ktpel_errbuf *eb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *data;
    size_t len;
    ktpel_err err = ktpel_file_read(path, FILE_MAX, &data, &len, eb);
    if (err)
        return ktpel_fail(eb, err, "%s: cannot be read (%s)", name, ktpel_strerror(err));
    digest_file(md, name, data, len);
    if (kind == FILE_RECORD) {
        e->record = data;
        e->record_len = len;
        return KTPEL_OK;
    }
    if (kind == FILE_ISO) {
        e->iso[capture] = data;
        e->iso_len[capture] = len;
        e->captures = capture > e->captures ? capture : e->captures;
        return check_iso(e, name, capture, eb);
    }
    ktpel_image img = {0};
    if (kind == FILE_FINGER)
        err = check_finger_image(e, name, data, len, position, capture, eb);
    else if ((err = ktpel_image_decode(data, len, KTPEL_IMAGE_RGB, 0, &img, eb)))
        ktpel_fail_context(eb, "%s: ", name);
    if (!err && kind == FILE_IMAGE)
        err = dc_iris_take(&e->iris, name, &img, eb);
    ktpel_image_free(&img);
    /* Kept for the images database (docs/store.md). */
    dc_image *slot = &e->images[e->image_count];
    if (err || e->image_count == FILES_MAX || !dc_image_key_of(name, slot->key)) {
        free(data);
        return err;
    }
    slot->data = data;
    slot->len = len;
    e->image_count++;
    return KTPEL_OK;
}

/* Reads the folder's files (the digest covers every file that is used), checks them. */
static ktpel_err read_enrolment(enrolment *e, const char *dir, const ktpel_regions *regions,
                                ktpel_errbuf *eb)
{
    char **names = NULL;
    size_t count = 0;
    ktpel_err err = list_names(dir, &names, &count, eb);
    if (err)
        return err;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "SHA-256 unavailable");
    /* Three passes: the record, then the ISO records, then the images (which need to know
     * whether they are the source of the templates). */
    static const file_kind pass_kind[3] = {FILE_RECORD, FILE_ISO, FILE_IMAGE};
    for (int pass = 0; pass < 3 && !err; pass++) {
        for (size_t i = 0; i < count && !err; i++) {
            int capture, position;
            file_kind kind = classify(names[i], &capture, &position);
            file_kind group = kind == FILE_FINGER ? FILE_IMAGE : kind;
            if (group != pass_kind[pass])
                continue;
            err = read_file(e, dir, names[i], kind, capture, position, md, eb);
        }
        if (!err && pass == 0 && !e->record)
            err = ktpel_fail(eb, KTPEL_ENOTFOUND, "no record.txt");
        if (!err && pass == 0)
            err = check_record(e, regions, eb);
        if (!err && pass == 1 && e->captures && !e->iso[1])
            err = ktpel_fail(eb, KTPEL_ENOTFOUND, "fingers_%d.iso without fingers_1.iso",
                             e->captures);
    }
    unsigned int n = 0;
    if (!err && !EVP_DigestFinal_ex(md, e->digest, &n))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "SHA-256 failed");
    EVP_MD_CTX_free(md);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return err ? err : build_compacts(e, eb);
}

/* ---- storing ----------------------------------------------------------------------------- */

static ktpel_err put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
                     size_t vlen, const char *what, ktpel_errbuf *eb)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(txn, dbi, &k, &v, 0);
    return rc ? dc_mdb_fail(eb, rc, what) : KTPEL_OK;
}

static ktpel_err put_resident(ktpel_store *s, MDB_txn *txn, const enrolment *e, const char *nik,
                              ktpel_errbuf *eb)
{
    size_t name_len = strlen(e->label);
    size_t size = 1 + 32 + 1 + name_len + 4 + e->record_len;
    uint8_t *v = malloc(size);
    if (!v)
        return ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    v[0] = 1;
    memcpy(v + 1, e->digest, 32);
    v[33] = (uint8_t)name_len;
    memcpy(v + 34, e->label, name_len);
    dc_put_le32(v + 34 + name_len, (uint32_t)e->record_len);
    memcpy(v + 38 + name_len, e->record, e->record_len);
    ktpel_err err = put(txn, s->residents, nik, KTPEL_NIK_LEN, v, size, "write resident", eb);
    free(v);
    return err;
}

static ktpel_err put_enrolment(ktpel_store *s, MDB_txn *txn, const enrolment *e, const char *nik,
                               const ktpel_ingest_options *opt, const char *actor, ktpel_errbuf *eb)
{
    ktpel_err err = put_resident(s, txn, e, nik, eb);
    uint8_t key[KTPEL_NIK_LEN + 1];
    memcpy(key, nik, KTPEL_NIK_LEN);
    for (int k = 1; !err && k <= CAPTURES_MAX; k++) {
        key[KTPEL_NIK_LEN] = (uint8_t)k;
        if (e->iso[k])
            err = put(txn, s->fp_iso, key, sizeof key, e->iso[k], e->iso_len[k], "write ISO", eb);
    }
    for (int p = 1; !err && p <= DC_FINGERS; p++) {
        key[KTPEL_NIK_LEN] = (uint8_t)p;
        if (e->compact[p])
            err = put(txn, s->fp_compact, key, sizeof key, e->compact[p], e->compact_len[p],
                      "write compact template", eb);
    }
    if (!err)
        err = dc_images_put(s, txn, nik, e->images, e->image_count, eb);
    if (!err)
        err = dc_iris_put(s, txn, &e->iris, nik, eb);
    char text[600];
    snprintf(text, sizeof text, "enrolment %s: %d fingers, %d captures", e->label, e->fingers,
             e->captures);
    if (!err)
        err = dc_audit_append(s, txn, KTPEL_AUDIT_INGEST, opt->time, actor, nik, text, eb);
    if (!err)
        err = dc_status_change(s, txn, nik, KTPEL_STATUS_ENROLLED, opt->time, actor, NULL, eb);
    if (!err)
        err = dc_status_change(s, txn, nik, KTPEL_STATUS_QUEUED, opt->time, actor, NULL, eb);
    uint64_t seq = 0;
    if (!err)
        err = dc_meta_get_u64(s, txn, "queue_next", &seq, eb);
    if (!err && opt->use_queue_seq && opt->queue_seq < seq)
        err = ktpel_fail(eb, KTPEL_EINVAL, "store %s: queue sequence %llu already used", s->dir,
                         (unsigned long long)opt->queue_seq);
    if (!err && opt->use_queue_seq)
        seq = opt->queue_seq;
    uint8_t qkey[8];
    dc_put_be64(qkey, seq);
    if (!err)
        err = put(txn, s->queue, qkey, 8, nik, KTPEL_NIK_LEN, "write queue", eb);
    if (!err)
        err = dc_meta_put_u64(s, txn, "queue_next", seq + 1, eb);
    return err;
}

/* Stores a checked enrolment, or finds it already there. */
static ktpel_err store_enrolment(ktpel_store *s, const enrolment *e,
                                 const ktpel_ingest_options *opt, const dc_ingest_hook *hook,
                                 const char *actor, ktpel_ingest_result *out, ktpel_errbuf *eb)
{
    const char *nik = e->app->resident.nik;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, true, &txn, eb);
    if (err)
        return err;
    MDB_val k = DC_NIK_KEY(nik), v;
    int rc = mdb_get(txn, s->residents, &k, &v);
    out->outcome = KTPEL_INGEST_STORED;
    if (rc == 0) {
        bool same = v.mv_size > 33 && memcmp((const uint8_t *)v.mv_data + 1, e->digest, 32) == 0;
        out->outcome = same ? KTPEL_INGEST_UNCHANGED : KTPEL_INGEST_REJECTED;
        if (!same)
            snprintf(out->reason, sizeof out->reason,
                     "NIK %s is already stored with different content", nik);
    } else if (rc != MDB_NOTFOUND) {
        err = dc_mdb_fail(eb, rc, "read resident");
    }
    /* The hook (a sealed packet's bookkeeping) sees the outcome first and may reject. */
    if (!err && hook && out->outcome != KTPEL_INGEST_REJECTED)
        err = hook->fn(hook->ctx, s, txn, nik, out, eb);
    if (!err && out->outcome == KTPEL_INGEST_STORED)
        err = put_enrolment(s, txn, e, nik, opt, actor, eb);
    bool write =
        out->outcome == KTPEL_INGEST_STORED || (hook && out->outcome == KTPEL_INGEST_UNCHANGED);
    if (err || !write) {
        mdb_txn_abort(txn);
        return err;
    }
    return dc_txn_commit(txn, eb);
}

static const char *base_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    return dir + start;
}

ktpel_err ktpel_ingest_enrolment(ktpel_store *s, const char *dir, const ktpel_ingest_options *opt,
                                 ktpel_ingest_result *out, ktpel_errbuf *eb)
{
    return dc_ingest_enrolment(s, dir, opt, NULL, out, eb);
}

ktpel_err dc_ingest_enrolment(ktpel_store *s, const char *dir, const ktpel_ingest_options *opt,
                              const dc_ingest_hook *hook, ktpel_ingest_result *out,
                              ktpel_errbuf *eb)
{
    if (!s || !dir || !opt || !opt->regions || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_ingest_enrolment: NULL argument");
    memset(out, 0, sizeof *out);
    const char *actor = opt->actor ? opt->actor : "ingest";
    enrolment *e = calloc(1, sizeof *e);
    if (!e)
        return ktpel_fail(eb, KTPEL_ENOMEM, "ingest: out of memory");
    const char *label = base_name(dir);
    snprintf(e->label, sizeof e->label, "%.*s", (int)strcspn(label, "/"), label);
    ktpel_errbuf why;
    ktpel_errbuf_clear(&why);
    ktpel_err bad = read_enrolment(e, dir, opt->regions, &why);
    if (e->app && memchr(e->app->resident.nik, '\0', sizeof e->app->resident.nik) &&
        ktpel_nik_check_digits(e->app->resident.nik, "NIK", NULL) == KTPEL_OK)
        memcpy(out->nik, e->app->resident.nik, sizeof out->nik);
    ktpel_err err = KTPEL_OK;
    if (!bad) {
        out->fingers = e->fingers;
        out->captures = e->captures;
        err = store_enrolment(s, e, opt, hook, actor, out, eb);
    } else {
        out->outcome = KTPEL_INGEST_REJECTED;
        snprintf(out->reason, sizeof out->reason, "%s", ktpel_errbuf_message(&why));
    }
    if (!err && out->outcome == KTPEL_INGEST_REJECTED) {
        char text[KTPEL_AUDIT_TEXT_MAX + 1];
        snprintf(text, sizeof text, "enrolment %s rejected: %s", e->label, out->reason);
        err = ktpel_audit_append(s, KTPEL_AUDIT_REJECT, opt->time, actor,
                                 out->nik[0] ? out->nik : NULL, text, eb);
    }
    enrolment_free(e);
    free(e);
    return err;
}
