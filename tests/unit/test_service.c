#include "testutil.h"

#include <string.h>

#include "ktpel/service.h"

static ktpel_date d(int y, int m, int day)
{
    return (ktpel_date){y, m, day};
}

static ktpel_service_request request(ktpel_service s, ktpel_date applied, ktpel_date birth)
{
    ktpel_service_request r;
    memset(&r, 0, sizeof r);
    r.service = s;
    r.application_date = applied;
    r.birth = birth;
    r.sex = KTPEL_SEX_MALE;
    r.marital = KTPEL_MARITAL_BELUM_KAWIN;
    return r;
}

static void test_ids_and_labels(void **state)
{
    (void)state;
    ktpel_service s;
    const char *ids[] = {"baru", "perubahan", "ganti_rusak", "ganti_hilang", "wna_itap"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ktpel_service_parse(ids[i], &s, NULL), KTPEL_OK);
        assert_int_equal(s, i + 1);
        assert_string_equal(ktpel_service_id(s), ids[i]);
    }
    ktpel_errbuf eb;
    assert_int_equal(ktpel_service_parse("BARU", &s, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "layanan: \"BARU\" is not a service"));
    for (int r = 0; r < KTPEL_REQ_COUNT; r++) {
        const ktpel_requirement_info *info = ktpel_requirement_get((ktpel_requirement)r);
        assert_non_null(info);
        assert_int_equal(info->id, r);
        ktpel_requirement back;
        assert_int_equal(ktpel_requirement_parse(info->key, &back, NULL), KTPEL_OK);
        assert_int_equal(back, r);
        assert_true(strlen(info->label_id) > 0 && strlen(info->label_en) > 0);
    }
    assert_null(ktpel_requirement_get(KTPEL_REQ_COUNT));
    const ktpel_requirement_info *police = ktpel_requirement_get(KTPEL_REQ_POLICE_LETTER);
    assert_string_equal(police->label_id, "surat keterangan kehilangan dari kepolisian");
    ktpel_requirement req;
    assert_int_equal(ktpel_requirement_parse("ktp", &req, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "dokumen: \"ktp\""));
    unsigned bit;
    assert_int_equal(ktpel_priority_parse("ibu_menyusui", &bit, NULL), KTPEL_OK);
    assert_int_equal(bit, KTPEL_PRIORITY_NURSING);
    assert_int_equal(ktpel_priority_parse("hamil", &bit, &eb), KTPEL_EFIELD);
    ktpel_change ch;
    assert_int_equal(ktpel_change_parse("perkawinan", &ch, NULL), KTPEL_OK);
    assert_int_equal(ch, KTPEL_CHANGE_MARRIAGE);
    assert_int_equal(ktpel_change_parse("kawin", &ch, &eb), KTPEL_EFIELD);
}

static void test_requirements(void **state)
{
    (void)state;
    const ktpel_requirement_set kk = KTPEL_REQ_BIT(KTPEL_REQ_KK);
    ktpel_requirement missing[KTPEL_REQ_COUNT];
    ktpel_errbuf eb;

    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_NEW, kk, missing), 0);
    assert_int_equal(ktpel_service_check_requirements(KTPEL_SERVICE_NEW, kk, &eb), KTPEL_OK);
    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_NEW, 0, missing), 1);
    assert_int_equal(missing[0], KTPEL_REQ_KK);

    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_CHANGE, kk, missing), 2);
    assert_int_equal(missing[0], KTPEL_REQ_OLD_CARD);
    assert_int_equal(missing[1], KTPEL_REQ_CHANGE_PROOF);

    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_REPLACE_DAMAGED,
                                           kk | KTPEL_REQ_BIT(KTPEL_REQ_OLD_CARD), missing),
                     1);
    assert_int_equal(missing[0], KTPEL_REQ_DAMAGED_CARD);

    assert_int_equal(ktpel_service_check_requirements(KTPEL_SERVICE_REPLACE_LOST, kk, &eb),
                     KTPEL_EREQUIREMENT);
    assert_non_null(strstr(eb.message, "ganti_hilang: missing surat_kehilangan: surat keterangan "
                                       "kehilangan dari kepolisian (police letter of loss)"));
    assert_int_equal(ktpel_service_check_requirements(KTPEL_SERVICE_REPLACE_LOST,
                                                      kk | KTPEL_REQ_BIT(KTPEL_REQ_POLICE_LETTER),
                                                      &eb),
                     KTPEL_OK);

    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_WNA_ITAP, kk, missing), 2);
    assert_int_equal(missing[0], KTPEL_REQ_PASSPORT);
    assert_int_equal(missing[1], KTPEL_REQ_ITAP);
    assert_int_equal(ktpel_service_check_requirements(KTPEL_SERVICE_WNA_ITAP, 0, &eb),
                     KTPEL_EREQUIREMENT);
    assert_non_null(strstr(eb.message, "missing kk: Kartu Keluarga (KK)"));
    assert_non_null(strstr(eb.message, "and more"));
    /* extra documents do no harm */
    assert_int_equal(ktpel_service_missing(KTPEL_SERVICE_NEW, ~0u, missing), 0);
    assert_int_equal(ktpel_service_check_requirements(KTPEL_SERVICE_NONE, 0, &eb), KTPEL_EINVAL);
}

