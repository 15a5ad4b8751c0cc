/* The referral summary and the student report: what the vault holds about
 * one case, laid out as a cl_doc and as data. */
#include "carelog/summary.h"

#include <limits.h>
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

typedef struct summary {
    cl_vault *v;
    const char *lang;
    bool en;
    cl_doc *doc;
    json_t *data;
    char from[11], to[11]; /* the period; "" = open */
} summary;

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) → "YYYY-MM-DD HH:MM" local; other text as it is. */
static void local_time(const char *iso, char *out, size_t size)
{
    struct tm tm = {0};
    const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end) {
        snprintf(out, size, "%s", iso ? iso : "");
        for (char *t = strchr(out, 'T'); t; t = NULL)
            *t = ' ';
        return;
    }
    time_t t = timegm(&tm);
    struct tm local;
    localtime_r(&t, &local);
    strftime(out, size, "%Y-%m-%d %H:%M", &local);
}

static void date_shift(const char *date, long days, char out[11])
{
    struct tm tm = {0};
    if (!strptime(date, "%Y-%m-%d", &tm)) {
        out[0] = '\0';
        return;
    }
    time_t t = timegm(&tm) + days * 86400;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A form field's value as text (malloc'd), or NULL when not answered. */
static char *value_text(const cl_form *form, const char *field, const json_t *value, const char *lang)
{
    const cl_field *f = form ? cl_form_field(form, field) : NULL;
    if (!value || json_is_null(value) || (json_is_string(value) && !*json_string_value(value)) ||
        (json_is_array(value) && json_array_size(value) == 0))
        return NULL;
    if (f)
        return cl_form_value_text(f, value, lang);
    if (json_is_string(value))
        return strdup(json_string_value(value));
    return json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* Fields the reporting rules keep confidential: who disclosed it. */
static bool confidential_field(const char *id)
{
    return strcmp(id, "who_disclosed") == 0;
}

/* Every answered field in form order (then any the form version lacks),
 * as label/value pairs; skip names fields shown elsewhere. */
static void form_pairs(summary *s, const cl_form *form, const json_t *fields, const char *const *skip)
{
    size_t n = form ? cl_form_field_count(form) : 0;
    for (size_t i = 0; i < n; i++) {
        const cl_field *f = cl_form_field_at(form, i);
        bool skipped = false;
        for (const char *const *k = skip; k && *k; k++)
            skipped = skipped || strcmp(*k, f->id) == 0;
        char *text = skipped ? NULL : value_text(form, f->id, json_object_get(fields, f->id), s->lang);
        if (!text)
            continue;
        if (confidential_field(f->id))
            cl_doc_pair_confidential(s->doc, cl_field_label(f, s->lang), text);
        else
            cl_doc_pair(s->doc, cl_field_label(f, s->lang), text);
        free(text);
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)fields, key, value) {
        if (form && cl_form_field(form, key))
            continue;
        char *text = value_text(NULL, key, value, s->lang);
        if (text)
            cl_doc_pair(s->doc, key, text);
        free(text);
    }
}

static const cl_form *current_form(cl_vault *v, const char *kind)
{
    const cl_form *f = NULL;
    long long id;
    if (cl_catalog_current(v, kind, &f, &id) != CL_OK) {
        cl_error_clear();
        return NULL;
    }
    return f;
}

/* ---- the student ---------------------------------------------------- */

static json_t *student_data(const json_t *st)
{
    json_t *o = json_object();
    static const char *const keys[] = {"id",     "number",     "name",          "gender",          "birth_date",
                                       "class",  "status",     "risk_level",    "misconduct_tier", "counsellor",
                                       "circumstances", "guardians", NULL};
    for (const char *const *k = keys; *k; k++) {
        json_t *val = json_object_get(st, *k);
        json_object_set_new(o, *k, val ? json_deep_copy(val) : json_null());
    }
    return o;
}

