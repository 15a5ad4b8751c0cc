/* Statistics for a period: counts of records by kind, overall and by one
 * dimension, screening bands, and how fast referrals were acknowledged. */
#include "carelog/report.h"
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/student.h"
#include "carelog/text.h"

/* The feedback time in the mandatory-reporting rules: an office answers
 * a report within three days. */
#define FEEDBACK_DAYS 3

const char *const cl_report_measures[] = {"students", "observations", "sessions", "assessments", "screenings",
                                          "plans",    "reviews",      "contacts", "referrals",   NULL};

/* The measures counted per record (all but students). */
static const char *const *const counted = cl_report_measures + 1;

const char *cl_report_measure_label(const char *m)
{
    static const char *const labels[][2] = {
        {"students", N_("Students")},       {"observations", N_("Observations")}, {"sessions", N_("Sessions")},
        {"assessments", N_("Assessments")}, {"screenings", N_("Screenings")},     {"plans", N_("Plans")},
        {"reviews", N_("Reviews")},         {"contacts", N_("Contacts")},         {"referrals", N_("Referrals")},
    };
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i][0], m) == 0)
            return _(labels[i][1]);
    return m;
}

const char *cl_report_dimension_label(const char *by)
{
    static const char *const labels[][2] = {
        {"month", N_("month")},          {"week", N_("week")},
        {"class", N_("class")},          {"grade", N_("grade")},
        {"category", N_("concern")},     {"risk", N_("risk level")},
        {"tier", N_("misconduct tier")}, {"circumstance", N_("circumstance")},
        {"counsellor", N_("counsellor")}, {"agency", N_("receiving agency")},
    };
    for (size_t i = 0; by && i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i][0], by) == 0)
            return _(labels[i][1]);
    return by ? by : "";
}

static const char *const dimensions[] = {"month", "week", "class", "grade", "category", "risk",
                                         "tier",  "circumstance", "counsellor", "agency", NULL};

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *counter_of(const char *kind)
{
    static const char *const map[][2] = {{"observation", "observations"}, {"session", "sessions"},
                                         {"assessment", "assessments"},   {"plan", "plans"},
                                         {"review", "reviews"},           {"contact", "contacts"},
                                         {"referral", "referrals"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(kind, map[i][0]) == 0)
            return map[i][1];
    return "screenings";
}

static json_t *counts_new(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "students", json_integer(0));
    for (const char *const *k = counted; *k; k++)
        json_object_set_new(o, *k, json_integer(0));
    return o;
}

/* The counts of the totals or of one group, and the students they have
 * met: a bit per student id, where an object of ids would hold an entry
 * for every student in every group (tens of MiB by week on a large vault). */
typedef struct tally {
    json_t *counts;
    unsigned char *seen;
} tally;

static cl_status tally_init(tally *t, size_t seen_bytes)
{
    t->counts = counts_new();
    t->seen = calloc(seen_bytes, 1);
    return t->counts && t->seen ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

static void count(tally *t, const char *counter, long long student_id)
{
    json_t *c = json_object_get(t->counts, counter);
    json_integer_set(c, json_integer_value(c) + 1);
    unsigned char bit = (unsigned char)(1u << (student_id % 8));
    if (!(t->seen[student_id / 8] & bit)) {
        t->seen[student_id / 8] |= bit;
        json_t *s = json_object_get(t->counts, "students");
        json_integer_set(s, json_integer_value(s) + 1);
    }
}

/* "七年级(1)班" → "七年级", "初二3班" → "初二": the class name up to its
 * first digit or bracket. */
static void grade_of(const char *cls, char *out, size_t size)
{
    size_t n = strcspn(cls, "0123456789(（");
    if (n == 0)
        n = strlen(cls);
    snprintf(out, size, "%.*s", (int)n, cls);
}

static void week_of(const char *date, char *out, size_t size)
{
    struct tm tm = {0};
    if (!strptime(date, "%Y-%m-%d", &tm)) {
        snprintf(out, size, "%s", date);
        return;
    }
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, size, "%G-W%V", &tm);
}

/* The group keys of one record (an array of strings; empty = not counted
 * in any group). details_by: the students' details; columns: the fields of
 * the records grouped by a field (cl_report_record_columns). */
