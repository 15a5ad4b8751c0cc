/* Whom the vault trusts besides its counsellors: the teachers enrolled to
 * send observations (enrol by public key or its file, revoke) and the
 * protection offices referral bundles go to (add from office.pub,
 * remove). Each through the core function the command line uses, with the
 * fingerprint shown for comparing by phone, a question before anything is
 * taken away, and the core's audit entry. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/teacher.h"
#include "carelog/text.h"
#include "ui.h"

/* Public key files are small; anything larger is not one. */
#define KEY_FILE_MAX 4096

typedef struct trust_list {
    row_source *list;
    list_pos pos;
    unsigned long seen;
} trust_list;

typedef cl_status (*list_fn)(cl_vault *v, json_t **out);

static trust_list *list_of(ui *u, view *v, list_fn fetch, const char *what)
{
    trust_list *t = v->data;
    if (!t && !(t = v->data = calloc(1, sizeof *t)))
        return NULL;
    if (!t->list || t->seen != u->changes) {
        json_t *list = NULL;
        cl_status st = fetch(u->vault, &list);
        if (st == CL_OK)
            st = cl_audit_listing(u->vault, what, "", (long long)json_array_size(list));
        if (st != CL_OK)
            ui_fail(u, st);
        rows_free(t->list);
        t->list = rows_from_array(list);
        t->seen = u->changes;
    }
    return t;
}

static const json_t *chosen(trust_list *t)
{
    return t && t->list->count(t->list) ? t->list->at(t->list, t->pos.sel) : NULL;
}

