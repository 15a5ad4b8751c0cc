/* Text: UTF-8, display width, inert output, dates, encodings.
 *
 * The width tables are our own rather than glibc's wcwidth() so that a
 * cell count is the same on every machine and in every locale: the screens,
 * the CLI tables and the tests all measure with cl_codepoint_width(). */
#include "carelog/text.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CL_REPLACEMENT 0xFFFDu

/* ---- width tables ---------------------------------------------------- */

struct cl_range {
    uint32_t first, last;
};

/* Generated from Unicode 14 data (Python's unicodedata) plus the Unicode 15
 * additions: East_Asian_Width W or F, with the unassigned parts of the CJK
 * blocks and all of planes 2 and 3 counted wide as EastAsianWidth.txt
 * does by default (so CJK extensions B–H and later are two cells). */
static const struct cl_range wide_ranges[] = {
    {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
    {0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
    {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
    {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
    {0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
    {0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
    {0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
    {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x2E99},
    {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3000, 0x303E},
    {0x3041, 0x3096}, {0x3099, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E},
    {0x3190, 0x31E3}, {0x31F0, 0x321E}, {0x3220, 0x3247}, {0x3250, 0x4DBF},
    {0x4E00, 0xA48C}, {0xA490, 0xA4C6}, {0xA960, 0xA97C}, {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE66},
    {0xFE68, 0xFE6B}, {0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4},
    {0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5},
    {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB},
    {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122}, {0x1B132, 0x1B132},
    {0x1B150, 0x1B152}, {0x1B155, 0x1B155}, {0x1B164, 0x1B167},
    {0x1B170, 0x1B2FB}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
    {0x1F260, 0x1F265}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA},
    {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
    {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC},
    {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567},
    {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4},
    {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
    {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF},
    {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB},
    {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
    {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FA7C}, {0x1FA80, 0x1FA88},
    {0x1FA90, 0x1FABD}, {0x1FABF, 0x1FAC5}, {0x1FACE, 0x1FADB},
    {0x1FAE0, 0x1FAE8}, {0x1FAF0, 0x1FAF8}, {0x20000, 0x3FFFD},
};
/* Zero cells: combining marks (General_Category Mn and Me, Unicode 14 plus
 * the Unicode 15 additions) and the Hangul medial vowels and final
 * consonants, which join the syllable before them. */
static const struct cl_range zero_ranges[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
    {0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
    {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711}, {0x0730, 0x074A},
    {0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x07FD, 0x07FD}, {0x0816, 0x0819},
    {0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D}, {0x0859, 0x085B},
    {0x0898, 0x089F}, {0x08CA, 0x08E1}, {0x08E3, 0x0902}, {0x093A, 0x093A},
    {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
    {0x0962, 0x0963}, {0x0981, 0x0981}, {0x09BC, 0x09BC}, {0x09C1, 0x09C4},
    {0x09CD, 0x09CD}, {0x09E2, 0x09E3}, {0x09FE, 0x09FE}, {0x0A01, 0x0A02},
    {0x0A3C, 0x0A3C}, {0x0A41, 0x0A42}, {0x0A47, 0x0A48}, {0x0A4B, 0x0A4D},
    {0x0A51, 0x0A51}, {0x0A70, 0x0A71}, {0x0A75, 0x0A75}, {0x0A81, 0x0A82},
    {0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC5}, {0x0AC7, 0x0AC8}, {0x0ACD, 0x0ACD},
    {0x0AE2, 0x0AE3}, {0x0AFA, 0x0AFF}, {0x0B01, 0x0B01}, {0x0B3C, 0x0B3C},
    {0x0B3F, 0x0B3F}, {0x0B41, 0x0B44}, {0x0B4D, 0x0B4D}, {0x0B55, 0x0B56},
    {0x0B62, 0x0B63}, {0x0B82, 0x0B82}, {0x0BC0, 0x0BC0}, {0x0BCD, 0x0BCD},
    {0x0C00, 0x0C00}, {0x0C04, 0x0C04}, {0x0C3C, 0x0C3C}, {0x0C3E, 0x0C40},
    {0x0C46, 0x0C48}, {0x0C4A, 0x0C4D}, {0x0C55, 0x0C56}, {0x0C62, 0x0C63},
    {0x0C81, 0x0C81}, {0x0CBC, 0x0CBC}, {0x0CBF, 0x0CBF}, {0x0CC6, 0x0CC6},
    {0x0CCC, 0x0CCD}, {0x0CE2, 0x0CE3}, {0x0D00, 0x0D01}, {0x0D3B, 0x0D3C},
    {0x0D41, 0x0D44}, {0x0D4D, 0x0D4D}, {0x0D62, 0x0D63}, {0x0D81, 0x0D81},
    {0x0DCA, 0x0DCA}, {0x0DD2, 0x0DD4}, {0x0DD6, 0x0DD6}, {0x0E31, 0x0E31},
    {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC},
    {0x0EC8, 0x0ECE}, {0x0F18, 0x0F19}, {0x0F35, 0x0F35}, {0x0F37, 0x0F37},
    {0x0F39, 0x0F39}, {0x0F71, 0x0F7E}, {0x0F80, 0x0F84}, {0x0F86, 0x0F87},
    {0x0F8D, 0x0F97}, {0x0F99, 0x0FBC}, {0x0FC6, 0x0FC6}, {0x102D, 0x1030},
    {0x1032, 0x1037}, {0x1039, 0x103A}, {0x103D, 0x103E}, {0x1058, 0x1059},
    {0x105E, 0x1060}, {0x1071, 0x1074}, {0x1082, 0x1082}, {0x1085, 0x1086},
    {0x108D, 0x108D}, {0x109D, 0x109D}, {0x1160, 0x11FF}, {0x135D, 0x135F},
    {0x1712, 0x1714}, {0x1732, 0x1733}, {0x1752, 0x1753}, {0x1772, 0x1773},
    {0x17B4, 0x17B5}, {0x17B7, 0x17BD}, {0x17C6, 0x17C6}, {0x17C9, 0x17D3},
    {0x17DD, 0x17DD}, {0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886},
    {0x18A9, 0x18A9}, {0x1920, 0x1922}, {0x1927, 0x1928}, {0x1932, 0x1932},
    {0x1939, 0x193B}, {0x1A17, 0x1A18}, {0x1A1B, 0x1A1B}, {0x1A56, 0x1A56},
    {0x1A58, 0x1A5E}, {0x1A60, 0x1A60}, {0x1A62, 0x1A62}, {0x1A65, 0x1A6C},
    {0x1A73, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ACE}, {0x1B00, 0x1B03},
    {0x1B34, 0x1B34}, {0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C}, {0x1B42, 0x1B42},
    {0x1B6B, 0x1B73}, {0x1B80, 0x1B81}, {0x1BA2, 0x1BA5}, {0x1BA8, 0x1BA9},
    {0x1BAB, 0x1BAD}, {0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9}, {0x1BED, 0x1BED},
    {0x1BEF, 0x1BF1}, {0x1C2C, 0x1C33}, {0x1C36, 0x1C37}, {0x1CD0, 0x1CD2},
    {0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4},
    {0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20F0}, {0x2CEF, 0x2CF1},
    {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0xA66F, 0xA672}, {0xA674, 0xA67D},
    {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA802, 0xA802}, {0xA806, 0xA806},
    {0xA80B, 0xA80B}, {0xA825, 0xA826}, {0xA82C, 0xA82C}, {0xA8C4, 0xA8C5},
    {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA951},
    {0xA980, 0xA982}, {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD},
    {0xA9E5, 0xA9E5}, {0xAA29, 0xAA2E}, {0xAA31, 0xAA32}, {0xAA35, 0xAA36},
    {0xAA43, 0xAA43}, {0xAA4C, 0xAA4C}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0},
    {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1},
    {0xAAEC, 0xAAED}, {0xAAF6, 0xAAF6}, {0xABE5, 0xABE5}, {0xABE8, 0xABE8},
    {0xABED, 0xABED}, {0xD7B0, 0xD7FF}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0x101FD, 0x101FD}, {0x102E0, 0x102E0},
    {0x10376, 0x1037A}, {0x10A01, 0x10A03}, {0x10A05, 0x10A06},
    {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F},
    {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC},
    {0x10EFD, 0x10EFF}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11001, 0x11001}, {0x11038, 0x11046}, {0x11070, 0x11070},
    {0x11073, 0x11074}, {0x1107F, 0x11081}, {0x110B3, 0x110B6},
    {0x110B9, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102},
    {0x11127, 0x1112B}, {0x1112D, 0x11134}, {0x11173, 0x11173},
    {0x11180, 0x11181}, {0x111B6, 0x111BE}, {0x111C9, 0x111CC},
    {0x111CF, 0x111CF}, {0x1122F, 0x11231}, {0x11234, 0x11234},
    {0x11236, 0x11237}, {0x1123E, 0x1123E}, {0x112DF, 0x112DF},
    {0x112E3, 0x112EA}, {0x11300, 0x11301}, {0x1133B, 0x1133C},
    {0x11340, 0x11340}, {0x11366, 0x1136C}, {0x11370, 0x11374},
    {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446},
    {0x1145E, 0x1145E}, {0x114B3, 0x114B8}, {0x114BA, 0x114BA},
    {0x114BF, 0x114C0}, {0x114C2, 0x114C3}, {0x115B2, 0x115B5},
    {0x115BC, 0x115BD}, {0x115BF, 0x115C0}, {0x115DC, 0x115DD},
    {0x11633, 0x1163A}, {0x1163D, 0x1163D}, {0x1163F, 0x11640},
    {0x116AB, 0x116AB}, {0x116AD, 0x116AD}, {0x116B0, 0x116B5},
    {0x116B7, 0x116B7}, {0x1171D, 0x1171F}, {0x11722, 0x11725},
    {0x11727, 0x1172B}, {0x1182F, 0x11837}, {0x11839, 0x1183A},
    {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11943},
    {0x119D4, 0x119D7}, {0x119DA, 0x119DB}, {0x119E0, 0x119E0},
    {0x11A01, 0x11A0A}, {0x11A33, 0x11A38}, {0x11A3B, 0x11A3E},
    {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B},
    {0x11A8A, 0x11A96}, {0x11A98, 0x11A99}, {0x11C30, 0x11C36},
    {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F}, {0x11C92, 0x11CA7},
    {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D},
    {0x11D3F, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91},
    {0x11D95, 0x11D95}, {0x11D97, 0x11D97}, {0x11EF3, 0x11EF4},
    {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F4F, 0x16F4F},
    {0x16F8F, 0x16F92}, {0x1BC9D, 0x1BC9E}, {0x1CF00, 0x1CF2D},
    {0x1CF30, 0x1CF46}, {0x1D167, 0x1D169}, {0x1D17B, 0x1D182},
    {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244},
    {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75},
    {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF},
    {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021},
    {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E08F, 0x1E08F},
    {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF},
    {0x1E4EC, 0x1E4EF}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A},
    {0xE0100, 0xE01EF},
};

static bool in_ranges(uint32_t cp, const struct cl_range *r, size_t n)
{
    if (n == 0 || cp < r[0].first || cp > r[n - 1].last)
        return false;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp > r[mid].last)
            lo = mid + 1;
        else if (cp < r[mid].first)
            hi = mid;
        else
            return true;
    }
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one code point. A malformed sequence consumes its maximal
 * well-formed prefix (at least one byte), as Unicode recommends, so one
 * broken character becomes exactly one U+FFFD and the next good character
 * is never swallowed. */
static size_t decode(const char *s, const char *end, uint32_t *cp, bool *ok)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t avail = (size_t)(end - s);
    unsigned c = p[0];
    size_t need;
    uint32_t v;
    unsigned lo = 0x80, hi = 0xBF;

    *ok = false;
    *cp = CL_REPLACEMENT;
    if (c < 0x80) {
        *cp = c;
        *ok = true;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= avail)
            return i;
        unsigned b = p[i];
        if (b < lo || b > hi)
            return i;
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (b & 0x3Fu);
    }
    *cp = v;
    *ok = true;
    return need + 1;
}

size_t cl_utf8_decode(const char *s, const char *end, uint32_t *cp)
{
    bool ok;
    return decode(s, end, cp, &ok);
}

/* Offset of the first malformed sequence, or len when s is well formed. */
static size_t utf8_invalid_at(const char *s, size_t len)
{
    const char *p = s, *end = s + len;
    while (p < end) {
        if ((unsigned char)*p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        bool ok;
        size_t n = decode(p, end, &cp, &ok);
        if (!ok)
            return (size_t)(p - s);
        p += n;
    }
    return len;
}

bool cl_utf8_valid(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (!s)
        return false;
    return utf8_invalid_at(s, len) == len;
}

size_t cl_utf8_length(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static size_t encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- safety and width ------------------------------------------------- */

bool cl_codepoint_unsafe(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\n' && cp != '\t';
    if (cp < 0x7F)
        return false;
    if (cp <= 0x9F)
        return true; /* DEL and C1, including the 8-bit CSI 0x9B */
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return true;
    if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF))
        return true;
    switch (cp) {
    case 0x00AD: case 0x061C: case 0x180E: case 0xFEFF:
    case 0x2028: case 0x2029:
        return true;
    default:
        break;
    }
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) ||
           (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F);
}

int cl_codepoint_width(uint32_t cp)
{
    /* \n and \t are shown as a space on one line; an unsafe code point as
     * U+FFFD, which is one cell. */
    if (cp < 0x300 || cl_codepoint_unsafe(cp))
        return 1;
    if (cp >= 0x4E00 && cp <= 0x9FFF) /* CJK ideographs, most of a Chinese text: wide, without a search */
        return 2;
    if (in_ranges(cp, zero_ranges, COUNT(zero_ranges)))
        return 0;
    if (in_ranges(cp, wide_ranges, COUNT(wide_ranges)))
        return 2;
    return 1;
}

/* One step through s as the terminal will get it: returns the bytes
 * consumed and stores the code point to show. The single place that decides
 * what is inert, so cl_text_inert, cl_text_width and cl_text_fit agree. */
static size_t shown_step(const char *s, const char *end, bool keep_newlines,
                         uint32_t *cp)
{
    bool ok;
    size_t n = decode(s, end, cp, &ok);
    if (!ok) {
        *cp = CL_REPLACEMENT;
        return n;
    }
    /* Windows line ends are one line break, not a stray control. */
    if (*cp == '\r' && end - s >= 2 && s[1] == '\n') {
        *cp = keep_newlines ? '\n' : ' ';
        return 2;
    }
    /* A tab moves the cursor to wherever the terminal's tab stops are, so
     * it would break every layout: it is shown as a space, lines or not. */
    if (*cp == '\t') {
        *cp = ' ';
        return n;
    }
    if (*cp == '\n') {
        if (!keep_newlines)
            *cp = ' ';
        return n;
    }
    if (cl_codepoint_unsafe(*cp))
        *cp = CL_REPLACEMENT;
    return n;
}

int cl_text_width(const char *s)
{
    if (!s)
        return 0;
    const char *end = s + strlen(s);
    long total = 0;
    while (s < end) {
        uint32_t cp;
        s += shown_step(s, end, false, &cp);
        total += cl_codepoint_width(cp);
        if (total >= INT_MAX)
            return INT_MAX;
    }
    return (int)total;
}

char *cl_text_inert(const char *s, bool keep_newlines)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    /* Worst case: every byte becomes a three-byte U+FFFD. */
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    const char *end = s + len;
    size_t o = 0;
    while (s < end) {
        uint32_t cp;
        s += shown_step(s, end, keep_newlines, &cp);
        o += encode(cp, out + o);
    }
    out[o] = '\0';
    return out;
}

char *cl_text_fit(const char *s, int cells, bool pad)
{
    if (!s)
        s = "";
    if (cells < 0)
        cells = 0;
    size_t len = strlen(s);
    if (len > (SIZE_MAX - 8 - (size_t)cells) / 3)
        return NULL;
    char *out = malloc(len * 3 + 3 + (size_t)cells + 1);
    if (!out)
        return NULL;

    int total = cl_text_width(s);
    bool cut = total > cells;
    /* Leave one cell for the ellipsis when cutting. */
    int limit = cut ? cells - 1 : cells;
    const char *end = s + len;
    size_t o = 0;
    int used = 0;
    if (limit >= 0) {
        while (s < end) {
            uint32_t cp;
            size_t n = shown_step(s, end, false, &cp);
            int w = cl_codepoint_width(cp);
            /* A wide character that would straddle the limit is left out
             * whole; the padding below fills its cell. */
            if (used + w > limit)
                break;
            o += encode(cp, out + o);
            used += w;
            s += n;
        }
    }
    if (cut && cells > 0) {
        o += encode(0x2026, out + o);
        used += 1;
    }
    if (pad)
        while (used < cells) {
            out[o++] = ' ';
            used++;
        }
    out[o] = '\0';
    return out;
}

/* ---- dates ------------------------------------------------------------ */

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Reads between min and max ASCII digits (isdigit() would accept other
 * locales' digits and sign characters are not digits). */
static const char *read_digits(const char *p, int min, int max, int *v)
{
    int n = 0, value = 0;
    while (n < max && p[n] >= '0' && p[n] <= '9') {
        value = value * 10 + (p[n] - '0');
        n++;
    }
    if (n < min)
        return NULL;
    *v = value;
    return p + n;
}

static bool valid_date(int y, int m, int d)
{
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 &&
           d <= month_days(y, m);
}

/* Parses a date at the start of s; returns the end of it or NULL. */
static const char *date_prefix(const char *s, int *y, int *m, int *d)
{
    static const char year_mark[] = "\xE5\xB9\xB4";  /* 年 */
    static const char month_mark[] = "\xE6\x9C\x88"; /* 月 */
    static const char day_mark[] = "\xE6\x97\xA5";   /* 日 */
    const char *p = read_digits(s, 4, 4, y);
    if (!p)
        return NULL;
    if (strncmp(p, year_mark, 3) == 0) {
        if (!(p = read_digits(p + 3, 1, 2, m)) || strncmp(p, month_mark, 3) != 0)
            return NULL;
        if (!(p = read_digits(p + 3, 1, 2, d)) || strncmp(p, day_mark, 3) != 0)
            return NULL;
        p += 3;
    } else if (p[0] >= '0' && p[0] <= '9') {
        /* YYYYMMDD, as school systems and Excel export dates as numbers. */
        if (!read_digits(p, 2, 2, m) || !read_digits(p + 2, 2, 2, d))
            return NULL;
        p += 4;
    } else if (*p == '-' || *p == '/' || *p == '.') {
        char sep = *p;
        if (!(p = read_digits(p + 1, 1, 2, m)) || *p != sep)
            return NULL;
        if (!(p = read_digits(p + 1, 1, 2, d)))
            return NULL;
    } else {
        return NULL;
    }
    return valid_date(*y, *m, *d) ? p : NULL;
}

bool cl_date_parse(const char *s, char out[11])
{
    int y, m, d;
    const char *end;
    if (!s || !(end = date_prefix(s, &y, &m, &d)) || *end != '\0')
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return true;
}

bool cl_datetime_parse(const char *s, char out[17])
{
    int y, mo, d, h, mi, sec;
    const char *p;
    if (!s || !(p = date_prefix(s, &y, &mo, &d)))
        return false;
    if (*p != ' ' && *p != 'T')
        return false;
    if (!(p = read_digits(p + 1, 1, 2, &h)) || *p != ':' || h > 23)
        return false;
    if (!(p = read_digits(p + 1, 2, 2, &mi)) || mi > 59)
        return false;
    if (*p == ':') {
        if (!(p = read_digits(p + 1, 2, 2, &sec)) || sec > 59)
            return false;
    }
    if (*p != '\0')
        return false;
    snprintf(out, 17, "%04d-%02d-%02dT%02d:%02d", y, mo, d, h, mi);
    return true;
}

long cl_date_days(const char s[11])
{
    int y, m, d;
    if (!s)
        return LONG_MIN;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return LONG_MIN;
    }
    if (s[10] != '\0')
        return LONG_MIN;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!valid_date(y, m, d))
        return LONG_MIN;
    /* Howard Hinnant's days_from_civil, in a March-based year so the leap
     * day falls at the end. */
    long yy = y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long mp = (m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ---- encodings -------------------------------------------------------- */

enum cl_encoding { ENC_UTF8, ENC_GB18030, ENC_AUTO };

/* The line (1-based) holding byte `at`, for messages people can act on: a
 * spreadsheet shows lines, not byte offsets. A line feed is one byte in
 * UTF-8 and GB18030 alike and never part of another character. */
static size_t line_at(const char *in, size_t at)
{
    size_t line = 1;
    for (const char *p = in; (p = memchr(p, '\n', (size_t)(in + at - p))) != NULL; p++)
        line++;
    return line;
}

static cl_status copy_utf8(const char *in, size_t len, char **out, size_t *out_len)
{
    size_t bad = utf8_invalid_at(in, len);
    if (bad != len)
        return cl_fail(CL_EDATA,
                       _("line %zu: not valid UTF-8 (is the file GB18030? "
                       "try encoding gb18030)"), line_at(in, bad));
    char *copy = malloc(len + 1);
    if (!copy)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (len)
        memcpy(copy, in, len);
    copy[len] = '\0';
    *out = copy;
    *out_len = len;
    return CL_OK;
}

static cl_status convert_gb18030(const char *in, size_t len, char **out,
                                 size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return cl_fail(CL_ESOFTWARE, _("GB18030 conversion is not available: %s"),
                       strerror(errno));
    /* A GB18030 character of n bytes is at most n+1 bytes of UTF-8
     * (two bytes become at most three); start there and grow if wrong. */
    size_t cap = len + len / 2 + 8;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype is not const */
    size_t ileft = len;
    char *op = buf;
    size_t oleft = cap - 1;
    cl_status st = CL_OK;
    while (ileft > 0) {
        if (iconv(cd, &ip, &ileft, &op, &oleft) != (size_t)-1)
            break;
        size_t at = (size_t)(ip - in);
        if (errno == E2BIG) {
            size_t used = (size_t)(op - buf);
            size_t ncap = cap * 2;
            char *grown = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!grown) {
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
                break;
            }
            buf = grown;
            cap = ncap;
            op = buf + used;
            oleft = cap - 1 - used;
        } else if (errno == EINVAL) {
            st = cl_fail(CL_EDATA, _("line %zu: a GB18030 character is cut off "
                         "at the end of the file"), line_at(in, at));
            break;
        } else {
            st = cl_fail(CL_EDATA, _("line %zu: not valid GB18030 (is the "
                         "file UTF-8? try encoding utf-8)"), line_at(in, at));
            break;
        }
    }
    iconv_close(cd);
    if (st != CL_OK) {
        free(buf);
        return st;
    }
    *op = '\0';
    size_t n = (size_t)(op - buf);
    /* GB18030's own byte order mark (84 31 95 33) decodes to U+FEFF. */
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, n - 3 + 1);
        n -= 3;
    }
    if (!cl_utf8_valid(buf, n) || memchr(buf, '\0', n)) {
        free(buf);
        return cl_fail(CL_ESOFTWARE, _("GB18030 conversion produced invalid UTF-8"));
    }
    *out = buf;
    *out_len = n;
    return CL_OK;
}

