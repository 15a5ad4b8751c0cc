/* The command line: a thin front over the core. Each command is a function
 * taking the parsed global options; commands live in src/cli/cmd_*.c and are
 * listed in one table (src/cli/cli.c), from which --help is generated. */
#ifndef CARELOG_CLI_H
#define CARELOG_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_cli {
    char *vault_dir;          /* --vault DIR or the default */
    bool json;                /* --json */
    bool recovery;            /* --recovery */
    const char *user;         /* --user NAME (whose passphrase recovery resets) */
    bool yes;                 /* --yes: confirmations answered for scripts */
    int argc;                 /* the command's own arguments, argv[0] = command */
    char **argv;
    cl_vault *vault;          /* opened by cl_cli_unlock */
    bool passphrase_was_reset;
} cl_cli;

typedef struct cl_command {
    const char *name;         /* "counsellor add" */
    const char *args;         /* "NAME" */
    const char *summary;      /* one line for the command list */
    int (*run)(cl_cli *c);
} cl_command;

int cl_cli_main(int argc, char **argv);

/* Asks for the passphrase (or recovery key) and opens the vault. */
cl_status cl_cli_unlock(cl_cli *c);

/* Prints "carelog: <message>" to stderr and returns st as an exit code. */
int cl_cli_fail(cl_status st);

/* Prints a JSON value (compact, one line) to stdout and frees it. */
int cl_cli_print_json(json_t *value);

/* Prints text made inert (cl_text_inert) to out. */
void cl_cli_print_text(FILE *out, const char *text);

/* A plaintext export needs a yes from a person (or --yes). */
cl_status cl_cli_confirm(const cl_cli *c, const char *question);

/* Prints what cl_agenda_attention found, for people. */
void cl_cli_print_agenda(json_t *agenda);

/* The list of commands with a line each, from the command tables. */
void cl_cli_print_commands(FILE *out);

/* Terminal width for tables (COLUMNS, else the tty's, else 0 = unlimited). */
int cl_cli_width(void);

/* carelog with no command: until the screens exist, unlock and show the
 * status with the list of commands; with no vault yet, offer to create one. */
int cl_cli_home(cl_cli *c);

/* Parses a command's options: calls getopt_long over c->argv and hands each
 * option to on_option (which returns 0 or an exit code). Prints usage for
 * --help (returning -1). On success *first_arg is the index of the first
 * operand in c->argv. */
typedef int (*cl_option_fn)(cl_cli *c, int opt, const char *arg, void *ctx);
int cl_cli_options(cl_cli *c, const struct option *options, const char *usage, const char *help,
                   cl_option_fn on_option, void *ctx, int *first_arg);

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

#endif
