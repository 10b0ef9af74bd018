/* The sealed enrolment packet: container round trip and malformed containers, sealing and
 * opening with every named failure (tampered, truncated, untrusted, expired, replay), packets
 * from a synthetic resident's folder, the spool. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/checksum.h"
#include "ktpel/file.h"
#include "ktpel/packet.h"
#include "ktpel/spool.h"
#include "testutil.h"

#define DAY     86400
#define T0      1763700000 /* 2025-11-21 */
#define CREATED (T0 + 10 * DAY)

typedef struct fixture {
    ktpel_pki_cert *ca, *station, *dc, *other_ca, *other_station, *old_station, *other_dc;
    ktpel_pki_key *ca_key, *station_key, *dc_key, *other_ca_key, *other_station_key,
        *old_station_key, *other_dc_key;
    ktpel_pki_trust *trust;
} fixture;

static void issue(ktpel_pki_role role, const char *cn, int64_t from, int64_t to,
                  ktpel_pki_cert *issuer, ktpel_pki_key *issuer_key, ktpel_pki_cert **cert,
                  ktpel_pki_key **key)
{
    ktpel_pki_issue_request req = {role, cn, from, to, issuer, issuer_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, cert, key, NULL), KTPEL_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    issue(KTPEL_PKI_ROLE_CA, "test CA", T0, T0 + 3650 * DAY, NULL, NULL, &f->ca, &f->ca_key);
    issue(KTPEL_PKI_ROLE_STATION, "ST-0001", T0, T0 + 365 * DAY, f->ca, f->ca_key, &f->station,
          &f->station_key);
    issue(KTPEL_PKI_ROLE_DATACENTER, "dc", T0, T0 + 365 * DAY, f->ca, f->ca_key, &f->dc,
          &f->dc_key);
    issue(KTPEL_PKI_ROLE_DATACENTER, "dc", T0, T0 + 365 * DAY, f->ca, f->ca_key, &f->other_dc,
          &f->other_dc_key);
    issue(KTPEL_PKI_ROLE_CA, "test CA", T0, T0 + 3650 * DAY, NULL, NULL, &f->other_ca,
          &f->other_ca_key);
    issue(KTPEL_PKI_ROLE_STATION, "ST-0001", T0, T0 + 365 * DAY, f->other_ca, f->other_ca_key,
          &f->other_station, &f->other_station_key);
    /* valid for the first five days only: expired at CREATED */
    issue(KTPEL_PKI_ROLE_STATION, "ST-0001", T0, T0 + 5 * DAY, f->ca, f->ca_key, &f->old_station,
          &f->old_station_key);
    assert_int_equal(ktpel_pki_trust_new(&f->trust, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(f->trust, f->ca, NULL), KTPEL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ktpel_pki_cert *certs[] = {f->ca,          f->station, f->dc, f->other_ca, f->other_station,
                               f->old_station, f->other_dc};
    ktpel_pki_key *keys[] = {f->ca_key,       f->station_key,       f->dc_key,
                             f->other_ca_key, f->other_station_key, f->old_station_key,
                             f->other_dc_key};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
        ktpel_pki_cert_free(certs[i]);
        ktpel_pki_key_free(keys[i]);
    }
    ktpel_pki_trust_free(f->trust);
    free(f);
    return 0;
}

static const char record[] = "layanan: baru\nnik: 3520011708080001\nnama: BUDI\n";

static ktpel_packet *make_packet(void)
{
    ktpel_packet_meta m;
    memset(&m, 0, sizeof m);
    m.created = CREATED;
    snprintf(m.operator_id, sizeof m.operator_id, "OP-7");
    snprintf(m.nik, sizeof m.nik, "3520011708080001");
    m.resident_confirmed = true;
    m.confirmed_at = CREATED - 60;
    ktpel_packet *p = NULL;
    assert_int_equal(ktpel_packet_new(&m, &p, NULL), KTPEL_OK);
    assert_int_equal(ktpel_packet_add(p, "record.txt", record, strlen(record), NULL), KTPEL_OK);
    uint8_t img[700];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 31);
    assert_int_equal(ktpel_packet_add(p, "finger_02_1.png", img, sizeof img, NULL), KTPEL_OK);
    assert_int_equal(ktpel_packet_add(p, "face_1.jpg", img, 300, NULL), KTPEL_OK);
    ktpel_packet_capture c = {
        "finger_02", "finger_02_1.png", "libfprint:virtual_image", CREATED - 300, 87, 2,
        "captured",  "score 41.5"};
    assert_int_equal(ktpel_packet_add_capture(p, &c, NULL), KTPEL_OK);
    ktpel_packet_capture missing = {"finger_07", "", "", CREATED - 200, -1, 0, "amputated", ""};
    assert_int_equal(ktpel_packet_add_capture(p, &missing, NULL), KTPEL_OK);
    return p;
}

