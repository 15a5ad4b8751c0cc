/* The interface language: every string a person reads goes through _() (or
 * ngettext for counts) so that po/ can translate it. English is the source
 * language; po/zh_CN.po holds the Chinese.
 *
 *   cl_fail(CL_EDATA, _("the roster has no header row"));
 *   printf(ngettext("%d record\n", "%d records\n", n), n);
 *   static const char *const labels[] = { N_("Overdue"), … };  then _(labels[i])
 *   { NP_("%d day", "%d days") } in a table, then ngettext(one, many, n)
 *
 * The core may use _() too (error messages are read by people); JSON keys
 * and machine values are never translated. */
#ifndef CARELOG_I18N_H
#define CARELOG_I18N_H

#include <libintl.h>

#define _(msgid) gettext(msgid)
#define N_(msgid) (msgid)
/* A singular and plural pair in a table, given later to ngettext. */
#define NP_(one, many) (one), (many)

/* Sets up the locale and the message catalogue; call once, first thing in
 * main. The catalogue is found next to the program when run from the build
 * folder (build/locale), else under the installed share/locale. */
void cl_i18n_init(const char *argv0);

/* Chooses the language for the rest of the process: "zh", "en" or "auto"
 * (the locale: LANGUAGE, LC_ALL, LC_MESSAGES, LANG). Unknown → usage error
 * (64) and nothing changes. */
int cl_i18n_set_language(const char *lang);

/* "zh" or "en": the language messages are shown in now. */
const char *cl_i18n_language(void);

/* A human text of a JSON row in the interface language: o[key + "_zh"]
 * when Chinese is spoken and the row has it, else o[key]; "" when neither
 * (the core gives both where it writes sentences, as "reason"/"reason_zh"). */
struct json_t;
const char *cl_i18n_text(const struct json_t *o, const char *key);

#endif
