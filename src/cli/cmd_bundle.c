/* Bundle commands: sending a referral to an office, the office opening it,
 * listing and showing what it received, writing receipts, and the school
 * importing them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/bundle.h"
#include "carelog/catalog.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/referral.h"
#include "carelog/table.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "carelog/transfer.h"

typedef struct bundle_opts {
    bool bundle;
    const char *to, *out, *status, *note;
} bundle_opts;

/* A referral's state as the interface language names it; "received" is
 * the office's own first state. English shows the value, as typed. */
static const char *state_word(const char *state)
{
    if (strcmp(cl_cli_lang(), "en") == 0)
        return state;
    if (strcmp(state, "received") == 0)
        return _("received");
    const cl_referral_state *s = cl_referral_state_find(state);
    return s ? s->label_zh : state;
}

static int bundle_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    bundle_opts *o = ctx;
    switch (opt) {
    case 'b': o->bundle = true; break;
    case 't': o->to = arg; break;
    case 'o': o->out = arg; break;
    case 's': o->status = arg; break;
    case 'n': o->note = arg; break;
    default: break;
    }
    return 0;
}

static cl_status refuse_existing(const char *path)
{
    char sig[4200];
    snprintf(sig, sizeof sig, "%s.minisig", path);
    if (access(path, F_OK) == 0 || access(sig, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s or %s already exists; it was left untouched (choose another name)"), path,
                       sig);
    return CL_OK;
}

/* The options of sending something as a bundle: --bundle --to NAME -o FILE. */
static int parse_send(cl_cli *c, const char *usage, const char *help, bundle_opts *o, int *first)
{
    static const struct option options[] = {{"bundle", no_argument, NULL, 'b'},
                                            {"to", required_argument, NULL, 't'},
                                            {"output", required_argument, NULL, 'o'},
                                            {0, 0, 0, 0}};
    return cl_cli_parse(c, options, usage, help, bundle_option, o, 1, first);
}

int cl_cli_export_referral_bundle(cl_cli *c)
{
    bundle_opts o = {0};
    int first;
    int rc = parse_send(
        c, _("ID --bundle --to OFFICE -o FILE"),
        _("Sends a referral to a protection office as a bundle: the summary (referral.json) and a\n"
          "manifest, signed with the vault's key (minisign) and encrypted to the office (age).\n"
          "Writes FILE and FILE.minisig (mode 0600, never over existing files); hand both over.\n"
          "A draft referral moves to \"reported\" with the bundle's SHA-256 in its history. The\n"
          "export is logged. An office without carelog checks and opens it with:\n"
          "  minisign -Vm FILE -P SCHOOL_MINISIGN_KEY\n"
          "  age -d -i OFFICE_KEY_FILE -o bundle.tar FILE && tar xf bundle.tar\n"
          "  --bundle       write a signed, encrypted bundle\n"
          "  --to OFFICE    an office added with `carelog office add`\n"
          "  -o FILE        where to write it\n"),
        &o, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (!o.bundle || !o.to || !o.out)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("usage: carelog export referral ID --bundle --to OFFICE -o FILE")));
    long long id;
    cl_status st = cl_parse_id(c->argv[first], "referral id", &id);
    if (st == CL_OK)
        st = refuse_existing(o.out);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK) {
        char *question = cl_strdup_printf(_("Send referral %lld to %s as %s?"), id, o.to, o.out);
        st = question ? cl_cli_confirm(c, question) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(question);
    }
    json_t *r = NULL;
    if (st == CL_OK)
        st = cl_bundle_export_referral(c->vault, id, o.to, o.out, &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    cl_cli_say(_("Wrote the bundle %s and its signature %s for %s (%s).\nSHA-256 %s; referral %lld is %s.\n"),
               cl_json_str_or(r, "file"), cl_json_str_or(r, "signature"), cl_json_str_or(r, "office"),
               cl_json_str_or(r, "office_fingerprint"), cl_json_str_or(r, "sha256"), id,
               state_word(cl_json_str_or(r, "state")));
    json_decref(r);
    return 0;
}

