/* The audit log as a person reads it. Entries store English sentences of
 * fixed shapes (the hash chain covers exactly those bytes, and entries
 * written before this file existed have the same shapes); here each shape
 * is matched, its arguments taken out, and the sentence said again in the
 * interface language. A text of no known shape is shown as stored. */
#include "carelog/audit.h"
#include "carelog/i18n.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/observation.h"
#include "carelog/referral.h"
#include "carelog/text.h"

#define MAX_ARGS 8

/* stored: literal text, %s (any text, shortest first) and %n (a whole
 * number). kinds, one letter per argument: '-' shown as stored, 'v' a
 * machine value shown by its label, 't' a target, 'a' an action. count: the
 * argument choosing the plural (-1 none). The display text names the
 * arguments by position (%1$s …) so that a translation may reorder them. */
typedef struct shape {
    const char *action; /* see action_fits; NULL: any entry's target or detail */
    const char *stored;
    const char *kinds;
    int count;
    const char *one, *many;
} shape;

static const shape shapes[] = {
    /* Targets, and details that name one thing. */
    {NULL, "record %n", "-", -1, N_("record %1$s"), NULL},
    {NULL, "record:%n", "-", -1, N_("record:%1$s"), NULL},
    {NULL, "student %n", "-", -1, N_("student %1$s"), NULL},
    {NULL, "students %n %n", "--", -1, N_("students %1$s %2$s"), NULL},
    {NULL, "referral %n", "-", -1, N_("referral %1$s"), NULL},
    {NULL, "flag %n", "-", -1, N_("flag %1$s"), NULL},
    {NULL, "follow-up %n", "-", -1, N_("follow-up %1$s"), NULL},
    {NULL, "form %s", "v", -1, N_("form %1$s"), NULL},
    {NULL, "inbox %n", "-", -1, N_("inbox %1$s"), NULL},
    {NULL, "quarantine %n", "-", -1, N_("quarantine %1$s"), NULL},
    {NULL, "bundle:%n", "-", -1, N_("bundle:%1$s"), NULL},
    {NULL, "policy %s %s", "vv", -1, N_("policy %1$s %2$s"), NULL},
    {NULL, "vault", "", -1, N_("vault"), NULL},
    {NULL, "roster", "", -1, N_("roster"), NULL},
    {NULL, "office", "", -1, N_("office"), NULL},
    {NULL, "records", "", -1, N_("records"), NULL},
    {NULL, "offices", "", -1, N_("offices"), NULL},
    {NULL, "trusted_schools", "", -1, N_("trusted schools"), NULL},
    {NULL, "received_bundles", "", -1, N_("received bundles"), NULL},
    {NULL, "search index", "", -1, N_("search index"), NULL},
    {NULL, "synthetic data", "", -1, N_("synthetic data"), NULL},
    {NULL, "derived state", "", -1, N_("derived state"), NULL},
    {NULL, "statistics", "", -1, N_("statistics"), NULL},
    {NULL, "version %n", "-", -1, N_("version %1$s"), NULL},
    {NULL, "database key rotated", "", -1, N_("database key rotated"), NULL},
    /* Details, by action. */
    {"list", "filter: %s; rows: %n", "v-", 1, NP_("filter: %1$s; %2$s row", "filter: %1$s; %2$s rows")},
    {"student.close", "%s", "v", -1, N_("%1$s"), NULL},
    {"student.merge",
     "student #%n (number %s) merged into #%n (number %s): %n records and %n flags moved; #%n and its own details "
     "kept, marked merged; nothing deleted",
     "-------",
     -1, N_("student #%1$s (number %2$s) merged into #%3$s (number %4$s): records moved: %5$s, flags moved: "
               "%6$s; #%7$s and its own details kept, marked merged; nothing deleted"), NULL},
    {"flag.clear", "student #%n: %s", "--", -1, N_("student #%1$s: %2$s"), NULL},
    {"followup.close", "student #%n: %s", "--", -1, N_("student #%1$s: %2$s"), NULL},
    {"form.install", "version %n (built in)", "-", -1, N_("version %1$s (built in)"), NULL},
    {"counsellor.remove", "finished after an interruption: the key slot was already gone", "",
     -1, N_("finished after an interruption: the key slot was already gone"), NULL},
    {"counsellor.passphrase", "replaced with the recovery key", "", -1, N_("replaced with the recovery key"), NULL},
    {"vault.recovery-key", "new recovery key; the old one no longer opens; database key rotated", "",
     -1, N_("new recovery key; the old one no longer opens; database key rotated"), NULL},
    {"office.open", "%s from %s sha256 %s", "---", -1, N_("%1$s from %2$s sha256 %3$s"), NULL},
    {"record.amend", "amendment %n", "-", -1, N_("amendment %1$s"), NULL},
    {"office.add", "%s keys", "-", -1, N_("%1$s, keys given by hand"), NULL},
    {"import.vault", "%n students, %n records from vault %s (%s)", "----",
     -1, N_("students: %1$s, records: %2$s, from vault %3$s (%4$s)"), NULL},
    {"teacher.revoke", "later observations from this key are quarantined", "",
     -1, N_("later observations from this key are quarantined"), NULL},
    {"inbox.receive", "from teacher #%n, severity %s", "-v", -1, N_("from teacher #%1$s, severity %2$s"), NULL},
    {"inbox.quarantine", "%s", "v", -1, N_("%1$s"), NULL},
    {"search.rebuild", "%n records", "-", 0, NP_("%1$s record", "%1$s records")},
    {"import.roster", "%n students", "-", 0, NP_("%1$s student", "%1$s students")},
    {"import.roster", "%n added, %n updated, %n unchanged, %n skipped", "----",
     -1, N_("%1$s added, %2$s updated, %3$s unchanged, %4$s skipped"), NULL},
    {"policy.set", "every %n days", "-", 0, NP_("every %1$s day", "every %1$s days")},
    {"unlock.failures", "%n failed unlock attempt(s) since the last unlock:%s", "--", 0,
     NP_("%1$s failed unlock attempt since the last unlock:%2$s",
         "%1$s failed unlock attempts since the last unlock:%2$s")},
    {"bundle.export", "bundle %s to %s sha256 %s", "---", -1, N_("bundle %1$s to %2$s sha256 %3$s"), NULL},
    {"record.create", "%s for student #%n", "v-", -1, N_("%1$s for student #%2$s"), NULL},
    {"generate", "%n students, %n records (seed %n, %n months)", "----",
     -1, N_("students: %1$s, records: %2$s (seed %3$s, months: %4$s)"), NULL},
    {"referral.move", "%s -> %s, dated %s", "vv-", -1, N_("%1$s -> %2$s, dated %3$s"), NULL},
    {"referral.move", "%s -> %s", "vv", -1, N_("%1$s -> %2$s"), NULL},
    {"receipt.write", "receipt %s %s", "-v", -1, N_("receipt %1$s %2$s"), NULL},
    {"receipt.import", "receipt %s from %s: %s", "--v", -1, N_("receipt %1$s from %2$s: %3$s"), NULL},
    {"search", "%n matches for \"%s\"%s", "---", 0,
     NP_("%1$s match for \"%2$s%3$s\"", "%1$s matches for \"%2$s%3$s\"")},
    {"export. report. office.export", "%s as %s, %n bytes, blake2b:%s", "t---",
     -1, N_("%1$s as %2$s, %3$s bytes, blake2b:%4$s"), NULL},
    {"export.vault", "plaintext JSON export of the whole vault", "",
     -1, N_("plaintext JSON export of the whole vault"), NULL},
    {"output.cleanup", "interrupted %s: %n temporary file(s) removed; the file itself %s", "a-v", 1,
     NP_("interrupted %1$s: %2$s temporary file removed; the file itself %3$s",
         "interrupted %1$s: %2$s temporary files removed; the file itself %3$s")},
};

