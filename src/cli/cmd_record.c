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
    long long id; /* the operand, for the commands on one record */
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

static const rec_opts no_options = {0};

/* The operand as a record id (into the options' id), for the commands on
 * one record. */
static cl_status record_id_check(cl_cli *c, void *opts)
{
    return cl_parse_id(c->operand[0], _("the record id"), &((rec_opts *)opts)->id);
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

static cl_status print_record(cl_cli *c, const json_t *rec)
{
    char *text = NULL;
    cl_status st = cl_record_render(c->vault, rec, cl_cli_lang(), &text);
    if (st == CL_OK)
        print_wrapped(text);
    free(text);
    return st;
}

/* ---- commands ---------------------------------------------------------- */

static cl_status add_check(cl_cli *c, void *opts)
{
    (void)c;
    const rec_opts *o = opts;
    return o->student ? CL_OK : cl_fail(CL_EUSAGE, _("say whose record it is: --student NUMBER (or --student '#ID')"));
}

static cl_status record_add(cl_cli *c, void *opts, json_t **rec)
{
    const rec_opts *o = opts;
    const char *kind = c->operand[0];
    const cl_form *form = NULL;
    long long sid = 0, id = 0;
    json_t *fields = NULL;
    cl_status st = CL_OK;
    if (strcmp(kind, "student") == 0)
        st = cl_fail(CL_EUSAGE, _("a student is added by `carelog student add`"));
    if (st == CL_OK)
        st = cl_catalog_current(c->vault, kind, &form, NULL);
    if (st == CL_OK)
        st = cl_student_find(c->vault, o->student, &sid);
    if (st == CL_OK)
        st = cl_field_args_build(form, &o->fields, &fields);
    if (st == CL_OK)
        st = cl_record_add(c->vault, kind, sid, fields, o->parent, &id);
    json_decref(fields);
    return st == CL_OK ? cl_record_get(c->vault, id, false, rec) : st;
}

static cl_status show_added(cl_cli *c, const void *opts, const json_t *rec)
{
    (void)opts;
    long long id = (long long)json_integer_value(json_object_get(rec, "id"));
    cl_cli_say(_("Added %s #%lld for %s (%s), version 1.\n"), cl_cli_kind_label(c, c->operand[0]), id,
               cl_json_str_or(rec, "student_name"),
               cl_json_str_or(rec, "student_number"));
    json_t *score = json_object_get(rec, "score");
    if (json_object_get(score, "score"))
        cl_cli_say(_("Score: %lld/%lld %s\n"), (long long)json_integer_value(json_object_get(score, "score")),
                   (long long)json_integer_value(json_object_get(score, "max")),
                   cl_json_str_or(score, strcmp(cl_cli_lang(), "en") == 0 ? "band_en" : "band_zh"));
    size_t i;
    const json_t *flag;
    json_array_foreach(json_object_get(rec, "flags"), i, flag)
        cl_cli_say(_("FLAG #%lld: %s\n"), (long long)json_integer_value(json_object_get(flag, "id")),
                   cl_json_str_or(flag, strcmp(cl_cli_lang(), "en") == 0 ? "label_en" : "label_zh"));
    if (cl_json_str_or(rec, "state")[0]) {
        char state[64];
        cl_cli_record_state(rec, state, sizeof state);
        cl_cli_say(_("State: %s\n"), state);
    }
    return CL_OK;
}

static const struct option add_options[] = {
    {"student", required_argument, NULL, 's'}, {"field", required_argument, NULL, 'f'},
    {"input", required_argument, NULL, 'i'},   {"parent", required_argument, NULL, 'p'},
    {0, 0, 0, 0},
};

static const cl_command_spec add_spec = {
    .usage = "KIND --student ID|NUMBER [--field id=value …] [--input FILE|-] [--parent PLAN_ID]",
    .help = N_("Adds a record about a student, checked by the kind's form (`carelog form show KIND`).\n"
               "  --field id=value  one field (repeatable); dates as YYYY-MM-DD, choices by id or label,\n"
               "                    several choices comma-separated, yes/no, a group as a JSON array\n"
               "  --input FILE|-    a JSON object of field ids and values (- reads standard input);\n"
               "                    --field options apply on top\n"
               "  --parent PLAN_ID  for a review: the plan it reviews\n"
               "Kinds: observation, session, assessment, plan, review, contact, referral, phq9, gad7.\n"
               "An assessment sets the student's risk level; a screening (phq9, gad7) is scored and may raise\n"
               "a flag; a referral starts as a draft. Prints the record (--json: as `record show --json`).\n"),
    .options = add_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = add_check,
    .call = record_add,
    .show = show_added,
};

static cl_status edit_check(cl_cli *c, void *opts)
{
    rec_opts *o = opts;
    cl_status st = record_id_check(c, o);
    if (st == CL_OK && !o->have_version)
        st = cl_fail(CL_EUSAGE, _("say which version you are changing: --version V (`carelog record show %lld` shows it)"),
                     o->id);
    if (st == CL_OK && o->fields.n == 0 && !o->fields.input)
        st = cl_fail(CL_EUSAGE, _("nothing to change: give --field id=value or --input FILE"));
    return st;
}

static cl_status record_edit(cl_cli *c, void *opts, json_t **result)
{
    const rec_opts *o = opts;
    json_t *rec = NULL, *changes = NULL;
    const cl_form *form = NULL;
    cl_status st = cl_record_get(c->vault, o->id, false, &rec);
    if (st == CL_OK)
        st = cl_catalog_current(c->vault, cl_json_str_or(rec, "kind"), &form, NULL);
    json_decref(rec);
    rec = NULL;
    if (st == CL_OK)
        st = cl_field_args_build(form, &o->fields, &changes);
    long long nv = 0;
    if (st == CL_OK)
        st = cl_record_edit(c->vault, o->id, o->version, changes, &nv);
    json_decref(changes);
    if (st == CL_OK && c->json)
        return cl_record_get(c->vault, o->id, false, result);
    if (st == CL_OK)
        cl_cli_print_saved(_("record"), o->id, o->version, nv);
    return st;
}

static const struct option edit_options[] = {
    {"version", required_argument, NULL, 'v'}, {"field", required_argument, NULL, 'f'},
    {"input", required_argument, NULL, 'i'},   {0, 0, 0, 0},
};

static const cl_command_spec edit_spec = {
    .usage = "ID --version V [--field id=value …] [--input FILE|-]",
    .help = N_("Changes fields of a record. --version is the version you looked at (`record show ID`);\n"
               "if someone changed the record since, nothing is saved (exit 75). The earlier version is\n"
               "kept as history. An empty value (--field id=) removes a field. A signed record cannot be\n"
               "edited (exit 77): add an amendment instead.\n"),
    .options = edit_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = edit_check,
    .call = record_edit,
};

static void list_table_setup(cl_table *t)
{
    cl_table_align_right(t, 0);
    cl_table_below_when_narrow(t, 6);
}

static cl_status table_row(cl_cli_blocks *b, const json_t *r, void *ctx)
{
    cl_cli *c = ctx;
    char id[32], student[160], state[64], when[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
    cl_time_local(cl_json_str_or(r, "occurred_at"), false, when, sizeof when);
    snprintf(student, sizeof student, "%s %s", cl_json_str_or(r, "student_number"), cl_json_str_or(r, "student_name"));
    cl_cli_record_state(r, state, sizeof state);
    const char *cells[7] = {id, when, cl_cli_kind_label(c, cl_json_str_or(r, "kind")),
                            student, state, cl_json_str_or(r, "follow_up"), cl_i18n_text(r, "summary")};
    return cl_cli_blocks_row(b, cells);
}

static cl_status walk_records(cl_cli *c, const void *filter, cl_cli_row_fn *row, void *ctx)
{
    return cl_record_each(c->vault, filter, row, ctx);
}

static cl_status record_list(cl_cli *c, void *opts, json_t **result)
{
    (void)result;
    const rec_opts *o = opts;
    cl_record_filter f = {.kind = o->kind, .since = o->since, .until = o->until, .limit = o->limit, .before_id = o->before};
    cl_status st = o->student ? cl_student_find(c->vault, o->student, &f.student_id) : CL_OK;
    /* Streamed, never built whole; counted first for the audit log. */
    long long rows = 0;
    if (st == CL_OK)
        st = cl_record_count(c->vault, &f, &rows);
    if (st == CL_OK)
        st = cl_cli_audit_rows(c, rows);
    if (st != CL_OK)
        return st;
    /* The summary last: on a narrow terminal it goes under its row. */
    static const char *const headers[] = {"ID", N_("Date"), N_("Kind"), N_("Student"), N_("State"),
                                          N_("Follow-up"), N_("Summary")};
    static const cl_cli_list_table table = {7, headers, list_table_setup, table_row, N_("No records match.\n")};
    return cl_cli_stream_list(c, walk_records, &f, &table, c);
}

static const struct option list_options[] = {
    {"student", required_argument, NULL, 's'}, {"kind", required_argument, NULL, 'k'},
    {"since", required_argument, NULL, 'S'},   {"until", required_argument, NULL, 'U'},
    {"limit", required_argument, NULL, 'l'},   {"before", required_argument, NULL, 'b'},
    {0, 0, 0, 0},
};

static const cl_command_spec list_spec = {
    .usage = "[--student ID|NUMBER] [--kind KIND] [--since DATE] [--until DATE] [--limit N] [--before ID] [--json]",
    .help = N_("Lists records, newest first. --since and --until take YYYY-MM-DD (inclusive).\n"
               "--limit N shows a page of N; --before ID (the last ID shown) the page after it.\n"
               "--json: [{id, student_id, student_name, student_number, kind, occurred_at, author, summary,\n"
               "          follow_up, state, signed, version}]\n"),
    .options = list_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .call = record_list,
};

static cl_status record_show(cl_cli *c, void *opts, json_t **rec)
{
    const rec_opts *o = opts;
    json_t *hist = NULL;
    cl_status st = cl_record_get(c->vault, o->id, true, rec);
    if (st == CL_OK && o->history)
        st = cl_record_history(c->vault, o->id, &hist);
    if (hist)
        json_object_set_new(*rec, "history", hist);
    return st;
}

/* Earlier versions first (with --history), each rendered by its own form
 * version, then the record as it is. */
static cl_status show_record(cl_cli *c, const void *opts, const json_t *rec)
{
    (void)opts;
    const json_t *hist = json_object_get(rec, "history");
    if (hist) {
        size_t i;
        const json_t *h;
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
    }
    return print_record(c, rec);
}

static const struct option show_options[] = {
    {"history", no_argument, NULL, 'H'},
    {0, 0, 0, 0},
};

static const cl_command_spec show_spec = {
    .usage = "ID [--history] [--json]",
    .help = N_("Shows a record with its amendments, signature, score, flags and states. Viewing is written\n"
               "to the audit log. --history adds every earlier version.\n"
               "--json: {id, student_id, student_name, student_number, kind, author, occurred_at, created_at,\n"
               "  updated_at, updated_by, form_id, form_kind, form_version, version, fields, follow_up,\n"
               "  parent_id, state, signed_at, signed_by, signature_valid, score, history_versions,\n"
               "  received_from (null, or {school, fingerprint, transfer_id, source_record_id, received_at}),\n"
               "  amendments:[{id, author, at, text}], flags:[…], transitions:[…] (referrals),\n"
               "  reviews:[{id, occurred_at}] (plans), history:[…] (with --history)}\n"),
    .options = show_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = record_id_check,
    .call = record_show,
    .show = show_record,
};

static cl_status sign_check(cl_cli *c, void *opts)
{
    rec_opts *o = opts;
    cl_status st = record_id_check(c, o);
    if (st == CL_OK && !o->have_version)
        st = cl_fail(CL_EUSAGE, _("say which version you read and sign: --version V"));
    return st;
}

static cl_status record_sign(cl_cli *c, void *opts, json_t **signature)
{
    const rec_opts *o = opts;
    json_t *rec = NULL;
    cl_status st = cl_record_sign(c->vault, o->id, o->version);
    if (st == CL_OK)
        st = cl_record_get(c->vault, o->id, false, &rec);
    if (st == CL_OK)
        st = cl_cli_result(signature, json_pack("{s:I, s:I, s:O, s:O, s:O}", "id", (json_int_t)o->id, "version",
                                                (json_int_t)o->version, "signed_at", json_object_get(rec, "signed_at"),
                                                "signed_by", json_object_get(rec, "signed_by"), "signature_valid",
                                                json_object_get(rec, "signature_valid")));
    json_decref(rec);
    return st;
}

static cl_status show_signed(cl_cli *c, const void *opts, const json_t *signature)
{
    (void)c;
    const rec_opts *o = opts;
    char at[32];
    cl_time_local(cl_json_str_or(signature, "signed_at"), false, at, sizeof at);
    cl_cli_say(_("Signed record #%lld (version %lld) as %s at %s.\n"), o->id, o->version,
               cl_json_str_or(signature, "signed_by"), at);
    return CL_OK;
}

static const struct option sign_options[] = {
    {"version", required_argument, NULL, 'v'},
    {0, 0, 0, 0},
};

static const cl_command_spec sign_spec = {
    .usage = "ID --version V",
    .help = N_("Signs a note you wrote (session, assessment, referral, screening) at the version you read.\n"
               "After that it cannot be edited, only amended (`record amend`).\n"),
    .options = sign_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = sign_check,
    .call = record_sign,
    .show = show_signed,
};

static cl_status amend_check(cl_cli *c, void *opts)
{
    rec_opts *o = opts;
    cl_status st = record_id_check(c, o);
    if (st == CL_OK && !o->text)
        st = cl_fail(CL_EUSAGE, _("an amendment needs its text: --text TEXT"));
    return st;
}

static cl_status record_amend(cl_cli *c, void *opts, json_t **amended)
{
    const rec_opts *o = opts;
    cl_status st = cl_record_amend(c->vault, o->id, o->text);
    return st == CL_OK ? cl_cli_result(amended, json_pack("{s:I, s:b}", "id", (json_int_t)o->id, "amended", 1)) : st;
}

static cl_status show_amended(cl_cli *c, const void *opts, const json_t *amended)
{
    (void)c, (void)opts;
    printf(_("Added an amendment to record #%lld.\n"), (long long)json_integer_value(json_object_get(amended, "id")));
    return CL_OK;
}

static const struct option amend_options[] = {
    {"text", required_argument, NULL, 't'},
    {0, 0, 0, 0},
};

static const cl_command_spec amend_spec = {
    .usage = "ID --text TEXT",
    .help = N_("Adds an amendment to a record (the way to correct a signed note). It shows beside the\n"
               "original with who and when.\n"),
    .options = amend_options,
    .on_option = rec_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = amend_check,
    .call = record_amend,
    .show = show_amended,
};

const cl_command cl_record_commands[] = {
    {"record add", "KIND --student S [--field id=value …]", N_("add a record (observation, session, …)"), NULL, &add_spec},
    {"record edit", "ID --version V [--field id=value …]", N_("change a record (refused if changed meanwhile)"), NULL,
     &edit_spec},
    {"record list", "[--student S] [--kind K] [--since D]", N_("list records, newest first"), NULL, &list_spec},
    {"record show", "ID [--history]", N_("show a record (audited)"), NULL, &show_spec},
    {"record sign", "ID --version V", N_("sign a note; then only amendments"), NULL, &sign_spec},
    {"record amend", "ID --text TEXT", N_("add an amendment beside a record"), NULL, &amend_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
