/* Roster import: turning the words school systems write into the student
 * form's values (relations, circumstances, phone numbers). See roster.h. */
#include "roster_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/text.h"

/* Words for a guardian's relation beyond the form's choice ids and labels. */
static const struct {
    const char *word, *id;
} relation_words[] = {
    {"父", "father"},       {"爸爸", "father"},      {"父亲", "father"},       {"母", "mother"},
    {"妈妈", "mother"},     {"母亲", "mother"},      {"爷爷", "grandparent"},  {"奶奶", "grandparent"},
    {"外公", "grandparent"}, {"外婆", "grandparent"}, {"祖父", "grandparent"},  {"祖母", "grandparent"},
    {"外祖父", "grandparent"}, {"外祖母", "grandparent"}, {"姥姥", "grandparent"}, {"姥爷", "grandparent"},
    {"祖父母", "grandparent"}, {"继父", "step_parent"}, {"继母", "step_parent"}, {"哥哥", "sibling"},
    {"姐姐", "sibling"},    {"兄", "sibling"},       {"姐", "sibling"},        {"叔叔", "relative"},
    {"伯伯", "relative"},   {"姑姑", "relative"},    {"舅舅", "relative"},     {"阿姨", "relative"},
    {"姨妈", "relative"},   {"舅妈", "relative"},    {"婶婶", "relative"},     {"亲戚", "relative"},
    {"其他", "other"},      {"grandmother", "grandparent"}, {"grandfather", "grandparent"},
};

/* Short words for circumstances as school systems write them. */
static const struct {
    const char *word, *id;
} circumstance_words[] = {
    {"留守", "left_behind"},     {"单亲", "single_parent"},    {"残疾", "disability"},
    {"残障", "disability"},      {"困境", "in_difficulty"},    {"事实无人抚养", "unattended"},
    {"无人抚养", "unattended"},  {"流动", "migrant"},          {"随迁子女", "migrant"},
    {"离异", "divorced_parents"}, {"父母离异", "divorced_parents"}, {"孤儿", "orphan"},
    {"低保", "low_income"},      {"低保户", "low_income"},
};

/* Splits a list as people type it: , ， 、 ; ； / and spaces. Returns a
 * malloc'd copy with every separator made an ASCII comma. */
static char *split_list(const char *s)
{
    cl_buf b = {0};
    static const char *const seps[] = {"，", "、", "；", "／", "\xe3\x80\x80"};
    while (*s) {
        bool sep = false;
        for (size_t i = 0; i < sizeof seps / sizeof *seps && !sep; i++)
            if (strncmp(s, seps[i], strlen(seps[i])) == 0) {
                s += strlen(seps[i]);
                sep = true;
            }
        if (!sep && (*s == ',' || *s == ';' || *s == '/' || *s == ' ' || *s == '|')) {
            s++;
            sep = true;
        }
        if (cl_buf_append(&b, sep ? "," : s, 1) != CL_OK) {
            cl_buf_free(&b);
            return NULL;
        }
        if (!sep)
            s++;
    }
    return b.data ? cl_buf_take(&b) : strdup("");
}

/* Circumstances text → the form's multi value, with the short words school
 * systems use; "无" or "否" means none. */
cl_status cl_roster_circumstances(const cl_form *form, const char *field, const char *text, json_t **out)
{
    char *list = split_list(text);
    if (!list)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_buf b = {0};
    cl_status st = CL_OK;
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item && st == CL_OK; item = strtok_r(NULL, ",", &save)) {
        if (strcmp(item, "无") == 0 || strcmp(item, "否") == 0 || strcmp(item, "-") == 0)
            continue;
        const char *id = item;
        for (size_t i = 0; i < sizeof circumstance_words / sizeof *circumstance_words; i++)
            if (strcmp(item, circumstance_words[i].word) == 0)
                id = circumstance_words[i].id;
        st = cl_buf_printf(&b, "%s%s", b.len ? "," : "", id);
    }
    free(list);
    if (st == CL_OK)
        st = cl_form_value_from_text(form, field, b.data ? b.data : "", out);
    cl_buf_free(&b);
    return st;
}

const char *cl_roster_relation(const cl_field *rel, const char *text)
{
    for (size_t i = 0; i < rel->n_choices; i++) {
        const cl_choice *ch = &rel->choices[i];
        if (strcmp(text, ch->id) == 0 || strcmp(text, ch->label_zh) == 0 || strcasecmp(text, ch->label_en) == 0)
            return ch->id;
    }
    for (size_t i = 0; i < sizeof relation_words / sizeof *relation_words; i++)
        if (strcasecmp(text, relation_words[i].word) == 0) {
            for (size_t k = 0; k < rel->n_choices; k++)
                if (strcmp(rel->choices[k].id, relation_words[i].id) == 0)
                    return rel->choices[k].id;
        }
    return NULL;
}

char *cl_roster_trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return strndup(s, n);
}

/* A phone number as spreadsheets export it, made plain: Excel's leading
 * apostrophe (kept to stop it being read as a number), spaces of every
 * kind and full-width digits ("'138 0013 8000", "１３８…"). malloc'd. */
char *cl_roster_phone(const char *cell)
{
    char *folded = NULL;
    const char *s = cell ? cell : "";
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\'')
        s++;
    if (cl_identifier_normalise(CL_IDENTIFIER_NUMBER, s, "phone", &folded) != CL_OK) {
        cl_error_clear();
        return cl_roster_trimmed(s); /* the form's check says what is wrong with it */
    }
    char *o = folded;
    for (const char *p = folded; *p; p++)
        if (*p != ' ')
            *o++ = *p;
    *o = '\0';
    return folded;
}