static void test_eligibility_age(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    ktpel_service_request r = request(KTPEL_SERVICE_NEW, d(2025, 3, 9), d(2008, 3, 10));
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EREQUIREMENT);
    assert_non_null(strstr(eb.message, "aged 16 on 2025-03-09, turns 17 on 2025-03-10"));
    r.application_date = d(2025, 3, 10); /* the 17th birthday itself */
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_OK);
    /* 29 February: 17 on 1 March of a common year, not on 28 February */
    r = request(KTPEL_SERVICE_NEW, d(2025, 2, 28), d(2008, 2, 29));
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EREQUIREMENT);
    assert_non_null(strstr(eb.message, "turns 17 on 2025-03-01"));
    r.application_date = d(2025, 3, 1);
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_OK);
    /* WNA_ITAP has the same rule; replacing a card has none */
    r = request(KTPEL_SERVICE_WNA_ITAP, d(2025, 1, 1), d(2010, 1, 1));
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EREQUIREMENT);
    r.service = KTPEL_SERVICE_REPLACE_LOST;
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_OK);
}

static void test_eligibility_marriage(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    ktpel_service_request r = request(KTPEL_SERVICE_NEW, d(2025, 1, 1), d(2008, 6, 1));
    r.marital = KTPEL_MARITAL_KAWIN;
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EREQUIREMENT);
    assert_non_null(strstr(eb.message, "status KAWIN counts only with the marriage date"));
    r.has_marriage_date = true;
    r.marriage_date = d(2024, 12, 1);
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_OK);
    r.marital = KTPEL_MARITAL_CERAI_HIDUP; /* ever married */
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_OK);
    r.marriage_date = d(2025, 1, 2);
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "tanggal_kawin: 2025-01-02 is after the application date"));
    r.marriage_date = d(2008, 5, 31);
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "before the birth date"));
    r.marital = KTPEL_MARITAL_BELUM_KAWIN;
    r.marriage_date = d(2024, 12, 1);
    assert_int_equal(ktpel_service_check_eligibility(&r, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "status_perkawinan is BELUM KAWIN"));
}

static ktpel_fine fine_of(const ktpel_service_request *r)
{
    ktpel_fine f;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_service_fine(r, &f, &eb) != KTPEL_OK)
        fail_msg("fine: %s", eb.message);
    return f;
}

