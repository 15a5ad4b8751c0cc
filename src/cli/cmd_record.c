/* Record commands: add, edit, list, show, sign, amend. */
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/student.h"
#include "carelog/table.h"
#include "carelog/text.h"

/* ---- options ----------------------------------------------------------- */

typedef struct rec_opts {
    cl_field_args fields;
    const char *student, *kind, *since, *until, *text;
    long long parent, version, limit, before;
    bool have_version, history;
} rec_opts;

static int rec_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    rec_opts *o = ctx;
    cl_status st = CL_OK;
    switch (opt) {
    case 'f': return cl_field_args_add(&o->fields, arg);
    case 'i': o->fields.input = arg; break;
    case 's': o->student = arg; break;
    case 'k': o->kind = arg; break;
    case 'S': o->since = arg; break;
    case 'U': o->until = arg; break;
    case 't': o->text = arg; break;
    case 'H': o->history = true; break;
    case 'p': st = cl_parse_id(arg, "--parent", &o->parent); break;
    case 'l': st = cl_parse_id(arg, "--limit", &o->limit); break;
    case 'b': st = cl_parse_id(arg, "--before", &o->before); break;
    case 'v':
        st = cl_parse_id(arg, "--version", &o->version);
        o->have_version = true;
        break;
    default: return CL_EUSAGE;
    }
    return st == CL_OK ? 0 : cl_cli_fail(st);
}

static int parse(cl_cli *c, const struct option *options, const char *usage, const char *help, rec_opts *o,
                 int operands_wanted, int *first)
{
    return cl_cli_parse(c, options, usage, help, rec_option, o, operands_wanted, first);
}

/* A rendered record, inert and wrapped to the terminal: a long value goes
 * on under its label, as a student's details do. */
static void print_wrapped(const char *text)
{
    char *safe = cl_text_inert(text ? text : "", true);
    char *wrapped = safe ? cl_text_wrap(safe, cl_cli_width()) : NULL;
    fputs(wrapped ? wrapped : safe ? safe : "", stdout);
    free(wrapped);
    free(safe);
}