int cl_cli_export_student_bundle(cl_cli *c)
{
    bundle_opts o = {0};
    int first;
    int rc = parse_send(
        c, _("STUDENT --bundle --to SCHOOL -o FILE"),
        _("Sends a student's whole file to another school's vault: details, every record with\n"
          "its earlier versions, amendments, referral history and signature, flags and\n"
          "follow-ups, signed with this vault's key (minisign) and encrypted to that school\n"
          "(age). Writes FILE and FILE.minisig (mode 0600, never over existing files); hand\n"
          "both over. The other school takes it in with `carelog import transfer FILE`. The\n"
          "student is then marked transferred here; the export is logged.\n"
          "  --bundle       write a signed, encrypted transfer\n"
          "  --to SCHOOL    a school added with `carelog school add NAME vault.pub`\n"
          "  -o FILE        where to write it\n"),
        &o, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (!o.bundle || !o.to || !o.out)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("usage: carelog export student STUDENT --bundle --to SCHOOL -o FILE")));
    cl_status st = refuse_existing(o.out);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    long long id = 0;
    if (st == CL_OK)
        st = cl_student_find(c->vault, c->argv[first], &id);
    if (st == CL_OK) {
        char *question = cl_strdup_printf(_("Send student #%lld's whole file to %s as %s, and mark the student "
                                            "transferred?"), id, o.to, o.out);
        st = question ? cl_cli_confirm(c, question) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(question);
    }
    json_t *r = NULL;
    if (st == CL_OK)
        st = cl_transfer_student_send(c->vault, id, o.to, o.out, &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    cl_cli_say(_("Wrote the transfer %s and its signature %s for %s (%s): %lld records.\nSHA-256 %s; student #%lld "
                 "is now transferred.\n"),
               cl_json_str_or(r, "file"), cl_json_str_or(r, "signature"), cl_json_str_or(r, "school"),
               cl_json_str_or(r, "school_fingerprint"), (long long)json_integer_value(json_object_get(r, "records")),
               cl_json_str_or(r, "sha256"), id);
    json_decref(r);
    return 0;
}

/* A command taking one FILE: unlock, run, and hand back the result for
 * printing (NULL with --json, when it has been printed). Returns an exit
 * code, or -1 when *out is left for the caller to print. */
