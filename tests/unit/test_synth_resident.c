/* Synthetic residents: determinism, validity of every record over thousands of residents,
 * NIK and KK uniqueness, duplicates, the application text round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/application.h"
#include "ktpel/region.h"
#include "ktpel/synth_resident.h"
#include "testutil.h"

#define MANY 5000

static int cmp_str16(const void *a, const void *b)
{
    return memcmp(a, b, KTPEL_NIK_LEN);
}

/* Generates identity k of population p (persons own the first identities; duplicate k is
 * claimed by person k % persons). */
static void make(const ktpel_synth_population *p, uint64_t k, ktpel_synth_person *who,
                 ktpel_application *app)
{
    ktpel_errbuf eb;
    uint64_t person = k < p->persons ? k : k % p->persons;
    assert_int_equal(ktpel_synth_person_make(p, person, who, &eb), KTPEL_OK);
    if (ktpel_synth_resident_make(p, k, who, app, NULL, &eb) != KTPEL_OK)
        fail_msg("identity %llu: %s", (unsigned long long)k, eb.message);
}

static void test_deterministic(void **state)
{
    (void)state;
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 42, 100);
    ktpel_synth_person who1, who2;
    ktpel_application *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    char t1[4096], t2[4096];
    /* Alone, in another order, and after other records: the same text. */
    make(&p, 37, &who1, a);
    for (uint64_t k = 0; k < 10; k++)
        make(&p, k, &who2, b);
    make(&p, 37, &who2, b);
    assert_int_equal(ktpel_synth_application_format(a, NULL, t1, sizeof t1, NULL, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_application_format(b, NULL, t2, sizeof t2, NULL, NULL), KTPEL_OK);
    assert_string_equal(t1, t2);
    /* Another seed: another resident. */
    ktpel_synth_population q = p;
    q.seed = 43;
    make(&q, 37, &who2, b);
    assert_int_equal(ktpel_synth_application_format(b, NULL, t2, sizeof t2, NULL, NULL), KTPEL_OK);
    assert_string_not_equal(t1, t2);
    free(a);
    free(b);
}

typedef struct tally {
    int foreign, female, elderly, married, fined;
} tally;

static void check_one(const ktpel_synth_population *p, const ktpel_regions *regions, uint64_t k,
                      char (*niks)[KTPEL_NIK_LEN], char (*kks)[KTPEL_NIK_LEN], tally *t)
{
    ktpel_synth_person who;
    ktpel_application *app = malloc(sizeof *app), *back = malloc(sizeof *back);
    ktpel_application_result *res = malloc(sizeof *res);
    assert_true(app && back && res);
    make(p, k, &who, app);
    const char *field = NULL;
    ktpel_errbuf eb;
    if (ktpel_resident_validate(&app->resident, regions, app->application_date, &field, &eb))
        fail_msg("identity %llu: %s", (unsigned long long)k, eb.message);
    assert_int_equal(ktpel_application_check(app, regions, res, &eb), KTPEL_OK);
    if (!res->can_proceed)
        fail_msg("identity %llu cannot proceed: %s %s %s", (unsigned long long)k, res->record_error,
                 res->eligibility_error, res->priority_error);
    /* The text written is the record read back. */
    char text[4096];
    size_t len = 0;
    assert_int_equal(ktpel_synth_application_format(app, "synthetic", text, sizeof text, &len, &eb),
                     KTPEL_OK);
    assert_int_equal(len, strlen(text));
    if (ktpel_application_parse(text, len, "synth.txt", back, &eb) != KTPEL_OK)
        fail_msg("identity %llu: %s\n%s", (unsigned long long)k, eb.message, text);
    assert_memory_equal(&app->resident, &back->resident, sizeof app->resident);
    assert_string_equal(app->no_kk, back->no_kk);
    assert_int_equal(app->documents, back->documents);
    assert_int_equal(app->priority_declared, back->priority_declared);
    /* Sex and birth date are the person's; a duplicate claims a birth date 30..730 days
     * away from the real one. */
    assert_int_equal(app->resident.jenis_kelamin, who.sex);
    long long shift = llabs((long long)ktpel_date_diff(who.birth, app->resident.tanggal_lahir));
    if (k < p->persons)
        assert_int_equal(shift, 0);
    else
        assert_in_range(shift, 30, 730);
    memcpy(niks[k], app->resident.nik, KTPEL_NIK_LEN);
    memcpy(kks[k], app->no_kk, KTPEL_NIK_LEN);
    t->foreign += app->resident.kewarganegaraan == KTPEL_CITIZEN_WNA;
    t->female += app->resident.jenis_kelamin == KTPEL_SEX_FEMALE;
    t->elderly += (res->priority_reasons & KTPEL_PRIORITY_ELDERLY) != 0;
    t->married += app->resident.status_perkawinan == KTPEL_MARITAL_KAWIN;
    t->fined += res->fine.amount_rp > 0;
    free(app);
    free(back);
    free(res);
}

static void assert_unique(char (*numbers)[KTPEL_NIK_LEN], size_t n, const char *what)
{
    qsort(numbers, n, KTPEL_NIK_LEN, cmp_str16);
    for (size_t i = 1; i < n; i++)
        if (memcmp(numbers[i - 1], numbers[i], KTPEL_NIK_LEN) == 0)
            fail_msg("two identities share the %s %.16s", what, numbers[i]);
}

