/* Anonymous county totals: made and signed at a school, verified and added
 * up at the county. See county.h for the file. */
#include "carelog/county.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/report.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/text.h"

#define COMMENT_PREFIX "carelog-county v2 "

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

static json_t *pick(const json_t *o, const char *first_key, const char *first_name)
{
    json_t *r = json_object();
    json_object_set_new(r, first_name, json_string(str(o, first_key)));
    for (const char *const *m = measures; *m; m++)
        json_object_set_new(r, *m, json_integer(json_integer_value(json_object_get(o, *m))));
    return r;
}

cl_status cl_county_totals(cl_vault *v, const char *period, const char *from, const char *to, int threshold,
                           const char *file_name, unsigned char **out, size_t *len, char **signature)
{
    *out = NULL;
    *len = 0;
    *signature = NULL;
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
                            "carelog-county-totals", "version", 2, "period", period, "from",
                            json_object_get(p, "from"), "to", json_object_get(p, "to"), "school",
                            cl_vault_school(v), "vault_id", str(status, "vault_id"), "fingerprint",
                            cl_vault_fingerprint(v), "threshold", threshold, "generated_at", now, "totals", totals,
                            "by_grade", grades, "referral_states", states, "screening_bands", bands);
    json_decref(stats);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        json_decref(status);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    /* The school's fingerprint and vault id in the signed comment too, so
     * `minisign -Vm FILE -P KEY` shows whose totals they are. */
    char comment[CL_MINISIGN_COMMENT_MAX + 1];
    snprintf(comment, sizeof comment, COMMENT_PREFIX "school=%s vault=%s at=%s file=%s", cl_vault_fingerprint(v),
             str(status, "vault_id"), now, file_name && *file_name ? file_name : "county.json");
    json_decref(status);
    st = envelope_sign(v, (const unsigned char *)text, strlen(text), comment,
                       "carelog anonymous county totals signed by a school", signature);
    if (st != CL_OK) {
        free(text);
        return st;
    }
    *out = (unsigned char *)text;
    *len = strlen(text);
    return CL_OK;
}

/* ---- trusting and verifying ------------------------------------------- */

cl_status cl_county_trust_parse(const char *text, size_t len, json_t **out)
{
    *out = NULL;
    if (!cl_utf8_valid(text, len) || memchr(text, '\0', len))
        return cl_fail(CL_EDATA, _("this is not a carelog vault.pub file"));
    char *copy = malloc(len + 1);
    if (!copy)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(copy, text, len);
    copy[len] = '\0';
    cl_party p;
    cl_status st = cl_party_parse_pub(copy, &p);
    free(copy);
    if (st == CL_OK && (strcmp(p.kind, "school") != 0 || !p.vault_id[0]))
        st = cl_fail(CL_EDATA, _("this is an office's office.pub, not a school's vault.pub"));
    if (st != CL_OK)
        return st;
    char ed_hex[65];
    sodium_bin2hex(ed_hex, sizeof ed_hex, p.ed25519, sizeof p.ed25519);
    *out = json_pack("{s:s, s:s, s:s, s:s}", "school", p.name, "vault_id", p.vault_id, "fingerprint", p.fingerprint,
                     "ed25519", ed_hex);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_county_trusted_schools(cl_vault *v, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT name, vault_id, fingerprint, ed25519 FROM trusted_schools"
                                                 " ORDER BY name", &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 3) != crypto_sign_PUBLICKEYBYTES)
            continue;
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, sqlite3_column_blob(q, 3), crypto_sign_PUBLICKEYBYTES);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:b}", "school", sqlite3_column_text(q, 0),
                                              "vault_id", sqlite3_column_text(q, 1), "fingerprint",
                                              sqlite3_column_text(q, 2), "ed25519", hex, "named_here", 1));
    }
    sqlite3_finalize(q);
    *out = list;
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
    static const char *const texts[] = {"period", "school", "vault_id", "fingerprint", "generated_at", NULL};
    if (!json_is_object(doc) || strcmp(str(doc, "format"), "carelog-county-totals") != 0)
        return cl_fail(CL_EDATA, _("this is not a carelog county totals file"));
    if (json_integer_value(json_object_get(doc, "version")) != 2)
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

