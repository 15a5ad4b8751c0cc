/* The ledger and the children-in-difficulty list, gathered from the
 * students, records and follow-ups as the core lists them. */
#include "carelog/report.h"
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/followup.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/text.h"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long id_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

char *cl_report_field_label(cl_vault *v, const char *kind, const char *field, const json_t *value)
{
    const cl_form *form = NULL;
    long long form_id;
    if (!value || json_is_null(value)) {
        return strdup("");
    }
    if (cl_catalog_current(v, kind, &form, &form_id) != CL_OK) {
        cl_error_clear();
        return strdup(json_is_string(value) ? json_string_value(value) : "");
    }
    const cl_field *f = cl_form_field(form, field);
    if (!f)
        return strdup(json_is_string(value) ? json_string_value(value) : "");
    return cl_form_value_text(f, value, cl_i18n_language());
}

static const char *kind_title(cl_vault *v, const char *kind)
{
    const cl_form *form = NULL;
    long long form_id;
    if (cl_catalog_current(v, kind, &form, &form_id) != CL_OK) {
        cl_error_clear();
        return kind;
    }
    return cl_form_title(form, cl_i18n_language());
}

static json_t *column(const char *id, const char *label, const char *type, double width)
{
    return json_pack("{s:s, s:s, s:s, s:f}", "id", id, "label", label, "type", type, "width", width);
}

static cl_status check_filter(const cl_report_filter *f, char from[11], char to[11])
{
    from[0] = to[0] = '\0';
    if (f->from && !cl_date_parse(f->from, from))
        return cl_fail(CL_EDATA, _("--from %s is not a date (YYYY-MM-DD)"), f->from);
    if (f->to && !cl_date_parse(f->to, to))
        return cl_fail(CL_EDATA, _("--to %s is not a date (YYYY-MM-DD)"), f->to);
    if (*from && *to && strcmp(from, to) > 0)
        return cl_fail(CL_EDATA, _("the period ends (%s) before it starts (%s)"), to, from);
    if (f->risk < -1 || f->risk > CL_RISK_MAX)
        return cl_fail(CL_EDATA, _("--risk takes a level from 0 to %d"), CL_RISK_MAX);
    return CL_OK;
}

static json_t *report_new(cl_vault *v, const char *kind, const char *title, const char *from, const char *to)
{
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s?, s:s?}, s:s, s:[], s:[]}", "kind", kind, "title", title,
                     "school", cl_vault_school(v), "fingerprint", cl_vault_fingerprint(v), "lang",
                     cl_i18n_language(), "period", "from", *from ? from : NULL, "to", *to ? to : NULL,
                     "generated_at", now, "columns", "rows");
}

/* ---- the ledger --------------------------------------------------------- */

typedef struct ledger_row {
    char *concerns;     /* observation categories, "、"-joined, each once */
    int sessions, assessments, reviews, screenings, contacts;
    const json_t *last_contact, *last_plan, *last_referral, *newest;
} ledger_row;

/* Adds each item of items (joined by sep, as cl_form_value_text joins a
 * multi-choice) to b once. */
static void add_unique(cl_buf *b, const char *items, const char *sep)
{
    size_t seplen = strlen(sep);
    for (const char *p = items; *p;) {
        const char *end = strstr(p, sep);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool seen = false;
        for (const char *q = b->data; q && *q && !seen;) {
            const char *qe = strstr(q, sep);
            size_t m = qe ? (size_t)(qe - q) : strlen(q);
            seen = m == n && memcmp(q, p, n) == 0;
            q = qe ? qe + seplen : q + m;
        }
        if (!seen && n) {
            if (b->len)
                cl_buf_puts(b, sep);
            cl_buf_append(b, p, n);
        }
        p = end ? end + seplen : p + n;
    }
}