static void guardians_table(summary *s, const cl_form *student_form, const json_t *guardians)
{
    if (json_array_size(guardians) == 0)
        return;
    const cl_field *g = student_form ? cl_form_field(student_form, "guardians") : NULL;
    static const char *const ids[] = {"name", "relation", "phone", "lives_with", "note"};
    enum { N = 5 };
    const char *heads[N];
    for (size_t i = 0; i < N; i++) {
        const cl_field *sub = g ? cl_field_subfield(g, ids[i]) : NULL;
        heads[i] = sub ? cl_field_label(sub, s->lang) : ids[i];
    }
    cl_doc_heading(s->doc, 2, _("Guardians"));
    static const double widths[N] = {1.2, 1.2, 1.4, 1, 2.2};
    cl_doc_table(s->doc, N, heads, widths);
    size_t i;
    json_t *item;
    json_array_foreach(guardians, i, item) {
        char *cells[N] = {0};
        for (size_t k = 0; k < N; k++) {
            const cl_field *sub = g ? cl_field_subfield(g, ids[k]) : NULL;
            json_t *val = json_object_get(item, ids[k]);
            cells[k] = sub && val ? cl_form_value_text(sub, val, s->lang) : NULL;
        }
        cl_doc_row(s->doc, (const char *const *)cells);
        for (size_t k = 0; k < N; k++)
            free(cells[k]);
    }
}

static cl_status student_section(summary *s, long long student_id)
{
    json_t *st = NULL;
    cl_status rc = cl_student_get(s->v, student_id, &st);
    if (rc != CL_OK)
        return rc;
    const cl_form *sf = current_form(s->v, "student");
    const cl_form *af = current_form(s->v, "assessment");
    cl_doc_section(s->doc, _("Student"));
    static const char *const skip[] = {"guardians", NULL};
    form_pairs(s, sf, json_object_get(st, "fields"), skip);
    char *risk = value_text(af, "risk_level", json_object_get(st, "risk_level"), s->lang);
    char *tier = value_text(af, "misconduct_tier", json_object_get(st, "misconduct_tier"), s->lang);
    cl_doc_pair(s->doc, _("Risk level"), risk);
    cl_doc_pair(s->doc, _("Misconduct tier"), tier);
    free(risk);
    free(tier);
    guardians_table(s, sf, json_object_get(st, "guardians"));
    json_object_set_new(s->data, "student", student_data(st));
    json_decref(st);
    return CL_OK;
}

/* ---- records ---------------------------------------------------------- */

static json_t *record_data(const json_t *rec)
{
    json_t *o = json_object();
    static const char *const keys[] = {"id",        "kind",      "occurred_at", "author",    "created_at",
                                       "updated_at", "form_version", "fields",   "follow_up", "state",
                                       "signed_at", "signed_by", "score",       "amendments", "transitions",
                                       "parent_id", NULL};
    for (const char *const *k = keys; *k; k++) {
        json_t *val = json_object_get(rec, *k);
        if (val)
            json_object_set_new(o, *k, json_deep_copy(val));
    }
    return o;
}

static const char *state_label(const char *state, bool en)
{
    const cl_referral_state *rs = cl_referral_state_find(state);
    return rs ? (en ? rs->label_en : rs->label_zh) : state;
}

static void transitions_table(summary *s, const json_t *transitions)
{
    const char *heads[4] = {_("When"), _("Move"), _("Who"), _("Why")};
    static const double widths[4] = {1.3, 1.6, 1, 3};
    cl_doc_table(s->doc, 4, heads, widths);
    size_t i;
    json_t *t;
    json_array_foreach(transitions, i, t) {
        char when[64], move[160];
        local_time(str(t, "at"), when, sizeof when);
        const char *from = str(t, "from");
        if (*from)
            snprintf(move, sizeof move, "%s → %s", state_label(from, s->en), state_label(str(t, "to"), s->en));
        else
            snprintf(move, sizeof move, "%s", state_label(str(t, "to"), s->en));
        const char *cells[4] = {when, move, str(t, "actor"), str(t, "note")};
        cl_doc_row(s->doc, cells);
    }
}

static void amendments(summary *s, const json_t *list)
{
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        char when[64];
        local_time(str(a, "at"), when, sizeof when);
        char *label = cl_strdup_printf(_("Amendment (%s, %s)"), str(a, "author"), when);
        cl_doc_pair(s->doc, label ? label : _("Amendment"), str(a, "text"));
        free(label);
    }
}