/* The trusted school whose key made the signature, or NULL. */
static const json_t *signer_of(const json_t *trusted, const cl_minisign_sig *sig, cl_minisign_key *key)
{
    size_t i;
    json_t *t;
    json_array_foreach(trusted, i, t) {
        unsigned char pk[32];
        const char *hex = str(t, "ed25519");
        size_t got = 0;
        if (sodium_hex2bin(pk, sizeof pk, hex, strlen(hex), NULL, &got, NULL) != 0 || got != sizeof pk)
            continue;
        cl_minisign_key_of(pk, key);
        if (sodium_memcmp(key->id, sig->key_id, sizeof key->id) == 0)
            return t;
    }
    return NULL;
}

static bool comment_says(const char *comment, const char *key, const char *want)
{
    char *got = comment_value(comment, key);
    bool ok = got && strcmp(got, want) == 0;
    free(got);
    return ok;
}

cl_status cl_county_verify(const unsigned char *data, size_t len, const char *sig_text, size_t sig_len,
                           const json_t *trusted, json_t **out)
{
    *out = NULL;
    if (len > CL_COUNTY_MAX_BYTES)
        return cl_fail(CL_EDATA, _("the county totals file is larger than any carelog writes"));
    cl_minisign_sig sig;
    cl_status st = cl_minisign_sig_parse(sig_text, sig_len, &sig);
    if (st != CL_OK)
        return cl_fail_context(st, _("the county totals' signature"));
    cl_minisign_key key;
    const json_t *known = signer_of(trusted, &sig, &key);
    if (!known) {
        char hex[17];
        cl_minisign_key_id_hex(sig.key_id, hex);
        return cl_fail(CL_EPERM, _("the county totals are signed by key %s, which is no trusted school; add the "
                                   "school's vault.pub with --trust after comparing its fingerprint"), hex);
    }
    if (cl_minisign_verify(&key, &sig, data, len) != CL_OK)
        return cl_fail(CL_EDATA, _("the signature of the county totals from %s does not verify: the file was changed "
                                   "after it was signed"), str(known, "school"));
    const char *comment = sig.trusted_comment;
    if (strncmp(comment, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) != 0 ||
        !comment_says(comment, "school", str(known, "fingerprint")) ||
        !comment_says(comment, "vault", str(known, "vault_id")))
        return cl_fail(CL_EDATA, _("the signature of the county totals from %s is not for county totals of that "
                                   "school"), str(known, "school"));
    json_error_t err;
    json_t *doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return cl_fail(CL_EDATA, _("the county totals file is not valid JSON (line %d: %s)"), err.line, err.text);
    st = check_shape(doc);
    /* The school's name, vault id and fingerprint are in the signed text:
     * each must be the one of the vault.pub that trusts the key, so a
     * trusted school cannot pass its totals off as another's. */
    bool named_here = json_is_true(json_object_get(known, "named_here"));
    if (st == CL_OK && (strcmp(str(known, "fingerprint"), str(doc, "fingerprint")) != 0 ||
                        strcmp(str(known, "vault_id"), str(doc, "vault_id")) != 0 ||
                        (!named_here && strcmp(str(known, "school"), str(doc, "school")) != 0)))
        st = cl_fail(CL_EPERM, _("the county totals signed by the key of %s (%s) claim to be from %s (%s); the file "
                                 "is refused"),
                     str(known, "school"), str(known, "fingerprint"), str(doc, "school"), str(doc, "fingerprint"));
    if (st != CL_OK) {
        json_decref(doc);
        return st;
    }
    /* A school the county trusted under a name of its own is shown by that
     * name; the name the file gives stays beside it. */
    if (named_here) {
        json_object_set(doc, "school_as_signed", json_object_get(doc, "school"));
        json_object_set_new(doc, "school", json_string(str(known, "school")));
    }
    *out = doc;
    return CL_OK;
}

