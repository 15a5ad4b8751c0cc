/* The teacher's side of sending: `observe` (the teacher's screen on a
 * terminal, the line prompts with --plain or without a screen, or
 * --field for scripts) and `teacher sent`. Neither opens the vault: they
 * need the teacher's identity, the school's vault.pub and, when the
 * counsellor published one, the teachers' roster. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/observation.h"
#include "carelog/screens.h"
#include "carelog/teacher.h"
#include "carelog/teacher_roster.h"
#include "carelog/text.h"

typedef struct observe_opts {
    const char *identity, *student, *student_name, *student_class, *output, *roster;
    bool plain, students;
    cl_field_args fields;
} observe_opts;

static int observe_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    observe_opts *o = ctx;
    switch (opt) {
    case 'I': o->identity = arg; break;
    case 's': o->student = arg; break;
    case 'N': o->student_name = arg; break;
    case 'C': o->student_class = arg; break;
    case 'o': o->output = arg; break;
    case 'R': o->roster = arg; break;
    case 'P': o->plain = true; break;
    case 'S': o->students = true; break;
    case 'f': return cl_field_args_add(&o->fields, arg);
    default: return CL_EUSAGE;
    }
    return 0;
}

/* Asks for the teacher's passphrase and opens the identity's secret. */
static cl_status unlock_identity(const cl_teacher_identity *t, cl_secret **seed)
{
    cl_secret *pass = NULL;
    cl_status st = cl_passphrase_read(_("Teacher passphrase (教师密码): "), false, &pass);
    if (st == CL_OK)
        st = cl_teacher_unlock(t, pass, seed);
    cl_secret_free(pass);
    return st;
}

#define IDENTITY_HELP N_("  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n")

static char *sent_help(void)
{
    return cl_strdup_printf("%s%s%s",
                            _("Lists the observations you sent: when, their id, your number for it, and a hash of the\n"
                              "sealed file. What you wrote is not kept on your side, and the sealed file opens only in the\n"
                              "counsellor's vault.\n"),
                            _(IDENTITY_HELP),
                            _("  --students      also whom each was about (asks your passphrase: it is kept sealed to you)\n"));
}

static cl_status teacher_sent(cl_cli *c, void *opts, json_t **list)
{
    (void)c;
    const observe_opts *o = opts;
    cl_teacher_identity *t = NULL;
    cl_secret *seed = NULL;
    cl_status st = cl_teacher_load(o->identity, &t);
    if (st == CL_OK && o->students)
        st = unlock_identity(t, &seed);
    if (st == CL_OK)
        st = cl_teacher_sent(t, seed, list);
    cl_secret_free(seed);
    cl_teacher_free(t);
    return st;
}

static cl_status show_sent(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c;
    bool students = ((const observe_opts *)opts)->students;
    const char *with_students[] = {_("Sent"), _("Student"), _("Observation"), _("No."), _("Hash")};
    const char *without[] = {_("Sent"), _("Observation"), _("No."), _("Hash")};
    cl_table *tab = students ? cl_table_new(5, with_students) : cl_table_new(4, without);
    size_t i;
    const json_t *row;
    json_array_foreach(list, i, row) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(row, "counter")));
        char at[32];
        cl_time_local(cl_json_str_or(row, "sent_at"), false, at, sizeof at);
        const char *cells[] = {at, cl_json_str_or(row, "student"),
                               cl_json_str_or(row, "id"), n, cl_json_str_or(row, "hash")};
        if (students)
            cl_table_add_row(tab, cells);
        else
            cl_table_add_row(tab, (const char *[]){cells[0], cells[2], cells[3], cells[4]});
    }
    return cl_cli_put_table(tab);
}

static const struct option sent_options[] = {
    {"identity", required_argument, NULL, 'I'}, {"students", no_argument, NULL, 'S'}, {0, 0, 0, 0}};
static const observe_opts no_options = {0};

static const cl_command_spec sent_spec = {
    .usage = "[--identity DIR] [--students] [--json]",
    .help_of = sent_help,
    .options = sent_options,
    .on_option = observe_option,
    CL_CLI_OPTS(no_options),
    .call = teacher_sent,
    .show = show_sent,
};

/* ---- the line prompts -------------------------------------------------- */

