#include "carelog/i18n.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/status.h"

#ifndef CARELOG_LOCALEDIR
#define CARELOG_LOCALEDIR "/usr/local/share/locale"
#endif

static const char *current = "en";

/* The language the locale asks for, as gettext reads it. Chinese schools
 * come first: a machine with no language set at all (or only C/POSIX)
 * speaks Chinese; any other language speaks English, the source. */
static const char *language_of_locale(void)
{
    static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *s = getenv(vars[i]);
        if (!s || !*s)
            continue;
        if (strncmp(s, "zh", 2) == 0)
            return "zh";
        if (strcmp(s, "C") == 0 || strcmp(s, "POSIX") == 0 || strncmp(s, "C.", 2) == 0)
            continue;
        return "en";
    }
    return "zh";
}

/* Run from the build folder, the catalogue is beside the program
 * (build/locale); installed, it is under share/locale. */
static void bind_catalogue(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            strcpy(slash + 1, "locale");
            struct stat st;
            if (stat(exe, &st) == 0 && S_ISDIR(st.st_mode)) {
                bindtextdomain("carelog", exe);
                return;
            }
        }
    }
    bindtextdomain("carelog", CARELOG_LOCALEDIR);
}

void cl_i18n_init(const char *argv0)
{
    (void)argv0;
    setlocale(LC_ALL, "");
    bind_catalogue();
    bind_textdomain_codeset("carelog", "UTF-8");
    textdomain("carelog");
    cl_i18n_set_language("auto");
}

int cl_i18n_set_language(const char *lang)
{
    if (!lang || strcmp(lang, "auto") == 0)
        lang = language_of_locale();
    if (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
        return cl_fail(CL_EUSAGE, _("the language must be zh, en or auto, not \"%s\""), lang);
    current = strcmp(lang, "zh") == 0 ? "zh" : "en";
    /* gettext follows LANGUAGE unless the message locale is plain "C", so a
     * machine without a Chinese locale installed still speaks Chinese. */
    setenv("LANGUAGE", current[0] == 'z' ? "zh_CN" : "en", 1);
    const char *msgs = setlocale(LC_MESSAGES, NULL);
    if (msgs && (strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0))
        setlocale(LC_MESSAGES, "C.UTF-8");
    textdomain("carelog"); /* makes gettext forget what it looked up before */
    return CL_OK;
}

const char *cl_i18n_language(void)
{
    return current;
}

const char *cl_i18n_text(const json_t *o, const char *key)
{
    if (current[0] == 'z') {
        char zh[64];
        snprintf(zh, sizeof zh, "%s_zh", key);
        const char *s = json_string_value(json_object_get(o, zh));
        if (s && *s)
            return s;
    }
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}
