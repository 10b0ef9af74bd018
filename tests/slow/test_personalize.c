/* Personalisation and the kecamatan desk, end to end through the ktpel command: a small
 * synthetic population (`ktpel synth --captures 2` -> ingest -> dedup), `ktpel pki init`,
 * `ktpel personalize` -> chips, card prints, shipment lists, statuses; a run killed with
 * SIGKILL and resumed gives the same files; `ktpel verify` with the right person's second
 * capture (BERHASIL), an impostor's finger (GAGAL), a tampered chip (GAGAL naming the data
 * group); `ktpel receipts import` -> statuses and audit, idempotent, malformed receipts
 * rejected; a returned card gets a replacement. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/cards.h"
#include "ktpel/chip.h"
#include "ktpel/store.h"
#include "testutil.h"

#define RESIDENTS 3
#define MAX_ROWS  16

static char out[1 << 18];
static char *tmp;
static char pop[4200], pki[4200], base[4200];
static ktpel_test_truth_row rows[MAX_ROWS];
/* The runs' time: fixed for all of them (the certificates of `pki init` start now). */
static long long run_time;
static size_t row_count;

#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static char *path(const char *name)
{
    static char p[8][4400];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    snprintf(pki, sizeof pki, "%s/pki", tmp);
    snprintf(base, sizeof base, "%s/base", tmp);
    if (run("synth --residents %d --captures 2 --seed 5 --quiet -o '%s'", RESIDENTS, pop) ||
        run("ingest --quiet --store '%s' '%s'", base, pop) || run("dedup --store '%s'", base) ||
        run("pki init '%s'", pki)) {
        fprintf(stderr, "setup: %s\n", out);
        return -1;
    }
    row_count = ktpel_test_read_truth(pop, rows, MAX_ROWS);
    run_time = (long long)time(NULL) + 60;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

/* A copy of the deduplicated store. */
static const char *fresh_store(const char *name)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", base, path(name));
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);
    static char stores[2][4400];
    static int k;
    k = (k + 1) % 2;
    snprintf(stores[k], sizeof stores[k], "%s", path(name));
    return stores[k];
}

static int personalize(const char *store, const char *outdir, int batch)
{
    return run("personalize --store '%s' --pki '%s' -o '%s' --time %lld --batch %d --quiet", store,
               pki, outdir, run_time, batch);
}

static ktpel_status status_of(const char *store, const char *nik)
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &ro, &s, NULL), KTPEL_OK);
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    ktpel_status now = KTPEL_STATUS_COUNT;
    assert_int_equal(ktpel_store_status_get(s, nik, &h, NULL), KTPEL_OK);
    assert_true(ktpel_status_history_current(&h, &now));
    ktpel_status_history_free(&h);
    ktpel_store_close(s);
    return now;
}

static bool card_of(const char *store, const char *nik, ktpel_card_record *c)
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &ro, &s, NULL), KTPEL_OK);
    bool found = ktpel_cards_get(s, nik, c, NULL, NULL) == KTPEL_OK;
    ktpel_store_close(s);
    return found;
}

static void digest(const char *store, uint8_t d[32])
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &ro, &s, NULL), KTPEL_OK);
    assert_int_equal(ktpel_store_digest(s, d, NULL), KTPEL_OK);
    ktpel_store_close(s);
}

