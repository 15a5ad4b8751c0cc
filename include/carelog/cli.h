/* The command line: a thin front over the core. Commands live in
 * src/cli/cmd_*.c, each group in a table of cl_command (listed in
 * src/cli/cli.c, from which --help is generated). Most commands are a
 * cl_command_spec — usage, help, options, operands, whether the vault must
 * be unlocked, a check, the call into the core and how its result is shown
 * — run by the one front, cl_cli_run (src/cli/command.c); the few of their
 * own shape (the screens, two commands in one) are a function. */
#ifndef CARELOG_CLI_H
#define CARELOG_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "carelog/form.h"
#include "carelog/status.h"
#include "carelog/table.h"
#include "carelog/vault.h"

typedef struct cl_cli {
    char *vault_dir;          /* --vault DIR or the default */
    bool json;                /* --json */
    bool recovery;            /* --recovery */
    const char *user;         /* --user NAME (whose passphrase recovery resets) */
    bool yes;                 /* --yes: confirmations answered for scripts */
    int argc;                 /* the command's own arguments, argv[0] = command */
    char **argv;
    char **operand;           /* the operands after the options (cl_cli_run) */
    int operands;             /* how many */
    cl_vault *vault;          /* opened by cl_cli_unlock */
    bool passphrase_was_reset;
    bool lang_chosen;         /* --lang was given: the vault's setting does not apply */
} cl_cli;

/* Takes one option of a command into ctx (the command's own options):
 * 0, or the exit code after saying what is wrong (cl_cli_fail). */
typedef int (*cl_option_fn)(cl_cli *c, int opt, const char *arg, void *ctx);

/* What a command needs before its call. */
typedef enum cl_cli_needs {
    CL_CLI_NO_VAULT = 0, /* the teacher's or the office's side, a vault being made, files only */
    CL_CLI_UNLOCKED,     /* the vault open (cl_cli_unlock: passphrase, inbox taken in) */
} cl_cli_needs;

#define CL_CLI_ANY_OPERANDS (-1)

/* The shape most commands share, carried by cl_cli_run: the options
 * parsed (on_option into a copy of opts_defaults, opts_size bytes),
 * exactly `operands` operands (or any number), check (what can be refused
 * before a passphrase is asked), the vault unlocked when needs says so,
 * then call. What call leaves in *result (if anything) is printed as JSON
 * with --json; without, show (if any) says what was done for people, from
 * the result (NULL when call left none). The result is freed. A failure of
 * any step prints its message and becomes the exit code. usage and help
 * are shown through the catalogue (N_()). */
typedef struct cl_command_spec {
    const char *usage; /* after "usage: carelog NAME " */
    const char *help;
    char *(*help_of)(void); /* the help put together when shown (malloc'd), instead of help */
    const struct option *options; /* NULL: none but --help */
    cl_option_fn on_option;
    const void *opts_defaults; /* NULL: all zero */
    size_t opts_size;
    int operands;
    const char *operands_error; /* N_(): said for a wrong number of operands (NULL: the usage) */
    cl_cli_needs needs;
    cl_status (*check)(cl_cli *c, void *opts); /* may be NULL; opts is NULL without CL_CLI_OPTS */
    void (*release)(void *opts);               /* frees what check took into opts; may be NULL */
    cl_status (*call)(cl_cli *c, void *opts, json_t **result);
    cl_status (*show)(cl_cli *c, const void *opts, const json_t *result); /* may be NULL */
} cl_command_spec;

/* For a call: *result = value; CL_ESOFTWARE when value is NULL (out of
 * memory, as json_pack says it). */
cl_status cl_cli_result(json_t **result, json_t *value);

/* The options struct of a spec: its defaults and size (CL_CLI_OPTS(o)). */
#define CL_CLI_OPTS(defaults) .opts_defaults = &(defaults), .opts_size = sizeof(defaults)

typedef struct cl_command {
    const char *name;         /* "counsellor add" */
    const char *args;         /* "NAME" */
    const char *summary;      /* one line for the command list */
    int (*run)(cl_cli *c);    /* a command of its own shape, or NULL: */
    const cl_command_spec *spec; /* the shared shape, run by cl_cli_run */
} cl_command;

/* Runs a command by its spec (src/cli/command.c); returns the exit code. */
int cl_cli_run(cl_cli *c, const cl_command_spec *spec);

int cl_cli_main(int argc, char **argv);

/* Asks for the passphrase (or recovery key) and opens the vault. */
cl_status cl_cli_unlock(cl_cli *c);