/* Who signed it and when, then the amendments, after a record's fields. */
static void signature_and_amendments(summary *s, const json_t *rec)
{
    if (*str(rec, "signed_at")) {
        char when[64];
        local_time(str(rec, "signed_at"), when, sizeof when);
        char *text = cl_strdup_printf("%s, %s", str(rec, "signed_by"), when);
        cl_doc_pair(s->doc, _("Signed"), text);
        free(text);
    }
    amendments(s, json_object_get(rec, "amendments"));
}

static void record_block(summary *s, const json_t *rec)
{
    const cl_form *form = NULL;
    int version;
    json_int_t form_id = json_integer_value(json_object_get(rec, "form_id"));
    if (form_id > 0 && cl_catalog_get(s->v, form_id, &form, &version) != CL_OK) {
        cl_error_clear();
        form = NULL;
    }
    const char *kind = str(rec, "kind");
    char *heading = cl_strdup_printf("%s · %s #%lld", str(rec, "occurred_at"),
                                     form ? cl_form_title(form, s->lang) : kind,
                                     (long long)json_integer_value(json_object_get(rec, "id")));
    if (heading) {
        for (char *t = strchr(heading, 'T'); t && t < heading + 11; t = NULL)
            *t = ' ';
    }
    cl_doc_heading(s->doc, 2, heading ? heading : kind);
    free(heading);
    cl_doc_pair(s->doc, _("Written by"), str(rec, "author"));
    const char *state = str(rec, "state");
    if (*state)
        cl_doc_pair(s->doc, _("State"), state_label(state, s->en));
    const json_t *score = json_object_get(rec, "score");
    if (json_is_object(score) && json_object_get(score, "score")) {
        char *text = cl_strdup_printf("%lld/%lld %s", (long long)json_integer_value(json_object_get(score, "score")),
                                      (long long)json_integer_value(json_object_get(score, "max")),
                                      str(score, s->en ? "band_en" : "band_zh"));
        cl_doc_pair(s->doc, _("Score"), text);
        free(text);
    }
    static const char *const skip[] = {"occurred_at", NULL};
    form_pairs(s, form, json_object_get(rec, "fields"), skip);
    signature_and_amendments(s, rec);
}

static int by_time(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(str(x, "occurred_at"), str(y, "occurred_at"));
    if (c)
        return c;
    json_int_t i = json_integer_value(json_object_get(x, "id")), j = json_integer_value(json_object_get(y, "id"));
    return (i > j) - (i < j);
}

/* The records of the timeline, oldest first, without skip_id. */
static cl_status gather(summary *s, long long student_id, const cl_summary_options *opt, long long skip_id,
                        json_t **out)
{
    json_t *recs = json_array();
    cl_status st = CL_OK;
    if (opt && opt->n_records > 0) {
        for (size_t i = 0; st == CL_OK && i < opt->n_records; i++) {
            json_t *rec = NULL;
            st = cl_record_get(s->v, opt->records[i], false, &rec);
            if (st != CL_OK)
                break;
            if (json_integer_value(json_object_get(rec, "student_id")) != student_id ||
                strcmp(str(rec, "kind"), "student") == 0)
                st = cl_fail(CL_EDATA, _("record #%lld is not part of this student's file; pick records of the same student"),
                             opt->records[i]);
            if (st == CL_OK && opt->records[i] != skip_id)
                json_array_append(recs, rec);
            json_decref(rec);
        }
    } else {
        cl_record_filter f = {.student_id = student_id, .since = *s->from ? s->from : NULL, .until = *s->to ? s->to : NULL};
        json_t *list = NULL;
        st = cl_record_list(s->v, &f, &list);
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item) {
            if (st != CL_OK)
                break;
            long long id = (long long)json_integer_value(json_object_get(item, "id"));
            if (id == skip_id)
                continue;
            json_t *rec = NULL;
            st = cl_record_get(s->v, id, false, &rec);
            if (st == CL_OK)
                json_array_append_new(recs, rec);
        }
        json_decref(list);
    }
    if (st != CL_OK) {
        json_decref(recs);
        return st;
    }
    size_t n = json_array_size(recs);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    if (!items) {
        json_decref(recs);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(recs, i));
    qsort(items, n, sizeof *items, by_time);
    json_array_clear(recs);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(recs, items[i]);
    free(items);
    *out = recs;
    return CL_OK;
}