/* Every record of thousands, with 10 % duplicates, passes the project's own checks; no two
 * share a NIK or KK number. */
static void test_many_valid_and_unique(void **state)
{
    (void)state;
    ktpel_regions *regions = NULL;
    assert_int_equal(ktpel_regions_create(&regions, NULL), KTPEL_OK);
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 2026, MANY);
    p.identities = MANY + MANY / 10;
    char(*niks)[KTPEL_NIK_LEN] = malloc(p.identities * KTPEL_NIK_LEN);
    char(*kks)[KTPEL_NIK_LEN] = malloc(p.identities * KTPEL_NIK_LEN);
    assert_true(niks && kks);
    tally t = {0};
    for (uint64_t k = 0; k < p.identities; k++)
        check_one(&p, regions, k, niks, kks, &t);
    assert_unique(niks, p.identities, "NIK");
    assert_unique(kks, p.identities, "KK number");
    /* The shares the generator promises, loosely. */
    int n = (int)p.identities;
    assert_true(t.foreign > n / 100 && t.foreign < n / 25);
    assert_true(t.female > n * 45 / 100 && t.female < n * 55 / 100);
    assert_true(t.elderly > 0 && t.married > n / 5 && t.fined > 0);
    free(niks);
    free(kks);
    ktpel_regions_free(regions);
}

/* The whole identity space of a population is one bijection: even consecutive identities
 * near the limit keep distinct NIKs; one more is refused. */
static void test_capacity(void **state)
{
    (void)state;
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 7, 10);
    p.identities = KTPEL_SYNTH_MAX_IDENTITIES;
    assert_int_equal(ktpel_synth_population_check(&p, NULL), KTPEL_OK);
    ktpel_synth_person who;
    ktpel_application *app = malloc(sizeof *app);
    assert_non_null(app);
    assert_int_equal(ktpel_synth_person_make(&p, 3, &who, NULL), KTPEL_OK);
    assert_int_equal(
        ktpel_synth_resident_make(&p, KTPEL_SYNTH_MAX_IDENTITIES - 1, &who, app, NULL, NULL),
        KTPEL_OK);
    p.identities++;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_population_check(&p, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "identities"));
    /* Person k's own record must be claimed by person k. */
    p.identities = 10;
    assert_int_equal(ktpel_synth_resident_make(&p, 4, &who, app, NULL, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_person_make(&p, 10, &who, &eb), KTPEL_EINVAL);
    free(app);
}

/* The enrolment order: every person once, as themselves; each planted duplicate is another
 * person again, after their first enrolment, pointing at it; the same seed, the same order. */
static void test_enrolments(void **state)
{
    (void)state;
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 5, 1000);
    p.identities = 1250;
    ktpel_synth_enrolment *e = NULL, *again = NULL;
    assert_int_equal(ktpel_synth_enrolments(&p, &e, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_enrolments(&p, &again, NULL), KTPEL_OK);
    assert_memory_equal(e, again, 1250 * sizeof *e);
    int *seen = calloc(1250, sizeof *seen), *dups_of = calloc(1000, sizeof *dups_of);
    assert_true(seen && dups_of);
    uint64_t last_original = 0;
    int interleaved = 0;
    for (int i = 0; i < 1250; i++) {
        assert_true(e[i].identity < 1250 && !seen[e[i].identity]);
        seen[e[i].identity] = 1;
        if (e[i].identity < 1000) {
            /* Originals in person order, as themselves. */
            assert_int_equal(e[i].person, e[i].identity);
            assert_int_equal(e[i].original, -1);
            assert_true(i == 0 || e[i].person >= last_original);
            last_original = e[i].person;
        } else {
            /* A duplicate shares its person with the enrolment it copies, which is earlier. */
            assert_true(e[i].original >= 0 && e[i].original < i);
            const ktpel_synth_enrolment *o = &e[e[i].original];
            assert_int_equal(o->person, e[i].person);
            assert_int_equal(o->identity, e[i].person);
            dups_of[e[i].person]++;
            interleaved += i < 1200;
        }
    }
    for (int q = 0; q < 1000; q++)
        assert_true(dups_of[q] <= 1); /* distinct persons */
    assert_true(interleaved > 100);   /* spread over the order, not all at the end */
    /* Another seed: other duplicates. */
    p.seed = 6;
    free(again);
    assert_int_equal(ktpel_synth_enrolments(&p, &again, NULL), KTPEL_OK);
    assert_memory_not_equal(e, again, 1250 * sizeof *e);
    free(seen);
    free(dups_of);
    free(e);
    free(again);
}

static void test_format_small_buffer(void **state)
{
    (void)state;
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 1, 1);
    ktpel_synth_person who;
    ktpel_application *app = malloc(sizeof *app);
    assert_non_null(app);
    make(&p, 0, &who, app);
    char small[64];
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_application_format(app, NULL, small, sizeof small, NULL, &eb),
                     KTPEL_ETOOBIG);
    assert_string_equal(small, "");
    char text[4096];
    assert_int_equal(
        ktpel_synth_application_format(app, "line one\nline two", text, sizeof text, NULL, &eb),
        KTPEL_OK);
    assert_memory_equal(text, "# line one\n# line two\nlayanan: ", 31);
    free(app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_many_valid_and_unique),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_enrolments),
        cmocka_unit_test(test_format_small_buffer),
    };
    return cmocka_run_group_tests_name("synth_resident", tests, NULL, NULL);
}