static json_t *keys_of(cl_vault *v, const char *by, const json_t *item, const json_t *student,
                       const json_t *details_by, const json_t *columns)
{
    json_t *keys = json_array();
    const char *kind = str(item, "kind");
    char buf[64];
    if (strcmp(by, "month") == 0) {
        snprintf(buf, sizeof buf, "%.7s", str(item, "occurred_at"));
        json_array_append_new(keys, json_string(buf));
    } else if (strcmp(by, "week") == 0) {
        char day[11];
        snprintf(day, sizeof day, "%.10s", str(item, "occurred_at"));
        week_of(day, buf, sizeof buf);
        json_array_append_new(keys, json_string(buf));
    } else if (strcmp(by, "class") == 0 || strcmp(by, "counsellor") == 0) {
        json_array_append_new(keys, json_string(str(student, strcmp(by, "class") == 0 ? "class" : "counsellor")));
    } else if (strcmp(by, "grade") == 0) {
        grade_of(str(student, "class"), buf, sizeof buf);
        json_array_append_new(keys, json_string(buf));
    } else if (strcmp(by, "risk") == 0 || strcmp(by, "tier") == 0) {
        const char *field = strcmp(by, "risk") == 0 ? "risk_level" : "misconduct_tier";
        char *label = cl_report_field_label(v, "assessment", field, json_object_get(student, field));
        json_array_append_new(keys, json_string(label ? label : ""));
        free(label);
    } else if (strcmp(by, "circumstance") == 0) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(item, "student_id")));
        const json_t *details = json_object_get(details_by, id);
        const json_t *circ = json_object_get(details, "circumstances");
        size_t i;
        json_t *c;
        json_array_foreach(circ, i, c) {
            json_t *one = json_pack("[O]", c);
            char *label = cl_report_field_label(v, "student", "circumstances", one);
            json_array_append_new(keys, json_string(label ? label : json_string_value(c)));
            free(label);
            json_decref(one);
        }
        if (json_array_size(circ) == 0)
            json_array_append_new(keys, json_string(_("none")));
    } else if ((strcmp(by, "category") == 0 && strcmp(kind, "observation") == 0) ||
               (strcmp(by, "agency") == 0 && strcmp(kind, "referral") == 0)) {
        const char *field = strcmp(by, "category") == 0 ? "categories" : "agency";
        const json_t *value = json_object_get(cl_report_record_fields(columns, item, "fields"), field);
        if (json_is_array(value)) {
            size_t i;
            json_t *c;
            json_array_foreach(value, i, c) {
                json_t *one = json_pack("[O]", c);
                char *label = cl_report_field_label(v, kind, field, one);
                json_array_append_new(keys, json_string(label ? label : ""));
                free(label);
                json_decref(one);
            }
        } else {
            char *label = cl_report_field_label(v, kind, field, value);
            json_array_append_new(keys, json_string(label ? label : ""));
            free(label);
        }
    }
    return keys;
}