cl_status cl_text_to_utf8(const char *in, size_t len, const char *encoding,
                          char **out, size_t *out_len)
{
    enum cl_encoding enc;
    size_t dummy_len;
    if (!out_len)
        out_len = &dummy_len;
    *out = NULL;
    *out_len = 0;
    if (!in)
        len = 0;
    if (!encoding || strcasecmp(encoding, "auto") == 0)
        enc = ENC_AUTO;
    else if (strcasecmp(encoding, "utf-8") == 0 || strcasecmp(encoding, "utf8") == 0)
        enc = ENC_UTF8;
    /* GBK and GB2312 are subsets of GB18030, and Windows calls GBK cp936. */
    else if (strcasecmp(encoding, "gb18030") == 0 || strcasecmp(encoding, "gbk") == 0 ||
             strcasecmp(encoding, "gb2312") == 0 || strcasecmp(encoding, "cp936") == 0)
        enc = ENC_GB18030;
    else
        return cl_fail(CL_EUSAGE, _("unknown encoding \"%s\" (use utf-8, gb18030 or auto)"),
                       encoding);
    if (len == 0)
        return copy_utf8("", 0, out, out_len);

    const unsigned char *u = (const unsigned char *)in;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return cl_fail(CL_EDATA, _("the file is UTF-16 text; save it as UTF-8 or "
                       "GB18030 (in Excel: CSV UTF-8)"));
    const char *nul = memchr(in, '\0', len);
    if (nul)
        return cl_fail(CL_EDATA, _("line %zu: a NUL byte, so this is not a text file "
                       "(UTF-16? save it as UTF-8 or GB18030)"), line_at(in, (size_t)(nul - in)));

    bool bom = len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;
    size_t start = bom ? 3 : 0;
    if (enc == ENC_GB18030 && bom)
        return cl_fail(CL_EDATA, _("the file starts with a UTF-8 byte order mark, so "
                       "it is UTF-8, not GB18030 (use encoding utf-8 or auto)"));
    if (enc == ENC_AUTO)
        enc = bom || cl_utf8_valid(in, len) ? ENC_UTF8 : ENC_GB18030;
    if (enc == ENC_UTF8)
        return copy_utf8(in + start, len - start, out, out_len);
    return convert_gb18030(in, len, out, out_len);
}