/* One line from the terminal, without its newline; false at end of input. */
static bool ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
    fputs(prompt, tty);
    fflush(tty);
    if (!fgets(buf, (int)size, tty))
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return true;
}

static void show_field(FILE *tty, const cl_field *f, bool required)
{
    const char *lang = cl_cli_lang();
    fprintf(tty, "\n");
    cl_cli_print_text(tty, cl_field_label(f, lang));
    fprintf(tty, "%s\n", required ? _(" (required)") : "");
    const char *help = strcmp(lang, "en") == 0 ? f->help_en : f->help_zh;
    if (help) {
        fprintf(tty, "  ");
        cl_cli_print_text(tty, help);
        fprintf(tty, "\n");
    }
    for (size_t i = 0; i < f->n_choices; i++) {
        fprintf(tty, "  %-18s ", f->choices[i].id);
        cl_cli_print_text(tty, strcmp(lang, "en") == 0 ? f->choices[i].label_en : f->choices[i].label_zh);
        fprintf(tty, "\n");
    }
    if (f->type == CL_FIELD_MULTI)
        fprintf(tty, _("  (several: separate them with commas)\n"));
}

/* Walks the teacher through the form on the terminal, one field at a time
 * (cl_observation_next_field decides which); an answer the form refuses is
 * asked again with the reason. With a roster, a number not on it is asked
 * again too. */
static cl_status prompt_fields(const cl_form *form, json_t *fields, const observe_opts *o,
                               const cl_teacher_roster *roster, char *number, char *name, char *klass, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return cl_fail(CL_EUSAGE, _("there is no terminal to ask on; give the answers with --field id=value"));
    char line[4096];
    cl_status st = CL_OK;
    while (st == CL_OK && !o->student && !o->student_name) {
        if (!ask(tty, _("Student number (学号; Enter if you do not know it): "), number, size))
            st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
        if (st == CL_OK && *number && roster && !cl_teacher_roster_find(roster, number)) {
            fprintf(tty, "  %s\n", _("that number is not on the roster; try again"));
            continue;
        }
        if (st == CL_OK && !*number && (!ask(tty, _("Student name (姓名): "), name, size) ||
                                        !ask(tty, _("Class (班级): "), klass, size)))
            st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
        break;
    }
    size_t pos = 0;
    const cl_field *f;
    while (st == CL_OK && (f = cl_observation_next_field(form, fields, &pos))) {
        bool required = cl_field_required(f, fields);
        show_field(tty, f, required);
        for (;;) {
            if (!ask(tty, "> ", line, sizeof line)) {
                st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
                break;
            }
            cl_status a = cl_observation_answer(form, fields, f->id, line);
            if (a == CL_OK && !(required && !*line))
                break;
            fprintf(tty, "  ");
            cl_cli_print_text(tty, a == CL_OK ? _("this one is required") : cl_error_message());
            fprintf(tty, "\n");
        }
    }
    sodium_memzero(line, sizeof line);
    fclose(tty);
    return st;
}

/* ---- observe ------------------------------------------------------------ */

/* The roster file, checked against the joined vault before anything else
 * happens; *file stays NULL when there is none (and none was named). */
static cl_status read_roster(cl_cli *c, const observe_opts *o, const cl_teacher_identity *t, unsigned char **file,
                             size_t *len, char **path)
{
    *file = NULL;
    *path = o->roster ? strdup(o->roster) : cl_strdup_printf("%s/%s", c->vault_dir, CL_TEACHER_ROSTER_FILE);
    if (!*path)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    const cl_vault_pub *vault = cl_teacher_vault(t);
    if (!vault)
        return cl_fail(CL_EUSAGE, _("join your school's vault first: `carelog teacher join vault.pub`"));
    cl_status st = cl_file_read_regular(*path, CL_TEACHER_ROSTER_MAX_FILE, file, len);
    if (st == CL_ENOTFOUND && !o->roster) {
        cl_error_clear();
        *file = NULL;
        return CL_OK;
    }
    if (st != CL_OK)
        return cl_fail_context(st, _("the teachers' roster %s cannot be read; nothing was sealed"), *path);
    st = cl_teacher_roster_verify(*file, *len, *path, vault, cl_teacher_roster_seen(t), NULL);
    if (st != CL_OK) {
        free(*file);
        *file = NULL;
    }
    return st;
}