static time_t utc_time(const char *iso)
{
    struct tm tm = {0};
    const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && !*end ? timegm(&tm) : (time_t)-1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *first_moves(sqlite3_stmt *q)
{
    json_t *o = json_object();
    if (sqlite3_column_type(q, 1) != SQLITE_NULL)
        json_object_set_new(o, "reported", json_string((const char *)sqlite3_column_text(q, 1)));
    if (sqlite3_column_type(q, 2) != SQLITE_NULL)
        json_object_set_new(o, "acknowledged", json_string((const char *)sqlite3_column_text(q, 2)));
    return o;
}

/* Referrals made in the period: by state, and report → acknowledgement. */
static cl_status referral_stats(cl_vault *v, const char *from, const char *to, json_t *out)
{
    json_t *list = NULL, *moves = NULL;
    cl_status st = cl_referral_list(v, false, &list);
    /* When each referral was first reported and first acknowledged, for
     * all of them in one query. */
    if (st == CL_OK)
        st = cl_report_rows_by_id(v, "SELECT t.record_id,"
                                     " (SELECT x.at FROM referral_transitions x WHERE x.record_id = t.record_id"
                                     "   AND x.to_state = 'reported' ORDER BY x.id LIMIT 1),"
                                     " (SELECT x.at FROM referral_transitions x WHERE x.record_id = t.record_id"
                                     "   AND x.to_state = 'acknowledged' ORDER BY x.id LIMIT 1)"
                                     " FROM referral_transitions t GROUP BY t.record_id",
                                  NULL, first_moves, "reading the referrals' history", &moves);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    json_t *states = json_array();
    for (const cl_referral_state *s = cl_referral_states; s->name; s++)
        json_array_append_new(states, json_pack("{s:s, s:s, s:i}", "state", s->name, "label",
                                                strcmp(cl_i18n_language(), "en") == 0 ? s->label_en : s->label_zh,
                                                "count", 0));
    size_t n = json_array_size(list), acked = 0, within = 0, waiting_late = 0;
    double *days = calloc(n ? n : 1, sizeof *days);
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        if (st != CL_OK || !days)
            break;
        char day[11];
        snprintf(day, sizeof day, "%.10s", str(r, "occurred_at"));
        if ((*from && strcmp(day, from) < 0) || (*to && strcmp(day, to) > 0))
            continue;
        size_t k;
        json_t *s;
        json_array_foreach(states, k, s)
            if (strcmp(str(s, "state"), str(r, "state")) == 0)
                json_object_set_new(s, "count", json_integer(json_integer_value(json_object_get(s, "count")) + 1));
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        const json_t *steps = json_object_get(moves, key);
        const char *reported_at = str(steps, "reported"), *ack_at = str(steps, "acknowledged");
        time_t reported = *reported_at ? utc_time(reported_at) : -1, ack = *ack_at ? utc_time(ack_at) : -1;
        if (reported >= 0 && ack >= reported) {
            days[acked] = (double)(ack - reported) / 86400.0;
            within += days[acked] <= FEEDBACK_DAYS;
            acked++;
        } else if (reported >= 0 && ack < 0 && cl_now() - reported > FEEDBACK_DAYS * 86400) {
            waiting_late++;
        }
    }
    json_decref(list);
    json_decref(moves);
    if (st == CL_OK && !days)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        qsort(days, acked, sizeof *days, cmp_double);
        json_t *median = acked ? json_real(acked % 2 ? days[acked / 2] : (days[acked / 2 - 1] + days[acked / 2]) / 2)
                               : json_null();
        json_object_set_new(out, "referral_states", states);
        json_object_set_new(out, "referral_feedback",
                            json_pack("{s:i, s:I, s:o, s:I, s:I, s:I}", "feedback_days", FEEDBACK_DAYS, "acknowledged",
                                      (json_int_t)acked, "median_days", median, "within_feedback_days",
                                      (json_int_t)within, "acknowledged_late", (json_int_t)(acked - within),
                                      "waiting_past_feedback_days", (json_int_t)waiting_late));
    } else {
        json_decref(states);
    }
    free(days);
    return st;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(str(*(json_t *const *)a, "key"), str(*(json_t *const *)b, "key"));
}

/* The groups in the order of their keys (months and weeks in time). */
static void sort_groups(json_t *list)
{
    size_t n = json_array_size(list);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    if (!items)
        return;
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(list, i));
    qsort(items, n, sizeof *items, by_key);
    json_array_clear(list);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, items[i]);
    free(items);
}

/* What the counts gather as the records go by. */
typedef struct stats_walk {
    cl_vault *v;
    const char *by;
    json_t *by_id;   /* what the groupings read of each student counted, by id */
    long long max_id; /* the largest of their ids */
    json_t *details; /* the students' circumstances, when grouped by them */
    tally totals;
    tally *groups;   /* in the order first met */
    size_t ngroups, cap;
    json_t *group_at; /* a group's key → its place in groups */
    json_t *bands;
} stats_walk;

/* A student of the report: what keys_of reads of them, and no more (the
 * whole list row of ten thousand students is several MiB). */
static cl_status keep_student(json_t *row, void *ctx)
{
    stats_walk *w = ctx;
    long long id = (long long)json_integer_value(json_object_get(row, "id"));
    char key[32];
    snprintf(key, sizeof key, "%lld", id);
    json_t *kept = json_pack("{s:O?, s:O?, s:O?, s:O?}", "class", json_object_get(row, "class"), "counsellor",
                             json_object_get(row, "counsellor"), "risk_level", json_object_get(row, "risk_level"),
                             "misconduct_tier", json_object_get(row, "misconduct_tier"));
    if (!kept || json_object_set_new(w->by_id, key, kept) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (id > w->max_id)
        w->max_id = id;
    return CL_OK;
}

static json_t *circumstances_value(sqlite3_stmt *q)
{
    json_t *c = sqlite3_column_type(q, 1) == SQLITE_NULL
                    ? NULL
                    : json_loadb((const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1),
                                 JSON_DECODE_ANY, NULL);
    return json_pack("{s:o}", "circumstances", c ? c : json_null());
}

/* The group of key, met for the first time or again. */
static cl_status group_of(stats_walk *w, const char *key, tally **out)
{
    json_t *at = json_object_get(w->group_at, key);
    if (at) {
        *out = &w->groups[json_integer_value(at)];
        return CL_OK;
    }
    if (w->ngroups == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        tally *g = realloc(w->groups, cap * sizeof *g);
        if (!g)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        w->groups = g;
        w->cap = cap;
    }
    tally *t = &w->groups[w->ngroups];
    cl_status st = tally_init(t, (size_t)w->max_id / 8 + 1);
    if (st == CL_OK && json_object_set_new(w->group_at, key, json_integer((json_int_t)w->ngroups)) != 0)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        json_decref(t->counts);
        free(t->seen);
        return st;
    }
    w->ngroups++;
    *out = t;
    return CL_OK;
}

