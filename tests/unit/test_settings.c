/* Settings kept in the vault: defaults, checked values, audit, and the
 * interface language they choose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "carelog/audit.h"
#include "carelog/i18n.h"
#include "carelog/settings.h"
#include "record_fixture.h"

static char *get(fixture *f, const char *key)
{
    char *value = NULL;
    OK(cl_settings_get(f->v, key, &value));
    return value;
}

static void test_defaults(void **state)
{
    fixture *f = *state;
    char *lang = get(f, "language"), *minutes = get(f, "autolock_minutes");
    assert_string_equal(lang, "auto");
    assert_string_equal(minutes, "5");
    free(lang);
    free(minutes);
    char *none = NULL;
    assert_int_equal(cl_settings_get(f->v, "colour", &none), CL_ENOTFOUND);
    assert_null(none);
    char *privacy = get(f, "privacy_mode");
    assert_string_equal(privacy, "off");
    free(privacy);
}

/* The privacy mode the screens open in: on or off, nothing else. */
static void test_privacy_mode(void **state)
{
    fixture *f = *state;
    OK(cl_settings_set(f->v, "privacy_mode", "on"));
    static const char *const bad[] = {"yes", "ON", "", "1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(cl_settings_set(f->v, "privacy_mode", bad[i]), CL_EUSAGE);
    char *privacy = get(f, "privacy_mode");
    assert_string_equal(privacy, "on");
    free(privacy);
    OK(cl_settings_set(f->v, "privacy_mode", "off"));
    privacy = get(f, "privacy_mode");
    assert_string_equal(privacy, "off");
    free(privacy);
}

static void test_set_checks_and_audits(void **state)
{
    fixture *f = *state;
    OK(cl_settings_set(f->v, "autolock_minutes", "15"));
    static const char *const bad[] = {"0", "241", "5x", "", "-3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(cl_settings_set(f->v, "autolock_minutes", bad[i]), CL_EUSAGE);
    assert_int_equal(cl_settings_set(f->v, "language", "fr"), CL_EUSAGE);
    assert_int_equal(cl_settings_set(f->v, "colour", "red"), CL_ENOTFOUND);
    char *minutes = get(f, "autolock_minutes");
    assert_string_equal(minutes, "15"); /* the refused values changed nothing */
    free(minutes);

    json_t *log = NULL;
    OK(cl_audit_list(cl_vault_db(f->v), NULL, 0, &log));
    size_t sets = 0, i;
    json_t *e;
    json_array_foreach(log, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "action")), "setting.set") == 0) {
            sets++;
            assert_string_equal(json_string_value(json_object_get(e, "target")), "autolock_minutes");
        }
    }
    json_decref(log);
    assert_int_equal(sets, 1);
}

static void test_language_applies(void **state)
{
    fixture *f = *state;
    OK(cl_settings_set(f->v, "language", "en"));
    OK(cl_settings_apply_language(f->v, false));
    assert_string_equal(cl_i18n_language(), "en");
    OK(cl_settings_set(f->v, "language", "zh"));
    OK(cl_settings_apply_language(f->v, false));
    assert_string_equal(cl_i18n_language(), "zh");
    /* --lang on the command line wins over the vault's setting. */
    OK(cl_i18n_set_language("en"));
    OK(cl_settings_apply_language(f->v, true));
    assert_string_equal(cl_i18n_language(), "en");

    json_t *list = NULL;
    OK(cl_settings_list(f->v, &list));
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "value")), "zh");
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_set_checks_and_audits, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_privacy_mode, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_language_applies, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