static void test_fine_age17_day30_free_day31_fined(void **state)
{
    (void)state;
    /* 17th birthday 2024-01-15; day 30 after it is 2024-02-14 */
    ktpel_service_request r = request(KTPEL_SERVICE_NEW, d(2024, 2, 14), d(2007, 1, 15));
    ktpel_fine f = fine_of(&r);
    assert_int_equal(f.amount_rp, 0);
    assert_int_equal(f.rule, KTPEL_FINE_AGE17);
    assert_int_equal(ktpel_date_cmp(f.event, d(2024, 1, 15)), 0);
    assert_int_equal(ktpel_date_cmp(f.deadline, d(2024, 2, 14)), 0);
    assert_int_equal(f.days_late, 0);
    r.application_date = d(2024, 2, 15); /* day 31 */
    f = fine_of(&r);
    assert_int_equal(f.amount_rp, 25000);
    assert_int_equal(f.days_late, 1);
    r.application_date = d(2024, 1, 15); /* the birthday */
    assert_int_equal(fine_of(&r).amount_rp, 0);
    r.application_date = d(2024, 1, 14); /* not 17 yet: no deadline */
    f = fine_of(&r);
    assert_int_equal(f.amount_rp, 0);
    assert_int_equal(f.rule, KTPEL_FINE_NONE);
}

static void test_fine_29_february(void **state)
{
    (void)state;
    /* born 2008-02-29: 17 on 2025-03-01; day 30 is 2025-03-31 */
    ktpel_service_request r = request(KTPEL_SERVICE_NEW, d(2025, 3, 31), d(2008, 2, 29));
    r.sex = KTPEL_SEX_FEMALE;
    ktpel_fine f = fine_of(&r);
    assert_int_equal(ktpel_date_cmp(f.event, d(2025, 3, 1)), 0);
    assert_int_equal(ktpel_date_cmp(f.deadline, d(2025, 3, 31)), 0);
    assert_int_equal(f.amount_rp, 0);
    r.application_date = d(2025, 4, 1);
    assert_int_equal(fine_of(&r).amount_rp, 25000);
    /* in a leap year the birthday is 29 February itself: born 2007-02-28 vs 2008-02-29 */
    r = request(KTPEL_SERVICE_NEW, d(2025, 3, 30), d(2007, 2, 28));
    f = fine_of(&r);
    assert_int_equal(ktpel_date_cmp(f.event, d(2024, 2, 28)), 0);
    assert_int_equal(ktpel_date_cmp(f.deadline, d(2024, 3, 29)), 0); /* 2024 is leap */
}

static void test_fine_marriage_before_17(void **state)
{
    (void)state;
    /* married at 16: the marriage is the earlier event */
    ktpel_service_request r = request(KTPEL_SERVICE_NEW, d(2024, 7, 1), d(2008, 1, 1));
    r.marital = KTPEL_MARITAL_KAWIN;
    r.has_marriage_date = true;
    r.marriage_date = d(2024, 6, 1);
    ktpel_fine f = fine_of(&r);
    assert_int_equal(f.rule, KTPEL_FINE_MARRIAGE);
    assert_int_equal(ktpel_date_cmp(f.deadline, d(2024, 7, 1)), 0);
    assert_int_equal(f.amount_rp, 0);
    r.application_date = d(2024, 7, 2);
    assert_int_equal(fine_of(&r).amount_rp, 25000);
    /* married after 17: the birthday is earlier */
    r.marriage_date = d(2025, 6, 1);
    r.application_date = d(2025, 6, 5);
    f = fine_of(&r);
    assert_int_equal(f.rule, KTPEL_FINE_AGE17);
    assert_int_equal(f.amount_rp, 25000);
    /* a marriage date without married status does not count */
    r.marital = KTPEL_MARITAL_BELUM_KAWIN;
    r.marriage_date = d(2024, 6, 1);
    assert_int_equal(fine_of(&r).rule, KTPEL_FINE_AGE17);
}

static void test_fine_change(void **state)
{
    (void)state;
    ktpel_service_request r = request(KTPEL_SERVICE_CHANGE, d(2025, 2, 19), d(1990, 1, 1));
    r.change = KTPEL_CHANGE_MARRIAGE;
    r.marital = KTPEL_MARITAL_KAWIN;
    ktpel_fine f;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_service_fine(&r, &f, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "tanggal_kawin"));
    r.has_marriage_date = true;
    r.marriage_date = d(2025, 1, 20);
    f = fine_of(&r); /* day 30 */
    assert_int_equal(f.rule, KTPEL_FINE_MARRIAGE);
    assert_int_equal(f.amount_rp, 0);
    r.application_date = d(2025, 2, 20); /* day 31 */
    assert_int_equal(fine_of(&r).amount_rp, 25000);
    r.change = KTPEL_CHANGE_OTHER;
    f = fine_of(&r);
    assert_int_equal(f.rule, KTPEL_FINE_NONE);
    assert_int_equal(f.amount_rp, 0);
    r.service = KTPEL_SERVICE_REPLACE_DAMAGED;
    assert_int_equal(fine_of(&r).amount_rp, 0);
}

