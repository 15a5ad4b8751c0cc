/* The screens: the counsellor's interface in the terminal (src/ui), a thin
 * front over the same core the command line uses. */
#ifndef CARELOG_SCREENS_H
#define CARELOG_SCREENS_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/teacher.h"

/* Opens the screens on the vault in vault_dir (a first-run walk-through
 * when there is none); returns the exit code. language_given: --lang named
 * the language, which then holds over the user's and the vault's setting. */
int cl_screens_main(const char *vault_dir, bool language_given);

/* True when the screens can run: stdin and stdout are a terminal (or a test
 * build was given a screen script). */
bool cl_screens_available(void);

/* The teacher's screen (`carelog observe` on a terminal): unlock the
 * teacher's identity, pick the student (from the roster when there is
 * one), fill in the observation form, confirm and send, see what was sent.
 * The roster (may be NULL) was checked by cl_teacher_roster_verify; it is
 * opened here once the passphrase is typed. The sealed file goes into
 * inbox_dir, or to output when that is set. Returns the exit code. */
typedef struct cl_teacher_screen_args {
    cl_teacher_identity *identity;
    const char *roster_path;
    const unsigned char *roster;
    size_t roster_len;
    const char *inbox_dir, *output;
    bool language_given; /* --lang: it holds over screens.conf */
} cl_teacher_screen_args;
int cl_teacher_screens_main(const cl_teacher_screen_args *a);

#endif