static int file_command(cl_cli *c, const char *help, cl_status (*run)(cl_vault *, const char *, json_t **),
                        json_t **out)
{
    int first;
    int rc = cl_cli_operands(c, _("FILE"), help, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    json_t *r = NULL;
    if (st == CL_OK)
        st = run(c->vault, c->argv[first], &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    *out = r;
    return -1;
}

static int cmd_office_open(cl_cli *c)
{
    json_t *r;
    int rc = file_command(c,
                          _("In an office vault: checks a bundle (FILE and FILE.minisig) against the trusted\n"
                            "schools and its manifest, decrypts it in memory and keeps it inside the vault.\n"
                            "An altered, truncated, replayed or misaddressed bundle, or one from a school not\n"
                            "trusted, is refused with the reason and nothing is stored.\n"),
                          cl_bundle_open, &r);
    if (rc >= 0)
        return rc;
    char sent[32];
    cl_time_local(cl_json_str_or(r, "sent_at"), false, sent, sizeof sent);
    cl_cli_say(_("Received referral %lld from %s (%s), sent %s; kept as #%lld.\n"),
               (long long)json_integer_value(json_object_get(r, "referral_id")), cl_json_str_or(r, "school"),
               cl_json_str_or(r, "school_fingerprint"), sent,
               (long long)json_integer_value(json_object_get(r, "id")));
    json_decref(r);
    return 0;
}

static int cmd_office_referrals(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"),
                             _("In an office vault: the referrals received, by school, state and age.\n"), 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    json_t *list = NULL;
    if (st == CL_OK)
        st = cl_office_referrals(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    if (json_array_size(list) == 0) {
        puts(_("No referrals received yet: `carelog office open FILE` opens a bundle."));
        json_decref(list);
        return 0;
    }
    static const char *const heads[] = {"#", N_("School"), N_("Student"), N_("State"),
                                        N_("Days"), N_("Sent"), N_("Late")};
    const char *h[7];
    for (int i = 0; i < 7; i++)
        h[i] = i ? _(heads[i]) : heads[i];
    cl_table *t = cl_table_new(7, h);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        char id[32], days[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(item, "id")));
        snprintf(days, sizeof days, "%lld", (long long)json_integer_value(json_object_get(item, "age_days")));
        char sent[32];
        cl_time_local(cl_json_str_or(item, "sent_at"), false, sent, sizeof sent);
        const char *cells[7] = {id, cl_json_str_or(item, "school"), cl_json_str_or(item, "student"),
                                state_word(cl_json_str_or(item, "state")), days, sent,
                                cl_i18n_text(item, "late")};
        cl_table_add_row(t, cells);
    }
    json_decref(list);
    return cl_cli_table_done(t);
}

static int cmd_office_show(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("ID [--json]"),
                             _("In an office vault: one received referral with its files, its summary and the\n"
                               "receipts sent for it.\n"),
                             1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = cl_parse_id(c->argv[first], "id", &id);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    json_t *r = NULL;
    if (st == CL_OK)
        st = cl_office_referral_get(c->vault, id, &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    cl_cli_table_pair(t, _("School"), cl_json_str_or(r, "school"));
    cl_cli_table_pair(t, _("Fingerprint"), cl_json_str_or(r, "school_fingerprint"));
    cl_cli_table_pair(t, _("Student"), cl_json_str_or(r, "student"));
    const cl_form *referral = NULL;
    if (cl_catalog_current(c->vault, "referral", &referral, NULL) != CL_OK)
        cl_error_clear();
    char sent[32], received[32];
    cl_time_local(cl_json_str_or(r, "sent_at"), false, sent, sizeof sent);
    cl_time_local(cl_json_str_or(r, "received_at"), false, received, sizeof received);
    cl_cli_table_pair(t, _("Urgency"), cl_cli_choice_label(referral, "urgency", cl_json_str_or(r, "urgency")));
    cl_cli_table_pair(t, _("Reason"), cl_json_str_or(r, "reason"));
    cl_cli_table_pair(t, _("State"), state_word(cl_json_str_or(r, "state")));
    cl_cli_table_pair(t, _("Sent"), sent);
    cl_cli_table_pair(t, _("Received"), received);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(r, "receipts"), i, item) {
        char line[4400];
        snprintf(line, sizeof line, "%s %s: %s", cl_json_str_or(item, "at"), cl_json_str_or(item, "status"),
                 cl_json_str_or(item, "note"));
        cl_cli_table_pair(t, _("Receipt"), line);
    }
    json_decref(r);
    return cl_cli_table_done(t);
}

static int cmd_office_receipt(cl_cli *c)
{
    static const struct option options[] = {{"status", required_argument, NULL, 's'},
                                            {"note", required_argument, NULL, 'n'},
                                            {"output", required_argument, NULL, 'o'},
                                            {0, 0, 0, 0}};
    bundle_opts o = {0};
    int first;
    int rc = cl_cli_parse(c, options, _("ID --status acknowledged|handling|support|closed --note TEXT -o FILE"),
                          _("In an office vault: writes a receipt for a received referral, signed by the office\n"
                            "and encrypted to the school (FILE and FILE.minisig). The school imports it with\n"
                            "`carelog import receipt FILE`. A status only moves forward.\n"
                            "  --status S    acknowledged, handling, support or closed\n"
                            "  --note TEXT   what the office did or will do (required)\n"
                            "  -o FILE       where to write it\n"),
                          bundle_option, &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (!o.status || !o.note || !o.out)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("usage: carelog office receipt ID --status S --note TEXT -o FILE")));
    long long id;
    cl_status st = cl_parse_id(c->argv[first], "id", &id);
    if (st == CL_OK)
        st = refuse_existing(o.out);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    json_t *r = NULL;
    if (st == CL_OK)
        st = cl_receipt_write(c->vault, id, o.status, o.note, o.out, &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    cl_cli_say(_("Wrote the receipt %s (%s) and its signature %s.\n"), cl_json_str_or(r, "file"),
               state_word(cl_json_str_or(r, "status")), cl_json_str_or(r, "signature"));
    json_decref(r);
    return 0;
}

static int cmd_import_receipt(cl_cli *c)
{
    json_t *r;
    int rc = file_command(c,
                          _("Imports an office's receipt (FILE and FILE.minisig): checks the office's signature,\n"
                            "decrypts it and moves the referral forward with the office's note. A receipt\n"
                            "never moves a referral backwards; one from an unknown office, for a referral not\n"
                            "sent to it, or imported before, is refused and nothing changes.\n"),
                          cl_receipt_import, &r);
    if (rc >= 0)
        return rc;
    cl_cli_say(_("Referral %lld moved from %s to %s by %s's receipt: %s\n"),
               (long long)json_integer_value(json_object_get(r, "referral_id")), state_word(cl_json_str_or(r, "from")),
               state_word(cl_json_str_or(r, "status")), cl_json_str_or(r, "office"), cl_json_str_or(r, "note"));
    json_decref(r);
    return 0;
}

static int cmd_import_transfer(cl_cli *c)
{
    json_t *r;
    int rc = file_command(c,
                          _("Takes in a student sent by another school (FILE and FILE.minisig): checks the\n"
                            "school's signature (it must be added with `carelog school add`), that the transfer\n"
                            "is for this vault and not taken in before, decrypts it and adds the student with\n"
                            "every record as written there (authors, times, history, signatures), each marked\n"
                            "as received from that school. A refusal changes nothing.\n"),
                          cl_transfer_student_receive, &r);
    if (rc >= 0)
        return rc;
    cl_cli_say(_("Took in student %s %s (#%lld here) from %s with %lld records.\n"), cl_json_str_or(r, "number"),
               cl_json_str_or(r, "name"), (long long)json_integer_value(json_object_get(r, "student_id")),
               cl_json_str_or(r, "school"), (long long)json_integer_value(json_object_get(r, "records")));
    json_decref(r);
    return 0;
}

const cl_command cl_bundle_commands[] = {
    {"import transfer", "FILE", N_("take in a student sent by another school"), cmd_import_transfer, NULL},
    {"import receipt", "FILE", N_("import an office's receipt; moves the referral forward"), cmd_import_receipt, NULL},
    {"office open", "FILE", N_("office vault: verify, decrypt and keep a referral bundle"), cmd_office_open, NULL},
    {"office referrals", "", N_("office vault: list the referrals received"), cmd_office_referrals, NULL},
    {"office show", "ID", N_("office vault: show a received referral"), cmd_office_show, NULL},
    {"office receipt", "ID --status S --note TEXT -o FILE", N_("office vault: write a signed receipt for the school"),
     cmd_office_receipt, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
