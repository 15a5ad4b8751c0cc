/* `carelog agenda`: what needs attention now; also the top of `carelog`
 * with no command. */
#include <stdlib.h>
#include <string.h>

#include "carelog/agenda.h"
#include "carelog/cli.h"
#include "carelog/table.h"

static void student_cell(json_t *row, char *buf, size_t size)
{
    snprintf(buf, size, "%s (%s, %s)", json_string_value(json_object_get(row, "name")),
             json_string_value(json_object_get(row, "number")), json_string_value(json_object_get(row, "class")));
}

static void section(const char *title, json_t *rows, const char *const headers[4],
                    void (*fill)(json_t *row, char cells[4][512]))
{
    if (json_array_size(rows) == 0)
        return;
    printf("\n%s (%zu)\n", title, json_array_size(rows));
    cl_table *t = cl_table_new(4, headers);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        char cells[4][512];
        fill(row, cells);
        const char *ptrs[4] = {cells[0], cells[1], cells[2], cells[3]};
        cl_table_add_row(t, ptrs);
    }
    cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
}

static void fill_flag(json_t *row, char cells[4][512])
{
    student_cell(row, cells[0], 512);
    snprintf(cells[1], 512, "%s", json_string_value(json_object_get(row, "label_zh")));
    snprintf(cells[2], 512, "%s", json_string_value(json_object_get(row, "raised_at")));
    snprintf(cells[3], 512, "#%lld", (long long)json_integer_value(json_object_get(row, "record_id")));
}

static void fill_due(json_t *row, char cells[4][512])
{
    student_cell(row, cells[0], 512);
    long long days = (long long)json_integer_value(json_object_get(row, "days_overdue"));
    snprintf(cells[1], 512, "%s", json_string_value(json_object_get(row, "due_date")));
    snprintf(cells[2], 512, days > 0 ? "%lld d" : "today", days);
    snprintf(cells[3], 512, "%s", json_string_value(json_object_get(row, "reason")));
}

static void fill_referral(json_t *row, char cells[4][512])
{
    student_cell(row, cells[0], 512);
    snprintf(cells[1], 512, "#%lld %s", (long long)json_integer_value(json_object_get(row, "id")),
             json_string_value(json_object_get(row, "state_zh")));
    snprintf(cells[2], 512, "%lld d", (long long)json_integer_value(json_object_get(row, "age_days")));
    snprintf(cells[3], 512, "%s", json_string_value(json_object_get(row, "late")));
}

void cl_cli_print_agenda(json_t *agenda)
{
    static const char *const flag_headers[4] = {"Student 学生", "Flag 警示", "Raised 提出", "Record"};
    static const char *const due_headers[4] = {"Student 学生", "Due 到期", "Late 逾期", "Why 原因"};
    static const char *const ref_headers[4] = {"Student 学生", "Referral 转介", "In state", "Why 原因"};
    json_t *counts = json_object_get(agenda, "counts");
    json_int_t total = json_integer_value(json_object_get(counts, "flags")) +
                       json_integer_value(json_object_get(counts, "overdue")) +
                       json_integer_value(json_object_get(counts, "late_referrals")) +
                       json_integer_value(json_object_get(counts, "due_today"));
    if (total == 0) {
        printf("\nNothing needs attention now. 暂无需要关注的事项。\n");
        return;
    }
    section("Screening flags 筛查警示", json_object_get(agenda, "flags"), flag_headers, fill_flag);
    section("Overdue follow-ups 逾期跟进", json_object_get(agenda, "overdue"), due_headers, fill_due);
    section("Referrals late in the loop 转介滞后", json_object_get(agenda, "late_referrals"), ref_headers,
            fill_referral);
    section("Due today 今日到期", json_object_get(agenda, "due_today"), due_headers, fill_due);
}

static int cmd_agenda(cl_cli *c)
{
    int first;
    int rc = cl_cli_options(c, NULL, "[--json]",
                            "What needs attention now: open screening flags, overdue follow-ups,\n"
                            "referrals late in the loop, and what is due today.\n", NULL, NULL, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, "agenda takes no operands"));
    json_t *agenda;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_agenda_attention(c->vault, &agenda);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(agenda);
    cl_cli_print_agenda(agenda);
    json_decref(agenda);
    return 0;
}

const cl_command cl_agenda_commands[] = {
    {"agenda", "", "what needs attention now: flags, overdue, late referrals", cmd_agenda},
    {NULL, NULL, NULL, NULL},
};