/* The student the options name, as the roster has them: a number must be
 * on it; a name (and class) must be one student on it. */
static cl_status roster_student(const cl_teacher_roster *r, const char *roster_path, const char *number,
                                const char *name, const char *klass, const cl_roster_student **out)
{
    if (number && *number) {
        *out = cl_teacher_roster_find(r, number);
        if (!*out)
            return cl_fail(CL_ENOTFOUND, _("student number %s is not on the teachers' roster (%s, published %s); "
                                           "check the number, or ask the counsellor to publish the roster again; "
                                           "nothing was sealed"), number, roster_path,
                           cl_teacher_roster_published_at(r));
        return CL_OK;
    }
    const cl_roster_student *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cl_teacher_roster_count(r); i++) {
        const cl_roster_student *s = cl_teacher_roster_at(r, i);
        if (strcmp(s->name, name) == 0 && (!klass || !*klass || strcmp(s->klass, klass) == 0)) {
            found = s;
            n++;
        }
    }
    if (n == 0)
        return cl_fail(CL_ENOTFOUND, _("no student called %s%s%s is on the teachers' roster (%s); check the name and "
                                       "class, or give --student NUMBER; nothing was sealed"), name,
                       klass && *klass ? " / " : "", klass ? klass : "", roster_path);
    if (n > 1)
        return cl_fail(CL_EUSAGE, _("%zu students called %s are on the roster; say which with --class or --student "
                                    "NUMBER; nothing was sealed"), n, name);
    *out = found;
    return CL_OK;
}

typedef struct observe_run {
    cl_teacher_identity *t;
    unsigned char *roster_file;
    size_t roster_len;
    char *roster_path;
    cl_teacher_roster *roster;
    cl_form *own_form;
    const cl_form *form;
    char digest[65];
    json_t *fields;
    cl_secret *seed;
    char *where;
    unsigned char id[CL_OBSERVATION_ID_BYTES];
} observe_run;

static void run_free(observe_run *r)
{
    cl_teacher_free(r->t);
    free(r->roster_file);
    free(r->roster_path);
    cl_teacher_roster_free(r->roster);
    cl_form_free(r->own_form);
    json_decref(r->fields);
    cl_secret_free(r->seed);
    free(r->where);
}

static cl_status unlock_teacher(observe_run *r)
{
    return r->seed ? CL_OK : unlock_identity(r->t, &r->seed);
}

/* With a roster: unlock, open it, and write with its form; else the
 * observation form built into carelog. */
static cl_status choose_form(observe_run *r)
{
    if (!r->roster_file) {
        r->form = NULL;
        cl_status st = cl_observation_form(&r->own_form, r->digest);
        r->form = r->own_form;
        return st;
    }
    cl_status st = unlock_teacher(r);
    if (st == CL_OK)
        st = cl_teacher_roster_open(r->roster_file, r->roster_len, r->roster_path, cl_teacher_vault(r->t),
                                    cl_teacher_roster_seen(r->t), r->seed, &r->roster);
    if (st == CL_OK)
        st = cl_teacher_roster_note_seen(r->t, cl_teacher_roster_counter(r->roster));
    if (st == CL_OK) {
        r->form = cl_teacher_roster_form(r->roster);
        snprintf(r->digest, sizeof r->digest, "%s", cl_teacher_roster_form_digest(r->roster));
    }
    return st;
}