static void seal(fixture *f, ktpel_packet *p, const ktpel_pki_cert *cert, const ktpel_pki_key *key,
                 const ktpel_pki_cert *dc, uint8_t **der, size_t *len)
{
    ktpel_errbuf eb;
    ktpel_err rc = ktpel_packet_seal(p, cert, key, dc, der, len, &eb);
    if (rc)
        fail_msg("seal: %s", eb.message);
    (void)f;
}

static ktpel_packet_open_options options(fixture *f)
{
    ktpel_packet_open_options o = {f->trust, f->dc, f->dc_key, CREATED + DAY, 30 * DAY, NULL, NULL};
    return o;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    assert_string_equal(ktpel_packet_get_meta(p)->station_id, "ST-0001");
    ktpel_packet_open_options o = options(f);
    ktpel_packet *q = NULL;
    ktpel_packet_info info;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(der, len, &o, &q, &info, &eb), KTPEL_OK);
    const ktpel_packet_meta *a = ktpel_packet_get_meta(p), *b = ktpel_packet_get_meta(q);
    assert_string_equal(info.packet_id, a->packet_id);
    assert_string_equal(b->packet_id, a->packet_id);
    assert_string_equal(info.station_id, "ST-0001");
    assert_int_equal(info.signing_time, CREATED);
    assert_int_equal(b->created, CREATED);
    assert_string_equal(b->operator_id, "OP-7");
    assert_string_equal(b->nik, "3520011708080001");
    assert_true(b->resident_confirmed);
    assert_int_equal(b->confirmed_at, CREATED - 60);
    assert_int_equal(ktpel_packet_entry_count(q), 3);
    for (size_t i = 0; i < 3; i++) {
        size_t la, lb;
        const uint8_t *da = ktpel_packet_entry_data(p, i, &la);
        const uint8_t *db = ktpel_packet_entry_data(q, i, &lb);
        assert_string_equal(ktpel_packet_entry_name(p, i), ktpel_packet_entry_name(q, i));
        assert_int_equal(la, lb);
        assert_memory_equal(da, db, la);
    }
    assert_int_equal(ktpel_packet_capture_count(q), 2);
    const ktpel_packet_capture *c = ktpel_packet_capture_at(q, 0);
    assert_string_equal(c->device, "libfprint:virtual_image");
    assert_int_equal(c->quality, 87);
    assert_int_equal(c->attempts, 2);
    assert_string_equal(c->note, "score 41.5");
    c = ktpel_packet_capture_at(q, 1);
    assert_string_equal(c->status, "amputated");
    assert_string_equal(c->entry, "");
    assert_int_equal(c->quality, -1);
    /* the content hash is the hash of the container, which re-encodes to the same bytes */
    uint8_t *enc = NULL, digest[32];
    size_t enc_len = 0;
    assert_int_equal(ktpel_packet_encode(q, &enc, &enc_len, NULL), KTPEL_OK);
    ktpel_pki_sha256(enc, enc_len, digest);
    assert_memory_equal(digest, info.content_sha256, 32);
    assert_int_equal(enc_len, info.container_len);
    free(enc);
    ktpel_packet_free(q);
    ktpel_packet_free(p);
    free(der);
}