static void test_fine_itap(void **state)
{
    (void)state;
    /* ITAP ends 2025-05-01: applying on 2025-04-01 (30 days before) is free */
    ktpel_service_request r = request(KTPEL_SERVICE_WNA_ITAP, d(2025, 4, 1), d(1980, 3, 2));
    assert_int_equal(fine_of(&r).rule, KTPEL_FINE_NONE); /* first card: no deadline */
    r.has_previous_itap_end = true;
    r.previous_itap_end = d(2025, 5, 1);
    ktpel_fine f = fine_of(&r);
    assert_int_equal(f.rule, KTPEL_FINE_ITAP_RENEWAL);
    assert_int_equal(ktpel_date_cmp(f.deadline, d(2025, 4, 1)), 0);
    assert_int_equal(f.amount_rp, 0);
    r.application_date = d(2025, 4, 2); /* 29 days before */
    f = fine_of(&r);
    assert_int_equal(f.amount_rp, 1000000);
    assert_int_equal(f.days_late, 1);
    r.application_date = d(2025, 6, 1); /* after the ITAP ended */
    assert_int_equal(fine_of(&r).amount_rp, 1000000);
    assert_non_null(strstr(ktpel_fine_rule_text(KTPEL_FINE_ITAP_RENEWAL), "30 days before"));
}

static void test_queue(void **state)
{
    (void)state;
    unsigned reasons;
    ktpel_errbuf eb;
    /* 60 on the application date */
    ktpel_service_request r = request(KTPEL_SERVICE_CHANGE, d(2025, 3, 10), d(1965, 3, 10));
    assert_int_equal(ktpel_service_queue_class(&r, &reasons), KTPEL_QUEUE_PRIORITY);
    assert_int_equal(reasons, KTPEL_PRIORITY_ELDERLY);
    r.application_date = d(2025, 3, 9); /* a day short of 60 */
    assert_int_equal(ktpel_service_queue_class(&r, &reasons), KTPEL_QUEUE_REGULAR);
    assert_int_equal(reasons, 0);
    r.priority_declared = KTPEL_PRIORITY_DISABILITY;
    assert_int_equal(ktpel_service_queue_class(&r, &reasons), KTPEL_QUEUE_PRIORITY);
    assert_int_equal(reasons, KTPEL_PRIORITY_DISABILITY);
    assert_int_equal(ktpel_service_check_priority(&r, &eb), KTPEL_OK);
    /* a declared lansia does not make the applicant 60 */
    r.priority_declared = KTPEL_PRIORITY_ELDERLY;
    assert_int_equal(ktpel_service_queue_class(&r, &reasons), KTPEL_QUEUE_REGULAR);
    assert_int_equal(ktpel_service_check_priority(&r, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "lansia declared, but the applicant is 59"));
    r.priority_declared = KTPEL_PRIORITY_NURSING;
    assert_int_equal(ktpel_service_check_priority(&r, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "ibu_menyusui"));
    r.sex = KTPEL_SEX_FEMALE;
    assert_int_equal(ktpel_service_check_priority(&r, &eb), KTPEL_OK);
    assert_int_equal(ktpel_service_queue_class(&r, &reasons), KTPEL_QUEUE_PRIORITY);
    assert_int_equal(reasons, KTPEL_PRIORITY_NURSING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_and_labels),
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_eligibility_age),
        cmocka_unit_test(test_eligibility_marriage),
        cmocka_unit_test(test_fine_age17_day30_free_day31_fined),
        cmocka_unit_test(test_fine_29_february),
        cmocka_unit_test(test_fine_marriage_before_17),
        cmocka_unit_test(test_fine_change),
        cmocka_unit_test(test_fine_itap),
        cmocka_unit_test(test_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
