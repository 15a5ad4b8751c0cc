/* Anonymous county totals: made and signed at a school, verified and added
 * up at the county. See county.h for the file. */
#include "carelog/county.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/report.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/text.h"

static const char *const measures[] = {"students", "observations", "sessions", "assessments", "screenings",
                                       "plans",    "reviews",      "contacts", "referrals",   NULL};

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* ---- suppression ------------------------------------------------------ */

static void suppress_small(json_t *obj, const char *key, int t, const char *mark)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < t)
        json_object_set_new(obj, key, json_string(mark));
}

/* In a list whose cells add up to a published total, one suppressed cell
 * would be the total minus the others: then the smallest other count is
 * suppressed too ("*"). */
static void suppress_list(json_t *list, const char *key, int t, const char *mark)
{
    size_t i, hidden = 0;
    json_t *o;
    json_array_foreach(list, i, o) {
        suppress_small(o, key, t, mark);
        hidden += json_is_string(json_object_get(o, key));
    }
    if (hidden != 1)
        return;
    json_t *smallest = NULL;
    json_array_foreach(list, i, o) {
        json_t *v = json_object_get(o, key);
        if (json_is_integer(v) && json_integer_value(v) > 0 &&
            (!smallest || json_integer_value(v) < json_integer_value(json_object_get(smallest, key))))
            smallest = o;
    }
    if (smallest)
        json_object_set_new(smallest, key, json_string("*"));
}

/* ---- making ----------------------------------------------------------- */

static char *b64(const unsigned char *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(n);
    if (s)
        sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

static char *canonical(const json_t *doc)
{
    json_t *copy = json_deep_copy(doc);
    json_object_del(copy, "signature");
    char *text = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(copy);
    return text;
}

static cl_status sign_doc(cl_vault *v, json_t *doc)
{
    sqlite3 *db = cl_vault_db(v);
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    cl_status st = cl_meta_get_blob(db, "ed25519_public", pk, sizeof pk);
    char *pk64 = st == CL_OK ? b64(pk, sizeof pk) : NULL;
    if (st == CL_OK && !pk64)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        json_object_set_new(doc, "ed25519", json_string(pk64));
    free(pk64);
    char *text = st == CL_OK ? canonical(doc) : NULL;
    if (st == CL_OK && !text)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_vault_sign(v, text, strlen(text), sig);
    free(text);
    char *sig64 = st == CL_OK ? b64(sig, sizeof sig) : NULL;
    if (st == CL_OK && !sig64)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        json_object_set_new(doc, "signature", json_string(sig64));
    free(sig64);
    return st;
}

static json_t *pick(const json_t *o, const char *first_key, const char *first_name)
{
    json_t *r = json_object();
    json_object_set_new(r, first_name, json_string(str(o, first_key)));
    for (const char *const *m = measures; *m; m++)
        json_object_set_new(r, *m, json_integer(json_integer_value(json_object_get(o, *m))));
    return r;
}

cl_status cl_county_totals(cl_vault *v, const char *period, const char *from, const char *to, int threshold,
                           unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!period || !*period || cl_utf8_length(period) > 64 || !cl_utf8_valid(period, strlen(period)))
        return cl_fail(CL_EUSAGE, _("--period takes a name of 1 to 64 characters, e.g. \"2026 秋季学期\""));
    if (threshold < CL_COUNTY_MIN_THRESHOLD || threshold > 100)
        return cl_fail(CL_EUSAGE, _("--threshold takes a number from %d to 100"), CL_COUNTY_MIN_THRESHOLD);
    cl_report_filter f = {from, to, NULL, -1, NULL};
    json_t *stats = NULL, *status = NULL;
    cl_status st = cl_report_stats(v, &f, "grade", &stats);
    if (st == CL_OK)
        st = cl_vault_status(v, &status);
    if (st != CL_OK) {
        json_decref(stats);
        return st;
    }
    char mark[16], now[32];
    snprintf(mark, sizeof mark, "<%d", threshold);
    cl_time_iso(cl_now(), now, sizeof now);
    json_t *totals = pick(json_object_get(stats, "totals"), "", "_");
    json_object_del(totals, "_");
    for (const char *const *m = measures; *m; m++)
        suppress_small(totals, *m, threshold, mark);
    json_t *grades = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(stats, "groups"), i, g)
        json_array_append_new(grades, pick(g, "key", "grade"));
    for (const char *const *m = measures; *m; m++)
        suppress_list(grades, *m, threshold, mark);
    json_t *states = json_array();
    json_array_foreach(json_object_get(stats, "referral_states"), i, g)
        json_array_append_new(states, json_pack("{s:s, s:O}", "state", str(g, "state"), "count",
                                                json_object_get(g, "count")));
    suppress_list(states, "count", threshold, mark);
    json_t *bands = json_array();
    json_array_foreach(json_object_get(stats, "screening_bands"), i, g)
        json_array_append_new(bands, json_pack("{s:s, s:s, s:O}", "kind", str(g, "kind"), "band", str(g, "band"),
                                               "count", json_object_get(g, "count")));
    suppress_list(bands, "count", threshold, mark);
    const json_t *p = json_object_get(stats, "period");
    json_t *doc = json_pack("{s:s, s:i, s:s, s:O, s:O, s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o}", "format",
                            "carelog-county-totals", "version", 1, "period", period, "from",
                            json_object_get(p, "from"), "to", json_object_get(p, "to"), "school",
                            cl_vault_school(v), "vault_id", str(status, "vault_id"), "fingerprint",
                            cl_vault_fingerprint(v), "threshold", threshold, "generated_at", now, "totals", totals,
                            "by_grade", grades, "referral_states", states, "screening_bands", bands);
    json_decref(stats);
    json_decref(status);
    if (!doc)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    st = sign_doc(v, doc);
    char *text = st == CL_OK ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (st == CL_OK && !text)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK)
        return st;
    *out = (unsigned char *)text;
    *len = strlen(text);
    return CL_OK;
}

