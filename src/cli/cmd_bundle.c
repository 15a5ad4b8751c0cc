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

typedef struct send_opts {
    bundle_opts o;
    long long id;
} send_opts;
static const send_opts no_send = {{false, NULL, NULL, NULL, NULL}, 0};

static int send_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    return bundle_option(c, opt, arg, &((send_opts *)ctx)->o);
}

/* The options of sending something as a bundle: --bundle --to NAME -o FILE. */
static const struct option send_options[] = {{"bundle", no_argument, NULL, 'b'},
                                             {"to", required_argument, NULL, 't'},
                                             {"output", required_argument, NULL, 'o'},
                                             {0, 0, 0, 0}};

static cl_status referral_bundle_check(cl_cli *c, void *opts)
{
    send_opts *s = opts;
    if (!s->o.bundle || !s->o.to || !s->o.out)
        return cl_fail(CL_EUSAGE, _("usage: carelog export referral ID --bundle --to OFFICE -o FILE"));
    cl_status st = cl_parse_id(c->operand[0], "referral id", &s->id);
    return st == CL_OK ? refuse_existing(s->o.out) : st;
}

static cl_status referral_bundle(cl_cli *c, void *opts, json_t **sent)
{
    const send_opts *s = opts;
    char *question = cl_strdup_printf(_("Send referral %lld to %s as %s?"), s->id, s->o.to, s->o.out);
    cl_status st = question ? cl_cli_confirm(c, question) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(question);
    return st == CL_OK ? cl_bundle_export_referral(c->vault, s->id, s->o.to, s->o.out, sent) : st;
}

static cl_status show_referral_sent(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c;
    cl_cli_say(_("Wrote the bundle %s and its signature %s for %s (%s).\nSHA-256 %s; referral %lld is %s.\n"),
               cl_json_str_or(r, "file"), cl_json_str_or(r, "signature"), cl_json_str_or(r, "office"),
               cl_json_str_or(r, "office_fingerprint"), cl_json_str_or(r, "sha256"), ((const send_opts *)opts)->id,
               state_word(cl_json_str_or(r, "state")));
    return CL_OK;
}

const cl_command_spec cl_cli_referral_bundle_spec = {
    .usage = N_("ID --bundle --to OFFICE -o FILE"),
    .help = N_("Sends a referral to a protection office as a bundle: the summary (referral.json) and a\n"
               "manifest, signed with the vault's key (minisign) and encrypted to the office (age).\n"
               "Writes FILE and FILE.minisig (mode 0600, never over existing files); hand both over.\n"
               "A draft referral moves to \"reported\" with the bundle's SHA-256 in its history. The\n"
               "export is logged. An office without carelog checks and opens it with:\n"
               "  minisign -Vm FILE -P SCHOOL_MINISIGN_KEY\n"
               "  age -d -i OFFICE_KEY_FILE -o bundle.tar FILE && tar xf bundle.tar\n"
               "  --bundle       write a signed, encrypted bundle\n"
               "  --to OFFICE    an office added with `carelog office add`\n"
               "  -o FILE        where to write it\n"),
    .options = send_options,
    .on_option = send_option,
    CL_CLI_OPTS(no_send),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = referral_bundle_check,
    .call = referral_bundle,
    .show = show_referral_sent,
};

static cl_status student_bundle_check(cl_cli *c, void *opts)
{
    (void)c;
    const send_opts *s = opts;
    if (!s->o.bundle || !s->o.to || !s->o.out)
        return cl_fail(CL_EUSAGE, _("usage: carelog export student STUDENT --bundle --to SCHOOL -o FILE"));
    return refuse_existing(s->o.out);
}

static cl_status student_bundle(cl_cli *c, void *opts, json_t **sent)
{
    send_opts *s = opts;
    cl_status st = cl_student_find(c->vault, c->operand[0], &s->id);
    if (st == CL_OK) {
        char *question = cl_strdup_printf(_("Send student #%lld's whole file to %s as %s, and mark the student "
                                            "transferred?"), s->id, s->o.to, s->o.out);
        st = question ? cl_cli_confirm(c, question) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(question);
    }
    return st == CL_OK ? cl_transfer_student_send(c->vault, s->id, s->o.to, s->o.out, sent) : st;
}

static cl_status show_student_sent(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c;
    cl_cli_say(_("Wrote the transfer %s and its signature %s for %s (%s): %lld records.\nSHA-256 %s; student #%lld "
                 "is now transferred.\n"),
               cl_json_str_or(r, "file"), cl_json_str_or(r, "signature"), cl_json_str_or(r, "school"),
               cl_json_str_or(r, "school_fingerprint"), (long long)json_integer_value(json_object_get(r, "records")),
               cl_json_str_or(r, "sha256"), ((const send_opts *)opts)->id);
    return CL_OK;
}

