/* Referrals: every open referral by state and age, late ones marked. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/referral.h"
#include "ui.h"

typedef struct referrals {
    row_source *list;
    list_pos pos;
    unsigned long seen;
} referrals;

static referrals *referrals_of(ui *u, view *v)
{
    referrals *r = v->data;
    if (!r)
        r = v->data = calloc(1, sizeof *r);
    if (r && (!r->list || r->seen != u->changes)) {
        json_t *list = NULL;
        cl_status st = cl_referral_list(u->vault, true, &list);
        if (st != CL_OK)
            ui_fail(u, st);
        rows_free(r->list);
        r->list = rows_from_array(list);
        r->seen = u->changes;
    }
    return r;
}

static void referrals_draw(ui *u, view *v)
{
    referrals *r = referrals_of(u, v);
    if (!r)
        return;
    int y = ui_body_top();
    size_t n = r->list->count(r->list);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Open referrals (%zu)"), n);
    ui_text(u, y + 1, 0, u->cols, _("#     Student       Class         State     Days  Late"), A_UNDERLINE);
    int page = ui_body_rows(u) - 2;
    list_clamp(&r->pos, n, page);
    bool zh = strcmp(u->lang, "zh") == 0;
    for (int i = 0; i < page && r->pos.top + (size_t)i < n; i++) {
        size_t k = r->pos.top + (size_t)i;
        const json_t *ref = r->list->at(r->list, k);
        int attr = k == r->pos.sel ? A_REVERSE : 0, row = y + 2 + i;
        bool late = json_is_string(json_object_get(ref, "late"));
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_textf(u, row, 0, 6, attr, "#%lld", ui_int(ref, "id"));
        ui_text_pad(u, row, 6, 14, ui_student_name(u, ui_str(ref, "name")), attr);
        ui_text_pad(u, row, 20, 14, ui_str(ref, "class"), attr);
        ui_text_pad(u, row, 34, 10, ui_str(ref, zh ? "state_zh" : "state_en"), attr);
        ui_textf(u, row, 44, 6, attr, "%lld", ui_int(ref, "age_days"));
        ui_text(u, row, 50, u->cols - 50, late ? cl_i18n_text(ref, "late") : "", attr | (late ? ui_risk_attr(u, 3) : 0));
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("No open referrals."), 0);
}

static ui_result referrals_open(ui *u, view *v)
{
    referrals *r = referrals_of(u, v);
    if (r && r->list->count(r->list))
        ui_open_record(u, ui_int(r->list->at(r->list, r->pos.sel), "id"));
    return UI_STAY;
}

static ui_result referrals_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static ui_result referrals_key(ui *u, view *v, int key)
{
    referrals *r = referrals_of(u, v);
    if (r)
        list_key(&r->pos, r->list->count(r->list), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static void referrals_close(view *v)
{
    referrals *r = v->data;
    if (r)
        rows_free(r->list);
    free(r);
}

static const ui_action referrals_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Open (m there moves it)"), true, referrals_open},
    {'q', UI_ESC, "q", N_("Back"), true, referrals_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_referrals_view = {"referrals", referrals_actions, referrals_draw, referrals_key, false, NULL,
                                    referrals_close};