/* ---- trusting and verifying ------------------------------------------- */

static bool b64_key(const char *s, unsigned char *out, size_t want)
{
    size_t got = 0;
    return s && sodium_base642bin(out, want, s, strlen(s), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == want;
}

cl_status cl_county_trust_parse(const char *text, size_t len, json_t **out)
{
    *out = NULL;
    if (!cl_utf8_valid(text, len) || len < 23 || strncmp(text, "carelog-vault-public 1\n", 23) != 0)
        return cl_fail(CL_EDATA, _("this is not a carelog vault.pub file"));
    json_t *o = json_object();
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon && colon + 1 < le && colon[1] == ' ') {
            char key[32];
            snprintf(key, sizeof key, "%.*s", (int)(colon - p), p);
            if (strcmp(key, "school") == 0 || strcmp(key, "vault-id") == 0 || strcmp(key, "fingerprint") == 0 ||
                strcmp(key, "ed25519") == 0)
                json_object_set_new(o, strcmp(key, "vault-id") == 0 ? "vault_id" : key,
                                    json_stringn(colon + 2, (size_t)(le - colon - 2)));
        }
        p = nl ? nl + 1 : end;
    }
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (!*str(o, "school") || !*str(o, "vault_id") || !b64_key(str(o, "ed25519"), pk, sizeof pk)) {
        json_decref(o);
        return cl_fail(CL_EDATA, _("the vault.pub file lacks the school, vault id or Ed25519 key"));
    }
    *out = o;
    return CL_OK;
}

static bool count_valid(const json_t *v, int threshold)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 && json_integer_value(v) < 100000000;
    char mark[16];
    snprintf(mark, sizeof mark, "<%d", threshold);
    return json_is_string(v) && (strcmp(json_string_value(v), mark) == 0 || strcmp(json_string_value(v), "*") == 0);
}