static bool same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    uint8_t *x = ktpel_test_read_file(a, &la), *y = ktpel_test_read_file(b, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* Sorted file names of DIR/cards, joined by spaces. */
static void list_dir(const char *dir, char *buf, size_t size)
{
    char cmd[4600];
    snprintf(cmd, sizeof cmd, "ls '%s' | sort | tr '\\n' ' '", dir);
    assert_int_equal(ktpel_test_run(cmd, buf, size), 0);
}

/* Starts ktpel ARGS and kills it with SIGKILL after ms milliseconds; 1 if it was killed. */
static int run_and_kill(int ms, char *const args[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execv(ktpel_test_bin(), args);
        _exit(127);
    }
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int status = 0;
    int killed = waitpid(pid, &status, WNOHANG) == 0;
    if (killed) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return killed;
}

static const char *unique_nik(const char *store, size_t k)
{
    for (size_t i = 0, n = 0; i < row_count; i++)
        if (status_of(store, rows[i].nik) != KTPEL_STATUS_DUPLICATE &&
            status_of(store, rows[i].nik) != KTPEL_STATUS_ADJUDICATE && n++ == k)
            return rows[i].nik;
    return NULL;
}

static const char *enrolment_of(const char *nik)
{
    for (size_t i = 0; i < row_count; i++)
        if (strcmp(rows[i].nik, nik) == 0)
            return rows[i].enrolment;
    return NULL;
}

static void test_personalize_then_resume_after_kill(void **state)
{
    (void)state;
    const char *a = fresh_store("store-a");
    assert_int_equal(personalize(a, path("out-a"), 16), 0);
    size_t cards = 0;
    for (size_t i = 0; i < row_count; i++) {
        ktpel_card_record c;
        if (!card_of(a, rows[i].nik, &c))
            continue;
        cards++;
        assert_int_equal(status_of(a, rows[i].nik), KTPEL_STATUS_SHIPPED);
        assert_int_equal(ktpel_card_register_check(c.register_no, NULL), KTPEL_OK);
        assert_int_equal(c.shipment, 1);
        char chip[4400];
        snprintf(chip, sizeof chip, "%s/cards/%s.chip", path("out-a"), c.register_no);
        ktpel_pki_trust *trust = NULL;
        char csca[4400];
        snprintf(csca, sizeof csca, "%s/csca.crt", pki);
        assert_int_equal(ktpel_pki_trust_load(csca, &trust, NULL), KTPEL_OK);
        ktpel_chip_contents cc;
        assert_int_equal(ktpel_chip_read_file(chip, trust, run_time, &cc, NULL, NULL), KTPEL_OK);
        assert_string_equal(cc.resident.nik, rows[i].nik);
        ktpel_chip_contents_free(&cc);
        ktpel_pki_trust_free(trust);
    }
    assert_true(cards >= 2);
    char names[4096];
    list_dir(path("out-a/shipments/000001"), names, sizeof names);
    assert_non_null(strstr(names, ".csv"));
    assert_non_null(strstr(names, ".json"));

    /* Again: nothing to do, nothing changes. */
    uint8_t d1[32], d2[32];
    digest(a, d1);
    assert_int_equal(personalize(a, path("out-a"), 16), 0);
    digest(a, d2);
    assert_memory_equal(d1, d2, 32);

    /* Store B: killed at several moments, resumed; the files are A's (the chips are the ones
     * B stored: ECDSA signatures differ between two stores, never within one). */
    const char *b = fresh_store("store-b");
    char batch[] = "--batch", one[] = "1", time_opt[] = "--time", t[32], q[] = "--quiet";
    snprintf(t, sizeof t, "%lld", run_time);
    char *args[] = {(char *)ktpel_test_bin(),
                    "personalize",
                    "--store",
                    (char *)b,
                    "--pki",
                    pki,
                    "-o",
                    path("out-b"),
                    batch,
                    one,
                    time_opt,
                    t,
                    q,
                    NULL};
    int kills = 0;
    for (int ms = 40; ms < 3000 && run_and_kill(ms, args); ms *= 2)
        kills++;
    printf("personalize killed %d times before it could finish\n", kills);
    assert_int_equal(personalize(b, path("out-b"), 1), 0);
    char names_a[4096], names_b[4096];
    list_dir(path("out-a/cards"), names_a, sizeof names_a);
    list_dir(path("out-b/cards"), names_b, sizeof names_b);
    assert_string_equal(names_a, names_b);
    for (size_t i = 0; i < row_count; i++) {
        ktpel_card_record ca, cb;
        if (!card_of(a, rows[i].nik, &ca))
            continue;
        assert_true(card_of(b, rows[i].nik, &cb));
        assert_string_equal(ca.register_no, cb.register_no);
        assert_int_equal(status_of(b, rows[i].nik), KTPEL_STATUS_SHIPPED);
        char fa[4400], fb[4400];
        for (int k = 0; k < 2; k++) {
            const char *ext = k ? "pdf" : "png";
            snprintf(fa, sizeof fa, "%s/cards/%s.%s", path("out-a"), ca.register_no, ext);
            snprintf(fb, sizeof fb, "%s/cards/%s.%s", path("out-b"), cb.register_no, ext);
            assert_true(same_file(fa, fb));
        }
        /* B's chip file is the chip B committed. */
        ktpel_store *s;
        ktpel_store_options ro = {.read_only = true};
        assert_int_equal(ktpel_store_open(b, &ro, &s, NULL), KTPEL_OK);
        uint8_t *chip = NULL;
        assert_int_equal(ktpel_cards_get(s, rows[i].nik, &cb, &chip, NULL), KTPEL_OK);
        ktpel_store_close(s);
        size_t len = 0;
        snprintf(fb, sizeof fb, "%s/cards/%s.chip", path("out-b"), cb.register_no);
        uint8_t *file = ktpel_test_read_file(fb, &len);
        assert_non_null(file);
        assert_int_equal(len, cb.chip_len);
        assert_memory_equal(file, chip, len);
        free(file);
        free(chip);
    }
    /* The shipment lists: the same but for the chip hashes (the last column). */
    char cmd[9000];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for f in *.csv; do diff <(sed 's/,[0-9a-f]*$//' \"$f\") <(sed "
             "'s/,[0-9a-f]*$//' '%s'/\"$f\") || exit 1; done",
             path("out-a/shipments/000001"), path("out-b/shipments/000001"));
    char bash[9200];
    snprintf(bash, sizeof bash, "bash -c \"%s\"", cmd);
    assert_int_equal(ktpel_test_run(bash, out, sizeof out), 0);
    assert_int_equal(run("audit verify --store '%s'", b), 0);
}

/* The desk and the data center's import, on store A of the first test. */
static void test_desk_and_receipts(void **state)
{
    (void)state;
    char a[4400];
    snprintf(a, sizeof a, "%s", path("store-a"));
    const char *n1 = unique_nik(a, 0), *n2 = unique_nik(a, 1);
    assert_non_null(n1);
    assert_non_null(n2);
    ktpel_card_record c1, c2;
    assert_true(card_of(a, n1, &c1));
    assert_true(card_of(a, n2, &c2));
    char chip1[4400], chip2[4400], csca[4400], receipt[4400];
    snprintf(chip1, sizeof chip1, "%s/cards/%s.chip", path("out-a"), c1.register_no);
    snprintf(chip2, sizeof chip2, "%s/cards/%s.chip", path("out-a"), c2.register_no);
    snprintf(csca, sizeof csca, "%s/csca.crt", pki);
    snprintf(receipt, sizeof receipt, "%s/receipt.txt", tmp);

    /* An impostor (resident 2's fingers) tries to collect card 1: refused, kept. */
    assert_int_equal(run("verify --card '%s' --csca '%s' --finger '%s/%s/finger_02_2.png' "
                         "--finger '%s/%s/finger_07_2.png' --receipt '%s' --desk KEC-01 --keep",
                         chip1, csca, pop, enrolment_of(n2), pop, enrolment_of(n2), receipt),
                     1);
    assert_non_null(strstr(out, "GAGAL"));
    assert_non_null(strstr(out, "FINGER_MISMATCH"));
    /* The right person, a second capture: handed over. */
    assert_int_equal(run("verify --card '%s' --csca '%s' --finger '%s/%s/finger_02_2.png' "
                         "--receipt '%s' --desk KEC-01",
                         chip1, csca, pop, enrolment_of(n1), receipt),
                     0);
    assert_non_null(strstr(out, "BERHASIL"));
    /* Card 2 with one byte of its face (DG2) changed: GAGAL naming DG2. */
    size_t len = 0;
    uint8_t *bytes = ktpel_test_read_file(chip2, &len);
    assert_non_null(bytes);
    bytes[400] ^= 0x01;
    char bad[4400];
    snprintf(bad, sizeof bad, "%s/tampered.chip", tmp);
    FILE *f = fopen(bad, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    free(bytes);
    assert_int_equal(run("verify --card '%s' --csca '%s' --finger '%s/%s/finger_02_2.png' "
                         "--receipt '%s' --desk KEC-01",
                         bad, csca, pop, enrolment_of(n2), receipt),
                     1);
    assert_non_null(strstr(out, "CHIP_TAMPERED"));
    assert_non_null(strstr(out, "DG2"));

    /* A malformed copy is rejected with the line, and changes nothing. */
    uint8_t d0[32], d1[32];
    digest(a, d0);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "sed 's/KEC-01/KEC-02/' '%s' > '%s/bad.txt'", receipt, tmp);
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);
    assert_int_equal(run("receipts import '%s/bad.txt' --store '%s'", tmp, a), 1);
    assert_non_null(strstr(out, "CRC-32"));
    assert_non_null(strstr(out, ":2:"));
    digest(a, d1);
    assert_memory_equal(d0, d1, 32);

    /* The real one: statuses, audit; then again: nothing changes. */
    assert_int_equal(run("receipts import '%s' --store '%s'", receipt, a), 0);
    assert_non_null(strstr(out, "1 handed over, 1 returned for destruction, 1 refused"));
    assert_int_equal(status_of(a, n1), KTPEL_STATUS_HANDED_OVER);
    assert_int_equal(status_of(a, n2), KTPEL_STATUS_RETURNED_FOR_DESTRUCTION);
    digest(a, d0);
    assert_int_equal(run("receipts import '%s' --store '%s'", receipt, a), 0);
    assert_non_null(strstr(out, "3 already imported"));
    digest(a, d1);
    assert_memory_equal(d0, d1, 32);
    assert_int_equal(run("audit verify --store '%s'", a), 0);

    /* The returned card's resident gets a replacement: issue 2, a new register number. */
    assert_int_equal(personalize(a, path("out-a"), 16), 0);
    ktpel_card_record r2;
    assert_true(card_of(a, n2, &r2));
    assert_int_equal(r2.issue, 2);
    assert_string_not_equal(r2.register_no, c2.register_no);
    assert_int_equal(r2.shipment, 2);
    assert_int_equal(status_of(a, n2), KTPEL_STATUS_SHIPPED);
    assert_int_equal(status_of(a, n1), KTPEL_STATUS_HANDED_OVER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_personalize_then_resume_after_kill),
        cmocka_unit_test(test_desk_and_receipts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