static cl_status timeline_section(summary *s, long long student_id, const cl_summary_options *opt, long long skip_id)
{
    json_t *recs = NULL;
    cl_status st = gather(s, student_id, opt, skip_id, &recs);
    if (st != CL_OK)
        return st;
    cl_doc_section(s->doc, _("Timeline"));
    if (json_array_size(recs) == 0)
        cl_doc_paragraph(s->doc, _("No records in this period."));
    json_t *data = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec) {
        record_block(s, rec);
        if (strcmp(str(rec, "kind"), "referral") == 0 && json_array_size(json_object_get(rec, "transitions")))
            transitions_table(s, json_object_get(rec, "transitions"));
        json_array_append_new(data, record_data(rec));
    }
    json_object_set_new(s->data, "timeline", data);
    json_decref(recs);
    return CL_OK;
}

/* ---- the whole ------------------------------------------------------ */

static cl_status check_period(summary *s, const cl_summary_options *opt)
{
    s->from[0] = s->to[0] = '\0';
    if (opt && opt->from && !cl_date_parse(opt->from, s->from))
        return cl_fail(CL_EDATA, _("--from %s is not a date (YYYY-MM-DD)"), opt->from);
    if (opt && opt->to && !cl_date_parse(opt->to, s->to))
        return cl_fail(CL_EDATA, _("--to %s is not a date (YYYY-MM-DD)"), opt->to);
    if (*s->from && *s->to && strcmp(s->from, s->to) > 0)
        return cl_fail(CL_EDATA, _("the period ends (%s) before it starts (%s)"), s->to, s->from);
    return CL_OK;
}

static cl_status begin(summary *s, cl_vault *v, const char *title, const char *kind,
                       const cl_summary_options *opt)
{
    memset(s, 0, sizeof *s);
    s->v = v;
    s->lang = cl_i18n_language();
    s->en = strcmp(s->lang, "en") == 0;
    cl_status st = check_period(s, opt);
    if (st != CL_OK)
        return st;
    s->doc = cl_doc_new(title);
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    s->data = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "format", "carelog-summary", "kind", kind, "version", 1,
                        "generated_at", now,
                        "lang", s->lang, "school", cl_vault_school(v), "fingerprint", cl_vault_fingerprint(v));
    if (!s->doc || !s->data)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char *footer = cl_strdup_printf("%s · %s %s", cl_vault_school(v), _("vault fingerprint"), cl_vault_fingerprint(v));
    cl_doc_set_footer(s->doc, footer);
    free(footer);
    cl_doc_set_page_format(s->doc, _("page %d of %d"));
    cl_doc_meta(s->doc, _("School"), cl_vault_school(v));
    cl_doc_meta(s->doc, _("Vault fingerprint"), cl_vault_fingerprint(v));
    return CL_OK;
}

static void meta_period(summary *s, const cl_summary_options *opt)
{
    char period[64];
    if (opt && opt->n_records)
        snprintf(period, sizeof period, "%s", _("records picked by the counsellor"));
    else
        snprintf(period, sizeof period, "%s – %s", *s->from ? s->from : "…", *s->to ? s->to : "…");
    cl_doc_meta(s->doc, _("Timeline period"), period);
    json_object_set_new(s->data, "period",
                        json_pack("{s:s?, s:s?}", "from", *s->from ? s->from : NULL, "to", *s->to ? s->to : NULL));
    char now[32], local[32];
    cl_time_iso(cl_now(), now, sizeof now);
    local_time(now, local, sizeof local);
    cl_doc_meta(s->doc, _("Printed"), local);
}

