/* Follow-ups: the minimum-frequency policies, and the words that name them
 * (what is due: followup_due.c). */
#include "carelog/followup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "followup_internal.h"
#include "record_internal.h"

/* Risk levels as the policies and reasons name them (DESIGN.md, Records). */
static const struct {
    const char *name, *zh;
} risk_names[] = {
    {"none", "无"}, {"attention", "关注"}, {"elevated", "较高"}, {"crisis", "危机"},
};
#define N_RISK ((int)(sizeof risk_names / sizeof risk_names[0]))

static const char *col(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s ? s : "";
}

/* Parsed once per process by the catalog, as every form. */
const cl_form *cl_followup_student_form(cl_vault *v)
{
    const cl_form *form = NULL;
    if (cl_catalog_current(v, "student", &form, NULL) != CL_OK)
        form = NULL;
    cl_error_clear();
    return form;
}

/* "crisis (risk 3)" or "Left-behind child (left_behind)". */
void cl_followup_policy_label(const cl_form *form, const char *basis, const char *value, bool zh, char *out, size_t size)
{
    if (strcmp(basis, "risk") == 0) {
        int r = atoi(value);
        bool known = r >= 0 && r < N_RISK;
        if (zh)
            snprintf(out, size, "风险 %s（%s）", value, known ? risk_names[r].zh : "");
        else
            snprintf(out, size, "%s (risk %s)", known ? risk_names[r].name : "risk", value);
        return;
    }
    const cl_field *f = form ? cl_form_field(form, "circumstances") : NULL;
    for (size_t i = 0; f && i < f->n_choices; i++)
        if (strcmp(f->choices[i].id, value) == 0) {
            if (zh)
                snprintf(out, size, "%s", f->choices[i].label_zh);
            else
                snprintf(out, size, "%s (%s)", f->choices[i].label_en, value);
            return;
        }
    snprintf(out, size, "%s", value);
}

/* ---- policies --------------------------------------------------------- */

/* Checks basis and value; writes the canonical value ("3" for "crisis"). */
static cl_status check_policy(cl_vault *v, const char *basis, const char *value, char *canon, size_t size)
{
    if (!basis || (strcmp(basis, "risk") != 0 && strcmp(basis, "circumstance") != 0))
        return cl_fail(CL_EUSAGE, _("a policy's basis is risk or circumstance"));
    if (!value || !*value)
        return cl_fail(CL_EUSAGE, _("a policy needs a value (a risk level or a circumstance)"));
    if (strcmp(basis, "risk") == 0) {
        for (int r = 0; r < N_RISK; r++) {
            char digit[16];
            snprintf(digit, sizeof digit, "%d", r);
            if (strcmp(value, digit) == 0 || strcmp(value, risk_names[r].name) == 0 ||
                strcmp(value, risk_names[r].zh) == 0) {
                snprintf(canon, size, "%d", r);
                return CL_OK;
            }
        }
        return cl_fail(CL_EUSAGE, _("a risk level is 0 (none), 1 (attention), 2 (elevated) or 3 (crisis)"));
    }
    const cl_form *form = cl_followup_student_form(v);
    const cl_field *f = form ? cl_form_field(form, "circumstances") : NULL;
    cl_status st = CL_OK;
    if (f && f->n_choices > 0) {
        const char *found = NULL;
        cl_buf names = {0};
        for (size_t i = 0; i < f->n_choices; i++) {
            const cl_choice *c = &f->choices[i];
            if (strcmp(value, c->id) == 0 || strcmp(value, c->label_zh) == 0 || strcmp(value, c->label_en) == 0)
                found = c->id;
            cl_buf_printf(&names, "%s%s", i ? ", " : "", c->id);
        }
        if (found) {
            snprintf(canon, size, "%s", found);
        } else {
            char *shown = cl_text_inert(value, false);
            st = cl_fail(CL_EUSAGE, _("\"%s\" is not a circumstance of the student form; the circumstances are %s"),
                         shown ? shown : "", names.data ? names.data : "");
            free(shown);
        }
        cl_buf_free(&names);
    } else {
        /* No student form to check against: an id as the forms write them. */
        size_t n = strlen(value);
        bool ok = n <= 40 && value[0] >= 'a' && value[0] <= 'z';
        for (size_t i = 0; ok && i < n; i++)
            ok = (value[i] >= 'a' && value[i] <= 'z') || (value[i] >= '0' && value[i] <= '9') || value[i] == '_';
        if (ok)
            snprintf(canon, size, "%s", value);
        else
            st = cl_fail(CL_EUSAGE, _("a circumstance is a choice id such as left_behind"));
    }
    return st;
}

static cl_status policy_write(cl_vault *v, const char *basis, const char *value, int days)
{
    sqlite3 *db = cl_vault_db(v);
    char canon[64];
    cl_status st = check_policy(v, basis, value, canon, sizeof canon);
    if (st != CL_OK)
        return st;
    if (days > 0 && days > CL_FOLLOWUP_POLICY_MAX_DAYS)
        return cl_fail(CL_EUSAGE, _("a policy's days are from 1 to %d"), CL_FOLLOWUP_POLICY_MAX_DAYS);
    st = cl_db_begin(db);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, days > 0 ? "INSERT INTO followup_policies(basis, value, days) VALUES (?1, ?2, ?3)"
                                      " ON CONFLICT (basis, value) DO UPDATE SET days = excluded.days"
                                    : "DELETE FROM followup_policies WHERE basis = ?1 AND value = ?2",
                       &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, basis, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, canon, -1, SQLITE_STATIC);
        if (days > 0)
            sqlite3_bind_int(q, 3, days);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the follow-up policy");
        else if (days <= 0 && sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("there is no follow-up policy for %s %s"), basis, canon);
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_followup_refresh_all_tx(db);
    if (st == CL_OK) {
        char target[96], detail[32];
        snprintf(target, sizeof target, "policy %s %s", basis, canon);
        snprintf(detail, sizeof detail, "every %d days", days);
        st = cl_vault_audit(v, days > 0 ? "policy.set" : "policy.remove", target, days > 0 ? detail : NULL);
    }
    if (st == CL_OK)
        return cl_db_commit(db);
    cl_db_rollback(db);
    return st;
}

cl_status cl_followup_policy_set(cl_vault *v, const char *basis, const char *value, int days)
{
    if (days < 1 || days > CL_FOLLOWUP_POLICY_MAX_DAYS)
        return cl_fail(CL_EUSAGE, _("a policy's days are from 1 to %d"), CL_FOLLOWUP_POLICY_MAX_DAYS);
    return policy_write(v, basis, value, days);
}

cl_status cl_followup_policy_remove(cl_vault *v, const char *basis, const char *value)
{
    return policy_write(v, basis, value, 0);
}

cl_status cl_followup_policy_list(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT basis, value, days FROM followup_policies"
                                     " ORDER BY basis DESC, CAST(value AS INTEGER) DESC, value", &q);
    if (st != CL_OK)
        return st;
    const cl_form *form = cl_followup_student_form(v);
    json_t *list = json_array();
    int rc;
    while (list && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char label[160], label_zh[160];
        cl_followup_policy_label(form, col(q, 0), col(q, 1), false, label, sizeof label);
        cl_followup_policy_label(form, col(q, 0), col(q, 1), true, label_zh, sizeof label_zh);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:s, s:s}", "basis", col(q, 0), "value", col(q, 1),
                                                  "days", sqlite3_column_int(q, 2), "label", label, "label_zh",
                                                  label_zh)) != 0)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (!list)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    else if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "listing the follow-up policies");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}