/* After an unlock: takes in the teachers' files waiting in inbox/ and says
 * so on stderr (cmd_inbox.c). A failure there never stops the command. */
void cl_cli_inbox_on_unlock(cl_cli *c);

/* Prints "carelog: <message>" to stderr and returns st as an exit code. */
int cl_cli_fail(cl_status st);

/* Prints a JSON value (compact, one line) to stdout and frees it;
 * cl_cli_print_json also reports a failure (cl_cli_fail). */
cl_status cl_cli_put_json(json_t *value);
int cl_cli_print_json(json_t *value);

/* Audits a list command once (cl_audit_listing): what (the command's
 * name), the options as given, and how many rows *list holds (an array, or
 * an object of arrays). On failure *list is freed and set to NULL. */
cl_status cl_cli_audit_listing(const cl_cli *c, json_t **list);

/* The same for a list streamed rather than built: rows counted first
 * (cl_record_count, cl_student_count), so the listing is on record before
 * the first row is shown. */
cl_status cl_cli_audit_rows(const cl_cli *c, long long rows);

/* A JSON array printed a row at a time, byte for byte as cl_cli_print_json
 * prints the whole array (compact, inert), so a list of any length takes
 * the memory of one row. Start from {0}. */
/* Writes len bytes of JSON text to stdout as cl_cli_put_json does (with
 * the characters a terminal must not see raw escaped); ctx unused. For
 * JSON written by the core in pieces (cl_agenda_write_fn). */
cl_status cl_cli_write_json(const char *text, size_t len, void *ctx);

typedef struct cl_cli_json_rows {
    size_t n;
} cl_cli_json_rows;
cl_status cl_cli_json_row(cl_cli_json_rows *a, const json_t *row);
/* A row already written as its compact JSON text (len bytes). */
cl_status cl_cli_json_row_text(cl_cli_json_rows *a, const char *text, size_t len);
/* Closes the array when st is CL_OK (returns 0); otherwise ends the line
 * and reports st (cl_cli_fail). */
int cl_cli_json_rows_end(cl_cli_json_rows *a, cl_status st);
/* The same without reporting: returns st for the caller to report. */
cl_status cl_cli_json_rows_close(cl_cli_json_rows *a, cl_status st);

/* Prints text made inert (cl_text_inert) to out. */
void cl_cli_print_text(FILE *out, const char *text);

/* A plaintext export needs a yes from a person (or --yes). */
cl_status cl_cli_confirm(const cl_cli *c, const char *question);

/* What every plaintext export command takes: --format, -o/--output,
 * --from, --to (option letters 'f', 'o', 'F', 'T'). */
typedef struct cl_export_args {
    const char *format, *path, *from, *to;
} cl_export_args;

/* Takes opt into a when it is one of those; false otherwise. */
bool cl_export_args_option(cl_export_args *a, int opt, const char *arg);

/* The end of every plaintext export (src/cli/cmd_export.c): asks
 * question (cl_cli_confirm; --yes answers it), writes bytes to path with
 * cl_export_write (0600, no overwrite, audited as action on target), says
 * so, and wipes and frees bytes in every case. Returns the exit code. */
int cl_cli_write_export(cl_cli *c, const char *question, const char *action, const char *target, const char *path,
                        const char *format, unsigned char *bytes, size_t len);
/* The same for a spec's call: *written = {path, format, target, bytes},
 * which cl_cli_show_written (a spec's show) says for people (nothing when
 * written is NULL: nothing was written). */
cl_status cl_cli_export_file(cl_cli *c, const char *question, const char *action, const char *target, const char *path,
                             const char *format, unsigned char *bytes, size_t len, json_t **written);
cl_status cl_cli_show_written(cl_cli *c, const void *opts, const json_t *written);

/* Prints what cl_agenda_attention found, for people; a page of it
 * (cl_agenda_attention_page) says how many of each section it shows. */
void cl_cli_print_agenda(const json_t *agenda);

/* A list shown a page at a time (src/cli/page.c): --limit N and
 * --after CURSOR, option letters 'L' and 'A'. */
typedef struct cl_cli_page {
    long long limit; /* 0: the whole list */
    const char *after;
} cl_cli_page;

#define CL_CLI_PAGE_OPTIONS {"limit", required_argument, NULL, 'L'}, {"after", required_argument, NULL, 'A'}

/* Takes opt into p when it is one of those (0, or the exit code of a bad
 * value); 1 when it is not. */
int cl_cli_page_option(cl_cli_page *p, int opt, const char *arg);
/* --after without --limit: CL_EUSAGE. */
cl_status cl_cli_page_check(const cl_cli_page *p);