static bool counts_valid(const json_t *o, int threshold)
{
    if (!json_is_object(o))
        return false;
    for (const char *const *m = measures; *m; m++)
        if (!count_valid(json_object_get(o, *m), threshold))
            return false;
    return true;
}

static bool list_valid(const json_t *list, const char *const *text_keys, bool all_measures, int threshold)
{
    if (!json_is_array(list) || json_array_size(list) > 1000)
        return false;
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        if (!json_is_object(o))
            return false;
        for (const char *const *k = text_keys; *k; k++)
            if (!json_is_string(json_object_get(o, *k)))
                return false;
        if (all_measures ? !counts_valid(o, threshold) : !count_valid(json_object_get(o, "count"), threshold))
            return false;
    }
    return true;
}

static cl_status check_shape(const json_t *doc)
{
    static const char *const texts[] = {"period", "school", "vault_id", "fingerprint", "ed25519", "generated_at",
                                        "signature", NULL};
    if (!json_is_object(doc) || strcmp(str(doc, "format"), "carelog-county-totals") != 0)
        return cl_fail(CL_EDATA, _("this is not a carelog county totals file"));
    if (json_integer_value(json_object_get(doc, "version")) != 1)
        return cl_fail(CL_EDATA, _("county totals version %lld is not known to this carelog"),
                       (long long)json_integer_value(json_object_get(doc, "version")));
    for (const char *const *k = texts; *k; k++)
        if (!json_is_string(json_object_get(doc, *k)))
            return cl_fail(CL_EDATA, _("the county totals file has no \"%s\""), *k);
    json_int_t t = json_integer_value(json_object_get(doc, "threshold"));
    if (!json_is_integer(json_object_get(doc, "threshold")) || t < CL_COUNTY_MIN_THRESHOLD || t > 100)
        return cl_fail(CL_EDATA, _("the county totals file has a threshold below %d"), CL_COUNTY_MIN_THRESHOLD);
    static const char *const grade_keys[] = {"grade", NULL}, *const state_keys[] = {"state", NULL},
                             *const band_keys[] = {"kind", "band", NULL};
    if (!counts_valid(json_object_get(doc, "totals"), (int)t) ||
        !list_valid(json_object_get(doc, "by_grade"), grade_keys, true, (int)t) ||
        !list_valid(json_object_get(doc, "referral_states"), state_keys, false, (int)t) ||
        !list_valid(json_object_get(doc, "screening_bands"), band_keys, false, (int)t))
        return cl_fail(CL_EDATA, _("the county totals file holds a count that is neither a number nor suppressed"));
    return CL_OK;
}

cl_status cl_county_verify(const unsigned char *data, size_t len, const json_t *trusted, json_t **out)
{
    *out = NULL;
    if (len > CL_COUNTY_MAX_BYTES)
        return cl_fail(CL_EDATA, _("the county totals file is larger than any carelog writes"));
    json_error_t err;
    json_t *doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return cl_fail(CL_EDATA, _("the county totals file is not valid JSON (line %d: %s)"), err.line, err.text);
    cl_status st = check_shape(doc);
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    if (st == CL_OK && (!b64_key(str(doc, "ed25519"), pk, sizeof pk) || !b64_key(str(doc, "signature"), sig, sizeof sig)))
        st = cl_fail(CL_EDATA, _("the county totals file has a malformed key or signature"));
    char *text = st == CL_OK ? canonical(doc) : NULL;
    if (st == CL_OK && !text)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK && crypto_sign_verify_detached(sig, (const unsigned char *)text, strlen(text), pk) != 0)
        st = cl_fail(CL_EDATA, _("the signature of the county totals from %s does not verify: the file was changed "
                                 "after it was signed"),
                     str(doc, "school"));
    free(text);
    const json_t *known = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(trusted, i, t)
        if (!known && strcmp(str(t, "ed25519"), str(doc, "ed25519")) == 0 &&
            strcmp(str(t, "vault_id"), str(doc, "vault_id")) == 0)
            known = t;
    if (st == CL_OK && !known)
        st = cl_fail(CL_EPERM, _("the county totals are signed by %s (fingerprint %s), which is not a trusted school; "
                                 "add its vault.pub with --trust"),
                     str(doc, "school"), str(doc, "fingerprint"));
    /* Only the key is proved by the signature; the fingerprint shown for
     * the school must be the one of the vault.pub that trusts the key. */
    if (st == CL_OK && strcmp(str(known, "fingerprint"), str(doc, "fingerprint")) != 0)
        st = cl_fail(CL_EPERM, _("the county totals signed by the key of %s claim the fingerprint %s, but its "
                                 "vault.pub says %s; the file is refused"),
                     str(known, "school"), str(doc, "fingerprint"), str(known, "fingerprint"));
    if (st != CL_OK) {
        json_decref(doc);
        return st;
    }
    *out = doc;
    return CL_OK;
}

