/* The lists the settings screen opens, one table row per kind: the
 * teachers enrolled to send observations (enrol by public key or its
 * file, revoke), the protection offices referral bundles go to (add from
 * office.pub, remove) and the follow-up policies (add, change the days,
 * remove). Each kind says how to fetch its list, lay out a row, add and
 * take away — always through the core function the command line uses,
 * with the core's audit entry and a question before anything is taken
 * away; drawing, moving and the actions are the same code for all. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/followup.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/teacher.h"
#include "carelog/text.h"
#include "ui.h"

/* Public key files are small; anything larger is not one. */
#define KEY_FILE_MAX 4096
#define MAX_COLUMNS 6

typedef struct column {
    int x, w;
    const char *head; /* N_() */
} column;

typedef struct list_kind {
    const view_ops *ops;
    cl_status (*fetch)(cl_vault *v, json_t **out);
    const char *listing; /* audited as a listing under this name; NULL: not a list of people */
    void (*title)(ui *u, int y, size_t count);
    const char *empty;   /* N_(): what to do when there is nothing yet */
    const column *columns;
    size_t n_columns;
    /* The text of each column for one row, in cells[] (buf holds what is made). */
    void (*cells)(ui *u, const json_t *row, const char *cells[MAX_COLUMNS], char buf[MAX_COLUMNS][160]);
    void (*add)(ui *u);
    void (*remove)(ui *u, const json_t *row);
} list_kind;

typedef struct settings_list {
    const list_kind *kind;
    row_source *list;
    list_pos pos;
    unsigned long seen;
} settings_list;

static const list_kind *kind_of(const view_ops *ops);

static settings_list *list_of(ui *u, view *v)
{
    settings_list *t = v->data;
    if (!t) {
        if (!(t = v->data = calloc(1, sizeof *t)))
            return NULL;
        t->kind = kind_of(v->ops);
    }
    if (!t->list || t->seen != u->changes) {
        json_t *list = NULL;
        cl_status st = t->kind->fetch(u->vault, &list);
        if (st == CL_OK && t->kind->listing)
            st = cl_audit_listing(u->vault, t->kind->listing, "", (long long)json_array_size(list));
        if (st != CL_OK)
            ui_fail(u, st);
        rows_free(t->list);
        t->list = rows_from_array(list);
        t->seen = u->changes;
    }
    return t;
}

static const json_t *chosen(ui *u, view *v)
{
    settings_list *t = list_of(u, v);
    return t && t->list->count(t->list) ? t->list->at(t->list, t->pos.sel) : NULL;
}

static void list_draw(ui *u, view *v)
{
    settings_list *t = list_of(u, v);
    if (!t)
        return;
    const list_kind *k = t->kind;
    int y = ui_body_top();
    size_t n = t->list->count(t->list);
    k->title(u, y, n);
    ui_text_pad(u, y + 1, 0, u->cols, "", A_UNDERLINE);
    for (size_t c = 0; c < k->n_columns; c++)
        ui_text(u, y + 1, k->columns[c].x, k->columns[c].w - 1, _(k->columns[c].head), A_UNDERLINE);
    int page = ui_body_rows(u) - 2;
    list_clamp(&t->pos, n, page);
    for (int r = 0; r < page && t->pos.top + (size_t)r < n; r++) {
        size_t i = t->pos.top + (size_t)r;
        int attr = i == t->pos.sel ? A_REVERSE : 0, line = y + 2 + r;
        const char *cells[MAX_COLUMNS] = {0};
        char buf[MAX_COLUMNS][160];
        k->cells(u, t->list->at(t->list, i), cells, buf);
        ui_text_pad(u, line, 0, u->cols, "", attr);
        for (size_t c = 0; c < k->n_columns; c++) {
            /* The last column runs to the edge. */
            int w = c + 1 == k->n_columns ? u->cols - k->columns[c].x : k->columns[c].w - 1;
            ui_text(u, line, k->columns[c].x, w, cells[c] ? cells[c] : "", attr);
        }
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _(k->empty), 0);
}