/* A table printed a block of rows at a time (CL_CLI_BLOCK_ROWS), so a
 * list of any length holds one block in memory, yet prints exactly as one
 * table: the list is streamed twice in one read transaction
 * (cl_vault_read_begin), once through cl_cli_blocks_measure and once
 * through cl_cli_blocks_add. setup (may be NULL) sets the alignment. */
#define CL_CLI_BLOCK_ROWS 1000
typedef struct cl_cli_blocks {
    size_t rows;
    bool measuring;
    cl_table *t;
} cl_cli_blocks;
/* CL_ESOFTWARE when out of memory. */
cl_status cl_cli_blocks_start(cl_cli_blocks *b, size_t ncols, const char *const *headers, void (*setup)(cl_table *t));
/* Measures the row in the first pass, adds (and at each block prints) it
 * in the second; cl_cli_blocks_second starts the second. */
cl_status cl_cli_blocks_row(cl_cli_blocks *b, const char *const *cells);
void cl_cli_blocks_second(cl_cli_blocks *b);
/* Prints what is left (nothing for a list without rows) and frees the
 * table; CL_EIO when writing failed. */
cl_status cl_cli_blocks_end(cl_cli_blocks *b, cl_status st);

/* A list streamed from the core (walk calls row for each of the rows
 * filter lets through, as cl_student_each and cl_record_each do): as JSON
 * a row at a time (cl_cli_json_row) with --json, else as a table in
 * blocks (cl_cli_blocks, both passes in one read transaction), each row
 * made into cells by the table's row; none (N_()) is said when no row
 * matches. Returns the status for the caller to report. */
typedef cl_status cl_cli_row_fn(json_t *row, void *ctx);
typedef cl_status (*cl_cli_walk_fn)(cl_cli *c, const void *filter, cl_cli_row_fn *row, void *ctx);
typedef struct cl_cli_list_table {
    size_t ncols;
    const char *const *headers;
    void (*setup)(cl_table *t); /* may be NULL */
    cl_status (*row)(cl_cli_blocks *b, const json_t *row, void *ctx);
    const char *none;
} cl_cli_list_table;
cl_status cl_cli_stream_list(cl_cli *c, cl_cli_walk_fn walk, const void *filter, const cl_cli_list_table *table,
                             void *ctx);

/* After a page: when next is a cursor, the line that asks for the page
 * after it ("carelog agenda --limit 20 --after overdue:…"). */
void cl_cli_print_next(const cl_cli *c, const cl_cli_page *p, const char *next);

/* The list of commands with a line each, from the command tables. */
void cl_cli_print_commands(FILE *out);

/* Terminal width for tables (COLUMNS, else the tty's, else 0 = unlimited). */
int cl_cli_width(void);

/* carelog with no command: the screens on a terminal; otherwise (a
 * passphrase from a descriptor, no terminal, --json) unlock and show the
 * status and agenda with the list of commands. */
int cl_cli_home(cl_cli *c);

/* Parses a command's options: calls getopt_long over c->argv and hands each
 * option to on_option (which returns 0 or an exit code). Options may stand
 * before, between or after the operands (until "--"): they are moved in
 * front first, so "record edit 12 --version 3" works like "record edit
 * --version 3 12" in every command. Prints usage for --help (returning -1),
 * wherever it stands. On success *first_arg is the index of the first
 * operand in c->argv. */
int cl_cli_options(cl_cli *c, const struct option *options, const char *usage, const char *help,
                   cl_option_fn on_option, void *ctx, int *first_arg);

/* cl_cli_options, then exactly `want` operands: otherwise prints the usage
 * and returns 64. Returns as cl_cli_options does. */
int cl_cli_parse(cl_cli *c, const struct option *options, const char *usage, const char *help,
                 cl_option_fn on_option, void *ctx, int want, int *first_arg);

/* cl_cli_parse for a command with no options of its own, only operands. */
int cl_cli_operands(cl_cli *c, const char *usage, const char *help, int want, int *first_arg);

/* The exit code for what the parsing returned: -1 (--help was printed) is
 * success. */
static inline int cl_cli_exit(int rc)
{
    return rc < 0 ? 0 : rc;
}

/* A positive whole number from text ("12" or "#12"); 64 otherwise. */
cl_status cl_parse_id(const char *text, const char *what, long long *out);

/* "zh" or "en", from the locale. */
const char *cl_cli_lang(void);

/* The label in the current language (cl_cli_lang) of a choice of a form's
 * field ("status", or "guardians.relation" for a group's subfield); the id
 * itself when the form (which may be NULL) has no such choice. */
