/* age's ASCII armor (c2sp.org/age, "ASCII armor"), read strictly. */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "age_internal.h"
#include "carelog/i18n.h"

/* --- ASCII armor: strict PEM (RFC 7468) with the label "AGE ENCRYPTED
 * FILE", LF or CRLF line ends, whitespace allowed only before and after
 * the block. The armored text is read whole (it is ciphertext) and
 * decoded to the binary file, which is then decrypted as usual. */
static const char ARMOR_BEGIN[] = "-----BEGIN AGE ENCRYPTED FILE-----";
static const char ARMOR_END[] = "-----END AGE ENCRYPTED FILE-----";

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next line of [*p, end): its start and length without LF or CRLF;
 * *eol tells whether it ended with one. */
static void armor_line(const char **p, const char *end, const char **line, size_t *len, bool *eol)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    *line = *p;
    *len = (size_t)(stop - *p);
    if (nl && *len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    *eol = nl != NULL;
    *p = nl ? nl + 1 : end;
}

cl_status age_armor_decode(const char *text, size_t n, cl_age_buf *out, cl_age_failure *why)
{
    const char *bad = _("this ASCII-armored age file is malformed");
    const char *p = text, *end = text + n, *line;
    size_t len;
    bool eol;
    while (p < end && is_space((unsigned char)*p))
        p++;
    armor_line(&p, end, &line, &len, &eol);
    if (len != strlen(ARMOR_BEGIN) || memcmp(line, ARMOR_BEGIN, len) != 0 || !eol)
        return age_fail(why, CL_AGE_ARMOR, _("this is not an age file (it starts neither with "
                                                "age-encryption.org/v1 nor with an armor BEGIN line)"));
    char *b64 = malloc(n + 1);
    if (!b64)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t total = 0;
    bool short_seen = false, done = false;
    while (p < end) {
        armor_line(&p, end, &line, &len, &eol);
        if (len == strlen(ARMOR_END) && memcmp(line, ARMOR_END, len) == 0) {
            done = true;
            break;
        }
        /* Every line but the last is full; '=' only ends the last. */
        if (len == 0 || len > 64 || short_seen || !eol)
            break;
        bool ok = true;
        for (size_t i = 0; i < len && ok; i++)
            ok = age_b64char(line[i]) || (line[i] == '=' && (i + 1 == len || line[i + 1] == '='));
        if (!ok || (memchr(line, '=', len) && len % 4 != 0))
            break;
        short_seen = len < 64 || memchr(line, '=', len) != NULL;
        memcpy(b64 + total, line, len);
        total += len;
    }
    while (done && p < end && is_space((unsigned char)*p))
        p++;
    size_t got = 0;
    const char *stop = NULL;
    bool decoded = done && p == end && total % 4 == 0 &&
                   (total == 0 || (sodium_base642bin(out->data, out->cap, b64, total, NULL, &got, &stop,
                                                     sodium_base64_VARIANT_ORIGINAL) == 0 &&
                                   stop == b64 + total));
    free(b64);
    if (!decoded) {
        cl_age_buf_wipe(out);
        return age_fail(why, CL_AGE_ARMOR, bad);
    }
    out->len = got;
    return CL_OK;
}
