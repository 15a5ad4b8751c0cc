/* The vault's settings: choices a school makes once and every front reads
 * (the interface language, the screens' auto-lock time). Kept inside the
 * encrypted database, so they travel with backups; each change is audited.
 *
 *   language          zh | en | auto (the locale)      default auto
 *   autolock_minutes  1–240: idle time before locking  default 5
 *   privacy_mode      on | off: the screens open in privacy mode     default off */
#ifndef CARELOG_SETTINGS_H
#define CARELOG_SETTINGS_H

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* The value of a setting (its default when it was never set), newly
 * allocated. CL_ENOTFOUND for a key that is not a setting. */
cl_status cl_settings_get(cl_vault *v, const char *key, char **out);

/* Sets a setting after checking its value; audited (setting.set). Bad key
 * or value: CL_EUSAGE naming what is allowed, and nothing changes. */
cl_status cl_settings_set(cl_vault *v, const char *key, const char *value);

/* [{key, value, default, allowed, summary}] in a stable order; summary is in
 * the interface language. */
cl_status cl_settings_list(cl_vault *v, json_t **out);

/* Applies the stored language unless the user chose one for this command
 * (then chosen_on_command is true). */
cl_status cl_settings_apply_language(cl_vault *v, bool chosen_on_command);

#endif