const char *cl_cli_choice_label(const cl_form *form, const char *field, const char *id);

/* A record kind for people in the current language ("辅导", or "session"). */
const char *cl_cli_kind_label(cl_cli *c, const char *kind);

/* A record's state for people, in the current language, from a record
 * object (`record list --json`): its referral state and whether it is
 * signed ("已受理 · 已签"); "" when neither. */
void cl_cli_record_state(const json_t *rec, char *buf, size_t size);

/* The string at key, or "" (never NULL). */
const char *cl_json_str_or(const json_t *o, const char *key);

/* printf to stdout, made inert (for any text that holds stored data). */
void cl_cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* After an edit of what #id read at version read_version: whether it was
 * saved, and its version now. */
void cl_cli_print_saved(const char *what, long long id, long long read_version, long long new_version);

/* Adds a row of two cells (key, value) to a two-column table. */
void cl_cli_table_pair(cl_table *t, const char *key, const char *value);

/* Prints a table and frees it (NULL: out of memory); cl_cli_table_done
 * also reports a failure. */
cl_status cl_cli_put_table(cl_table *t);
int cl_cli_table_done(cl_table *t);

/* Field values from --field id=value and --input FILE|- (src/cli/fields.c),
 * for the student, record and form commands. */
#define CL_MAX_FIELD_ARGS 128

typedef struct cl_field_args {
    const char *items[CL_MAX_FIELD_ARGS]; /* "id=value" */
    size_t n;
    const char *input; /* --input FILE or "-" */
} cl_field_args;

/* Records one --field; exit code 64 when there are too many. */
int cl_field_args_add(cl_field_args *a, const char *item);

/* The JSON object of fields: --input's object, then each --field on top
 * (converted by cl_form_value_from_text; an empty value gives null). */
cl_status cl_field_args_build(const cl_form *form, const cl_field_args *a, json_t **out);

/* Sets fields[id] from command-line text, through the form. */
cl_status cl_field_set_text(const cl_form *form, json_t *fields, const char *id, const char *text);

/* Creates a vault in c->vault_dir under a name (a school's, or an
 * office's), asking for the new passphrase and showing the recovery key
 * once; c->vault is the open vault afterwards (cmd_vault.c). Returns the
 * status for the caller to report. */
cl_status cl_cli_create_vault(cl_cli *c, const char *name, const char *user);
/* $USER, else the login name: the default counsellor name. */
const char *cl_cli_login_name(void);

/* The commands, defined in src/cli/cmd_*.c. */
extern const cl_command cl_vault_commands[];    /* cmd_vault.c */
extern const cl_command cl_agenda_commands[];   /* cmd_agenda.c */
extern const cl_command cl_student_commands[];  /* cmd_student.c */
extern const cl_command cl_record_commands[];   /* cmd_record.c */
extern const cl_command cl_form_commands[];     /* cmd_form.c */
extern const cl_command cl_referral_commands[]; /* cmd_referral.c */
extern const cl_command cl_followup_commands[]; /* cmd_followup.c: due, policies */
extern const cl_command cl_audit_commands[];    /* cmd_audit.c */
extern const cl_command cl_transfer_commands[]; /* cmd_transfer.c: import, export, generate */
extern const cl_command cl_config_commands[];   /* cmd_config.c: settings kept in the vault */
extern const cl_command cl_office_commands[];   /* cmd_office.c: offices, trusted schools, pubkey */
extern const cl_command cl_bundle_commands[];   /* cmd_bundle.c: referral bundles and receipts */
extern const cl_command cl_teacher_commands[];  /* cmd_teacher.c: the teacher's side, and enrolment */
extern const cl_command cl_observe_commands[];  /* cmd_observe.c: the teacher's observe and sent */
extern const cl_command cl_inbox_commands[];    /* cmd_inbox.c: teachers' observations, triage */
/* `export referral ID --bundle --to OFFICE -o FILE` (cmd_bundle.c); the
 * one `export referral` command (cmd_export.c) runs it when --bundle is
 * given. */
extern const cl_command_spec cl_cli_referral_bundle_spec;
/* `export student ID --bundle …` (cmd_bundle.c): a transfer to another school. */
extern const cl_command_spec cl_cli_student_bundle_spec;

extern const cl_command cl_export_commands[];   /* cmd_export.c: export referral, export student */
extern const cl_command cl_report_commands[];   /* cmd_report.c: report ledger, difficulty, stats */
extern const cl_command cl_search_commands[];   /* cmd_search.c */

#endif