/* ---- adding up -------------------------------------------------------- */

/* One cell of the county's table: the exact parts added, and how many
 * parts were suppressed (each at least 1, its value unknown here). */
typedef struct sum {
    long long known, hidden;
} sum;

static void add_part(sum *s, const json_t *v, int t)
{
    /* A count a school published under a lower threshold than the
     * county's is suppressed again here. */
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) >= t))
        s->known += json_integer_value(v);
    else
        s->hidden++;
}

static json_t *sum_cell(const sum *s)
{
    if (s->hidden == 0)
        return json_integer(s->known);
    char text[48];
    snprintf(text, sizeof text, "≥%lld", s->known + s->hidden);
    return json_string(text);
}

/* A breakdown of the county's total (by grade, by state, by band): one
 * row per key, a sum per measure. */
#define MAX_KEYS 256
typedef struct breakdown {
    char keys[MAX_KEYS][160];
    sum cells[MAX_KEYS][16];
    bool starred[MAX_KEYS][16];
    size_t n;
} breakdown;

static size_t key_index(breakdown *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->keys[i], key) == 0)
            return i;
    if (b->n == MAX_KEYS)
        return MAX_KEYS;
    snprintf(b->keys[b->n], sizeof b->keys[b->n], "%s", key);
    return b->n++;
}

/* Subtraction: when the total of a measure is exact and exactly one cell
 * of its breakdown is not, that cell is the total minus the others, and
 * with it the one school's suppressed part; then the smallest other cell
 * is withheld ("*") as a school's file does. */
static void withhold_for_subtraction(breakdown *b, size_t m, const sum *total)
{
    if (total->hidden)
        return;
    size_t inexact = 0, smallest = MAX_KEYS;
    for (size_t i = 0; i < b->n; i++) {
        const sum *c = &b->cells[i][m];
        if (c->hidden)
            inexact++;
        else if (c->known > 0 && (smallest == MAX_KEYS || c->known < b->cells[smallest][m].known))
            smallest = i;
    }
    if (inexact == 1 && smallest != MAX_KEYS)
        b->starred[smallest][m] = true;
}

static cl_status check_duplicates(const json_t *files)
{
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
    return CL_OK;
}

static const char *const labels[] = {N_("Students"), N_("Observations"), N_("Sessions"), N_("Assessments"),
                                     N_("Screenings"), N_("Plans"), N_("Reviews"), N_("Contacts"), N_("Referrals")};

static json_t *table_head(const json_t *first)
{
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:O?, s:O?}, s:s, s:[], s:[]}", "kind", "county", "title",
                          _("County totals"), "school", str(first, "period"), "fingerprint", "", "lang", "",
                          "period", "from", json_object_get(first, "from"), "to", json_object_get(first, "to"),
                          "generated_at", now, "columns", "rows");
    if (!r)
        return NULL;
    json_t *cols = json_object_get(r, "columns");
    json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", "school", "label", _("School"), "type", "text",
                                          "width", 16.0));
    json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", "fingerprint", "label", _("Fingerprint"),
                                          "type", "text", "width", 14.0));
    for (size_t m = 0; measures[m]; m++)
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:f}", "id", measures[m], "label", _(labels[m]), "type",
                                              "text", "width", 9.0));
    return r;
}

static void add_row(json_t *r, const char *section, const char *label, const char *second, json_t *cells_tail)
{
    json_t *cells = json_pack("[s, s]", label, second);
    json_array_extend(cells, cells_tail);
    json_decref(cells_tail);
    json_array_append_new(json_object_get(r, "rows"),
                          json_pack("{s:s, s:s, s:o}", "class", "", "section", section, "cells", cells));
}

/* The rows of a breakdown; single says which measure column a one-count
 * breakdown (referral states, screening bands) fills, or -1 for all. */