static void test_flipped_byte_anywhere(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    ktpel_packet_open_options o = options(f);
    int counts[KTPEL_ERR_COUNT] = {0};
    for (size_t i = 0; i < len; i++) {
        uint8_t mask = (uint8_t)(1u << (i % 8));
        der[i] ^= mask;
        ktpel_errbuf eb = {0};
        ktpel_packet *q = NULL;
        ktpel_err rc = ktpel_packet_open(der, len, &o, &q, NULL, &eb);
        der[i] ^= mask;
        if (rc == KTPEL_OK)
            fail_msg("flipping bit %u of byte %zu of %zu was not noticed", i % 8, i, len);
        assert_null(q);
        assert_true(eb.message[0] != '\0');
        counts[rc]++;
    }
    /* almost every flip breaks the GCM tag or the DER structure: "tampered" */
    assert_true(counts[KTPEL_ETAMPERED] > (int)len * 9 / 10);
    print_message("%zu flips: %d tampered, %d truncated, %d not for this data center, %d other\n",
                  len, counts[KTPEL_ETAMPERED], counts[KTPEL_ETRUNCATED], counts[KTPEL_ENOTFOUND],
                  (int)len - counts[KTPEL_ETAMPERED] - counts[KTPEL_ETRUNCATED] -
                      counts[KTPEL_ENOTFOUND]);
    ktpel_packet_free(p);
    free(der);
}

static void test_truncated(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    ktpel_packet_open_options o = options(f);
    for (size_t n = 0; n < len; n++) {
        ktpel_errbuf eb;
        assert_int_equal(ktpel_packet_open(der, n, &o, NULL, NULL, &eb), KTPEL_ETRUNCATED);
    }
    /* a byte too many is not silently ignored */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(longer, len + 1, &o, NULL, NULL, &eb), KTPEL_ETAMPERED);
    free(longer);
    ktpel_packet_free(p);
    free(der);
}

static void test_untrusted_and_wrong_dc(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->other_station, f->other_station_key, f->dc, &der, &len);
    ktpel_packet_open_options o = options(f);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EUNTRUSTED);
    assert_non_null(strstr(eb.message, "ST-0001"));
    free(der);
    /* sealed for another data center */
    ktpel_packet_free(p);
    p = make_packet();
    seal(f, p, f->station, f->station_key, f->other_dc, &der, &len);
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_ENOTFOUND);
    free(der);
    /* a data center certificate cannot seal (not a station) */
    ktpel_packet_free(p);
    p = make_packet();
    assert_int_equal(ktpel_packet_seal(p, f->dc, f->dc_key, f->dc, &der, &len, &eb), KTPEL_EINVAL);
    ktpel_packet_free(p);
}

static void test_expired(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->old_station, f->old_station_key, f->dc, &der, &len);
    ktpel_packet_open_options o = options(f);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EEXPIRED);
    assert_non_null(strstr(eb.message, "expired"));
    free(der);
    ktpel_packet_free(p);
    /* a valid certificate, but the packet waited too long, or is dated in the future */
    p = make_packet();
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    o.now = CREATED + 31 * DAY;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EEXPIRED);
    assert_non_null(strstr(eb.message, "days old"));
    o.now = CREATED - 2 * 3600;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EEXPIRED);
    assert_non_null(strstr(eb.message, "future"));
    o.now = 0; /* no age check */
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_OK);
    free(der);
    ktpel_packet_free(p);
}

typedef struct seen_set {
    char ids[8][33];
    int n;
} seen_set;

static ktpel_err seen_hook(void *ctx, const char *id, const uint8_t hash[32], bool *seen,
                           ktpel_errbuf *eb)
{
    (void)hash;
    (void)eb;
    seen_set *s = ctx;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0) {
            *seen = true;
            return KTPEL_OK;
        }
    snprintf(s->ids[s->n++], 33, "%s", id);
    *seen = false;
    return KTPEL_OK;
}

static void test_replay_hook(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    uint8_t *der = NULL, *der2 = NULL;
    size_t len = 0, len2 = 0;
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    /* sealing again gives other bytes (fresh keys, signature) but the same packet id */
    seal(f, p, f->station, f->station_key, f->dc, &der2, &len2);
    seen_set s = {.n = 0};
    ktpel_packet_open_options o = options(f);
    o.seen = seen_hook;
    o.seen_ctx = &s;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_OK);
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EREPLAY);
    assert_int_equal(ktpel_packet_open(der2, len2, &o, NULL, NULL, &eb), KTPEL_EREPLAY);
    assert_non_null(strstr(eb.message, ktpel_packet_get_meta(p)->packet_id));
    free(der);
    free(der2);
    ktpel_packet_free(p);
}

