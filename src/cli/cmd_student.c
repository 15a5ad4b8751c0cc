/* Student commands: add, edit, list, show, close, duplicates, merge,
 * not-duplicate, clear-flag. */
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/student.h"
#include "carelog/table.h"
#include "carelog/text.h"

typedef struct stu_opts {
    cl_field_args fields;
    const char *number, *name, *class_name, *status, *circumstance, *search, *reason;
    int risk;
    long long version;
    long long flag_id; /* the operand of clear-flag */
    bool have_version, allow_duplicate;
} stu_opts;

static int stu_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    stu_opts *o = ctx;
    cl_status st = CL_OK;
    switch (opt) {
    case 'f': return cl_field_args_add(&o->fields, arg);
    case 'i': o->fields.input = arg; break;
    case 'n': o->number = arg; break;
    case 'N': o->name = arg; break;
    case 'c': o->class_name = arg; break;
    case 's': o->status = arg; break;
    case 'C': o->circumstance = arg; break;
    case 'q': o->search = arg; break;
    case 'r': o->reason = arg; break;
    case 'D': o->allow_duplicate = true; break;
    case 'R': {
        char *end;
        long r = strtol(arg, &end, 10);
        if (!*arg || *end || r < 0 || r > CL_RISK_MAX)
            st = cl_fail(CL_EDATA, _("--risk: \"%s\" is not a risk level; use 0 none, 1 attention, 2 elevated, 3 crisis"),
                         arg);
        o->risk = (int)r;
        break;
    }
    case 'v':
        st = cl_parse_id(arg, "--version", &o->version);
        o->have_version = true;
        break;
    default: return CL_EUSAGE;
    }
    return st == CL_OK ? 0 : cl_cli_fail(st);
}

static const stu_opts stu_defaults = {.risk = -1};

/* The student's fields from --number/--name/--class, --input and --field. */
static cl_status student_fields(cl_cli *c, const stu_opts *o, json_t **out)
{
    const cl_form *form;
    cl_status st = cl_catalog_current(c->vault, "student", &form, NULL);
    json_t *f = NULL;
    if (st == CL_OK)
        st = cl_field_args_build(form, &o->fields, &f);
    if (st == CL_OK && o->number)
        st = cl_field_set_text(form, f, "number", o->number);
    if (st == CL_OK && o->name)
        st = cl_field_set_text(form, f, "name", o->name);
    if (st == CL_OK && o->class_name)
        st = cl_field_set_text(form, f, "class", o->class_name);
    if (st != CL_OK) {
        json_decref(f);
        return st;
    }
    *out = f;
    return CL_OK;
}

static const struct option edit_options[] = {
    {"number", required_argument, NULL, 'n'}, {"name", required_argument, NULL, 'N'},
    {"class", required_argument, NULL, 'c'},  {"field", required_argument, NULL, 'f'},
    {"input", required_argument, NULL, 'i'},  {"version", required_argument, NULL, 'v'},
    {"allow-duplicate", no_argument, NULL, 'D'}, {0, 0, 0, 0},
};

static cl_status add_check(cl_cli *c, void *opts)
{
    (void)c;
    const stu_opts *o = opts;
    return o->have_version ? cl_fail(CL_EUSAGE, _("--version is for `student edit`")) : CL_OK;
}

static cl_status student_add(cl_cli *c, void *opts, json_t **s)
{
    const stu_opts *o = opts;
    json_t *fields = NULL;
    long long id = 0;
    cl_status st = student_fields(c, o, &fields);
    if (st == CL_OK)
        st = cl_student_add(c->vault, fields, o->allow_duplicate, &id);
    json_decref(fields);
    return st == CL_OK ? cl_student_get(c->vault, id, s) : st;
}

static cl_status show_added(cl_cli *c, const void *opts, const json_t *s)
{
    (void)c, (void)opts;
    long long id = (long long)json_integer_value(json_object_get(s, "id"));
    cl_cli_say(_("Added student #%lld %s (%s), version 1.\n"), id, cl_json_str_or(s, "name"), cl_json_str_or(s, "number"));
    if (json_array_size(json_object_get(s, "possible_duplicates")))
        printf(_("Possible duplicates were found: see `carelog student show #%lld`.\n"), id);
    return CL_OK;
}