/* A JSON text column, parsed ({} when it is not JSON). */
static json_t *json_col(sqlite3_stmt *q, int col)
{
    json_t *j = sqlite3_column_type(q, col) == SQLITE_NULL
                    ? NULL
                    : json_loadb((const char *)sqlite3_column_text(q, col), (size_t)sqlite3_column_bytes(q, col), 0,
                                 NULL);
    return j ? j : json_object();
}

cl_status cl_report_rows_by_id(cl_vault *v, const char *sql, const char *bind, json_t *(*value)(sqlite3_stmt *q),
                               const char *what, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), sql, &q);
    if (st != CL_OK)
        return st;
    if (bind)
        sqlite3_bind_text(q, 1, bind, -1, SQLITE_STATIC);
    json_t *map = json_object();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(q, 0));
        json_object_set_new(map, key, value(q));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), what);
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(map);
        return st;
    }
    *out = map;
    return CL_OK;
}

static json_t *fields_value(sqlite3_stmt *q)
{
    return json_col(q, 1);
}

static json_t *columns_value(sqlite3_stmt *q)
{
    json_t *score = sqlite3_column_type(q, 2) == SQLITE_NULL ? json_null() : json_col(q, 2);
    return json_pack("{s:o, s:o}", "fields", json_col(q, 1), "score", score);
}

static json_t *first_value(sqlite3_stmt *q)
{
    return json_pack("{s:s, s:s, s:s}", "occurred_at", sqlite3_column_text(q, 2), "author", sqlite3_column_text(q, 3),
                     "kind", sqlite3_column_text(q, 4));
}

static json_t *contact_value(sqlite3_stmt *q)
{
    return json_pack("{s:s, s:o}", "occurred_at", sqlite3_column_text(q, 2), "fields", json_col(q, 3));
}

cl_status cl_report_record_columns(cl_vault *v, const json_t *ids, json_t **out)
{
    char *list = json_dumps(ids, JSON_COMPACT);
    cl_status st = list ? cl_report_rows_by_id(v, "SELECT r.id, r.fields, r.score FROM json_each(?1) j"
                                        " JOIN records r ON r.id = j.value",
                                     list, columns_value, "reading the report's records", out)
                        : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(list);
    return st;
}

const json_t *cl_report_record_fields(const json_t *columns, const json_t *item, const char *which)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", id_of(item, "id"));
    return json_object_get(json_object_get(columns, key), which);
}

static const json_t *fields_get(const json_t *columns, const json_t *item)
{
    return cl_report_record_fields(columns, item, "fields");
}

/* Each student's oldest record (anything but the details), across all
 * time: when and by whom the concern was first noticed. min() over the
 * time and the id picks the oldest record, and SQLite takes the bare
 * columns from that row: {"12": {occurred_at, author, kind}}. */
static cl_status first_noticed_all(cl_vault *v, json_t **out)
{
    return cl_report_rows_by_id(v, "SELECT student_id, min(occurred_at || '#' || printf('%020d', id)), occurred_at, author, kind"
                         " FROM records WHERE kind != 'student' GROUP BY student_id",
                      NULL, first_value, "reading when concerns were first noticed", out);
}

cl_status cl_report_student_details(cl_vault *v, json_t **out)
{
    return cl_report_rows_by_id(v, "SELECT s.id, r.fields FROM students s JOIN records r ON r.id = s.record_id", NULL,
                      fields_value, "reading the students' details", out);
}

/* Each student's newest home-school contact: {"12": {occurred_at, fields}}. */
static cl_status last_contacts(cl_vault *v, json_t **out)
{
    return cl_report_rows_by_id(v, "SELECT student_id, max(occurred_at || '#' || printf('%020d', id)), occurred_at, fields"
                         " FROM records WHERE kind = 'contact' GROUP BY student_id",
                      NULL, contact_value, "reading the last contacts", out);
}