/* Machine values inside details, and their labels for people. Referral
 * states come from the referral table. */
static const char *const values[][2] = {
    {"(none)", N_("(none)")},
    {"observation", N_("observation")},
    {"session", N_("counselling session")},
    {"assessment", N_("risk assessment")},
    {"plan", N_("intervention plan")},
    {"review", N_("plan review")},
    {"contact", N_("home-school contact")},
    {"referral", N_("referral")},
    {"student", N_("student file")},
    {"phq9", "PHQ-9"},
    {"gad7", "GAD-7"},
    {"active", N_("active")},
    {"monitoring", N_("monitoring")},
    {"transferred", N_("transferred")},
    {"low", N_("low")},
    {"medium", N_("medium")},
    {"high", N_("high")},
    {"urgent", N_("urgent")},
    {"risk", N_("risk level")},
    {"circumstance", N_("circumstance")},
    {"was written in full", N_("was written in full")},
    {"was never written", N_("was never written")},
};

static const char *value_label(const char *v)
{
    if (strcmp(cl_i18n_language(), "en") == 0)
        return v;
    const char *refusal = cl_observation_refusal_label(v);
    if (refusal)
        return refusal;
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        if (strcmp(values[i][0], v) == 0)
            return _(values[i][1]);
    const cl_referral_state *s = cl_referral_state_find(v);
    return s ? s->label_zh : v;
}

