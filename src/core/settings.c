#include "carelog/settings.h"
#include "carelog/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/storage.h"

typedef struct setting {
    const char *key;
    const char *fallback;
    const char *allowed; /* for people and --json */
    const char *summary; /* N_() */
    bool (*valid)(const char *value);
} setting;

static bool valid_language(const char *value)
{
    return strcmp(value, "zh") == 0 || strcmp(value, "en") == 0 || strcmp(value, "auto") == 0;
}

static bool valid_minutes(const char *value)
{
    char *end;
    long n = *value ? strtol(value, &end, 10) : 0;
    return *value && *end == '\0' && n >= 1 && n <= 240;
}

static bool valid_on_off(const char *value)
{
    return strcmp(value, "on") == 0 || strcmp(value, "off") == 0;
}

static const setting settings[] = {
    {"language", "auto", "zh|en|auto", N_("the interface language (auto: the locale)"), valid_language},
    {"autolock_minutes", "5", "1-240", N_("minutes of idle time before the screens lock"), valid_minutes},
    {"privacy_mode", "off", "on|off",
     N_("whether the screens open in privacy mode (students as surname and initials in lists)"), valid_on_off},
};

static const setting *find(const char *key)
{
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        if (strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

static cl_status unknown(const char *key)
{
    return cl_fail(CL_ENOTFOUND, _("there is no setting \"%s\"; the settings are language, autolock_minutes and privacy_mode"),
                   key);
}

static void meta_key(const setting *s, char *buf, size_t size)
{
    snprintf(buf, size, "setting.%s", s->key);
}

cl_status cl_settings_get(cl_vault *v, const char *key, char **out)
{
    const setting *s = find(key);
    if (!s)
        return unknown(key);
    char mk[64];
    meta_key(s, mk, sizeof mk);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT value FROM meta WHERE key = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, mk, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    const char *stored = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "reading the vault's settings");
    else if (!(*out = strdup(stored && s->valid(stored) ? stored : s->fallback)))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3_finalize(q);
    return st;
}

cl_status cl_settings_set(cl_vault *v, const char *key, const char *value)
{
    const setting *s = find(key);
    if (!s)
        return unknown(key);
    if (!value || !s->valid(value))
        return cl_fail(CL_EUSAGE, _("%s takes %s, not \"%s\"; nothing was changed"), s->key, s->allowed,
                       value ? value : "");
    sqlite3 *db = cl_vault_db(v);
    char mk[64];
    meta_key(s, mk, sizeof mk);
    cl_status st = cl_db_begin(db);
    if (st != CL_OK)
        return st;
    st = cl_meta_set_text(db, mk, value);
    if (st == CL_OK)
        st = cl_vault_audit(v, "setting.set", s->key, value);
    if (st == CL_OK)
        return cl_db_commit(db);
    cl_db_exec(db, "ROLLBACK");
    return st;
}

cl_status cl_settings_list(cl_vault *v, json_t **out)
{
    json_t *list = json_array();
    if (!list)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
        char *value;
        cl_status st = cl_settings_get(v, settings[i].key, &value);
        if (st != CL_OK) {
            json_decref(list);
            return st;
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", settings[i].key, "value", value,
                                              "default", settings[i].fallback, "allowed", settings[i].allowed,
                                              "summary", _(settings[i].summary)));
        free(value);
    }
    *out = list;
    return CL_OK;
}

cl_status cl_settings_apply_language(cl_vault *v, bool chosen_on_command)
{
    if (chosen_on_command)
        return CL_OK;
    char *lang;
    cl_status st = cl_settings_get(v, "language", &lang);
    if (st == CL_OK)
        st = cl_i18n_set_language(lang);
    free(lang);
    return st;
}
