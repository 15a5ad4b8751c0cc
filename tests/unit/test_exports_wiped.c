/* What carelog's documents leave in freed memory: none of a student's or a
 * referral's text, in any format it renders them — the intervention ledger
 * (Markdown, CSV in UTF-8 and GB18030, xlsx, PDF through pango and cairo),
 * the statistics as `report stats` prints them, and the referral summary
 * (Markdown, JSON, PDF). Each path is walked with a canary of its own, as
 * unit_support.h's expect_path_leaves_nothing does: nowhere in the heap
 * afterwards, found there when the wipe of freed blocks is off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <time.h>

#include "carelog/report.h"
#include "carelog/summary.h"
#include "record_fixture.h"

#define REPORT_CANARY "report-class-canary"
#define SUMMARY_CANARY "referral-summary-canary"

static void render_all(const json_t *report, const char *const *formats, const char *canary_in_md)
{
    for (const char *const *format = formats; *format; format++) {
        static const char *const encodings[] = {"utf-8", "gb18030"};
        for (size_t e = 0; e < (strcmp(*format, "csv") == 0 ? 2u : 1u); e++) {
            cl_report_render_options o = {.encoding = encodings[e]};
            unsigned char *bytes;
            size_t len;
            OK(cl_report_render(report, *format, &o, &bytes, &len));
            if (strcmp(*format, "md") == 0)
                assert_non_null(memmem(bytes, len, canary_in_md, strlen(canary_in_md)));
            cl_doc_bytes_free(bytes, len);
        }
    }
}

/* The ledger in every format, the statistics by class in the terminal's
 * text and as Markdown. The canary is the student's class. */
static void report_paths(void *ctx)
{
    fixture *f = ctx;
    cl_report_filter period = {.from = "2026-11-01", .to = "2026-11-30", .risk = -1};
    json_t *ledger;
    OK(cl_report_ledger(f->v, &period, &ledger));
    static const char *const ledger_formats[] = {"md", "csv", "xlsx", "pdf", "json", NULL};
    render_all(ledger, ledger_formats, REPORT_CANARY);
    json_decref(ledger);

    json_t *stats;
    OK(cl_report_stats(f->v, &period, "class", &stats));
    char *text;
    OK(cl_report_stats_text(f->v, stats, 60, 80, &text));
    assert_non_null(strstr(text, REPORT_CANARY));
    free(text);
    static const char *const stats_formats[] = {"md", "json", NULL};
    render_all(stats, stats_formats, REPORT_CANARY);
    json_decref(stats);
}

static void test_report_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    json_t *student = json_pack("{s:s, s:s, s:s}", "number", "20261101", "name", "林小雨", "class", REPORT_CANARY);
    long long id;
    OK(cl_student_add(f->v, student, false, &id));
    json_decref(student);
    add_record(f->v, "observation", id,
               "{\"occurred_at\": \"2026-11-05T10:00\", \"categories\": [\"emotional\"],"
               " \"description\": \"课间独自哭泣\", \"severity\": \"medium\"}", 0);
    expect_path_leaves_nothing(report_paths, f, REPORT_CANARY);
}

typedef struct summary_run {
    fixture *f;
    long long referral;
} summary_run;

/* The referral summary in its three formats. The canary is in the facts. */
static void summary_paths(void *ctx)
{
    summary_run *r = ctx;
    static const char *const formats[] = {"md", "json", "pdf"};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        unsigned char *bytes;
        size_t len;
        OK(cl_summary_referral(r->f->v, r->referral, NULL, formats[i], &bytes, &len));
        if (strcmp(formats[i], "pdf") != 0)
            assert_non_null(memmem(bytes, len, SUMMARY_CANARY, strlen(SUMMARY_CANARY)));
        cl_doc_bytes_free(bytes, len);
    }
}

static void test_referral_summary_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    long long student = add_student(f->v, "20261102", "赵小明");
    long long referral = add_record(f->v, "referral", student,
                                    "{\"occurred_at\": \"2026-11-01\", \"concerns\": [\"self_harm\"],"
                                    " \"reason\": \"学生透露有自伤计划\", \"urgency\": \"urgent\","
                                    " \"what\": \"课间对班主任说 " SUMMARY_CANARY "\", \"guardians_informed\": true,"
                                    " \"agency\": \"protection_station\"}",
                                    0);
    summary_run r = {f, referral};
    expect_path_leaves_nothing(summary_paths, &r, SUMMARY_CANARY);
}

int main(void)
{
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_text_wiped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_referral_summary_wiped, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
