/* A student's name shortened for privacy mode: enough for the counsellor
 * to recognise a row, too little for a passer-by to read who it is. */
#include "carelog/student.h"

#include <stdio.h>
#include <string.h>

#include "carelog/pinyin.h"
#include "carelog/text.h"

/* Two-character surnames, so 欧阳娜娜 keeps 欧阳 rather than 欧. */
static const char *const compound_surnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯",
    "尉迟", "公孙", "长孙", "宇文", "轩辕", "端木", "独孤", "南宫", "西门", "申屠",
};

static bool is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF);
}

/* 赵小明 → 赵XM: the surname and the pinyin initial of each given-name
 * character (某 for one without a reading). */
static void han_name(const char *name, char *out, size_t size)
{
    const char *end = name + strlen(name), *given = name;
    uint32_t cp;
    given += cl_utf8_decode(given, end, &cp);
    for (size_t i = 0; i < sizeof compound_surnames / sizeof *compound_surnames; i++) {
        size_t n = strlen(compound_surnames[i]);
        if (strncmp(name, compound_surnames[i], n) == 0 && name[n]) {
            given = name + n;
            break;
        }
    }
    size_t used = (size_t)snprintf(out, size, "%.*s", (int)(given - name), name);
    for (const char *p = given; p < end && used + 4 < size;) {
        p += cl_utf8_decode(p, end, &cp);
        const char *readings[CL_PINYIN_MAX_READINGS];
        size_t n = cl_pinyin_readings(cl_han_fold(cp), readings);
        if (n == 0)
            n = cl_pinyin_readings(cp, readings);
        if (n > 0 && readings[0][0] >= 'a' && readings[0][0] <= 'z')
            out[used++] = (char)(readings[0][0] - 'a' + 'A');
        else if (is_han(cp))
            used += (size_t)snprintf(out + used, size - used, "某");
        out[used] = '\0';
    }
}

/* Anna Smith → Smith A.: the last word as the surname, the first
 * word's initial. */
static void latin_name(const char *name, char *out, size_t size)
{
    uint32_t cp;
    int initial = (int)cl_utf8_decode(name, name + strlen(name), &cp); /* a whole character, é too */
    const char *last = strrchr(name, ' ');
    if (!last)
        snprintf(out, size, "%.*s.", initial, name);
    else
        snprintf(out, size, "%s %.*s.", last + 1, initial, name);
}

void cl_student_private_name(const char *name, char *out, size_t size)
{
    if (size == 0)
        return;
    out[0] = '\0';
    while (name && *name == ' ')
        name++;
    if (!name || !*name)
        return;
    char trimmed[256];
    snprintf(trimmed, sizeof trimmed, "%s", name);
    for (size_t n = strlen(trimmed); n > 0 && trimmed[n - 1] == ' ';)
        trimmed[--n] = '\0';
    uint32_t cp;
    cl_utf8_decode(trimmed, trimmed + strlen(trimmed), &cp);
    if (is_han(cp))
        han_name(trimmed, out, size);
    else
        latin_name(trimmed, out, size);
}