static const cl_command_spec add_spec = {
    .usage = "--number N --name NAME --class C [--field id=value …] [--input FILE|-] [--allow-duplicate]",
    .help = N_("Adds a student (fields by the student form: `carelog form show student`).\n"
               "  --field guardians='[{\"name\":\"王芳\",\"relation\":\"mother\",\"phone\":\"138…\"}]'\n"
               "  --field circumstances=left_behind,single_parent   --field birth_date=2012-05-01\n"
               "A number already in use is refused unless --allow-duplicate.\n"
               "--json: the student as `student show --json`.\n"),
    .options = edit_options,
    .on_option = stu_option,
    CL_CLI_OPTS(stu_defaults),
    .needs = CL_CLI_UNLOCKED,
    .check = add_check,
    .call = student_add,
    .show = show_added,
};

static cl_status edit_check(cl_cli *c, void *opts)
{
    const stu_opts *o = opts;
    if (!o->have_version)
        return cl_fail(CL_EUSAGE, _("say which version you are changing: --version V (`carelog student show %s` shows it)"),
                       c->operand[0]);
    return CL_OK;
}

static cl_status student_edit(cl_cli *c, void *opts, json_t **s)
{
    const stu_opts *o = opts;
    long long id = 0, nv = 0;
    json_t *changes = NULL;
    cl_status st = cl_student_find(c->vault, c->operand[0], &id);
    if (st == CL_OK)
        st = student_fields(c, o, &changes);
    if (st == CL_OK && json_object_size(changes) == 0)
        st = cl_fail(CL_EUSAGE, _("nothing to change: give --field id=value, --name, --class, --number or --input"));
    if (st == CL_OK)
        st = cl_student_edit(c->vault, id, o->version, changes, &nv);
    json_decref(changes);
    if (st == CL_OK && c->json)
        return cl_student_get(c->vault, id, s);
    if (st == CL_OK)
        cl_cli_print_saved(_("student"), id, o->version, nv);
    return st;
}

static const cl_command_spec edit_spec = {
    .usage = "ID|NUMBER --version V [--number N] [--name NAME] [--class C] [--field id=value …]",
    .help = N_("Changes a student's details. --version is the version shown by `student show`; if someone\n"
               "changed the student since, nothing is saved (exit 75). An empty value removes a field.\n"),
    .options = edit_options,
    .on_option = stu_option,
    CL_CLI_OPTS(stu_defaults),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = edit_check,
    .call = student_edit,
};

/* "2 较高" or "2 elevated": a risk level in the current language. */
static const char *risk_name(long long r)
{
    static const char *const zh[] = {"0 无", "1 关注", "2 较高", "3 危机"};
    static const char *const en[] = {"0 none", "1 attention", "2 elevated", "3 crisis"};
    if (r < 0 || r > CL_RISK_MAX)
        return "?";
    return strcmp(cl_cli_lang(), "en") == 0 ? en[r] : zh[r];
}

/* The forms whose labels the student views show: the student form and the
 * assessment form (misconduct tiers). Either may be NULL; ids show then. */
typedef struct student_forms {
    const cl_form *student, *assessment;
} student_forms;

static student_forms current_forms(cl_cli *c)
{
    student_forms f = {NULL, NULL};
    if (cl_catalog_current(c->vault, "student", &f.student, NULL) != CL_OK)
        cl_error_clear();
    if (cl_catalog_current(c->vault, "assessment", &f.assessment, NULL) != CL_OK)
        cl_error_clear();
    return f;
}

/* The status for people: the student form's label; "merged" is no choice of
 * the form but the mark of a student merged into another. */
static const char *status_label(const student_forms *f, const char *status)
{
    if (strcmp(status, "merged") == 0)
        return strcmp(cl_cli_lang(), "en") == 0 ? "Merged" : "已合并";
    return cl_cli_choice_label(f->student, "status", status);
}

static const char *tier_label(const student_forms *f, const char *tier)
{
    return cl_cli_choice_label(f->assessment, "misconduct_tier", tier);
}