const cl_command_spec cl_cli_student_bundle_spec = {
    .usage = N_("STUDENT --bundle --to SCHOOL -o FILE"),
    .help = N_("Sends a student's whole file to another school's vault: details, every record with\n"
               "its earlier versions, amendments, referral history and signature, flags and\n"
               "follow-ups, signed with this vault's key (minisign) and encrypted to that school\n"
               "(age). Writes FILE and FILE.minisig (mode 0600, never over existing files); hand\n"
               "both over. The other school takes it in with `carelog import transfer FILE`. The\n"
               "student is then marked transferred here; the export is logged.\n"
               "  --bundle       write a signed, encrypted transfer\n"
               "  --to SCHOOL    a school added with `carelog school add NAME vault.pub`\n"
               "  -o FILE        where to write it\n"),
    .options = send_options,
    .on_option = send_option,
    CL_CLI_OPTS(no_send),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = student_bundle_check,
    .call = student_bundle,
    .show = show_student_sent,
};

/* ---- files taken in: a bundle, a receipt, a transfer ------------------- */

static cl_status office_open(cl_cli *c, void *opts, json_t **r)
{
    (void)opts;
    return cl_bundle_open(c->vault, c->operand[0], r);
}

static cl_status show_opened(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c, (void)opts;
    char sent[32];
    cl_time_local(cl_json_str_or(r, "sent_at"), false, sent, sizeof sent);
    cl_cli_say(_("Received referral %lld from %s (%s), sent %s; kept as #%lld.\n"),
               (long long)json_integer_value(json_object_get(r, "referral_id")), cl_json_str_or(r, "school"),
               cl_json_str_or(r, "school_fingerprint"), sent,
               (long long)json_integer_value(json_object_get(r, "id")));
    return CL_OK;
}