/* Seals a container by hand (sign, encrypt, the station's seal over the envelope), as
 * ktpel_packet_seal does, so that the container may say what a real packet would not. */
static void hand_seal(fixture *f, const uint8_t *enc, size_t enc_len, int64_t signing_time,
                      uint8_t **der, size_t *len)
{
    uint8_t *sig = NULL, *env = NULL, *seal = NULL;
    size_t sig_len = 0, env_len = 0, seal_len = 0;
    assert_int_equal(ktpel_pki_cms_sign(enc, enc_len, NULL, f->station, f->station_key,
                                        signing_time, &sig, &sig_len, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_pki_cms_encrypt(sig, sig_len, f->dc, &env, &env_len, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_sign(f->station_key, env, env_len, &seal, &seal_len, NULL),
                     KTPEL_OK);
    *der = malloc(env_len + 6 + seal_len);
    memcpy(*der, env, env_len);
    memcpy(*der + env_len, "KSIG", 4);
    (*der)[env_len + 4] = (uint8_t)(seal_len >> 8);
    (*der)[env_len + 5] = (uint8_t)seal_len;
    memcpy(*der + env_len + 6, seal, seal_len);
    *len = env_len + 6 + seal_len;
    free(sig);
    free(env);
    free(seal);
}

static void test_signed_content_must_name_its_signer(void **state)
{
    fixture *f = *state;
    ktpel_packet *p = make_packet();
    ktpel_packet_meta m = *ktpel_packet_get_meta(p);
    /* a container that claims station ST-0002, signed by ST-0001 */
    snprintf(m.station_id, sizeof m.station_id, "ST-0002");
    ktpel_packet *q = NULL;
    assert_int_equal(ktpel_packet_new(&m, &q, NULL), KTPEL_OK);
    assert_int_equal(ktpel_packet_add(q, "record.txt", record, strlen(record), NULL), KTPEL_OK);
    uint8_t *enc = NULL, *der = NULL;
    size_t enc_len = 0, len = 0;
    assert_int_equal(ktpel_packet_encode(q, &enc, &enc_len, NULL), KTPEL_OK);
    hand_seal(f, enc, enc_len, CREATED, &der, &len);
    ktpel_packet_open_options o = options(f);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EUNTRUSTED);
    assert_non_null(strstr(eb.message, "ST-0002"));
    free(enc);
    free(der);
    ktpel_packet_free(q);
    /* a signing time that is not the packet's creation time */
    snprintf(m.station_id, sizeof m.station_id, "ST-0001");
    assert_int_equal(ktpel_packet_new(&m, &q, NULL), KTPEL_OK);
    assert_int_equal(ktpel_packet_add(q, "record.txt", record, strlen(record), NULL), KTPEL_OK);
    assert_int_equal(ktpel_packet_encode(q, &enc, &enc_len, NULL), KTPEL_OK);
    hand_seal(f, enc, enc_len, CREATED + 5, &der, &len);
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "signing time"));
    free(der);
    /* the hand seal itself is right: with the right time the packet opens */
    hand_seal(f, enc, enc_len, CREATED, &der, &len);
    assert_int_equal(ktpel_packet_open(der, len, &o, NULL, NULL, &eb), KTPEL_OK);
    free(enc);
    free(der);
    ktpel_packet_free(q);
    ktpel_packet_free(p);
}

/* ---- the container, by hand ---- */

typedef struct raw_entry {
    const char *name;
    const char *data;
    int name_len;  /* -1: strlen */
    long data_len; /* -1: strlen */
} raw_entry;

static const char good_meta[] = "format: ktpel-packet 1\n"
                                "packet_id: 0123456789abcdef0123456789abcdef\n"
                                "created: 2025-12-01T03:04:05Z\n"
                                "station_id: ST-0001\n"
                                "operator_id: OP-7\n"
                                "resident_confirmed: no\n";
static const char good_caps[] = "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\n"
                                "face\tface_1.jpg\tcam\t2025-12-01T03:00:00Z\t90\t1\tcaptured\t-\n";