static cl_status finish(summary *s, const char *format, unsigned char **out, size_t *len)
{
    cl_doc_format f;
    if (!cl_doc_format_parse(format, &f))
        return cl_fail(CL_EUSAGE, _("unknown format %s; use pdf, md or json"), format);
    if (f != CL_DOC_JSON)
        return cl_doc_render(s->doc, f, out, len);
    json_object_set_new(s->data, "document", cl_doc_to_json(s->doc));
    char *text = json_dumps(s->data, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *len = strlen(text);
    *out = (unsigned char *)text;
    return CL_OK;
}

static void end(summary *s)
{
    cl_doc_free(s->doc);
    json_decref(s->data);
}

static cl_status check_format(const char *format)
{
    cl_doc_format f;
    return format && cl_doc_format_parse(format, &f)
               ? CL_OK
               : cl_fail(CL_EUSAGE, _("unknown format %s; use pdf, md or json"), format ? format : "(none)");
}

static cl_status referral_section(summary *s, const json_t *rec)
{
    const cl_form *form = NULL;
    int version;
    if (cl_catalog_get(s->v, json_integer_value(json_object_get(rec, "form_id")), &form, &version) != CL_OK) {
        cl_error_clear();
        form = current_form(s->v, "referral");
    }
    cl_doc_section(s->doc, form ? cl_form_title(form, s->lang) : _("Referral"));
    cl_doc_pair_confidential(s->doc, _("Reporter"), str(rec, "author"));
    cl_doc_pair(s->doc, _("State"), state_label(str(rec, "state"), s->en));
    form_pairs(s, form, json_object_get(rec, "fields"), NULL);
    signature_and_amendments(s, rec);
    cl_doc_section(s->doc, _("State history"));
    transitions_table(s, json_object_get(rec, "transitions"));
    json_t *data = record_data(rec);
    json_object_set_new(data, "reporter_confidential", json_true());
    json_object_set_new(s->data, "referral", data);
    return CL_OK;
}

cl_status cl_summary_referral(cl_vault *v, long long referral_id, const cl_summary_options *opt,
                              const char *format, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    cl_status st = check_format(format);
    if (st != CL_OK)
        return st;
    json_t *rec = NULL;
    st = cl_record_get(v, referral_id, false, &rec);
    if (st != CL_OK)
        return st;
    if (strcmp(str(rec, "kind"), "referral") != 0) {
        json_decref(rec);
        return cl_fail(CL_EDATA, _("record #%lld is a %s, not a referral"), referral_id, str(rec, "kind"));
    }
    summary s;
    st = begin(&s, v, _("Referral summary"), "referral", opt);
    if (st == CL_OK && !*s.from && !(opt && opt->n_records)) {
        char day[11];
        snprintf(day, sizeof day, "%.10s", str(rec, "occurred_at"));
        date_shift(day, -365, s.from);
    }
    if (st == CL_OK && !*s.to && !(opt && opt->n_records))
        cl_time_date(cl_now(), s.to, sizeof s.to);
    if (st == CL_OK) {
        char id[32];
        snprintf(id, sizeof id, "#%lld", referral_id);
        cl_doc_meta(s.doc, _("Referral"), id);
        meta_period(&s, opt);
        st = referral_section(&s, rec);
    }
    long long student_id = (long long)json_integer_value(json_object_get(rec, "student_id"));
    if (st == CL_OK)
        st = student_section(&s, student_id);
    if (st == CL_OK)
        st = timeline_section(&s, student_id, opt, referral_id);
    if (st == CL_OK)
        st = finish(&s, format, out, len);
    end(&s);
    json_decref(rec);
    return st;
}

cl_status cl_summary_student(cl_vault *v, long long student_id, const cl_summary_options *opt,
                             const char *format, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    cl_status st = check_format(format);
    if (st != CL_OK)
        return st;
    summary s;
    st = begin(&s, v, _("Student case report"), "student", opt);
    if (st == CL_OK)
        meta_period(&s, opt);
    if (st == CL_OK)
        st = student_section(&s, student_id);
    if (st == CL_OK)
        st = timeline_section(&s, student_id, opt, 0);
    if (st == CL_OK)
        st = finish(&s, format, out, len);
    end(&s);
    return st;
}