static const cl_command_spec open_spec = {
    .usage = N_("FILE"),
    .help = N_("In an office vault: checks a bundle (FILE and FILE.minisig) against the trusted\n"
               "schools and its manifest, decrypts it in memory and keeps it inside the vault.\n"
               "An altered, truncated, replayed or misaddressed bundle, or one from a school not\n"
               "trusted, is refused with the reason and nothing is stored.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = office_open,
    .show = show_opened,
};

static cl_status office_referrals(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_office_referrals(c->vault, list);
}

static cl_status show_received(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    if (json_array_size(list) == 0) {
        puts(_("No referrals received yet: `carelog office open FILE` opens a bundle."));
        return CL_OK;
    }
    static const char *const heads[] = {"#", N_("School"), N_("Student"), N_("State"),
                                        N_("Days"), N_("Sent"), N_("Late")};
    const char *h[7];
    for (int i = 0; i < 7; i++)
        h[i] = i ? _(heads[i]) : heads[i];
    cl_table *t = cl_table_new(7, h);
    size_t i;
    const json_t *item;
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
    return cl_cli_put_table(t);
}

static const cl_command_spec referrals_spec = {
    .usage = N_("[--json]"),
    .help = N_("In an office vault: the referrals received, by school, state and age.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = office_referrals,
    .show = show_received,
};

/* The operand as the id of a received referral. */
static cl_status received_id_check(cl_cli *c, void *opts)
{
    return cl_parse_id(c->operand[0], "id", &((send_opts *)opts)->id);
}

static cl_status office_show(cl_cli *c, void *opts, json_t **r)
{
    return cl_office_referral_get(c->vault, ((const send_opts *)opts)->id, r);
}

static cl_status show_one_received(cl_cli *c, const void *opts, const json_t *r)
{
    (void)opts;
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
    const json_t *item;
    json_array_foreach(json_object_get(r, "receipts"), i, item) {
        char line[4400];
        snprintf(line, sizeof line, "%s %s: %s", cl_json_str_or(item, "at"), cl_json_str_or(item, "status"),
                 cl_json_str_or(item, "note"));
        cl_cli_table_pair(t, _("Receipt"), line);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec office_show_spec = {
    .usage = N_("ID [--json]"),
    .help = N_("In an office vault: one received referral with its files, its summary and the\n"
               "receipts sent for it.\n"),
    CL_CLI_OPTS(no_send),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = received_id_check,
    .call = office_show,
    .show = show_one_received,
};

static cl_status receipt_check(cl_cli *c, void *opts)
{
    send_opts *s = opts;
    if (!s->o.status || !s->o.note || !s->o.out)
        return cl_fail(CL_EUSAGE, _("usage: carelog office receipt ID --status S --note TEXT -o FILE"));
    cl_status st = received_id_check(c, opts);
    return st == CL_OK ? refuse_existing(s->o.out) : st;
}

static cl_status office_receipt(cl_cli *c, void *opts, json_t **r)
{
    const send_opts *s = opts;
    return cl_receipt_write(c->vault, s->id, s->o.status, s->o.note, s->o.out, r);
}

static cl_status show_receipt(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c, (void)opts;
    cl_cli_say(_("Wrote the receipt %s (%s) and its signature %s.\n"), cl_json_str_or(r, "file"),
               state_word(cl_json_str_or(r, "status")), cl_json_str_or(r, "signature"));
    return CL_OK;
}

static const struct option receipt_options[] = {{"status", required_argument, NULL, 's'},
                                                {"note", required_argument, NULL, 'n'},
                                                {"output", required_argument, NULL, 'o'},
                                                {0, 0, 0, 0}};

static const cl_command_spec receipt_spec = {
    .usage = N_("ID --status acknowledged|handling|support|closed --note TEXT -o FILE"),
    .help = N_("In an office vault: writes a receipt for a received referral, signed by the office\n"
               "and encrypted to the school (FILE and FILE.minisig). The school imports it with\n"
               "`carelog import receipt FILE`. A status only moves forward.\n"
               "  --status S    acknowledged, handling, support or closed\n"
               "  --note TEXT   what the office did or will do (required)\n"
               "  -o FILE       where to write it\n"),
    .options = receipt_options,
    .on_option = send_option,
    CL_CLI_OPTS(no_send),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = receipt_check,
    .call = office_receipt,
    .show = show_receipt,
};

static cl_status import_receipt(cl_cli *c, void *opts, json_t **r)
{
    (void)opts;
    return cl_receipt_import(c->vault, c->operand[0], r);
}

static cl_status show_receipt_imported(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c, (void)opts;
    cl_cli_say(_("Referral %lld moved from %s to %s by %s's receipt: %s\n"),
               (long long)json_integer_value(json_object_get(r, "referral_id")), state_word(cl_json_str_or(r, "from")),
               state_word(cl_json_str_or(r, "status")), cl_json_str_or(r, "office"), cl_json_str_or(r, "note"));
    return CL_OK;
}

static const cl_command_spec import_receipt_spec = {
    .usage = N_("FILE"),
    .help = N_("Imports an office's receipt (FILE and FILE.minisig): checks the office's signature,\n"
               "decrypts it and moves the referral forward with the office's note. A receipt\n"
               "never moves a referral backwards; one from an unknown office, for a referral not\n"
               "sent to it, or imported before, is refused and nothing changes.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = import_receipt,
    .show = show_receipt_imported,
};

static cl_status import_transfer(cl_cli *c, void *opts, json_t **r)
{
    (void)opts;
    return cl_transfer_student_receive(c->vault, c->operand[0], r);
}

static cl_status show_taken_in(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c, (void)opts;
    cl_cli_say(_("Took in student %s %s (#%lld here) from %s with %lld records.\n"), cl_json_str_or(r, "number"),
               cl_json_str_or(r, "name"), (long long)json_integer_value(json_object_get(r, "student_id")),
               cl_json_str_or(r, "school"), (long long)json_integer_value(json_object_get(r, "records")));
    return CL_OK;
}

static const cl_command_spec import_transfer_spec = {
    .usage = N_("FILE"),
    .help = N_("Takes in a student sent by another school (FILE and FILE.minisig): checks the\n"
               "school's signature (it must be added with `carelog school add`), that the transfer\n"
               "is for this vault and not taken in before, decrypts it and adds the student with\n"
               "every record as written there (authors, times, history, signatures), each marked\n"
               "as received from that school. A refusal changes nothing.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = import_transfer,
    .show = show_taken_in,
};

const cl_command cl_bundle_commands[] = {
    {"import transfer", "FILE", N_("take in a student sent by another school"), NULL, &import_transfer_spec},
    {"import receipt", "FILE", N_("import an office's receipt; moves the referral forward"), NULL, &import_receipt_spec},
    {"office open", "FILE", N_("office vault: verify, decrypt and keep a referral bundle"), NULL, &open_spec},
    {"office referrals", "", N_("office vault: list the referrals received"), NULL, &referrals_spec},
    {"office show", "ID", N_("office vault: show a received referral"), NULL, &office_show_spec},
    {"office receipt", "ID --status S --note TEXT -o FILE", N_("office vault: write a signed receipt for the school"),
     NULL, &receipt_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