static int cmd_observe(cl_cli *c)
{
    static const struct option options[] = {
        {"identity", required_argument, NULL, 'I'},
        {"student", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'N'},
        {"class", required_argument, NULL, 'C'},
        {"field", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"roster", required_argument, NULL, 'R'},
        {"plain", no_argument, NULL, 'P'},
        {0, 0, 0, 0},
    };
    observe_opts o = {0};
    int first;
    char *help = cl_strdup_printf(
        "%s%s%s",
        _("Writes an observation about a student, signs it and seals it so that only your school's\n"
          "vault can open it — you cannot read it back. On a terminal it opens the teacher's screen:\n"
          "unlock, pick the student, fill in the form, send. Where the counsellor published the\n"
          "teachers' roster (teacher.roster in the vault folder, or --roster FILE), the student is\n"
          "picked from it and the form is the vault's; its signature is checked first. It goes into the\n"
          "vault folder's inbox/ (--vault DIR, whose vault.pub must be the one you joined), or into FILE\n"
          "with -o to hand over.\n"),
        _(IDENTITY_HELP),
        _("  --student NUMBER  the student's number; or --name NAME with --class CLASS\n"
          "  --field id=value  one answer (`carelog form show observation` on the counsellor's side\n"
          "                    lists the fields): occurred_at, categories, description, severity …\n"
          "  --roster FILE     the teachers' roster (default: teacher.roster in the vault folder)\n"
          "  --plain           ask on the terminal line by line instead of the screen\n"
          "  -o, --output FILE write the sealed file here instead of the inbox\n"));
    int rc = cl_cli_parse(c, options, "[--student NUMBER | --name NAME --class C] [--field id=value …] [-o FILE]",
                          help ? help : "", observe_option, &o, 0, &first);
    free(help);
    if (rc != 0)
        return cl_cli_exit(rc);
    observe_run r = {0};
    char number[128] = "", name[256] = "", klass[128] = "", vault_pub[4096], inbox[4096];
    snprintf(inbox, sizeof inbox, "%s/inbox", c->vault_dir);
    cl_status st = cl_teacher_load(o.identity, &r.t);
    /* The keys are checked first: nothing is written for a vault that is
     * not the one joined. */
    if (st == CL_OK && !o.output) {
        snprintf(vault_pub, sizeof vault_pub, "%s/vault.pub", c->vault_dir);
        st = cl_teacher_check_vault_pub(r.t, vault_pub);
    }
    if (st == CL_OK)
        st = read_roster(c, &o, r.t, &r.roster_file, &r.roster_len, &r.roster_path);
    bool interactive = o.fields.n == 0 && !o.fields.input;
    if (st == CL_OK && interactive && !o.plain && !c->json && !cl_passphrase_from_fd() && cl_screens_available()) {
        cl_teacher_screen_args a = {r.t, r.roster_file ? r.roster_path : NULL, r.roster_file, r.roster_len,
                                    o.output ? NULL : inbox, o.output, c->lang_chosen};
        int code = cl_teacher_screens_main(&a);
        run_free(&r);
        return code;
    }
    if (st == CL_OK)
        st = choose_form(&r);
    if (st == CL_OK)
        st = cl_field_args_build(r.form, &o.fields, &r.fields);
    if (st == CL_OK && interactive)
        st = prompt_fields(r.form, r.fields, &o, r.roster, number, name, klass, sizeof number);
    const char *num = o.student ? o.student : number, *nm = o.student_name ? o.student_name : name;
    const char *cls = o.student_class ? o.student_class : klass;
    const cl_roster_student *picked = NULL;
    if (st == CL_OK && r.roster && (*num || *nm))
        st = roster_student(r.roster, r.roster_path, num, nm, cls, &picked);
    if (picked)
        num = picked->number, nm = picked->name, cls = picked->klass;
    if (st == CL_OK)
        st = cl_observation_check(r.form, r.fields, num, nm);
    if (st == CL_OK)
        st = unlock_teacher(&r);
    cl_teacher_sending s = {num, nm, cls, r.fields, r.digest, inbox, o.output};
    if (st == CL_OK)
        st = cl_teacher_send(r.t, r.seed, &s, r.id, &r.where);
    sodium_memzero(number, sizeof number);
    sodium_memzero(name, sizeof name);
    if (st != CL_OK) {
        run_free(&r);
        return cl_cli_fail(st);
    }
    char id_hex[33];
    cl_observation_id_hex(r.id, id_hex);
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:b}", "id", id_hex, "file", r.where, "vault",
                              cl_teacher_vault(r.t)->fingerprint, "roster", r.roster != NULL);
        run_free(&r);
        return cl_cli_print_json(j);
    }
    printf(_("Sealed observation %s for the vault %s.\n"), id_hex, cl_teacher_vault(r.t)->fingerprint);
    cl_cli_say(_("Written to %s. Only the counsellor's vault can open it; nothing you wrote is kept here.\n"), r.where);
    run_free(&r);
    return 0;
}

const cl_command cl_observe_commands[] = {
    {"observe", "[--student N] [--field id=value …]", N_("teacher's side: write and seal an observation"), cmd_observe, NULL},
    {"teacher sent", "[--students]", N_("teacher's side: what you sent (no content)"), NULL, &sent_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