/* ---- formatted strings and buffers ------------------------------------ */

char *cl_strdup_printf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static cl_status buf_reserve(cl_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - 1 - b->len)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t need = b->len + extra + 1;
    if (b->data && need <= b->cap)
        return CL_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    /* A buffer holds a record's text more often than not: the process's
     * realloc wipes the block it moves away from (memory.h). */
    char *grown = realloc(b->data, cap);
    if (!grown)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (!b->data)
        grown[0] = '\0';
    b->data = grown;
    b->cap = cap;
    return CL_OK;
}

cl_status cl_buf_append(cl_buf *b, const char *bytes, size_t n)
{
    cl_status st = buf_reserve(b, n);
    if (st != CL_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CL_OK;
}

cl_status cl_buf_puts(cl_buf *b, const char *s)
{
    return cl_buf_append(b, s, strlen(s));
}

cl_status cl_buf_vprintf(cl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return cl_fail(CL_ESOFTWARE, _("formatting failed"));
    cl_status st = buf_reserve(b, (size_t)n);
    if (st != CL_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CL_OK;
}

cl_status cl_buf_printf(cl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_status st = cl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

char *cl_buf_take(cl_buf *b)
{
    char *s = b->data;
    if (!s)
        s = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void cl_buf_free(cl_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Whether any of the eight bytes in w needs more than a copy inside a
 * JSON string: a C0 control, ", \\, or a byte of a character beyond ASCII
 * (to be checked). Each test is exact for the word as a whole. */
static bool json_word_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    return ((w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs) != 0;
}

/* The length of the stretch of s[0..n) that goes into a JSON string as it
 * is: ASCII but the controls, " and \\ (eight bytes at a time while it
 * lasts), and three-byte characters whose lead byte is E1–EC or EE–EF,
 * valid with any two continuation bytes (E0 and ED have narrower
 * ranges), which holds most CJK text. */
static size_t json_plain_run(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), !json_word_special(w))) {
            i += 8;
            continue;
        }
        if (i >= n)
            return i;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0xE1 && c <= 0xEF && c != 0xED && n - i >= 3 && ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
            ((unsigned char)s[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        return i;
    }
}

/* s[0..n) as the inside of a JSON string, written at o (room for 6n
 * bytes): the bytes written, or SIZE_MAX when s is not UTF-8. Checked and
 * escaped in one pass. */
static size_t json_escape_into(char *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *start = o;
    for (size_t i = 0; i < n;) {
        size_t run = json_plain_run(s + i, n - i);
        memcpy(o, s + i, run);
        o += run;
        i += run;
        if (i == n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            uint32_t cp;
            bool ok;
            size_t k = decode(s + i, s + n, &cp, &ok);
            if (!ok)
                return SIZE_MAX;
            memcpy(o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        i++;
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
        }
    }
    return (size_t)(o - start);
}

/* Room for a string of n bytes written as JSON (its quotes and at most
 * six bytes for each) and extra more. */
static cl_status reserve_json(cl_buf *b, size_t n, size_t extra)
{
    if (n > (SIZE_MAX - 2 - extra) / 6)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return buf_reserve(b, n * 6 + 2 + extra);
}

size_t cl_json_string_write(char *out, const char *s, size_t n)
{
    *out = '"';
    size_t k = json_escape_into(out + 1, s, n);
    if (k == SIZE_MAX)
        return SIZE_MAX;
    out[1 + k] = '"';
    return k + 2;
}

/* Writes the quoted string at the buffer's end without moving len; the
 * bytes written, or SIZE_MAX (the buffer as it was) when not UTF-8. */
static size_t put_json_string(cl_buf *b, size_t at, const char *s, size_t n)
{
    size_t k = cl_json_string_write(b->data + at, s, n);
    if (k == SIZE_MAX) {
        b->data[b->len] = '\0';
        return SIZE_MAX;
    }
    b->data[at + k] = '\0';
    return k;
}

cl_status cl_buf_json_string(cl_buf *b, const char *s, size_t n)
{
    cl_status st = reserve_json(b, n, 0);
    if (st != CL_OK)
        return st;
    size_t k = put_json_string(b, b->len, s, n);
    if (k == SIZE_MAX)
        return cl_fail(CL_EDATA, _("a text is not valid UTF-8"));
    b->len += k;
    return CL_OK;
}

/* jansson escapes C0 controls but passes DEL, C1 controls, bidirectional
 * and invisible format characters through raw. They can only stand inside
 * JSON strings, where \uXXXX means the same character, so writing them
 * escaped keeps the data identical and the terminal safe. */
void cl_text_put_json(const char *text, size_t len, FILE *out)
{
    const char *p = text, *end = text + len, *run = text;
    /* Safe stretches go out in one write each: ASCII below DEL needs no
     * decoding (jansson escapes the controls itself), nor do the common
     * CJK characters U+3000–U+CFFF (lead bytes E3–EC), none of them unsafe. */
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x7F) {
            /* Eight bytes at a time while none is DEL or above: adding 1
             * to each sets a top bit only for those. */
            uint64_t w;
            if (end - p >= 8 && (memcpy(&w, p, 8), ((w | (w + 0x0101010101010101u)) & 0x8080808080808080u) == 0))
                p += 8;
            else
                p++;
            continue;
        }
        if (c >= 0xE3 && c <= 0xEC && end - p >= 3 && ((unsigned char)p[1] & 0xC0) == 0x80 &&
            ((unsigned char)p[2] & 0xC0) == 0x80) {
            p += 3;
            continue;
        }
        uint32_t cp;
        size_t n = cl_utf8_decode(p, end, &cp);
        if (cl_codepoint_unsafe(cp)) {
            fwrite(run, 1, (size_t)(p - run), out);
            if (cp >= 0x10000) {
                uint32_t v = cp - 0x10000;
                fprintf(out, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
            } else {
                fprintf(out, "\\u%04x", cp);
            }
            run = p + n;
        }
        p += n;
    }
    fwrite(run, 1, (size_t)(p - run), out);
}


/* Writes ,"key": (or {"key": first) with room for extra bytes after it
 * reserved; the offset after it, the text's len not yet moved (0 when
 * out of memory: r->ok turns false). */
static size_t row_key(cl_json_row *r, const char *key, size_t klen, size_t value_room)
{
    if (!r->ok || buf_reserve(r->text, klen + 4 + value_room) != CL_OK) {
        r->ok = false;
        return 0;
    }
    char *o = r->text->data + r->text->len;
    *o++ = r->text->len ? ',' : '{';
    *o++ = '"';
    memcpy(o, key, klen);
    o += klen;
    *o++ = '"';
    *o++ = ':';
    return (size_t)(o - r->text->data);
}

static void row_set(cl_json_row *r, const char *key, json_t *value)
{
    r->ok = r->ok && value && json_object_set_new_nocheck(r->object, key, value) == 0;
    if (!r->ok)
        json_decref(value);
}

/* bytes[0..n) after the key, as they are. */
static void row_put(cl_json_row *r, const char *key, size_t klen, const char *bytes, size_t n)
{
    size_t at = row_key(r, key, klen, n);
    if (!r->ok)
        return;
    memcpy(r->text->data + at, bytes, n);
    r->text->len = at + n;
    r->text->data[r->text->len] = '\0';
}

void cl_json_row_integer_k(cl_json_row *r, const char *key, size_t key_len, long long n)
{
    if (!r->text) {
        if (r->ok)
            row_set(r, key, json_integer((json_int_t)n));
        return;
    }
    char digits[24], *d = digits + sizeof digits;
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--d = '-';
    row_put(r, key, key_len, d, (size_t)(digits + sizeof digits - d));
}

void cl_json_row_text_k(cl_json_row *r, const char *key, size_t key_len, const char *text, size_t n)
{
    if (!r->text) {
        if (r->ok)
            row_set(r, key, json_stringn(text, n));
        return;
    }
    if (r->ok && n > (SIZE_MAX - 2 - 64) / 6)
        r->ok = false;
    size_t at = row_key(r, key, key_len, n * 6 + 2);
    if (!r->ok)
        return;
    size_t k = put_json_string(r->text, at, text, n);
    if (k == SIZE_MAX) {
        r->ok = false; /* not UTF-8, as json_pack refuses it */
        return;
    }
    r->text->len = at + k;
}

void cl_json_row_text_written(cl_json_row *r, const char *key, size_t key_len, const char *text, size_t len,
                              const char *json, size_t json_len)
{
    if (!r->text) {
        if (r->ok)
            row_set(r, key, json_stringn(text, len));
        return;
    }
    if (!json) {
        r->ok = false; /* not UTF-8 */
        return;
    }
    row_put(r, key, key_len, json, json_len);
}

void cl_json_row_null_k(cl_json_row *r, const char *key, size_t key_len)
{
    if (!r->text) {
        if (r->ok)
            row_set(r, key, json_null());
        return;
    }
    row_put(r, key, key_len, "null", 4);
}

bool cl_json_row_close(cl_json_row *r)
{
    if (r->ok && r->text)
        r->ok = cl_buf_append(r->text, r->text->len ? "}" : "{}", r->text->len ? 1 : 2) == CL_OK;
    return r->ok;
}