/* The actions' names for people (English shows the stored code, which is
 * what `--json` and scripts see). */
static const char *const actions[][2] = {
    {"vault.init", N_("vault created")},
    {"vault.backup", N_("backup")},
    {"vault.restore", N_("restore")},
    {"vault.recovery-key", N_("recovery key replaced")},
    {"counsellor.add", N_("counsellor added")},
    {"counsellor.remove", N_("counsellor removed")},
    {"counsellor.passphrase", N_("passphrase changed")},
    {"unlock.failures", N_("failed unlocks")},
    {"student.create", N_("student added")},
    {"student.edit", N_("student edited")},
    {"student.view", N_("student file opened")},
    {"student.close", N_("student closed")},
    {"student.merge", N_("students merged")},
    {"student.not-duplicate", N_("marked as different students")},
    {"flag.clear", N_("flag cleared")},
    {"record.create", N_("record added")},
    {"record.edit", N_("record edited")},
    {"record.view", N_("record opened")},
    {"record.sign", N_("record signed")},
    {"record.amend", N_("amendment added")},
    {"form.install", N_("form installed")},
    {"form.import", N_("form imported")},
    {"followup.close", N_("follow-up closed")},
    {"derived.repair", N_("derived state repaired")},
    {"policy.set", N_("follow-up rule set")},
    {"policy.remove", N_("follow-up rule removed")},
    {"referral.move", N_("referral moved")},
    {"bundle.export", N_("referral bundle sent")},
    {"receipt.import", N_("receipt imported")},
    {"receipt.write", N_("receipt written")},
    {"office.init", N_("office vault created")},
    {"office.add", N_("office added")},
    {"office.list", N_("offices listed")},
    {"office.open", N_("bundle opened")},
    {"office.referrals", N_("received referrals listed")},
    {"office.show", N_("received referral opened")},
    {"office.export", N_("received referral printed")},
    {"school.trust", N_("school trusted")},
    {"school.list", N_("trusted schools listed")},
    {"teacher.add", N_("teacher enrolled")},
    {"teacher.revoke", N_("teacher revoked")},
    {"inbox.receive", N_("observation received")},
    {"inbox.quarantine", N_("file quarantined")},
    {"inbox.view", N_("observation opened")},
    {"inbox.accept", N_("observation accepted")},
    {"inbox.dismiss", N_("observation dismissed")},
    {"import.roster", N_("roster imported")},
    {"import.vault", N_("vault imported")},
    {"export.referral", N_("referral summary exported")},
    {"export.student", N_("student file exported")},
    {"export.vault", N_("vault exported")},
    {"report.stats", N_("statistics exported")},
    {"report.county", N_("county totals exported")},
    {"report.ledger", N_("ledger exported")},
    {"report.difficulty", N_("difficulty ledger exported")},
    {"output.cleanup", N_("interrupted file cleaned up")},
    {"setting.set", N_("setting changed")},
    {"search", N_("search")},
    {"search.rebuild", N_("search index rebuilt")},
    {"list", N_("list viewed")},
    {"generate", N_("synthetic data generated")},
};

char *cl_audit_action_text(const char *action)
{
    if (!action)
        action = "";
    if (strcmp(cl_i18n_language(), "en") == 0)
        return cl_strdup_printf("%s", action);
    /* An output's outcome is its action with .done or .failed after it. */
    const char *suffix = NULL;
    size_t n = strlen(action);
    if (n > 5 && strcmp(action + n - 5, ".done") == 0)
        n -= 5, suffix = _("(done)");
    else if (n > 7 && strcmp(action + n - 7, ".failed") == 0)
        n -= 7, suffix = _("(failed)");
    for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
        if (strlen(actions[i][0]) == n && strncmp(actions[i][0], action, n) == 0)
            return suffix ? cl_strdup_printf("%s %s", _(actions[i][1]), suffix)
                          : cl_strdup_printf("%s", _(actions[i][1]));
    return cl_strdup_printf("%s", action);
}

