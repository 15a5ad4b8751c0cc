/* Pinyin: how a Chinese name is typed on a Latin keyboard, so a student is
 * found by full pinyin or initials (zhaoxiaoming, zhaoxm, zxm → 赵小明), and
 * the folding of traditional characters onto simplified ones (傷 → 伤).
 *
 * The tables are generated at build time by tools/gen-unihan from Unihan's
 * kMandarin and kSimplifiedVariant (Debian's unicode-data package). */
#ifndef CARELOG_PINYIN_H
#define CARELOG_PINYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carelog/status.h"

typedef struct cl_pinyin_entry {
    uint32_t cp;
    uint16_t first, second, third; /* indexes into cl_pinyin_syllables; 0 = none */
} cl_pinyin_entry;

typedef struct cl_han_fold_entry {
    uint32_t from, to;
} cl_han_fold_entry;

/* Generated (build/gen/unihan_tables.c); both tables sorted by code point. */
extern const char *const cl_pinyin_syllables[];
extern const cl_pinyin_entry cl_pinyin_table[];
extern const size_t cl_pinyin_table_len;
extern const cl_han_fold_entry cl_han_fold_table[];
extern const size_t cl_han_fold_table_len;

/* The toneless readings of a Han character ("zhao"; ü as v, as pinyin
 * keyboards type it): 0 to 3 of them, the most common first. */
#define CL_PINYIN_MAX_READINGS 3
size_t cl_pinyin_readings(uint32_t cp, const char *out[CL_PINYIN_MAX_READINGS]);

/* The simplified form of a traditional character, else cp itself. */
uint32_t cl_han_fold(uint32_t cp);

/* The ways a name is typed, as lowercase words separated by spaces: every
 * mix of full syllables and initials for the whole name and for the given
 * name alone ("zhaoxiaoming zhaoxm zxm … xiaoming xm"), each polyphonic
 * character by each reading (at most CL_PINYIN_MAX_KEYS words for the whole
 * name, a quarter of that for the given name, the most common readings
 * first). "" when the name has no Han character. malloc'd. */
#define CL_PINYIN_MAX_KEYS 128
cl_status cl_pinyin_keys(const char *name, char **out);

/* Whether typed (Latin letters, any case) is how a pinyin keyboard user
 * starts typing name: each character in turn giving the first letters of
 * one of its readings, from the surname or from the given name, stopping
 * anywhere — so "zh", "zhang", "zhangs", "zs", "zhs", "zsan" and "san" all
 * find 张三 while the user is still typing. Anything but letters: false.
 * Reads no table but Unihan's, so it costs a few microseconds per name
 * and nothing in the index (the students list asks it of every name). */
bool cl_pinyin_matches(const char *name, const char *typed);

#endif