/* Writes a container of the given entries (count as given) into buf; returns its length. */
static size_t build(uint8_t *buf, const raw_entry *e, int n, int count, int version)
{
    memcpy(buf, "KPKT", 4);
    buf[4] = (uint8_t)version;
    buf[5] = 0;
    buf[6] = (uint8_t)(count >> 8);
    buf[7] = (uint8_t)count;
    size_t at = 8;
    for (int i = 0; i < n; i++) {
        size_t nl = e[i].name_len < 0 ? strlen(e[i].name) : (size_t)e[i].name_len;
        size_t real = e[i].data ? strlen(e[i].data) : 0;
        uint32_t dl = e[i].data_len < 0 ? (uint32_t)real : (uint32_t)e[i].data_len;
        buf[at++] = (uint8_t)nl;
        memcpy(buf + at, e[i].name, strlen(e[i].name));
        at += nl;
        buf[at++] = (uint8_t)(dl >> 24);
        buf[at++] = (uint8_t)(dl >> 16);
        buf[at++] = (uint8_t)(dl >> 8);
        buf[at++] = (uint8_t)dl;
        memcpy(buf + at, e[i].data, real);
        at += real;
    }
    uint32_t crc = ktpel_crc32(0, buf, at);
    buf[at++] = (uint8_t)(crc >> 24);
    buf[at++] = (uint8_t)(crc >> 16);
    buf[at++] = (uint8_t)(crc >> 8);
    buf[at++] = (uint8_t)crc;
    return at;
}

static ktpel_err decode(const uint8_t *buf, size_t len, ktpel_errbuf *eb)
{
    ktpel_packet *p = NULL;
    ktpel_err rc = ktpel_packet_decode(buf, len, &p, eb);
    if (rc == KTPEL_OK)
        assert_non_null(p);
    else
        assert_null(p);
    ktpel_packet_free(p);
    return rc;
}

static void expect(const raw_entry *e, int n, int count, int version, ktpel_err want,
                   const char *in_message)
{
    static uint8_t buf[8192];
    size_t len = build(buf, e, n, count, version);
    ktpel_errbuf eb = {0};
    ktpel_err rc = decode(buf, len, &eb);
    if (rc != want)
        fail_msg("expected %s, got %s: %s", ktpel_strerror(want), ktpel_strerror(rc), eb.message);
    if (in_message && !strstr(eb.message, in_message))
        fail_msg("message \"%s\" does not mention \"%s\"", eb.message, in_message);
}