typedef struct span {
    const char *at;
    size_t len;
} span;

/* True when text is exactly of the stored shape pat; args gets what each
 * %s and %n stood for. */
static bool match(const char *pat, const char *text, span *args, int n)
{
    while (*pat) {
        if (pat[0] == '%' && (pat[1] == 's' || pat[1] == 'n')) {
            if (n >= MAX_ARGS)
                return false;
            size_t most = strlen(text), least = 0;
            if (pat[1] == 'n') {
                size_t digits = 0;
                while (text[digits] >= '0' && text[digits] <= '9')
                    digits++;
                if (digits == 0)
                    return false;
                least = most = digits;
            }
            for (size_t len = least; len <= most; len++)
                if (match(pat + 2, text + len, args, n + 1)) {
                    args[n] = (span){text, len};
                    return true;
                }
            return false;
        }
        if (*pat != *text)
            return false;
        pat++, text++;
    }
    return *text == '\0';
}

/* pattern: actions separated by spaces, each exact or, ending in '.', a
 * family ("export." for every export). */
static bool action_fits(const char *pattern, const char *action)
{
    if (!pattern)
        return true;
    for (const char *p = pattern; *p;) {
        size_t n = strcspn(p, " ");
        bool family = n > 0 && p[n - 1] == '.';
        if (family ? strncmp(p, action, n) == 0 : strlen(action) == n && strncmp(p, action, n) == 0)
            return true;
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* The display text with %N$s replaced by the arguments (and %% by %): the
 * translations are checked by msgfmt as C formats, and written out here so
 * that no format string comes from a table at run time. */
static char *expand(const char *text, char **args, int nargs)
{
    cl_buf out = {0};
    cl_status st = CL_OK;
    for (const char *p = text; *p && st == CL_OK;) {
        if (p[0] == '%' && p[1] == '%') {
            st = cl_buf_puts(&out, "%");
            p += 2;
        } else if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[2] == '$' && p[3] == 's') {
            int i = p[1] - '1';
            st = cl_buf_puts(&out, i < nargs ? args[i] : "");
            p += 4;
        } else {
            const char *next = strchr(p + 1, '%');
            size_t len = next ? (size_t)(next - p) : strlen(p);
            st = cl_buf_append(&out, p, len);
            p += len;
        }
    }
    if (st != CL_OK) {
        cl_buf_free(&out);
        return NULL;
    }
    return out.data ? cl_buf_take(&out) : cl_strdup_printf("%s", "");
}

static char *render(const char *action, const char *text)
{
    if (!text)
        text = "";
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const shape *s = &shapes[i];
        span found[MAX_ARGS];
        if (!action_fits(s->action, action) || !match(s->stored, text, found, 0))
            continue;
        int nargs = (int)strlen(s->kinds);
        char *args[MAX_ARGS] = {NULL};
        bool ok = true;
        for (int a = 0; a < nargs && ok; a++) {
            char *raw = cl_strdup_printf("%.*s", (int)found[a].len, found[a].at);
            if (!raw) {
                ok = false;
                break;
            }
            switch (s->kinds[a]) {
            case 'v':
                args[a] = cl_strdup_printf("%s", value_label(raw));
                free(raw);
                break;
            case 't':
                args[a] = cl_audit_target_text(NULL, raw);
                free(raw);
                break;
            case 'a':
                args[a] = cl_audit_action_text(raw);
                free(raw);
                break;
            default:
                args[a] = raw;
            }
            ok = args[a] != NULL;
        }
        char *out = NULL;
        if (ok) {
            const char *display = s->many ? ngettext(s->one, s->many, strtoul(args[s->count], NULL, 10))
                                          : _(s->one);
            out = expand(display, args, nargs);
        }
        for (int a = 0; a < nargs; a++)
            free(args[a]);
        return out;
    }
    return cl_strdup_printf("%s", text);
}

char *cl_audit_target_text(const char *action, const char *target)
{
    /* A listing names the command that listed. */
    if (action && strcmp(action, "list") == 0 && target && strcmp(cl_i18n_language(), "en") != 0)
        return cl_strdup_printf("carelog %s", target);
    return render("", target);
}

char *cl_audit_detail_text(const char *action, const char *detail)
{
    return render(action ? action : "", detail);
}