static cl_status count_record(stats_walk *w, const json_t *item, const json_t *columns)
{
    char key[32];
    long long sid = (long long)json_integer_value(json_object_get(item, "student_id"));
    snprintf(key, sizeof key, "%lld", sid);
    const json_t *student = json_object_get(w->by_id, key);
    if (!student)
        return CL_OK; /* another class, risk, or a merged student */
    const char *counter = counter_of(str(item, "kind"));
    count(&w->totals, counter, sid);
    if (strcmp(counter, "screenings") == 0) {
        const json_t *score = cl_report_record_fields(columns, item, "score");
        char band[160];
        snprintf(band, sizeof band, "%s\t%s", str(item, "kind"),
                 str(score, strcmp(cl_i18n_language(), "en") == 0 ? "band_en" : "band_zh"));
        json_object_set_new(w->bands, band, json_integer(json_integer_value(json_object_get(w->bands, band)) + 1));
    }
    if (!w->by)
        return CL_OK;
    json_t *keys = keys_of(w->v, w->by, item, student, w->details, columns);
    size_t k;
    json_t *gk;
    cl_status st = CL_OK;
    json_array_foreach(keys, k, gk) {
        tally *t = NULL;
        st = group_of(w, *json_string_value(gk) ? json_string_value(gk) : "—", &t);
        if (st != CL_OK)
            break;
        count(t, counter, sid);
    }
    json_decref(keys);
    return st;
}

static json_t *column_json(sqlite3_stmt *q, int col, json_t *otherwise)
{
    json_t *j = sqlite3_column_type(q, col) == SQLITE_NULL
                    ? NULL
                    : json_loadb((const char *)sqlite3_column_text(q, col), (size_t)sqlite3_column_bytes(q, col), 0,
                                 NULL);
    if (j) {
        json_decref(otherwise);
        return j;
    }
    return otherwise;
}

/* Every record of the period (all but students' details) counted as it is
 * read, newest first as `record list` gives them, in one query: a record's
 * fields and score are read only when a count needs them (screenings; the
 * observations or referrals a grouping reads), and nothing of the records
 * is kept, so memory stays flat however many there are. */