static void test_container_malformed(void **state)
{
    (void)state;
    raw_entry ok[] = {{"capture.txt", good_caps, -1, -1},
                      {"face_1.jpg", "jpeg", -1, -1},
                      {"packet.txt", good_meta, -1, -1},
                      {"record.txt", record, -1, -1}};
    expect(ok, 4, 4, 1, KTPEL_OK, NULL);
    expect(ok, 4, 4, 2, KTPEL_EUNSUPPORTED, "version 2");
    expect(ok, 4, 5, 1, KTPEL_ETRUNCATED, "entry 5 of 5");
    expect(ok, 4, 3, 1, KTPEL_EFORMAT, "after the last entry");
    expect(ok, 4, 0, 1, KTPEL_EFORMAT, "0 entries");
    /* names: out of order, repeated, empty, too long, not allowed */
    raw_entry order[] = {ok[0], ok[2], ok[1], ok[3]};
    expect(order, 4, 4, 1, KTPEL_EFORMAT, "face_1.jpg");
    raw_entry twice[] = {ok[0], ok[1], ok[1], ok[2], ok[3]};
    expect(twice, 5, 5, 1, KTPEL_EFORMAT, "face_1.jpg");
    raw_entry empty_name[] = {{"", "x", 0, -1}, ok[0], ok[2], ok[3]};
    expect(empty_name, 4, 4, 1, KTPEL_EFORMAT, "name length 0");
    raw_entry upper[] = {ok[0], {"Face.jpg", "x", -1, -1}, ok[2], ok[3]};
    expect(upper, 4, 4, 1, KTPEL_EFORMAT, "name");
    raw_entry slash[] = {ok[0], {"a/b", "x", -1, -1}, ok[2], ok[3]};
    expect(slash, 4, 4, 1, KTPEL_EFORMAT, "name");
    /* data lengths: past the end, over the limit */
    raw_entry past[] = {ok[0], ok[1], ok[2], {"record.txt", record, -1, 5000}};
    expect(past, 4, 4, 1, KTPEL_ETRUNCATED, "record.txt");
    raw_entry huge[] = {ok[0], {"face_1.jpg", "x", -1, 0x7fffffff}, ok[2], ok[3]};
    expect(huge, 4, 4, 1, KTPEL_ETOOBIG, "face_1.jpg");
    /* required entries */
    raw_entry no_record[] = {ok[0], ok[1], ok[2]};
    expect(no_record, 3, 3, 1, KTPEL_EFORMAT, "record.txt");
    raw_entry no_meta[] = {ok[0], ok[1], ok[3]};
    expect(no_meta, 3, 3, 1, KTPEL_EFORMAT, "packet.txt");
    /* packet.txt contents */
    const char *bad_metas[][2] = {
        {"format: ktpel-packet 2\n", "format"},
        {"format: ktpel-packet 1\npacket_id: XYZ\ncreated: 2025-12-01T03:04:05Z\nstation_id: A\n"
         "operator_id: B\nresident_confirmed: no\n",
         "packet_id"},
        {"format: ktpel-packet 1\npacket_id: 0123456789abcdef0123456789abcdef\n"
         "created: 2025-13-01T03:04:05Z\nstation_id: A\noperator_id: B\nresident_confirmed: no\n",
         "created"},
        {"format: ktpel-packet 1\nformat: ktpel-packet 1\n", "repeated"},
        {"format: ktpel-packet 1\ncolour: blue\n", "unknown key"},
        {"format: ktpel-packet 1\npacket_id: 0123456789abcdef0123456789abcdef\n", "no created"},
        {"format: ktpel-packet 1", "newline"},
        {"format: ktpel-packet 1\npacket_id: 0123456789abcdef0123456789abcdef\n"
         "created: 2025-12-01T03:04:05Z\nstation_id: A\noperator_id: B\n"
         "resident_confirmed: yes\n",
         "confirmed_at"},
    };
    for (size_t i = 0; i < sizeof bad_metas / sizeof bad_metas[0]; i++) {
        raw_entry e[] = {ok[0], ok[1], {"packet.txt", bad_metas[i][0], -1, -1}, ok[3]};
        static uint8_t buf[8192];
        size_t len = build(buf, e, 4, 4, 1);
        ktpel_errbuf eb = {0};
        ktpel_err rc = decode(buf, len, &eb);
        assert_int_not_equal(rc, KTPEL_OK);
        if (!strstr(eb.message, "packet.txt") || !strstr(eb.message, bad_metas[i][1]))
            fail_msg("case %zu: \"%s\"", i, eb.message);
    }
    /* capture.txt contents */
    const char *bad_caps[] = {
        "item\tentry\n",
        "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\nface\tface_1.jpg\tcam\n",
        "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\n"
        "face\tnone.jpg\tcam\t2025-12-01T03:00:00Z\t90\t1\tcaptured\t-\n",
        "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\n"
        "face\tface_1.jpg\tcam\t2025-12-01T03:00:00Z\t101\t1\tcaptured\t-\n",
        "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\n"
        "face\tface_1.jpg\tcam\t2025-12-01T03:00:00Z\t90\t1\tCAPTURED\t-\n",
        "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote\n"
        "face\tface_1.jpg\tcam\t2025-12-01T03:00:00Z\t90\t1\tcaptured\t-\textra\n",
    };
    for (size_t i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++) {
        raw_entry e[] = {{"capture.txt", bad_caps[i], -1, -1}, ok[1], ok[2], ok[3]};
        static uint8_t buf[8192];
        size_t len = build(buf, e, 4, 4, 1);
        ktpel_errbuf eb = {0};
        if (decode(buf, len, &eb) == KTPEL_OK)
            fail_msg("capture case %zu accepted", i);
        if (!strstr(eb.message, "capture.txt"))
            fail_msg("case %zu: \"%s\"", i, eb.message);
    }
    /* checksum, magic, and every truncation of a good container */
    static uint8_t buf[8192];
    size_t len = build(buf, ok, 4, 4, 1);
    ktpel_errbuf eb;
    buf[20] ^= 1;
    assert_int_not_equal(decode(buf, len, &eb), KTPEL_OK);
    buf[20] ^= 1;
    buf[len - 1] ^= 1;
    assert_int_equal(decode(buf, len, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "checksum"));
    buf[len - 1] ^= 1;
    buf[0] = 'X';
    assert_int_equal(decode(buf, len, &eb), KTPEL_EFORMAT);
    buf[0] = 'K';
    for (size_t n = 0; n < len; n++)
        assert_int_not_equal(decode(buf, n, &eb), KTPEL_OK);
    assert_int_equal(decode(buf, len, &eb), KTPEL_OK);
}