static void breakdown_rows(json_t *r, const breakdown *b, const char *section, const char *prefix, int single)
{
    for (size_t i = 0; i < b->n; i++) {
        json_t *tail = json_array();
        for (size_t m = 0; measures[m]; m++) {
            size_t at = single < 0 ? m : 0;
            if (single >= 0 && (int)m != single)
                json_array_append_new(tail, json_string(""));
            else if (b->starred[i][at])
                json_array_append_new(tail, json_string("*"));
            else
                json_array_append_new(tail, sum_cell(&b->cells[i][at]));
        }
        char label[200];
        snprintf(label, sizeof label, "%s %s", prefix, b->keys[i]);
        add_row(r, section, label, "", tail);
    }
}

cl_status cl_county_merge(const json_t *files, int threshold, json_t **report)
{
    *report = NULL;
    cl_status st = check_duplicates(files);
    if (st != CL_OK)
        return st;
    /* The county suppresses at its own threshold, and at no lower one
     * than any school asked for. */
    int t = threshold;
    size_t i, k;
    json_t *a, *o;
    json_array_foreach(files, i, a)
        if (json_integer_value(json_object_get(a, "threshold")) > t)
            t = (int)json_integer_value(json_object_get(a, "threshold"));
    json_t *r = table_head(json_array_get(files, 0));
    breakdown *grades = calloc(1, sizeof *grades), *states = calloc(1, sizeof *states),
              *bands = calloc(1, sizeof *bands);
    if (!r || !grades || !states || !bands) {
        json_decref(r);
        free(grades), free(states), free(bands);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    sum totals[16] = {{0, 0}};
    json_array_foreach(files, i, a) {
        json_t *tail = json_array();
        for (size_t m = 0; measures[m]; m++) {
            sum part = {0, 0};
            add_part(&part, json_object_get(json_object_get(a, "totals"), measures[m]), t);
            char mark[16];
            snprintf(mark, sizeof mark, "<%d", t);
            json_array_append_new(tail, part.hidden ? json_string(mark) : json_integer(part.known));
            totals[m].known += part.known;
            totals[m].hidden += part.hidden;
        }
        add_row(r, "school", str(a, "school"), str(a, "fingerprint"), tail);
        json_array_foreach(json_object_get(a, "by_grade"), k, o) {
            size_t at = key_index(grades, str(o, "grade"));
            for (size_t m = 0; at < MAX_KEYS && measures[m]; m++)
                add_part(&grades->cells[at][m], json_object_get(o, measures[m]), t);
        }
        json_array_foreach(json_object_get(a, "referral_states"), k, o) {
            size_t at = key_index(states, str(o, "state"));
            if (at < MAX_KEYS)
                add_part(&states->cells[at][0], json_object_get(o, "count"), t);
        }
        json_array_foreach(json_object_get(a, "screening_bands"), k, o) {
            char key[160];
            snprintf(key, sizeof key, "%s %s", str(o, "kind"), str(o, "band"));
            size_t at = key_index(bands, key);
            if (at < MAX_KEYS)
                add_part(&bands->cells[at][0], json_object_get(o, "count"), t);
        }
    }
    json_t *tail = json_array();
    for (size_t m = 0; measures[m]; m++) {
        json_array_append_new(tail, sum_cell(&totals[m]));
        withhold_for_subtraction(grades, m, &totals[m]);
    }
    add_row(r, "total", _("Total"), "", tail);
    withhold_for_subtraction(states, 0, &totals[8]);
    withhold_for_subtraction(bands, 0, &totals[4]);
    breakdown_rows(r, grades, "grade", _("Grade"), -1);
    breakdown_rows(r, states, "referral_state", _("Referrals"), 8);
    breakdown_rows(r, bands, "screening_band", _("Screening"), 4);
    json_object_set_new(r, "threshold", json_integer(t));
    free(grades), free(states), free(bands);
    *report = r;
    return CL_OK;
}
