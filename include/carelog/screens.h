/* The screens: the counsellor's interface in the terminal (src/ui), a thin
 * front over the same core the command line uses. */
#ifndef CARELOG_SCREENS_H
#define CARELOG_SCREENS_H

#include <stdbool.h>

/* Opens the screens on the vault in vault_dir (a first-run walk-through
 * when there is none); returns the exit code. */
int cl_screens_main(const char *vault_dir);

/* True when the screens can run: stdin and stdout are a terminal (or a test
 * build was given a screen script). */
bool cl_screens_available(void);

#endif