static ui_result trust_key(ui *u, view *v, int key)
{
    trust_list *t = v->data;
    if (t)
        list_key(&t->pos, t->list->count(t->list), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static void trust_close(view *v)
{
    trust_list *t = v->data;
    if (t)
        rows_free(t->list);
    free(t);
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

static void teachers_draw(ui *u, view *v)
{
    trust_list *t = list_of(u, v, cl_teacher_list, "teacher list");
    if (!t)
        return;
    int y = ui_body_top();
    size_t n = t->list->count(t->list);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Teachers enrolled to send observations (%zu)"), n);
    static const struct {
        int x, w;
        const char *head;
    } cols[] = {{0, 12, N_("Teacher")}, {12, 21, N_("Fingerprint")}, {33, 16, N_("Classes")}, {49, 11, N_("Since")},
                {60, 20, N_("Revoked")}};
    ui_text_pad(u, y + 1, 0, u->cols, "", A_UNDERLINE);
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        ui_text(u, y + 1, cols[c].x, cols[c].w - 1, _(cols[c].head), A_UNDERLINE);
    int page = ui_body_rows(u) - 2;
    list_clamp(&t->pos, n, page);
    for (int r = 0; r < page && t->pos.top + (size_t)r < n; r++) {
        size_t i = t->pos.top + (size_t)r;
        const json_t *row = t->list->at(t->list, i);
        int attr = i == t->pos.sel ? A_REVERSE : 0, line = y + 2 + r;
        cl_buf classes = {0};
        size_t k;
        json_t *cls;
        json_array_foreach(json_object_get(row, "classes"), k, cls)
            cl_buf_printf(&classes, "%s%s", k ? ", " : "", json_string_value(cls));
        char since[32], revoked[32] = "";
        cl_time_local(ui_str(row, "added_at"), true, since, sizeof since);
        if (*ui_str(row, "revoked_at"))
            cl_time_local(ui_str(row, "revoked_at"), true, revoked, sizeof revoked);
        ui_text_pad(u, line, 0, u->cols, "", attr);
        ui_text(u, line, 0, 11, ui_str(row, "name"), attr);
        ui_text(u, line, 12, 20, ui_str(row, "fingerprint"), attr);
        ui_text(u, line, 33, 15, classes.data ? classes.data : "", attr);
        ui_text(u, line, 49, 10, since, attr);
        ui_text(u, line, 60, u->cols - 60, revoked, attr | (*revoked ? A_BOLD : 0));
        cl_buf_free(&classes);
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("No teacher is enrolled yet: n enrols one by their public key."), 0);
}

static ui_result teachers_enrol(ui *u, view *v)
{
    (void)v;
    char *name = NULL, *typed = NULL, *classes = NULL;
    if (!ui_ask(u, _("The teacher's name:"), "", &name) || !*name)
        goto done;
    if (!ui_ask(u, _("Their public key (from `carelog teacher show`) or its file:"), "", &typed) || !*typed)
        goto done;
    char *key = text_or_file(u, typed);
    if (!key)
        goto done;
    json_t *list = NULL;
    if (ui_ask(u, _("Classes they teach (comma between; may be empty):"), "", &classes) && *classes) {
        /* Split at commas, the full-width one (，) as well. */
        list = json_array();
        for (char *c = classes; c;) {
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
    }
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
    return UI_STAY;
}

static ui_result teachers_revoke(ui *u, view *v)
{
    const json_t *row = chosen(v->data);
    if (!row)
        return UI_STAY;
    if (*ui_str(row, "revoked_at")) {
        ui_say(u, false, _("%s is revoked already."), ui_str(row, "name"));
        return UI_STAY;
    }
    char *name = strdup(ui_str(row, "name"));
    char question[400];
    snprintf(question, sizeof question, _("Revoke %s? Files they send from now on are quarantined."), name);
    if (name && ui_confirm(u, question)) {
        cl_status st = cl_teacher_revoke(u->vault, name);
        if (st == CL_OK) {
            u->changes++;
            ui_say(u, false, _("Revoked %s."), name);
        } else {
            ui_fail(u, st);
        }
    }
    free(name);
    return UI_STAY;
}

static const ui_action teachers_actions[] = {
    {'n', 0, "n", N_("Enrol a teacher"), true, teachers_enrol},
    {'r', 0, "r", N_("Revoke"), true, teachers_revoke},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_teachers_view = {"teachers", teachers_actions, teachers_draw, trust_key, false, NULL, trust_close};

/* ---- offices ---- */

static void offices_draw(ui *u, view *v)
{
    trust_list *t = list_of(u, v, cl_office_list, "office list");
    if (!t)
        return;
    int y = ui_body_top();
    size_t n = t->list->count(t->list);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Protection offices referral bundles go to (%zu)"), n);
    static const struct {
        int x, w;
        const char *head;
    } cols[] = {{0, 24, N_("Name")}, {24, 21, N_("Fingerprint")}, {45, 11, N_("Added")}, {56, 12, N_("Source")}};
    ui_text_pad(u, y + 1, 0, u->cols, "", A_UNDERLINE);
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        ui_text(u, y + 1, cols[c].x, cols[c].w - 1, _(cols[c].head), A_UNDERLINE);
    int page = ui_body_rows(u) - 2;
    list_clamp(&t->pos, n, page);
    for (int r = 0; r < page && t->pos.top + (size_t)r < n; r++) {
        size_t i = t->pos.top + (size_t)r;
        const json_t *row = t->list->at(t->list, i);
        int attr = i == t->pos.sel ? A_REVERSE : 0, line = y + 2 + r;
        char added[32];
        cl_time_local(ui_str(row, "added_at"), true, added, sizeof added);
        ui_text_pad(u, line, 0, u->cols, "", attr);
        ui_text(u, line, 0, 23, ui_str(row, "name"), attr);
        ui_text(u, line, 24, 20, ui_str(row, "fingerprint"), attr);
        ui_text(u, line, 45, 10, added, attr);
        ui_text(u, line, 56, u->cols - 56, ui_str(row, "source"), attr);
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("No office yet: n adds one from its office.pub."), 0);
}

static ui_result offices_add(ui *u, view *v)
{
    (void)v;
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
    return UI_STAY;
}

static ui_result offices_remove(ui *u, view *v)
{
    const json_t *row = chosen(v->data);
    if (!row)
        return UI_STAY;
    char *name = strdup(ui_str(row, "name"));
    char question[400];
    snprintf(question, sizeof question, _("Remove the office %s? Bundles can no longer be sent to it."), name);
    if (name && ui_confirm(u, question)) {
        cl_status st = cl_office_remove(u->vault, name);
        if (st == CL_OK) {
            u->changes++;
            ui_say(u, false, _("Removed the office %s."), name);
        } else {
            ui_fail(u, st);
        }
    }
    free(name);
    return UI_STAY;
}

static const ui_action offices_actions[] = {
    {'n', 0, "n", N_("Add an office from its office.pub"), true, offices_add},
    {'d', 0, "d", N_("Remove"), true, offices_remove},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_offices_view = {"offices", offices_actions, offices_draw, trust_key, false, NULL, trust_close};