static ui_result list_key_run(ui *u, view *v, int key)
{
    settings_list *t = list_of(u, v);
    if (t)
        list_key(&t->pos, t->list->count(t->list), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static ui_result list_add(ui *u, view *v)
{
    settings_list *t = list_of(u, v);
    if (t)
        t->kind->add(u);
    return UI_STAY;
}

static ui_result list_remove(ui *u, view *v)
{
    settings_list *t = list_of(u, v);
    const json_t *row = chosen(u, v);
    if (t && row)
        t->kind->remove(u, row);
    return UI_STAY;
}

static void list_close(view *v)
{
    settings_list *t = v->data;
    if (t)
        rows_free(t->list);
    free(t);
}

/* A question before something is taken away, then the core's call;
 * true when it was done (a failure is on the message line). */
static bool take_away(ui *u, const char *question, cl_status (*call)(cl_vault *, const char *), const char *name)
{
    if (!ui_confirm(u, question))
        return false;
    cl_status st = call(u->vault, name);
    if (st != CL_OK) {
        ui_fail(u, st);
        return false;
    }
    u->changes++;
    return true;
}

/* What was typed, or, when it names a readable file, that file's text
 * (without its trailing newline). NULL when a file was meant but cannot
 * be read (the message says why). */
static char *text_or_file(ui *u, const char *typed)
{
    if (!strchr(typed, '/'))
        return strdup(typed);
    unsigned char *data = NULL;
    size_t len = 0;
    cl_status st = cl_file_read(typed, KEY_FILE_MAX, &data, &len);
    if (st != CL_OK) {
        ui_fail(u, st);
        return NULL;
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        data[--len] = '\0';
    return (char *)data;
}

/* ---- teachers ---- */

static void teacher_cells(ui *u, const json_t *row, const char *cells[MAX_COLUMNS], char buf[MAX_COLUMNS][160])
{
    (void)u;
    size_t used = 0, k;
    json_t *cls;
    buf[2][0] = '\0';
    json_array_foreach(json_object_get(row, "classes"), k, cls)
        if (used < sizeof buf[2])
            used += (size_t)snprintf(buf[2] + used, sizeof buf[2] - used, "%s%s", k ? ", " : "", json_string_value(cls));
    cl_time_local(ui_str(row, "added_at"), true, buf[3], sizeof buf[3]);
    buf[4][0] = '\0';
    if (*ui_str(row, "revoked_at"))
        cl_time_local(ui_str(row, "revoked_at"), true, buf[4], sizeof buf[4]);
    cells[0] = ui_str(row, "name");
    cells[1] = ui_str(row, "fingerprint");
    cells[2] = buf[2];
    cells[3] = buf[3];
    cells[4] = buf[4];
}

/* "初二1班，初二2班" → ["初二1班", "初二2班"]: commas, full-width ones too. */
static json_t *split_classes(char *classes)
{
    json_t *list = json_array();
    for (char *c = classes; list && c;) {
        char *ascii = strchr(c, ','), *wide = strstr(c, "，");
        char *end = ascii && (!wide || ascii < wide) ? ascii : wide;
        char *next = end ? end + (end == wide ? strlen("，") : 1) : NULL;
        if (end)
            *end = '\0';
        while (*c == ' ')
            c++;
        if (*c)
            json_array_append_new(list, json_string(c));
        c = next;
    }
    return list;
}

static void teacher_enrol(ui *u)
{
    char *name = NULL, *typed = NULL, *classes = NULL;
    if (!ui_ask(u, _("The teacher's name:"), "", &name) || !*name)
        goto done;
    if (!ui_ask(u, _("Their public key (from `carelog teacher show`) or its file:"), "", &typed) || !*typed)
        goto done;
    char *key = text_or_file(u, typed);
    if (!key)
        goto done;
    json_t *list = NULL;
    if (ui_ask(u, _("Classes they teach (comma between; may be empty):"), "", &classes) && *classes)
        list = split_classes(classes);
    char fingerprint[24];
    cl_status st = cl_teacher_add(u->vault, name, key, list, fingerprint);
    json_decref(list);
    free(key);
    if (st != CL_OK) {
        ui_fail(u, st);
        goto done;
    }
    u->changes++;
    ui_say(u, false, _("Enrolled %s, fingerprint %s: compare it with the teacher by phone."), name,
           fingerprint);
done:
    free(name);
    free(typed);
    free(classes);
}

static void teacher_revoke(ui *u, const json_t *row)
{
    if (*ui_str(row, "revoked_at")) {
        ui_say(u, false, _("%s is revoked already."), ui_str(row, "name"));
        return;
    }
    char *name = strdup(ui_str(row, "name"));
    char question[400];
    snprintf(question, sizeof question, _("Revoke %s? Files they send from now on are quarantined."), name);
    if (name && take_away(u, question, cl_teacher_revoke, name))
        ui_say(u, false, _("Revoked %s."), name);
    free(name);
}

static const column teacher_columns[] = {
    {0, 12, N_("Teacher")}, {12, 21, N_("Fingerprint")}, {33, 16, N_("Classes")}, {49, 11, N_("Since")},
    {60, 20, N_("Revoked")},
};

static const ui_action teachers_actions[] = {
    {'n', 0, "n", N_("Enrol a teacher"), true, list_add},
    {'r', 0, "r", N_("Revoke"), true, list_remove},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_teachers_view = {"teachers", teachers_actions, list_draw, list_key_run, false, NULL, list_close};

static void teachers_title(ui *u, int y, size_t n)
{
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Teachers enrolled to send observations (%zu)"), n);
}

static const list_kind teachers = {
    &ui_teachers_view, cl_teacher_list, "teacher list", teachers_title,
    N_("No teacher is enrolled yet: n enrols one by their public key."), teacher_columns, 5, teacher_cells,
    teacher_enrol, teacher_revoke,
};

/* ---- offices ---- */

static void office_cells(ui *u, const json_t *row, const char *cells[MAX_COLUMNS], char buf[MAX_COLUMNS][160])
{
    (void)u;
    cl_time_local(ui_str(row, "added_at"), true, buf[2], sizeof buf[2]);
    cells[0] = ui_str(row, "name");
    cells[1] = ui_str(row, "fingerprint");
    cells[2] = buf[2];
    cells[3] = ui_str(row, "source");
}

static void office_add(ui *u)
{
    char *name = NULL, *path = NULL;
    if (!ui_ask(u, _("The office's name (e.g. 区未保站):"), "", &name) || !*name)
        goto done;
    if (!ui_ask(u, _("Its office.pub file:"), "", &path) || !*path)
        goto done;
    unsigned char *text = NULL;
    size_t len = 0;
    cl_party p;
    cl_status st = cl_file_read(path, KEY_FILE_MAX, &text, &len);
    if (st == CL_OK)
        st = cl_party_parse_pub((const char *)text, &p);
    free(text);
    if (st == CL_OK) {
        snprintf(p.name, sizeof p.name, "%s", name);
        st = cl_office_add(u->vault, &p);
    }
    if (st != CL_OK) {
        ui_fail(u, st);
        goto done;
    }
    u->changes++;
    ui_say(u, false, _("Added %s, fingerprint %s: compare it with the office by phone."), p.name,
           p.fingerprint);
done:
    free(name);
    free(path);
}

static void office_remove(ui *u, const json_t *row)
{
    char *name = strdup(ui_str(row, "name"));
    char question[400];
    snprintf(question, sizeof question, _("Remove the office %s? Bundles can no longer be sent to it."), name);
    if (name && take_away(u, question, cl_office_remove, name))
        ui_say(u, false, _("Removed the office %s."), name);
    free(name);
}

static const column office_columns[] = {
    {0, 24, N_("Name")}, {24, 21, N_("Fingerprint")}, {45, 11, N_("Added")}, {56, 12, N_("Source")},
};

static const ui_action offices_actions[] = {
    {'n', 0, "n", N_("Add an office from its office.pub"), true, list_add},
    {'d', 0, "d", N_("Remove"), true, list_remove},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_offices_view = {"offices", offices_actions, list_draw, list_key_run, false, NULL, list_close};

static void offices_title(ui *u, int y, size_t n)
{
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Protection offices referral bundles go to (%zu)"), n);
}

static const list_kind offices = {
    &ui_offices_view, cl_office_list, "office list", offices_title,
    N_("No office yet: n adds one from its office.pub."), office_columns, 4, office_cells, office_add,
    office_remove,
};

/* ---- follow-up policies ---- */

static const char *basis_label(const char *basis)
{
    return strcmp(basis, "risk") == 0 ? _("risk level") : _("circumstance");
}

static void policy_cells(ui *u, const json_t *row, const char *cells[MAX_COLUMNS], char buf[MAX_COLUMNS][160])
{
    (void)u;
    long long days = ui_int(row, "days");
    snprintf(buf[2], sizeof buf[2], ngettext("every %lld day", "every %lld days", (unsigned long)days), days);
    cells[0] = basis_label(ui_str(row, "basis"));
    cells[1] = cl_i18n_text(row, "label");
    cells[2] = buf[2];
}

/* Asks the days for a policy and sets it through the core (audited). */
static void policy_days(ui *u, const char *basis, const char *value, const char *label, long long current)
{
    char question[400], initial[24] = "";
    snprintf(question, sizeof question, _("At most how many days between contacts for %s (1–%d)?"), label,
             CL_FOLLOWUP_POLICY_MAX_DAYS);
    if (current > 0)
        snprintf(initial, sizeof initial, "%lld", current);
    char *answer;
    if (!ui_ask(u, question, initial, &answer))
        return;
    char *end;
    long days = strtol(answer, &end, 10);
    bool number = *answer && *end == '\0';
    free(answer);
    if (!number) {
        ui_say(u, true, _("Give the days as a whole number from 1 to %d; nothing was changed."),
               CL_FOLLOWUP_POLICY_MAX_DAYS);
        return;
    }
    /* Out of range: the core refuses 0 and says what is allowed. */
    int kept = days >= 1 && days <= CL_FOLLOWUP_POLICY_MAX_DAYS ? (int)days : 0;
    cl_status st = cl_followup_policy_set(u->vault, basis, value, kept);
    if (st != CL_OK) {
        ui_fail(u, st);
        return;
    }
    u->changes++;
    ui_say(u, false, ngettext("%s: at least every %ld day; the due dates follow.",
                              "%s: at least every %ld days; the due dates follow.", (unsigned long)days),
           label, days);
}

static void policy_add(ui *u)
{
    const char *bases[] = {_("risk level"), _("circumstance")};
    int basis = ui_menu(u, _("A policy for students of which…"), bases, 2);
    if (basis < 0)
        return;
    if (basis == 0) {
        const char *labels[4];
        for (int i = 0; i < 4; i++)
            labels[i] = ui_risk_label(i);
        int level = ui_menu(u, _("Which risk level?"), labels, 4);
        if (level >= 0) {
            char value[12];
            snprintf(value, sizeof value, "%d", level);
            policy_days(u, "risk", value, labels[level], 0);
        }
        return;
    }
    const cl_form *form = NULL;
    long long form_id;
    const cl_field *f = NULL;
    if (cl_catalog_current(u->vault, "student", &form, &form_id) == CL_OK)
        f = cl_form_field(form, "circumstances");
    if (!f || f->n_choices == 0) {
        ui_say(u, true, "%s", _("The student form lists no circumstances to choose from."));
        return;
    }
    const char **labels = calloc(f->n_choices, sizeof *labels);
    if (!labels)
        return;
    for (size_t i = 0; i < f->n_choices; i++)
        labels[i] = cl_field_choice_label(f, f->choices[i].id, u->lang);
    int choice = ui_menu(u, _("Which circumstance?"), labels, f->n_choices);
    if (choice >= 0)
        policy_days(u, "circumstance", f->choices[choice].id, labels[choice], 0);
    free(labels);
}

static ui_result policy_edit(ui *u, view *v)
{
    const json_t *row = chosen(u, v);
    if (row) {
        char *label = strdup(cl_i18n_text(row, "label")), *basis = strdup(ui_str(row, "basis")),
             *value = strdup(ui_str(row, "value"));
        if (label && basis && value)
            policy_days(u, basis, value, label, ui_int(row, "days"));
        free(label);
        free(basis);
        free(value);
    }
    return UI_STAY;
}

static void policy_remove(ui *u, const json_t *row)
{
    char question[400];
    snprintf(question, sizeof question, _("Remove the policy for %s?"), cl_i18n_text(row, "label"));
    if (!ui_confirm(u, question))
        return;
    cl_status st = cl_followup_policy_remove(u->vault, ui_str(row, "basis"), ui_str(row, "value"));
    if (st != CL_OK) {
        ui_fail(u, st);
        return;
    }
    u->changes++;
    ui_say(u, false, "%s", _("The policy was removed."));
}

static const column policy_columns[] = {
    {0, 14, N_("Basis")}, {14, 40, N_("Applies to")}, {54, 26, N_("Contact at least")},
};

static const ui_action policies_actions[] = {
    {UI_ENTER, 'e', "Enter", N_("Change the days"), true, policy_edit},
    {'n', 0, "n", N_("Add a policy"), true, list_add},
    {'d', 0, "d", N_("Remove"), true, list_remove},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_policies_view = {"policies", policies_actions, list_draw, list_key_run, false, NULL, list_close};

static void policies_title(ui *u, int y, size_t n)
{
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Follow-up policies: the most days between counsellor contacts (%zu)"), n);
}

static const list_kind policies = {
    &ui_policies_view, cl_followup_policy_list, NULL, policies_title,
    N_("No policy: students are followed up only when a record sets a date. n adds one."), policy_columns, 3,
    policy_cells, policy_add, policy_remove,
};

static const list_kind *const kinds[] = {&teachers, &offices, &policies, NULL};

static const list_kind *kind_of(const view_ops *ops)
{
    for (size_t k = 0; kinds[k]; k++)
        if (kinds[k]->ops == ops)
            return kinds[k];
    return &teachers;
}