static cl_status tally(cl_vault *v, const json_t *records, const json_t *fields, ledger_row *r)
{
    memset(r, 0, sizeof *r);
    cl_buf concerns = {0};
    bool en = strcmp(cl_i18n_language(), "en") == 0;
    size_t i;
    json_t *item;
    /* records come newest first */
    json_array_foreach(records, i, item) {
        const char *kind = str(item, "kind");
        if (!r->newest)
            r->newest = item;
        if (strcmp(kind, "observation") == 0) {
            char *text = cl_report_field_label(v, "observation", "categories",
                                               json_object_get(fields_get(fields, item), "categories"));
            if (text)
                add_unique(&concerns, text, en ? ", " : "、");
            free(text);
        } else if (strcmp(kind, "session") == 0) {
            r->sessions++;
        } else if (strcmp(kind, "assessment") == 0) {
            r->assessments++;
        } else if (strcmp(kind, "review") == 0) {
            r->reviews++;
        } else if (strcmp(kind, "contact") == 0) {
            r->contacts++;
            if (!r->last_contact)
                r->last_contact = item;
        } else if (strcmp(kind, "plan") == 0) {
            if (!r->last_plan)
                r->last_plan = item;
        } else if (strcmp(kind, "referral") == 0) {
            if (!r->last_referral)
                r->last_referral = item;
        } else {
            r->screenings++;
        }
    }
    r->concerns = cl_buf_take(&concerns);
    return CL_OK;
}

static const json_t *record_field(const json_t *fields, const json_t *item, const char *field)
{
    return item ? json_object_get(fields_get(fields, item), field) : NULL;
}

static char *interventions(cl_vault *v, const ledger_row *r, const json_t *fields)
{
    cl_buf b = {0};
    const char *sep = strcmp(cl_i18n_language(), "en") == 0 ? "; " : "；";
    /* Each count has its own ngettext call, so the pattern stays a literal. */
    int n[4] = {r->sessions, r->assessments, r->screenings, r->reviews};
    for (int i = 0; i < 4; i++) {
        if (n[i] == 0)
            continue;
        if (b.len)
            cl_buf_puts(&b, sep);
        unsigned long k = (unsigned long)n[i];
        if (i == 0)
            cl_buf_printf(&b, ngettext("%d counselling session", "%d counselling sessions", k), n[i]);
        else if (i == 1)
            cl_buf_printf(&b, ngettext("%d assessment", "%d assessments", k), n[i]);
        else if (i == 2)
            cl_buf_printf(&b, ngettext("%d screening", "%d screenings", k), n[i]);
        else
            cl_buf_printf(&b, ngettext("%d plan review", "%d plan reviews", k), n[i]);
    }
    if (r->last_plan) {
        char *status = cl_report_field_label(v, "plan", "status", record_field(fields, r->last_plan, "status"));
        if (b.len)
            cl_buf_puts(&b, sep);
        cl_buf_printf(&b, _("plan: %s"), status ? status : "");
        free(status);
    }
    return cl_buf_take(&b);
}

static char *contacts_text(cl_vault *v, const ledger_row *r, const json_t *fields)
{
    if (r->contacts == 0)
        return strdup("");
    char *channel = cl_report_field_label(v, "contact", "channel", record_field(fields, r->last_contact, "channel"));
    char *text = cl_strdup_printf(ngettext("%d contact, last %s (%s)", "%d contacts, last %s (%s)",
                                           (unsigned long)r->contacts),
                                  r->contacts, str(r->last_contact, "occurred_at"), channel ? channel : "");
    free(channel);
    return text;
}

static char *referral_text(cl_vault *v, const ledger_row *r, const json_t *fields)
{
    if (!r->last_referral)
        return strdup("");
    const cl_referral_state *s = cl_referral_state_find(str(r->last_referral, "state"));
    bool en = strcmp(cl_i18n_language(), "en") == 0;
    char *agency = cl_report_field_label(v, "referral", "agency", record_field(fields, r->last_referral, "agency"));
    char *text = cl_strdup_printf("%s · %s", s ? (en ? s->label_en : s->label_zh) : str(r->last_referral, "state"),
                                  agency ? agency : "");
    free(agency);
    return text;
}