static void test_add_rejects(void **state)
{
    (void)state;
    ktpel_packet_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.operator_id, sizeof m.operator_id, "OP-7");
    snprintf(m.station_id, sizeof m.station_id, "ST-0001");
    ktpel_packet *p = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_packet_new(&m, &p, &eb), KTPEL_OK);
    assert_int_equal(ktpel_packet_add(p, "record.txt", record, strlen(record), NULL), KTPEL_OK);
    const char *bad[] = {"",
                         ".hidden",
                         "a/b",
                         "Upper.png",
                         "packet.txt",
                         "capture.txt",
                         "x123456789x123456789x123456789x123456789x123456789x123456789x1234"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ktpel_packet_add(p, bad[i], "x", 1, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_packet_add(p, "record.txt", "x", 1, &eb), KTPEL_EINVAL); /* twice */
    ktpel_packet_capture c = {"Finger", "", "", 0, 0, 0, "captured", ""};
    assert_int_equal(ktpel_packet_add_capture(p, &c, &eb), KTPEL_EFIELD);
    ktpel_packet_capture d = {"finger_01", "nothere.png", "", 0, 0, 0, "captured", ""};
    assert_int_equal(ktpel_packet_add_capture(p, &d, &eb), KTPEL_OK);
    uint8_t *enc = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_packet_encode(p, &enc, &len, &eb), KTPEL_EINVAL); /* names no entry */
    assert_non_null(strstr(eb.message, "nothere.png"));
    ktpel_packet_free(p);
    memset(&m, 0, sizeof m);
    assert_int_equal(ktpel_packet_new(&m, &p, &eb), KTPEL_EFIELD); /* no operator */
    snprintf(m.operator_id, sizeof m.operator_id, "OP 1");
    assert_int_equal(ktpel_packet_new(&m, &p, &eb), KTPEL_EFIELD);
    int64_t t;
    assert_true(ktpel_packet_parse_time("2024-02-29T23:59:59Z", &t));
    char back[32];
    assert_string_equal(ktpel_packet_format_time(t, back, sizeof back), "2024-02-29T23:59:59Z");
    assert_false(ktpel_packet_parse_time("2023-02-29T00:00:00Z", &t));
    assert_false(ktpel_packet_parse_time("2023-01-01 00:00:00", &t));
}

static const char *fixture_resident(void)
{
    static char path[4096];
    const char *src = getenv("KTPEL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/fixtures/population/E000001", src ? src : ".");
    return path;
}

