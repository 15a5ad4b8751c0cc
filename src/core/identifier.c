/* Identifiers in one form: see identifier.h. */
#include "carelog/identifier.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

/* Invisible characters that carry no meaning in a name or number. */
static bool meaningless(uint32_t cp)
{
    return cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

static bool space(uint32_t cp)
{
    return cp == ' ' || cp == 0x3000 || cp == 0x00A0;
}

static const char *describe(uint32_t cp)
{
    if (cp == '\t')
        return _("a tab");
    if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029)
        return _("a line break");
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return _("a control character");
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
        cp == 0x061C)
        return _("a bidirectional control, which changes the order text is shown in");
    if (cp == 0x200C || cp == 0x200D)
        return _("a zero-width joiner");
    if (cp == 0xFFFD)
        return _("the replacement character left by a wrong encoding");
    return _("an invisible character");
}

static bool refused(uint32_t cp)
{
    return cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xFFFD || cl_codepoint_unsafe(cp);
}

cl_status cl_identifier_normalise(cl_identifier_kind kind, const char *text, const char *field, char **out)
{
    *out = NULL;
    const char *s = text ? text : "";
    size_t len = strlen(s);
    if (!cl_utf8_valid(s, len))
        return cl_fail(CL_EDATA, _("field %s: not valid UTF-8"), field);
    bool fold = kind != CL_IDENTIFIER_NAME;
    cl_buf b = {0};
    cl_status st = cl_buf_puts(&b, "");
    const char *p = s, *end = s + len;
    size_t kept = 0; /* bytes of b up to the last character that is no space */
    while (p < end && st == CL_OK) {
        uint32_t cp;
        const char *at = p;
        p += cl_utf8_decode(p, end, &cp);
        if (meaningless(cp))
            continue;
        if (refused(cp)) {
            char before[64];
            size_t n = (size_t)(at - s) > 60 ? 0 : (size_t)(at - s);
            memcpy(before, s, n);
            before[n] = '\0';
            char *shown = cl_text_inert(before, false);
            st = n ? cl_fail(CL_EDATA, _("field %s: contains %s (U+%04X) after \"%s\"; type it again without it"),
                             field, describe(cp), (unsigned)cp, shown ? shown : "")
                   : cl_fail(CL_EDATA, _("field %s: contains %s (U+%04X); type it again without it"), field,
                             describe(cp), (unsigned)cp);
            free(shown);
            break;
        }
        if (space(cp)) {
            if (b.len == 0)
                continue; /* leading */
            st = cl_buf_append(&b, fold || cp == ' ' ? " " : at, fold || cp == ' ' ? 1 : (size_t)(p - at));
            continue;
        }
        if (fold && cp >= 0xFF01 && cp <= 0xFF5E) {
            char c = (char)(cp - 0xFF01 + 0x21);
            st = cl_buf_append(&b, &c, 1);
        } else {
            st = cl_buf_append(&b, at, (size_t)(p - at));
        }
        kept = b.len;
    }
    if (st != CL_OK) {
        cl_buf_free(&b);
        return st;
    }
    b.len = kept; /* trailing spaces */
    b.data[kept] = '\0';
    *out = cl_buf_take(&b);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_identifier_normalise_student(json_t *fields, json_t *problems)
{
    static const struct {
        const char *id, *label;
        cl_identifier_kind kind;
    } ids[] = {
        {"number", "number (学号)", CL_IDENTIFIER_NUMBER},
        {"name", "name (姓名)", CL_IDENTIFIER_NAME},
        {"class", "class (班级)", CL_IDENTIFIER_CLASS},
    };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        const json_t *v = json_object_get(fields, ids[i].id);
        if (!json_is_string(v))
            continue;
        char *norm = NULL;
        cl_status st = cl_identifier_normalise(ids[i].kind, json_string_value(v), ids[i].label, &norm);
        if (st == CL_ESOFTWARE)
            return st;
        if (st != CL_OK) {
            st = cl_form_problem_add(problems, ids[i].id, NULL, cl_error_message());
        } else if (strcmp(norm, json_string_value(v)) != 0) {
            json_t *s = json_string(norm);
            st = s ? json_object_set_new(fields, ids[i].id, s) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"))
                   : cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
        free(norm);
        if (st != CL_OK)
            return st;
    }
    return CL_OK;
}