static char *remarks(cl_vault *v, const ledger_row *r)
{
    if (!r->newest)
        return strdup("");
    char day[11];
    snprintf(day, sizeof day, "%.10s", str(r->newest, "occurred_at"));
    return cl_strdup_printf("%s %s: %s", day, kind_title(v, str(r->newest, "kind")), str(r->newest, "summary"));
}

static void ledger_columns(json_t *cols)
{
    json_array_append_new(cols, column("no", _("No."), "number", 4));
    json_array_append_new(cols, column("name", _("Name"), "text", 8));
    json_array_append_new(cols, column("gender", _("Gender"), "text", 4));
    json_array_append_new(cols, column("class", _("Class"), "text", 9));
    json_array_append_new(cols, column("first_noticed", _("First noticed"), "date", 11));
    json_array_append_new(cols, column("source", _("Noticed by / source"), "text", 12));
    json_array_append_new(cols, column("concerns", _("Concerns"), "text", 18));
    json_array_append_new(cols, column("risk", _("Risk level"), "text", 8));
    json_array_append_new(cols, column("tier", _("Misconduct tier"), "text", 8));
    json_array_append_new(cols, column("interventions", _("Interventions"), "text", 18));
    json_array_append_new(cols, column("contacts", _("Home-school contact"), "text", 14));
    json_array_append_new(cols, column("referral", _("Referral"), "text", 12));
    json_array_append_new(cols, column("status", _("Current status"), "text", 8));
    json_array_append_new(cols, column("responsible", _("Responsible"), "text", 8));
    json_array_append_new(cols, column("remarks", _("Follow-up / remarks"), "text", 21));
}

static json_t *risk_tier(cl_vault *v, const json_t *st, const char *key)
{
    char *text = cl_report_field_label(v, "assessment", key, json_object_get(st, key));
    json_t *j = json_string(text ? text : "");
    free(text);
    return j;
}