static void test_from_resident_dir(void **state)
{
    fixture *f = *state;
    ktpel_packet_meta m;
    memset(&m, 0, sizeof m);
    m.created = CREATED;
    snprintf(m.operator_id, sizeof m.operator_id, "OP-7");
    ktpel_packet *p = NULL;
    ktpel_errbuf eb;
    const char *dir = fixture_resident();
    if (ktpel_packet_from_resident_dir(dir, &m, &p, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    size_t files = 0;
    DIR *d = opendir(dir);
    for (struct dirent *de; (de = readdir(d));)
        files += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(ktpel_packet_entry_count(p), files);
    assert_int_equal(ktpel_packet_capture_count(p), files - 1);
    assert_int_equal(strlen(ktpel_packet_get_meta(p)->nik), 16);
    assert_string_equal(ktpel_packet_get_meta(p)->source, "synthetic E000001");
    uint8_t *der = NULL;
    size_t len = 0;
    seal(f, p, f->station, f->station_key, f->dc, &der, &len);
    ktpel_packet_open_options o = options(f);
    ktpel_packet *q = NULL;
    assert_int_equal(ktpel_packet_open(der, len, &o, &q, NULL, &eb), KTPEL_OK);
    /* written back out, the folder holds the same files */
    char *tmp = ktpel_test_tmpdir();
    char out[4200];
    snprintf(out, sizeof out, "%s/E000001", tmp);
    assert_int_equal(ktpel_packet_write_dir(q, out, &eb), KTPEL_OK);
    for (size_t i = 0; i < ktpel_packet_entry_count(q); i++) {
        char a[8400], b[8400];
        snprintf(a, sizeof a, "%s/%s", dir, ktpel_packet_entry_name(q, i));
        snprintf(b, sizeof b, "%s/%s", out, ktpel_packet_entry_name(q, i));
        size_t la = 0, lb = 0;
        uint8_t *da = ktpel_test_read_file(a, &la), *db = ktpel_test_read_file(b, &lb);
        assert_non_null(da);
        assert_non_null(db);
        assert_int_equal(la, lb);
        assert_memory_equal(da, db, la);
        free(da);
        free(db);
    }
    struct stat st;
    char meta_path[8400];
    snprintf(meta_path, sizeof meta_path, "%s/packet.txt", out);
    assert_int_equal(stat(meta_path, &st), 0);
    ktpel_test_rmtree(tmp);
    free(tmp);
    free(der);
    ktpel_packet_free(p);
    ktpel_packet_free(q);
}

static size_t count_files(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_spool(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    char spool[4200], inbox[4200], path[8400];
    snprintf(spool, sizeof spool, "%s/spool", tmp);
    snprintf(inbox, sizeof inbox, "%s/inbox", tmp);
    mkdir(inbox, 0755);
    ktpel_errbuf eb;
    const char *ids[] = {"00000000000000000000000000000001", "00000000000000000000000000000002",
                         "00000000000000000000000000000003"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(ktpel_spool_put(spool, ids[i], (const uint8_t *)ids[i], 32, NULL, &eb),
                         KTPEL_OK);
    assert_int_equal(ktpel_spool_put(spool, ids[0], (const uint8_t *)"x", 1, NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_spool_put(spool, "nothex", (const uint8_t *)"x", 1, NULL, &eb),
                     KTPEL_EINVAL);
    /* an interrupted earlier send: packet 1 already in the inbox; packet 2 in the inbox with
     * other bytes */
    snprintf(path, sizeof path, "%s/%s.ktp", inbox, ids[0]);
    assert_int_equal(ktpel_file_write_atomic(path, ids[0], 32, NULL), KTPEL_OK);
    snprintf(path, sizeof path, "%s/%s.ktp", inbox, ids[1]);
    assert_int_equal(ktpel_file_write_atomic(path, "other", 5, NULL), KTPEL_OK);
    ktpel_spool_report r;
    assert_int_equal(ktpel_spool_send(spool, inbox, NULL, NULL, &r, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, ids[1]));
    assert_int_equal(r.sent, 1);
    assert_int_equal(r.already, 1);
    assert_int_equal(r.failed, 1);
    assert_int_equal(count_files(spool), 1); /* packet 2 stays */
    assert_int_equal(count_files(inbox), 3);
    snprintf(path, sizeof path, "%s/%s.ktp", inbox, ids[2]);
    size_t len = 0;
    uint8_t *data = ktpel_test_read_file(path, &len);
    assert_int_equal(len, 32);
    assert_memory_equal(data, ids[2], 32);
    free(data);
    /* resolved: the inbox's copy removed, the send completes */
    snprintf(path, sizeof path, "%s/%s.ktp", inbox, ids[1]);
    unlink(path);
    assert_int_equal(ktpel_spool_send(spool, inbox, NULL, NULL, &r, &eb), KTPEL_OK);
    assert_int_equal(r.sent, 1);
    assert_int_equal(count_files(spool), 0);
    assert_int_equal(count_files(inbox), 3);
    /* a missing inbox is an error, not a created folder */
    snprintf(path, sizeof path, "%s/none", tmp);
    assert_int_equal(ktpel_spool_send(spool, path, NULL, NULL, &r, &eb), KTPEL_EIO);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_flipped_byte_anywhere),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_untrusted_and_wrong_dc),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_replay_hook),
        cmocka_unit_test(test_signed_content_must_name_its_signer),
        cmocka_unit_test(test_container_malformed),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_from_resident_dir),
        cmocka_unit_test(test_spool),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