/* ---- adding up -------------------------------------------------------- */

typedef struct sum {
    long long known, hidden;
} sum;

static json_t *sum_cell(const sum *s)
{
    if (s->hidden == 0)
        return json_integer(s->known);
    char text[48];
    snprintf(text, sizeof text, "≥%lld", s->known + s->hidden);
    return json_string(text);
}

cl_status cl_county_merge(const json_t *files, json_t **report)
{
    *report = NULL;
    size_t i, k;
    json_t *a, *b;
    json_array_foreach(files, i, a) {
        for (k = 0; k < i; k++) {
            b = json_array_get(files, k);
            if (strcmp(str(a, "vault_id"), str(b, "vault_id")) == 0 && strcmp(str(a, "period"), str(b, "period")) == 0)
                return cl_fail(CL_EDATA, _("two files of %s for the period %s: keep one"), str(a, "school"),
                               str(a, "period"));
        }
    }
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    const json_t *first = json_array_get(files, 0);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:O?, s:O?}, s:s, s:[], s:[]}", "kind", "county", "title",
                          _("County totals"), "school", str(first, "period"), "fingerprint", "", "lang", "",
                          "period", "from", json_object_get(first, "from"), "to", json_object_get(first, "to"),
                          "generated_at", now, "columns", "rows");
    if (!r)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    json_t *cols = json_object_get(r, "columns");
    json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", "school", "label", _("School"), "type", "text",
                                          "width", 16.0));
    json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", "fingerprint", "label", _("Fingerprint"),
                                          "type", "text", "width", 14.0));
    static const char *const labels[] = {N_("Students"), N_("Observations"), N_("Sessions"),
                                         N_("Assessments"), N_("Screenings"), N_("Plans"),
                                         N_("Reviews"),     N_("Contacts"),   N_("Referrals")};
    for (size_t m = 0; measures[m]; m++)
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", measures[m], "label", _(labels[m]), "type",
                                              "text", "width", 9.0));
    sum sums[16] = {{0, 0}};
    json_array_foreach(files, i, a) {
        json_t *cells = json_pack("[s, s]", str(a, "school"), str(a, "fingerprint"));
        const json_t *totals = json_object_get(a, "totals");
        size_t m = 0;
        for (const char *const *key = measures; *key; key++, m++) {
            json_t *v = json_object_get(totals, *key);
            json_array_append(cells, v);
            if (json_is_integer(v))
                sums[m].known += json_integer_value(v);
            else
                sums[m].hidden++;
        }
        json_array_append_new(json_object_get(r, "rows"), json_pack("{s:s, s:o}", "class", "", "cells", cells));
    }
    json_t *cells = json_pack("[s, s]", _("Total"), "");
    for (size_t m = 0; measures[m]; m++)
        json_array_append_new(cells, sum_cell(&sums[m]));
    json_array_append_new(json_object_get(r, "rows"), json_pack("{s:s, s:o}", "class", "", "cells", cells));
    *report = r;
    return CL_OK;
}