cl_status cl_report_ledger(cl_vault *v, const cl_report_filter *filter, json_t **out)
{
    *out = NULL;
    char from[11], to[11];
    cl_status st = check_filter(filter, from, to);
    if (st != CL_OK)
        return st;
    cl_student_filter sf = {.class_name = filter->class_name, .risk = filter->risk};
    json_t *students = NULL, *records = NULL;
    st = cl_student_list(v, &sf, &students);
    cl_record_filter rf = {.since = *from ? from : NULL, .until = *to ? to : NULL};
    if (st == CL_OK)
        st = cl_record_list(v, &rf, &records);
    /* The period's records by student, newest first as listed. */
    json_t *by_student = json_object(), *wanted = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(records, i, item) {
        char key[32];
        snprintf(key, sizeof key, "%lld", id_of(item, "student_id"));
        static const char *const read_kinds[] = {"observation", "plan", "contact", "referral"};
        for (size_t k = 0; k < 4; k++)
            if (strcmp(str(item, "kind"), read_kinds[k]) == 0)
                json_array_append_new(wanted, json_integer(id_of(item, "id")));
        json_t *list = json_object_get(by_student, key);
        if (!list) {
            list = json_array();
            json_object_set_new(by_student, key, list);
        }
        json_array_append(list, item);
    }
    /* Everything else the rows need, each in one query for the whole
     * ledger (no query per student or per record). */
    json_t *fields = NULL, *firsts = NULL, *details_by = NULL;
    if (st == CL_OK)
        st = cl_report_record_columns(v, wanted, &fields);
    if (st == CL_OK)
        st = first_noticed_all(v, &firsts);
    if (st == CL_OK)
        st = cl_report_student_details(v, &details_by);
    json_decref(wanted);
    json_t *report = st == CL_OK ? report_new(v, "ledger", _("Intervention ledger of students with abnormal behaviour"),
                                              from, to)
                                 : NULL;
    if (st == CL_OK && !report)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        ledger_columns(json_object_get(report, "columns"));
    int n = 0;
    json_array_foreach(students, i, item) {
        if (st != CL_OK)
            break;
        char key[32];
        snprintf(key, sizeof key, "%lld", id_of(item, "id"));
        const json_t *recs = json_object_get(by_student, key);
        if (!recs)
            continue;
        const json_t *details = json_object_get(details_by, key), *oldest = json_object_get(firsts, key);
        char first[11] = "";
        snprintf(first, sizeof first, "%.10s", str(oldest, "occurred_at"));
        char *source = cl_strdup_printf("%s（%s）", str(oldest, "author"), kind_title(v, str(oldest, "kind")));
        ledger_row r;
        st = tally(v, recs, fields, &r);
        if (st != CL_OK) {
            free(source);
            break;
        }
        char *gender = cl_report_field_label(v, "student", "gender", json_object_get(details, "gender"));
        char *status = cl_report_field_label(v, "student", "status", json_object_get(item, "status"));
        char *acts = interventions(v, &r, fields), *contacts = contacts_text(v, &r, fields),
             *ref = referral_text(v, &r, fields), *notes = remarks(v, &r);
        json_t *cells = json_pack("[i, s, s, s, s, s, s, o, o, s, s, s, s, s, s]", ++n, str(item, "name"),
                                  gender ? gender : "", str(item, "class"), first, source ? source : "",
                                  r.concerns ? r.concerns : "", risk_tier(v, item, "risk_level"),
                                  risk_tier(v, item, "misconduct_tier"), acts ? acts : "",
                                  contacts ? contacts : "", ref ? ref : "", status ? status : "",
                                  str(item, "counsellor"), notes ? notes : "");
        if (!cells)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else
            json_array_append_new(json_object_get(report, "rows"),
                                  json_pack("{s:s, s:o}", "class", str(item, "class"), "cells", cells));
        free(gender);
        free(status);
        free(acts);
        free(contacts);
        free(ref);
        free(notes);
        free(r.concerns);
        free(source);
    }
    json_decref(fields);
    json_decref(firsts);
    json_decref(details_by);
    json_decref(by_student);
    json_decref(students);
    json_decref(records);
    if (st != CL_OK) {
        json_decref(report);
        return st;
    }
    *out = report;
    return CL_OK;
}

/* ---- children in difficulty ------------------------------------------- */

static char *guardian_text(cl_vault *v, const json_t *guardians, bool phones)
{
    cl_buf b = {0};
    size_t i;
    json_t *g;
    json_array_foreach(guardians, i, g) {
        if (i)
            cl_buf_puts(&b, "\n");
        if (phones) {
            cl_buf_puts(&b, str(g, "phone"));
            continue;
        }
        const cl_form *form = NULL;
        long long form_id;
        const char *relation = str(g, "relation");
        char *label = NULL;
        if (cl_catalog_current(v, "student", &form, &form_id) == CL_OK) {
            const cl_field *gf = cl_form_field(form, "guardians");
            const cl_field *rf = gf ? cl_field_subfield(gf, "relation") : NULL;
            label = rf ? cl_form_value_text(rf, json_object_get(g, "relation"), cl_i18n_language()) : NULL;
        } else {
            cl_error_clear();
        }
        cl_buf_printf(&b, "%s（%s）", str(g, "name"), label ? label : relation);
        free(label);
    }
    return cl_buf_take(&b);
}