static cl_status walk_records(stats_walk *w, const char *from, const char *to)
{
    const char *by = w->by ? w->by : "";
    int category = strcmp(by, "category") == 0, agency = strcmp(by, "agency") == 0;
    sqlite3 *db = cl_vault_db(w->v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(
        db,
        "SELECT r.id, r.student_id, r.kind, r.occurred_at,"
        " r.kind NOT IN ('observation', 'session', 'assessment', 'plan', 'review', 'contact', 'referral')"
        "  OR (?1 AND r.kind = 'observation') OR (?2 AND r.kind = 'referral'),"
        " r.fields, r.score FROM records r JOIN students s ON s.id = r.student_id"
        " WHERE r.kind != 'student' AND (?3 = '' OR substr(r.occurred_at, 1, 10) >= ?3)"
        " AND (?4 = '' OR substr(r.occurred_at, 1, 10) <= ?4) ORDER BY r.occurred_at DESC, r.id DESC",
        &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int(q, 1, category);
    sqlite3_bind_int(q, 2, agency);
    sqlite3_bind_text(q, 3, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, to, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *item = json_pack("{s:I, s:I, s:s?, s:s?}", "id", (json_int_t)sqlite3_column_int64(q, 0), "student_id",
                                 (json_int_t)sqlite3_column_int64(q, 1), "kind", (const char *)sqlite3_column_text(q, 2),
                                 "occurred_at", (const char *)sqlite3_column_text(q, 3));
        json_t *columns = NULL;
        if (item && sqlite3_column_int(q, 4)) {
            char key[32];
            snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(q, 0));
            columns = json_pack("{s:{s:o, s:o}}", key, "fields", column_json(q, 5, json_object()), "score",
                                column_json(q, 6, json_null()));
        }
        if (!item) {
            json_decref(columns);
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        st = count_record(w, item, columns);
        json_decref(columns);
        json_decref(item);
        if (st != CL_OK)
            break;
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, _("reading the report's records"));
    sqlite3_finalize(q);
    return st;
}

static void walk_free(stats_walk *w)
{
    json_decref(w->by_id);
    json_decref(w->details);
    json_decref(w->totals.counts);
    free(w->totals.seen);
    for (size_t i = 0; i < w->ngroups; i++) {
        json_decref(w->groups[i].counts);
        free(w->groups[i].seen);
    }
    free(w->groups);
    json_decref(w->group_at);
    json_decref(w->bands);
}

/* The groups as the report lists them, in the order of their keys. */
static json_t *group_list(const stats_walk *w)
{
    json_t *list = json_array();
    const char *key;
    json_t *at;
    json_object_foreach(w->group_at, key, at) {
        json_t *row = json_deep_copy(w->groups[json_integer_value(at)].counts);
        json_object_set_new(row, "key", json_string(key));
        json_array_append_new(list, row);
    }
    sort_groups(list);
    return list;
}

cl_status cl_report_stats(cl_vault *v, const cl_report_filter *filter, const char *by, json_t **out)
{
    *out = NULL;
    char from[11] = "", to[11] = "";
    if (filter->from && !cl_date_parse(filter->from, from))
        return cl_fail(CL_EDATA, _("--from %s is not a date (YYYY-MM-DD)"), filter->from);
    if (filter->to && !cl_date_parse(filter->to, to))
        return cl_fail(CL_EDATA, _("--to %s is not a date (YYYY-MM-DD)"), filter->to);
    if (by) {
        bool known = false;
        for (const char *const *d = dimensions; *d; d++)
            known = known || strcmp(*d, by) == 0;
        if (!known)
            return cl_fail(CL_EUSAGE, _("--by takes month, week, class, grade, category, risk, tier, circumstance, "
                                        "counsellor or agency"));
    }
    cl_student_filter sf = {.class_name = filter->class_name, .risk = filter->risk};
    stats_walk w = {.v = v, .by = by, .by_id = json_object(), .group_at = json_object(), .bands = json_object()};
    cl_status st = w.by_id && w.group_at && w.bands ? cl_student_each(v, &sf, NULL, keep_student, &w)
                                                    : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK && by && strcmp(by, "circumstance") == 0)
        st = cl_report_rows_by_id(v, "SELECT s.id, r.fields -> '$.circumstances' FROM students s"
                                     " JOIN records r ON r.id = s.record_id",
                                  NULL, circumstances_value, "reading the students' circumstances", &w.details);
    if (st == CL_OK)
        st = tally_init(&w.totals, (size_t)w.max_id / 8 + 1);
    if (st == CL_OK)
        st = walk_records(&w, from, to);
    json_t *report = NULL;
    if (st == CL_OK) {
        char now[32];
        cl_time_iso(cl_now(), now, sizeof now);
        json_t *band_list = json_array();
        const char *key;
        json_t *counts;
        json_object_foreach(w.bands, key, counts) {
            const char *tab = strchr(key, '\t');
            json_array_append_new(band_list, json_pack("{s:s%, s:s, s:O}", "kind", key, (size_t)(tab - key), "band",
                                                       tab + 1, "count", counts));
        }
        report = json_pack("{s:s, s:s, s:s, s:s, s:{s:s?, s:s?}, s:s, s:O, s:s?, s:o, s:o}", "kind", "stats", "school",
                           cl_vault_school(v), "fingerprint", cl_vault_fingerprint(v), "lang", cl_i18n_language(),
                           "period", "from", *from ? from : NULL, "to", *to ? to : NULL, "generated_at", now,
                           "totals", w.totals.counts, "by", by, "groups", group_list(&w), "screening_bands",
                           band_list);
        if (!report)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK)
        st = referral_stats(v, from, to, report);
    walk_free(&w);
    if (st != CL_OK) {
        json_decref(report);
        return st;
    }
    *out = report;
    return CL_OK;
}

char *cl_report_feedback_text(const json_t *stats)
{
    const json_t *fb = json_object_get(stats, "referral_feedback");
    const json_t *median = json_object_get(fb, "median_days");
    char median_text[32] = "—";
    if (json_is_real(median))
        snprintf(median_text, sizeof median_text, "%.1f", json_real_value(median));
    return cl_strdup_printf(
        _("Acknowledged: %lld (within %lld days: %lld, later: %lld); median %s days; waiting past %lld days: %lld\n"),
        (long long)json_integer_value(json_object_get(fb, "acknowledged")),
        (long long)json_integer_value(json_object_get(fb, "feedback_days")),
        (long long)json_integer_value(json_object_get(fb, "within_feedback_days")),
        (long long)json_integer_value(json_object_get(fb, "acknowledged_late")), median_text,
        (long long)json_integer_value(json_object_get(fb, "feedback_days")),
        (long long)json_integer_value(json_object_get(fb, "waiting_past_feedback_days")));
}