static void student_table_setup(cl_table *t)
{
    cl_table_align_right(t, 0);
    cl_table_align_right(t, 6);
}

static cl_status student_table_row(cl_cli_blocks *b, const json_t *s, void *ctx)
{
    const student_forms *forms = ctx;
    char id[32], flags[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
    size_t n_flags = json_array_size(json_object_get(s, "flags"));
    snprintf(flags, sizeof flags, n_flags ? "%zu" : "", n_flags);
    const char *tier = cl_json_str_or(s, "misconduct_tier");
    char *risk = cl_strdup_printf("%s%s%s", risk_name(json_integer_value(json_object_get(s, "risk_level"))),
                                  *tier && strcmp(tier, "none") != 0 ? " " : "",
                                  *tier && strcmp(tier, "none") != 0 ? tier_label(forms, tier) : "");
    const char *cells[7] = {id,
                            cl_json_str_or(s, "number"),
                            cl_json_str_or(s, "name"),
                            cl_json_str_or(s, "class"),
                            status_label(forms, cl_json_str_or(s, "status")),
                            risk,
                            flags};
    cl_status st = risk ? cl_cli_blocks_row(b, cells) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(risk);
    return st;
}

static cl_status walk_students(cl_cli *c, const void *filter, cl_cli_row_fn *row, void *ctx)
{
    return cl_student_each(c->vault, filter, NULL, row, ctx);
}

static cl_status student_list(cl_cli *c, void *opts, json_t **result)
{
    (void)result;
    const stu_opts *o = opts;
    cl_student_filter f = {.class_name = o->class_name, .risk = o->risk, .status = o->status,
                           .circumstance = o->circumstance, .search = o->search};
    /* Streamed, never built whole; counted first for the audit log. */
    long long rows = 0;
    cl_status st = cl_student_page_count(c->vault, &f, NULL, &rows);
    if (st == CL_OK)
        st = cl_cli_audit_rows(c, rows);
    if (st != CL_OK)
        return st;
    /* Seven columns so that the table fits 80 columns: the misconduct tier
     * goes with the risk when there is one; flags are counted (`student
     * show` names them). */
    static const char *const headers[] = {"ID", N_("Number"), N_("Name"), N_("Class"), N_("Status"),
                                          N_("Risk"), N_("Flags")};
    static const cl_cli_list_table table = {7, headers, student_table_setup, student_table_row,
                                            N_("No students match.\n")};
    student_forms forms = current_forms(c);
    return cl_cli_stream_list(c, walk_students, &f, &table, &forms);
}

static const struct option list_options[] = {
    {"class", required_argument, NULL, 'c'},  {"risk", required_argument, NULL, 'R'},
    {"status", required_argument, NULL, 's'}, {"circumstance", required_argument, NULL, 'C'},
    {"search", required_argument, NULL, 'q'}, {0, 0, 0, 0},
};

static const cl_command_spec list_spec = {
    .usage = "[--class C] [--risk 0-3] [--status S] [--circumstance C] [--search TEXT] [--json]",
    .help = N_("Lists students by class and number. --status: active, monitoring, closed, transferred,\n"
               "merged (default: all but merged). --circumstance: an id or label of the student form's\n"
               "circumstances (left_behind, 留守儿童, …). --search: name or number contains TEXT.\n"
               "--json: [{id, number, name, class, status, risk_level, misconduct_tier, counsellor,\n"
               "          flags:[flag id…]}] (flags: the open flags)\n"),
    .options = list_options,
    .on_option = stu_option,
    CL_CLI_OPTS(stu_defaults),
    .needs = CL_CLI_UNLOCKED,
    .call = student_list,
};

/* The student's file for people: details, then the records. */
static cl_status print_student(cl_cli *c, const void *opts, const json_t *s)
{
    (void)opts;
    const json_t *records = json_object_get(s, "records");
    student_forms forms = current_forms(c);
    const cl_form *form = forms.student;
    bool en = strcmp(cl_cli_lang(), "en") == 0;
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    char buf[128];
    snprintf(buf, sizeof buf, _("#%lld (version %lld)"), (long long)json_integer_value(json_object_get(s, "id")),
             (long long)json_integer_value(json_object_get(s, "version")));
    cl_cli_table_pair(t, _("Student"), buf);
    cl_cli_table_pair(t, _("Number"), cl_json_str_or(s, "number"));
    cl_cli_table_pair(t, _("Name"), cl_json_str_or(s, "name"));
    cl_cli_table_pair(t, _("Class"), cl_json_str_or(s, "class"));
    if (cl_json_str_or(s, "gender")[0])
        cl_cli_table_pair(t, _("Gender"), cl_cli_choice_label(form, "gender", cl_json_str_or(s, "gender")));
    cl_cli_table_pair(t, _("Born"), cl_json_str_or(s, "birth_date"));
    cl_cli_table_pair(t, _("Status"), status_label(&forms, cl_json_str_or(s, "status")));
    cl_cli_table_pair(t, _("Risk"), risk_name(json_integer_value(json_object_get(s, "risk_level"))));
    cl_cli_table_pair(t, _("Tier"), tier_label(&forms, cl_json_str_or(s, "misconduct_tier")));
    cl_cli_table_pair(t, _("Counsellor"), cl_json_str_or(s, "counsellor"));
    cl_buf circ = {0};
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(s, "circumstances"), i, x)
        cl_buf_printf(&circ, "%s%s", i ? (en ? ", " : "、") : "",
                      cl_cli_choice_label(form, "circumstances", json_string_value(x)));
    cl_cli_table_pair(t, _("Circumstances"), circ.data ? circ.data : "");
    cl_buf_free(&circ);
    json_array_foreach(json_object_get(s, "guardians"), i, x) {
        char *g = cl_strdup_printf("%s (%s) %s", cl_json_str_or(x, "name"),
                                   cl_cli_choice_label(form, "guardians.relation", cl_json_str_or(x, "relation")),
                                   cl_json_str_or(x, "phone"));
        cl_cli_table_pair(t, i ? "" : _("Guardians"), g ? g : "");
        free(g);
    }
    if (!json_is_null(json_object_get(s, "merged_into"))) {
        snprintf(buf, sizeof buf, "#%lld", (long long)json_integer_value(json_object_get(s, "merged_into")));
        cl_cli_table_pair(t, _("MERGED INTO"), buf);
    }
    char at[32];
    json_array_foreach(json_object_get(s, "flags"), i, x) {
        cl_time_local(cl_json_str_or(x, "raised_at"), false, at, sizeof at);
        char *fl = cl_strdup_printf(_("#%lld %s (%s, record #%lld)"),
                                    (long long)json_integer_value(json_object_get(x, "id")),
                                    cl_json_str_or(x, en ? "label_en" : "label_zh"), at,
                                    (long long)json_integer_value(json_object_get(x, "record_id")));
        cl_cli_table_pair(t, i ? "" : _("FLAGS"), fl ? fl : "");
        free(fl);
    }
    json_array_foreach(json_object_get(s, "cleared_flags"), i, x) {
        char cleared[32];
        cl_time_local(cl_json_str_or(x, "raised_at"), false, at, sizeof at);
        cl_time_local(cl_json_str_or(x, "cleared_at"), false, cleared, sizeof cleared);
        char *fl = cl_strdup_printf(_("#%lld %s (%s, record #%lld) — cleared %s by %s: %s"),
                                    (long long)json_integer_value(json_object_get(x, "id")),
                                    cl_json_str_or(x, en ? "label_en" : "label_zh"), at,
                                    (long long)json_integer_value(json_object_get(x, "record_id")), cleared,
                                    cl_json_str_or(x, "cleared_by"), cl_json_str_or(x, "cleared_reason"));
        cl_cli_table_pair(t, i ? "" : _("Cleared flags"), fl ? fl : "");
        free(fl);
    }
    json_array_foreach(json_object_get(s, "possible_duplicates"), i, x) {
        char *d = cl_strdup_printf("#%lld %s %s (%s)", (long long)json_integer_value(json_object_get(x, "id")),
                                   cl_json_str_or(x, "number"), cl_json_str_or(x, "name"), cl_json_str_or(x, "reason"));
        cl_cli_table_pair(t, i ? "" : _("Possible duplicates"), d ? d : "");
        free(d);
    }
    json_array_foreach(json_object_get(s, "risk_history"), i, x) {
        cl_time_local(cl_json_str_or(x, "at"), false, at, sizeof at);
        char *r = cl_strdup_printf(_("%s  %s  %s  (record #%lld)"), at,
                                   risk_name(json_integer_value(json_object_get(x, "risk_level"))),
                                   tier_label(&forms, cl_json_str_or(x, "misconduct_tier")),
                                   (long long)json_integer_value(json_object_get(x, "record_id")));
        cl_cli_table_pair(t, i ? "" : _("Risk history"), r ? r : "");
        free(r);
    }

    cl_status st = cl_cli_put_table(t);
    if (st != CL_OK)
        return st;
    /* Notes in full, not cut to the table: why a case was closed matters. */
    if (json_array_size(json_object_get(s, "notes")))
        printf(_("\nNotes:\n"));
    json_array_foreach(json_object_get(s, "notes"), i, x) {
        cl_time_local(cl_json_str_or(x, "at"), false, at, sizeof at);
        cl_cli_say("  %s  %s: %s\n", at, cl_json_str_or(x, "author"), cl_json_str_or(x, "text"));
    }
    if (json_array_size(records) == 0)
        return CL_OK;
    printf(_("\nRecords (newest first):\n"));
    static const char *const headers[] = {"ID", N_("Date"), N_("Kind"), N_("State"), N_("Summary")};
    t = cl_table_new(5, headers);
    if (t) {
        cl_table_align_right(t, 0);
        cl_table_below_when_narrow(t, 4);
    }
    json_array_foreach(records, i, x) {
        char id[32], state[64];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
        cl_cli_record_state(x, state, sizeof state);
        cl_time_local(cl_json_str_or(x, "occurred_at"), false, at, sizeof at);
        const char *cells[5] = {id, at, cl_cli_kind_label(c, cl_json_str_or(x, "kind")),
                                state, cl_i18n_text(x, "summary")};
        if (t)
            cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static cl_status student_show(cl_cli *c, void *opts, json_t **s)
{
    (void)opts;
    long long id = 0;
    json_t *records = NULL;
    cl_status st = cl_student_find(c->vault, c->operand[0], &id);
    if (st == CL_OK)
        st = cl_student_get(c->vault, id, s);
    cl_record_filter f = {.student_id = id};
    if (st == CL_OK)
        st = cl_record_list(c->vault, &f, &records);
    if (st == CL_OK)
        st = cl_student_audit_view(c->vault, id);
    if (st == CL_OK)
        json_object_set_new(*s, "records", records);
    else
        json_decref(records);
    return st;
}

static const cl_command_spec show_spec = {
    .usage = "ID|NUMBER [--json]",
    .help = N_("Shows a student: details, open and cleared flags, possible duplicates, risk history, guardians,\n"
               "circumstances, notes (who added them, when, and the text), and the records newest\n"
               "first. Viewing is written to the audit log.\n"
               "--json: {id, number, name, class, gender, birth_date, status, risk_level, misconduct_tier,\n"
               "  counsellor, merged_into, record_id, created_at, version, updated_at, updated_by,\n"
               "  record_count, circumstances, guardians, fields, flags:[{id, flag, label_zh, label_en,\n"
               "  raised_at, record_id}], cleared_flags:[{…, cleared_at, cleared_by, cleared_reason}],\n"
               "  possible_duplicates:[{id, number, name, reason}],\n"
               "  risk_history:[{at, risk_level, misconduct_tier, record_id}] (newest first),\n"
               "  merged_from:[{id, number, name}], notes:[{id, author, at, text}] (oldest first),\n"
               "  records:[as `record list --json`]}\n"
               "status is \"merged\" for a student merged into another (merged_into). Notes are what\n"
               "was added beside the details, such as the reason given by `student close`.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = student_show,
    .show = print_student,
};

static cl_status student_close(cl_cli *c, void *opts, json_t **closed)
{
    const stu_opts *o = opts;
    const char *status = o->status ? o->status : "closed";
    long long id = 0;
    cl_status st = cl_student_find(c->vault, c->operand[0], &id);
    if (st == CL_OK)
        st = cl_student_close(c->vault, id, status, o->reason);
    return st == CL_OK ? cl_cli_result(closed, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", status)) : st;
}

static cl_status show_closed(cl_cli *c, const void *opts, const json_t *closed)
{
    (void)opts;
    student_forms forms = current_forms(c);
    printf(_("Student #%lld is now %s.\n"), (long long)json_integer_value(json_object_get(closed, "id")),
           status_label(&forms, cl_json_str_or(closed, "status")));
    return CL_OK;
}

static const struct option close_options[] = {
    {"status", required_argument, NULL, 's'},
    {"reason", required_argument, NULL, 'r'},
    {0, 0, 0, 0},
};

static const cl_command_spec close_spec = {
    .usage = "ID|NUMBER --status closed|transferred --reason TEXT",
    .help = N_("Closes a case (or records a transfer to another school) with the reason, which is kept\n"
               "beside the student's details and shown under Notes by `student show`. Nothing is deleted.\n"),
    .options = close_options,
    .on_option = stu_option,
    CL_CLI_OPTS(stu_defaults),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = student_close,
    .show = show_closed,
};

static cl_status student_duplicates(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_student_duplicates(c->vault, list);
}

static cl_status show_duplicates(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    if (json_array_size(list) == 0) {
        printf(_("No possible duplicates.\n"));
        return CL_OK;
    }
    static const char *const headers[] = {"A", N_("Number"), N_("Name"), "B", N_("Number"), N_("Name"),
                                          N_("Why")};
    cl_table *t = cl_table_new(7, headers);
    size_t i;
    const json_t *p;
    json_array_foreach(list, i, p) {
        const json_t *a = json_object_get(p, "a"), *b = json_object_get(p, "b");
        char ia[32], ib[32];
        snprintf(ia, sizeof ia, "#%lld", (long long)json_integer_value(json_object_get(a, "id")));
        snprintf(ib, sizeof ib, "#%lld", (long long)json_integer_value(json_object_get(b, "id")));
        const char *cells[7] = {ia, cl_json_str_or(a, "number"), cl_json_str_or(a, "name"), ib,
                                cl_json_str_or(b, "number"), cl_json_str_or(b, "name"), cl_json_str_or(p, "reason")};
        if (t)
            cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec duplicates_spec = {
    .usage = "[--json]",
    .help = N_("Lists pairs of students that look like one person: the same number, or the same name and\n"
               "birth date. Merge them with `student merge KEEP FROM`, or mark them as two people with\n"
               "`student not-duplicate A B`.\n"
               "--json: [{a:{id, number, name}, b:{id, number, name}, reason}]\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = student_duplicates,
    .show = show_duplicates,
};

/* The two students named by the operands (each by number or #ID). */
static cl_status two_students(cl_cli *c, long long *a, long long *b)
{
    cl_status st = cl_student_find(c->vault, c->operand[0], a);
    return st == CL_OK ? cl_student_find(c->vault, c->operand[1], b) : st;
}

static cl_status student_merge(cl_cli *c, void *opts, json_t **merged)
{
    (void)opts;
    long long keep, from;
    cl_status st = two_students(c, &keep, &from);
    if (st == CL_OK)
        st = cl_student_merge(c->vault, keep, from);
    return st == CL_OK ? cl_cli_result(merged, json_pack("{s:I, s:I}", "kept", (json_int_t)keep, "merged",
                                                         (json_int_t)from))
                       : st;
}

static cl_status show_merged(cl_cli *c, const void *opts, const json_t *merged)
{
    (void)c, (void)opts;
    long long keep = (long long)json_integer_value(json_object_get(merged, "kept"));
    long long from = (long long)json_integer_value(json_object_get(merged, "merged"));
    printf(_("Merged student #%lld into #%lld; #%lld is kept and marked merged.\n"), from, keep, from);
    return CL_OK;
}

static const cl_command_spec merge_spec = {
    .usage = "KEEP FROM",
    .help = N_("Merges student FROM into KEEP (each by number or #ID): every record and flag of FROM\n"
               "moves to KEEP; FROM is kept, marked as merged, with its own details. Nothing is deleted\n"
               "and the audit log says what moved.\n"),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .call = student_merge,
    .show = show_merged,
};

static cl_status student_not_duplicate(cl_cli *c, void *opts, json_t **pair)
{
    (void)opts;
    long long a, b;
    cl_status st = two_students(c, &a, &b);
    if (st == CL_OK)
        st = cl_student_not_duplicate(c->vault, a, b);
    return st == CL_OK ? cl_cli_result(pair, json_pack("{s:I, s:I}", "a", (json_int_t)a, "b", (json_int_t)b)) : st;
}

static cl_status show_two_people(cl_cli *c, const void *opts, const json_t *pair)
{
    (void)c, (void)opts;
    printf(_("Students #%lld and #%lld are recorded as two people.\n"),
           (long long)json_integer_value(json_object_get(pair, "a")),
           (long long)json_integer_value(json_object_get(pair, "b")));
    return CL_OK;
}

static const cl_command_spec not_duplicate_spec = {
    .usage = "A B",
    .help = N_("Records that students A and B are two people, so they are no longer listed as\n"
               "possible duplicates.\n"),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .call = student_not_duplicate,
    .show = show_two_people,
};

static cl_status clear_flag_check(cl_cli *c, void *opts)
{
    stu_opts *o = opts;
    cl_status st = cl_parse_id(c->operand[0], _("the flag id"), &o->flag_id);
    if (st == CL_OK && !o->reason)
        st = cl_fail(CL_EUSAGE, _("say why the flag is cleared: --reason TEXT"));
    return st;
}

static cl_status student_clear_flag(cl_cli *c, void *opts, json_t **cleared)
{
    const stu_opts *o = opts;
    cl_status st = cl_student_clear_flag(c->vault, o->flag_id, o->reason);
    return st == CL_OK ? cl_cli_result(cleared, json_pack("{s:I, s:b}", "id", (json_int_t)o->flag_id, "cleared", 1))
                       : st;
}

static cl_status show_cleared(cl_cli *c, const void *opts, const json_t *cleared)
{
    (void)c;
    (void)cleared;
    printf(_("Cleared flag #%lld.\n"), ((const stu_opts *)opts)->flag_id);
    return CL_OK;
}

static const struct option clear_flag_options[] = {
    {"reason", required_argument, NULL, 'r'},
    {0, 0, 0, 0},
};

static const cl_command_spec clear_flag_spec = {
    .usage = "FLAG_ID --reason TEXT",
    .help = N_("Clears a flag raised by a screening (ids in `student show`), saying why — for example\n"
               "the risk assessment done that day. Written to the audit log.\n"),
    .options = clear_flag_options,
    .on_option = stu_option,
    CL_CLI_OPTS(stu_defaults),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = clear_flag_check,
    .call = student_clear_flag,
    .show = show_cleared,
};

const cl_command cl_student_commands[] = {
    {"student add", "--number N --name NAME --class C", N_("add a student"), NULL, &add_spec},
    {"student edit", "ID|NUMBER --version V [--field …]", N_("change a student's details"), NULL, &edit_spec},
    {"student list", "[--class C] [--risk N] [--status S]", N_("list students"), NULL, &list_spec},
    {"student show", "ID|NUMBER", N_("a student's file (audited)"), NULL, &show_spec},
    {"student close", "ID --status S --reason TEXT", N_("close or transfer a case"), NULL, &close_spec},
    {"student duplicates", "", N_("students that look like one person"), NULL, &duplicates_spec},
    {"student merge", "KEEP FROM", N_("merge a duplicate into the student kept"), NULL, &merge_spec},
    {"student not-duplicate", "A B", N_("mark two students as different people"), NULL, &not_duplicate_spec},
    {"student clear-flag", "FLAG_ID --reason TEXT", N_("clear a screening's flag"), NULL, &clear_flag_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