static int print_record(cl_cli *c, json_t *rec)
{
    if (c->json)
        return cl_cli_print_json(rec);
    char *text = NULL;
    cl_status st = cl_record_render(c->vault, rec, cl_cli_lang(), &text);
    json_decref(rec);
    if (st != CL_OK)
        return cl_cli_fail(st);
    print_wrapped(text);
    free(text);
    return 0;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_add(cl_cli *c)
{
    static const struct option options[] = {
        {"student", required_argument, NULL, 's'}, {"field", required_argument, NULL, 'f'},
        {"input", required_argument, NULL, 'i'},   {"parent", required_argument, NULL, 'p'},
        {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "KIND --student ID|NUMBER [--field id=value …] [--input FILE|-] [--parent PLAN_ID]",
                   _("Adds a record about a student, checked by the kind's form (`carelog form show KIND`).\n"
                   "  --field id=value  one field (repeatable); dates as YYYY-MM-DD, choices by id or label,\n"
                   "                    several choices comma-separated, yes/no, a group as a JSON array\n"
                   "  --input FILE|-    a JSON object of field ids and values (- reads standard input);\n"
                   "                    --field options apply on top\n"
                   "  --parent PLAN_ID  for a review: the plan it reviews\n"
                   "Kinds: observation, session, assessment, plan, review, contact, referral, phq9, gad7.\n"
                   "An assessment sets the student's risk level; a screening (phq9, gad7) is scored and may raise\n"
                   "a flag; a referral starts as a draft. Prints the record (--json: as `record show --json`).\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    const char *kind = c->argv[first];
    if (!o.student)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("say whose record it is: --student NUMBER (or --student '#ID')")));
    cl_status st = cl_cli_unlock(c);
    const cl_form *form = NULL;
    long long sid = 0, id = 0;
    json_t *fields = NULL, *rec = NULL;
    if (st == CL_OK && strcmp(kind, "student") == 0)
        st = cl_fail(CL_EUSAGE, _("a student is added by `carelog student add`"));
    if (st == CL_OK)
        st = cl_catalog_current(c->vault, kind, &form, NULL);
    if (st == CL_OK)
        st = cl_student_find(c->vault, o.student, &sid);
    if (st == CL_OK)
        st = cl_field_args_build(form, &o.fields, &fields);
    if (st == CL_OK)
        st = cl_record_add(c->vault, kind, sid, fields, o.parent, &id);
    json_decref(fields);
    if (st == CL_OK)
        st = cl_record_get(c->vault, id, false, &rec);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(rec);
    cl_cli_say(_("Added %s #%lld for %s (%s), version 1.\n"), cl_cli_kind_label(c, kind), id, cl_json_str_or(rec, "student_name"),
               cl_json_str_or(rec, "student_number"));
    json_t *score = json_object_get(rec, "score");
    if (json_object_get(score, "score"))
        cl_cli_say(_("Score: %lld/%lld %s\n"), (long long)json_integer_value(json_object_get(score, "score")),
                   (long long)json_integer_value(json_object_get(score, "max")),
                   cl_json_str_or(score, strcmp(cl_cli_lang(), "en") == 0 ? "band_en" : "band_zh"));
    size_t i;
    json_t *flag;
    json_array_foreach(json_object_get(rec, "flags"), i, flag)
        cl_cli_say(_("FLAG #%lld: %s\n"), (long long)json_integer_value(json_object_get(flag, "id")),
                   cl_json_str_or(flag, strcmp(cl_cli_lang(), "en") == 0 ? "label_en" : "label_zh"));
    if (cl_json_str_or(rec, "state")[0]) {
        char state[64];
        cl_cli_record_state(rec, state, sizeof state);
        cl_cli_say(_("State: %s\n"), state);
    }
    json_decref(rec);
    return 0;
}

static int cmd_edit(cl_cli *c)
{
    static const struct option options[] = {
        {"version", required_argument, NULL, 'v'}, {"field", required_argument, NULL, 'f'},
        {"input", required_argument, NULL, 'i'},   {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "ID --version V [--field id=value …] [--input FILE|-]",
                   _("Changes fields of a record. --version is the version you looked at (`record show ID`);\n"
                   "if someone changed the record since, nothing is saved (exit 75). The earlier version is\n"
                   "kept as history. An empty value (--field id=) removes a field. A signed record cannot be\n"
                   "edited (exit 77): add an amendment instead.\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = cl_parse_id(c->argv[first], _("the record id"), &id);
    if (st == CL_OK && !o.have_version)
        st = cl_fail(CL_EUSAGE, _("say which version you are changing: --version V (`carelog record show %lld` shows it)"),
                     id);
    if (st == CL_OK && o.fields.n == 0 && !o.fields.input)
        st = cl_fail(CL_EUSAGE, _("nothing to change: give --field id=value or --input FILE"));
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    json_t *rec = NULL, *changes = NULL;
    const cl_form *form = NULL;
    if (st == CL_OK)
        st = cl_record_get(c->vault, id, false, &rec);
    if (st == CL_OK)
        st = cl_catalog_current(c->vault, cl_json_str_or(rec, "kind"), &form, NULL);
    json_decref(rec);
    rec = NULL;
    if (st == CL_OK)
        st = cl_field_args_build(form, &o.fields, &changes);
    long long nv = 0;
    if (st == CL_OK)
        st = cl_record_edit(c->vault, id, o.version, changes, &nv);
    json_decref(changes);
    if (st == CL_OK && c->json)
        st = cl_record_get(c->vault, id, false, &rec);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(rec);
    cl_cli_print_saved(_("record"), id, o.version, nv);
    return 0;
}

static cl_status json_row(json_t *row, void *ctx)
{
    return cl_cli_json_row(ctx, row);
}

static void list_table_setup(cl_table *t)
{
    cl_table_align_right(t, 0);
    cl_table_below_when_narrow(t, 6);
}

typedef struct list_table {
    cl_cli *c;
    cl_cli_blocks b;
} list_table;

static cl_status table_row(json_t *r, void *ctx)
{
    list_table *lt = ctx;
    char id[32], student[160], state[64], when[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
    cl_time_local(cl_json_str_or(r, "occurred_at"), false, when, sizeof when);
    snprintf(student, sizeof student, "%s %s", cl_json_str_or(r, "student_number"), cl_json_str_or(r, "student_name"));
    cl_cli_record_state(r, state, sizeof state);
    const char *cells[7] = {id, when, cl_cli_kind_label(lt->c, cl_json_str_or(r, "kind")),
                            student, state, cl_json_str_or(r, "follow_up"), cl_i18n_text(r, "summary")};
    return cl_cli_blocks_row(&lt->b, cells);
}

static int cmd_list(cl_cli *c)
{
    static const struct option options[] = {
        {"student", required_argument, NULL, 's'}, {"kind", required_argument, NULL, 'k'},
        {"since", required_argument, NULL, 'S'},   {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},   {"before", required_argument, NULL, 'b'},
        {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "[--student ID|NUMBER] [--kind KIND] [--since DATE] [--until DATE] [--limit N] [--before ID] [--json]",
                   _("Lists records, newest first. --since and --until take YYYY-MM-DD (inclusive).\n"
                   "--limit N shows a page of N; --before ID (the last ID shown) the page after it.\n"
                   "--json: [{id, student_id, student_name, student_number, kind, occurred_at, author, summary,\n"
                   "          follow_up, state, signed, version}]\n"),
                   &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_record_filter f = {.kind = o.kind, .since = o.since, .until = o.until, .limit = o.limit, .before_id = o.before};
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK && o.student)
        st = cl_student_find(c->vault, o.student, &f.student_id);
    /* Streamed, never built whole; counted first for the audit log. */
    long long rows = 0;
    if (st == CL_OK)
        st = cl_record_count(c->vault, &f, &rows);
    if (st == CL_OK)
        st = cl_cli_audit_rows(c, rows);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json) {
        cl_cli_json_rows a = {0};
        return cl_cli_json_rows_end(&a, cl_record_each(c->vault, &f, json_row, &a));
    }
    /* The summary last: on a narrow terminal it goes under its row. */
    static const char *const headers[] = {"ID", N_("Date"), N_("Kind"), N_("Student"), N_("State"),
                                          N_("Follow-up"), N_("Summary")};
    list_table lt = {c, {0, true, NULL}};
    bool opened = false;
    st = cl_cli_blocks_start(&lt.b, 7, headers, list_table_setup);
    if (st == CL_OK)
        st = cl_vault_read_begin(c->vault, &opened);
    if (st == CL_OK)
        st = cl_record_each(c->vault, &f, table_row, &lt);
    cl_cli_blocks_second(&lt.b);
    if (st == CL_OK)
        st = cl_record_each(c->vault, &f, table_row, &lt);
    cl_vault_read_end(c->vault, opened);
    st = cl_cli_blocks_end(&lt.b, st);
    if (st == CL_OK && lt.b.rows == 0)
        printf(_("No records match.\n"));
    return cl_cli_fail(st);
}

static int cmd_show(cl_cli *c)
{
    static const struct option options[] = {
        {"history", no_argument, NULL, 'H'},
        {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "ID [--history] [--json]",
                   _("Shows a record with its amendments, signature, score, flags and states. Viewing is written\n"
                   "to the audit log. --history adds every earlier version.\n"
                   "--json: {id, student_id, student_name, student_number, kind, author, occurred_at, created_at,\n"
                   "  updated_at, updated_by, form_id, form_kind, form_version, version, fields, follow_up,\n"
                   "  parent_id, state, signed_at, signed_by, signature_valid, score, history_versions,\n"
                   "  received_from (null, or {school, fingerprint, transfer_id, source_record_id, received_at}),\n"
                   "  amendments:[{id, author, at, text}], flags:[…], transitions:[…] (referrals),\n"
                   "  reviews:[{id, occurred_at}] (plans), history:[…] (with --history)}\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = cl_parse_id(c->argv[first], _("the record id"), &id);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    json_t *rec = NULL, *hist = NULL;
    if (st == CL_OK)
        st = cl_record_get(c->vault, id, true, &rec);
    if (st == CL_OK && o.history)
        st = cl_record_history(c->vault, id, &hist);
    if (st != CL_OK) {
        json_decref(rec);
        return cl_cli_fail(st);
    }
    if (c->json) {
        if (hist)
            json_object_set_new(rec, "history", hist);
        return cl_cli_print_json(rec);
    }
    if (hist) {
        /* Earlier versions first, each rendered by its own form version. */
        size_t i;
        json_t *h;
        json_array_foreach(hist, i, h) {
            if (i + 1 == json_array_size(hist))
                break;
            char at[32];
            cl_time_local(cl_json_str_or(h, "updated_at"), false, at, sizeof at);
            cl_cli_say(_("── version %lld · %s · %s ──\n"), (long long)json_integer_value(json_object_get(h, "version")),
                       at, cl_json_str_or(h, "updated_by"));
            const cl_form *f = NULL;
            if (cl_catalog_get(c->vault, json_integer_value(json_object_get(h, "form_id")), &f, NULL) == CL_OK) {
                char *body = cl_form_render(f, json_object_get(h, "fields"), cl_cli_lang());
                print_wrapped(body);
                free(body);
            }
            printf("\n");
        }
        printf(_("── current ──\n"));
        json_decref(hist);
    }
    return print_record(c, rec);
}

static int cmd_sign(cl_cli *c)
{
    static const struct option options[] = {
        {"version", required_argument, NULL, 'v'},
        {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "ID --version V",
                   _("Signs a note you wrote (session, assessment, referral, screening) at the version you read.\n"
                   "After that it cannot be edited, only amended (`record amend`).\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = cl_parse_id(c->argv[first], _("the record id"), &id);
    if (st == CL_OK && !o.have_version)
        st = cl_fail(CL_EUSAGE, _("say which version you read and sign: --version V"));
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_record_sign(c->vault, id, o.version);
    json_t *rec = NULL;
    if (st == CL_OK)
        st = cl_record_get(c->vault, id, false, &rec);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json) {
        json_t *out = json_pack("{s:I, s:I, s:O, s:O, s:O}", "id", (json_int_t)id, "version", (json_int_t)o.version,
                                "signed_at", json_object_get(rec, "signed_at"), "signed_by",
                                json_object_get(rec, "signed_by"), "signature_valid",
                                json_object_get(rec, "signature_valid"));
        json_decref(rec);
        return cl_cli_print_json(out);
    }
    char at[32];
    cl_time_local(cl_json_str_or(rec, "signed_at"), false, at, sizeof at);
    cl_cli_say(_("Signed record #%lld (version %lld) as %s at %s.\n"), id, o.version, cl_json_str_or(rec, "signed_by"),
               at);
    json_decref(rec);
    return 0;
}

static int cmd_amend(cl_cli *c)
{
    static const struct option options[] = {
        {"text", required_argument, NULL, 't'},
        {0, 0, 0, 0},
    };
    rec_opts o = {0};
    int first;
    int rc = parse(c, options, "ID --text TEXT",
                   _("Adds an amendment to a record (the way to correct a signed note). It shows beside the\n"
                   "original with who and when.\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = cl_parse_id(c->argv[first], _("the record id"), &id);
    if (st == CL_OK && !o.text)
        st = cl_fail(CL_EUSAGE, _("an amendment needs its text: --text TEXT"));
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_record_amend(c->vault, id, o.text);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "amended", 1));
    printf(_("Added an amendment to record #%lld.\n"), id);
    return 0;
}

const cl_command cl_record_commands[] = {
    {"record add", "KIND --student S [--field id=value …]", N_("add a record (observation, session, …)"), cmd_add, NULL},
    {"record edit", "ID --version V [--field id=value …]", N_("change a record (refused if changed meanwhile)"), cmd_edit, NULL},
    {"record list", "[--student S] [--kind K] [--since D]", N_("list records, newest first"), cmd_list, NULL},
    {"record show", "ID [--history]", N_("show a record (audited)"), cmd_show, NULL},
    {"record sign", "ID --version V", N_("sign a note; then only amendments"), cmd_sign, NULL},
    {"record amend", "ID --text TEXT", N_("add an amendment beside a record"), cmd_amend, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