cl_status cl_report_difficulty(cl_vault *v, const cl_report_filter *filter, json_t **out)
{
    *out = NULL;
    char from[11], to[11];
    cl_status st = check_filter(filter, from, to);
    if (st != CL_OK)
        return st;
    cl_student_filter sf = {.class_name = filter->class_name, .risk = filter->risk, .circumstance = filter->circumstance};
    json_t *students = NULL, *due = NULL;
    st = cl_student_list(v, &sf, &students);
    if (st == CL_OK)
        st = cl_followup_due(v, NULL, CL_FOLLOWUP_POLICY_MAX_DAYS, &due);
    json_t *report = st == CL_OK ? report_new(v, "difficulty", _("Children in difficulty: follow-up list"), from, to)
                                 : NULL;
    if (st == CL_OK && !report)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        json_t *cols = json_object_get(report, "columns");
        json_array_append_new(cols, column("no", _("No."), "number", 4));
        json_array_append_new(cols, column("name", _("Name"), "text", 8));
        json_array_append_new(cols, column("class", _("Class"), "text", 9));
        json_array_append_new(cols, column("circumstances", _("Circumstances"), "text", 16));
        json_array_append_new(cols, column("guardians", _("Guardians"), "text", 16));
        json_array_append_new(cols, column("phones", _("Phone"), "text", 13));
        json_array_append_new(cols, column("last_contact", _("Last contact or visit"), "date", 11));
        json_array_append_new(cols, column("channel", _("How"), "text", 9));
        json_array_append_new(cols, column("next_due", _("Next due"), "date", 11));
        json_array_append_new(cols, column("overdue", _("Overdue"), "text", 10));
    }
    /* Each in one query or pass for the whole list. */
    json_t *details_by = NULL, *contacts = NULL, *next_by = json_object();
    if (st == CL_OK)
        st = cl_report_student_details(v, &details_by);
    if (st == CL_OK)
        st = last_contacts(v, &contacts);
    size_t i, k;
    json_t *item, *d;
    json_array_foreach(due, k, d) {
        char key[32];
        snprintf(key, sizeof key, "%lld", id_of(d, "student_id"));
        if (!json_object_get(next_by, key))
            json_object_set(next_by, key, d);
    }
    int n = 0;
    json_array_foreach(students, i, item) {
        if (st != CL_OK)
            break;
        const char *status = str(item, "status");
        if (strcmp(status, "active") != 0 && strcmp(status, "monitoring") != 0)
            continue;
        char key[32];
        snprintf(key, sizeof key, "%lld", id_of(item, "id"));
        const json_t *details = json_object_get(details_by, key);
        if (json_array_size(json_object_get(details, "circumstances")) == 0)
            continue;
        const json_t *last = json_object_get(contacts, key);
        char *channel = last ? cl_report_field_label(v, "contact", "channel",
                                                     json_object_get(json_object_get(last, "fields"), "channel"))
                             : NULL;
        const json_t *next = json_object_get(next_by, key);
        char overdue[64] = "";
        long long days = next ? id_of(next, "days_overdue") : 0;
        if (next && days > 0)
            snprintf(overdue, sizeof overdue, ngettext("overdue %lld day", "overdue %lld days", (unsigned long)days),
                     days);
        char *circ = cl_report_field_label(v, "student", "circumstances", json_object_get(details, "circumstances"));
        char *names = guardian_text(v, json_object_get(details, "guardians"), false);
        char *phones = guardian_text(v, json_object_get(details, "guardians"), true);
        char day[11] = "";
        if (last)
            snprintf(day, sizeof day, "%.10s", str(last, "occurred_at"));
        json_t *cells = json_pack("[i, s, s, s, s, s, s?, s, s?, s]", ++n, str(item, "name"), str(item, "class"),
                                  circ ? circ : "", names ? names : "", phones ? phones : "", *day ? day : NULL,
                                  channel ? channel : "", next ? str(next, "due_date") : NULL, overdue);
        if (st == CL_OK && cells)
            json_array_append_new(json_object_get(report, "rows"),
                                  json_pack("{s:s, s:o}", "class", str(item, "class"), "cells", cells));
        else
            json_decref(cells);
        free(channel);
        free(circ);
        free(names);
        free(phones);
    }
    json_decref(details_by);
    json_decref(contacts);
    json_decref(next_by);
    json_decref(students);
    json_decref(due);
    if (st != CL_OK) {
        json_decref(report);
        return st;
    }
    *out = report;
    return CL_OK;
}
