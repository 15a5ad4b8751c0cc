/* Reports: the tables a county asks every school for (issue 13) — the
 * intervention ledger (学生异常行为干预台账) and the children-in-difficulty
 * list (困境儿童动态监管) — and counts for statistics.
 *
 * A report is built as JSON (so every format renders the same data):
 *   {kind: "ledger" | "difficulty", title, school, fingerprint, lang,
 *    period: {from, to}, generated_at,
 *    columns: [{id, label, type: "text" | "date" | "number", width}],
 *    rows: [{class, cells: [string | integer | null …]}]}
 * labels and cell text are in the interface language; dates are
 * "YYYY-MM-DD" strings in date columns. Rendering (cl_report_render) gives
 * xlsx, CSV, PDF (landscape), Markdown or JSON in memory; nothing here
 * writes a file the caller did not ask for (see cl_report_render for how the
 * workbook is made). */
#ifndef CARELOG_REPORT_H
#define CARELOG_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_report_filter {
    const char *from, *to;    /* local dates YYYY-MM-DD; NULL = open */
    const char *class_name;   /* NULL = every class */
    int risk;                 /* -1 = any, else the current risk level */
    const char *circumstance; /* difficulty: a choice id or label; NULL = any */
} cl_report_filter;

/* One row per student with any record (other than their details) in the
 * period, ordered by class then number: 序号, 姓名, 性别, 班级, 首次发现时间,
 * 发现人/来源, 异常表现, 风险等级, 行为分级, 干预措施, 家校沟通, 转介情况,
 * 目前状态, 责任人, 跟踪结果/备注 (or their English). Merged students are
 * left out. CL_EDATA for a bad date or filter. */
cl_status cl_report_ledger(cl_vault *v, const cl_report_filter *filter, json_t **out);

/* Every active or monitoring student with a circumstance (left-behind,
 * single-parent, disability, …): circumstances, guardians with their
 * phones, the last home-school contact or visit, the next due date from
 * the follow-up policies, and "overdue" when it has passed. */
cl_status cl_report_difficulty(cl_vault *v, const cl_report_filter *filter, json_t **out);

/* Counts for the period (and the filter's class and risk):
 *   {kind: "stats", school, fingerprint, lang, period, generated_at,
 *    totals: {students, observations, sessions, assessments, screenings,
 *             plans, reviews, contacts, referrals},
 *    by, groups: [{key, students, observations, …}] in key order,
 *    screening_bands: [{kind, band, count}],
 *    referral_states: [{state, label, count}] (referrals made in the period),
 *    referral_feedback: {feedback_days: 3, acknowledged, median_days,
 *             within_feedback_days, acknowledged_late,
 *             waiting_past_feedback_days}}
 * students counts each student once (in a group: once per group). by:
 * NULL (no groups), month, week, class, grade, category (observations by
 * their categories), risk, tier, circumstance (a student in each of their
 * circumstances), counsellor, agency (referrals by receiving agency).
 * CL_EUSAGE for another by, CL_EDATA for a bad date. */
cl_status cl_report_stats(cl_vault *v, const cl_report_filter *filter, const char *by, json_t **out);

/* The measures of a stats report, in order ("students", "observations",
 * …), ending with NULL; and their labels and the labels of the --by
 * dimensions in the interface language. */
extern const char *const cl_report_measures[];
const char *cl_report_measure_label(const char *measure);
const char *cl_report_dimension_label(const char *by);
/* "Acknowledged: 3 (within 3 days: 2, later: 1); median 2.0 days; …" from
 * a stats report's referral_feedback, in the interface language. */
char *cl_report_feedback_text(const json_t *stats);

/* The statistics as a terminal shows them — `report stats` prints this and
 * the reports screen draws it: the school and period, a bar chart of the
 * totals, with groups a chart of students per group and their table, the
 * referrals by state, the feedback line and the screenings by band, in the
 * interface language. Charts are at most chart_width cells wide (as
 * cl_chart_bars); the table is narrowed to table_width when it is above 0.
 * Lines end in "\n"; stored text (school, group keys) is as stored, so the
 * front makes it inert as it shows it. v names screening kinds by their
 * forms (NULL: as stored). malloc'd into *out. */
cl_status cl_report_stats_text(cl_vault *v, const json_t *stats, int chart_width, int table_width, char **out);

typedef struct cl_report_render_options {
    const char *encoding;  /* CSV: "utf-8" (with a BOM, as Excel wants) or "gb18030"; NULL = utf-8 */
    bool sheet_per_class;  /* xlsx: one worksheet per class after the whole list */
} cl_report_render_options;

/* format: "xlsx", "csv", "pdf", "md" or "json" (a stats report: pdf or md,
 * with bar charts, or json). The bytes are malloc'd;
 * free them with cl_doc_bytes_free (which wipes them). CL_EUSAGE for an
 * unknown format or encoding.
 *
 * xlsx: libxlsxwriter 1.1.4 (Debian bookworm) cannot write to memory and
 * assembles each part of the workbook in a temporary file. So the workbook
 * is written to an anonymous memory file (memfd) and libxlsxwriter's
 * working files go to a private folder (0700) on a memory file system —
 * $XDG_RUNTIME_DIR, else /dev/shm, checked to be tmpfs — where each is
 * unlinked the moment it is made; the folder is removed afterwards. If no
 * such file system exists the xlsx is refused (CL_ECANTCREATE, naming CSV
 * as the way out) rather than let plaintext reach a disk. */
cl_status cl_report_render(const json_t *report, const char *format, const cl_report_render_options *opt,
                           unsigned char **out, size_t *len);

/* The xlsx alone (src/core/report_xlsx.c). */
cl_status cl_report_render_xlsx(const json_t *report, bool sheet_per_class, unsigned char **out, size_t *len);

#endif
