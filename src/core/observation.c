/* The sealed observation file: building, sealing, opening, verifying; and
 * the small editing model a front walks a teacher through. */
#include "carelog/observation.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

#define OUTER_MAGIC "CLOBSV01"
#define INNER_MAGIC "CLOBSIN1"
#define MAGIC_LEN 8
#define OUTER_HEADER (MAGIC_LEN + CL_VAULT_ID_BYTES)
#define INNER_HEADER (MAGIC_LEN + CL_ED25519_PUBLIC_BYTES + crypto_sign_BYTES)
#define SIGN_CONTEXT "carelog-observation-v1"
#define SIGN_CONTEXT_LEN (sizeof SIGN_CONTEXT) /* with its NUL */

void cl_observation_id_hex(const unsigned char id[CL_OBSERVATION_ID_BYTES], char out[33])
{
    sodium_bin2hex(out, 33, id, CL_OBSERVATION_ID_BYTES);
}

const char *cl_observation_refusal_label(const char *reason)
{
    static const char *const labels[][2] = {
        {CL_OBS_MALFORMED, N_("not an observation file")},
        {CL_OBS_WRONG_VAULT, N_("sealed to another school's vault")},
        {CL_OBS_UNOPENABLE, N_("cannot be opened (tampered or truncated)")},
        {CL_OBS_BAD_SIGNATURE, N_("the teacher's signature does not verify")},
        {CL_OBS_UNKNOWN_TEACHER, N_("from a teacher not enrolled")},
        {CL_OBS_REVOKED_TEACHER, N_("from a revoked teacher")},
        {CL_OBS_REPLAYED, N_("arrived before (a replay)")},
        {CL_OBS_UNKNOWN_FORM, N_("written with a form this vault does not hold")},
        {CL_OBS_TOO_LARGE, N_("too large")},
    };
    for (size_t i = 0; reason && i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i][0], reason) == 0)
            return strcmp(cl_i18n_language(), "en") == 0 ? reason : _(labels[i][1]);
    return NULL;
}

void cl_observation_free(cl_observation *o)
{
    if (!o)
        return;
    json_decref(o->root);
    free(o->payload);
    free(o);
}

/* "carelog-observation-v1\0" | payload, the bytes the teacher signs. */
static unsigned char *signed_message(const char *payload, size_t len, size_t *out_len)
{
    unsigned char *m = malloc(SIGN_CONTEXT_LEN + len);
    if (!m)
        return NULL;
    memcpy(m, SIGN_CONTEXT, SIGN_CONTEXT_LEN);
    memcpy(m + SIGN_CONTEXT_LEN, payload, len);
    *out_len = SIGN_CONTEXT_LEN + len;
    return m;
}

static json_t *text_or_empty(const char *s)
{
    return json_string(s ? s : "");
}

static char *payload_of(const cl_observation_draft *d, const unsigned char id[CL_OBSERVATION_ID_BYTES],
                        const unsigned char pk[CL_ED25519_PUBLIC_BYTES])
{
    char id_hex[33], vault_hex[CL_VAULT_ID_BYTES * 2 + 1], key64[64], now[32];
    cl_observation_id_hex(id, id_hex);
    sodium_bin2hex(vault_hex, sizeof vault_hex, d->vault_id, CL_VAULT_ID_BYTES);
    sodium_bin2base64(key64, sizeof key64, pk, CL_ED25519_PUBLIC_BYTES, sodium_base64_VARIANT_ORIGINAL);
    cl_time_iso(cl_now(), now, sizeof now);
    json_t *root = json_pack("{s:i, s:s, s:s, s:s, s:o, s:I, s:s, s:{s:s, s:s}, s:{s:o, s:o, s:o}, s:O}",
                             "format", 1, "id", id_hex, "vault_id", vault_hex, "teacher_key", key64,
                             "teacher_name", text_or_empty(d->teacher_name), "counter", (json_int_t)d->counter,
                             "written_at", now, "form", "kind", "observation", "digest", d->form_digest,
                             "student", "number", text_or_empty(d->student_number), "name",
                             text_or_empty(d->student_name), "class", text_or_empty(d->student_class), "fields",
                             d->fields);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    return text;
}

cl_status cl_observation_reseal(const unsigned char *inner, size_t inner_len,
                                const unsigned char vault_id[CL_VAULT_ID_BYTES],
                                const unsigned char vault_x25519[CL_X25519_PUBLIC_BYTES], unsigned char **file,
                                size_t *len)
{
    size_t n = OUTER_HEADER + crypto_box_SEALBYTES + inner_len;
    unsigned char *out = malloc(n);
    if (!out)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(out, OUTER_MAGIC, MAGIC_LEN);
    memcpy(out + MAGIC_LEN, vault_id, CL_VAULT_ID_BYTES);
    if (crypto_box_seal(out + OUTER_HEADER, inner, inner_len, vault_x25519) != 0) {
        free(out);
        return cl_fail(CL_ESOFTWARE, _("sealing the observation failed"));
    }
    *file = out;
    *len = n;
    return CL_OK;
}

cl_status cl_observation_seal(const cl_observation_draft *d, const cl_secret *ed_seed,
                              unsigned char id_out[CL_OBSERVATION_ID_BYTES], unsigned char **file, size_t *len)
{
    if (!ed_seed || ed_seed->len != crypto_sign_SEEDBYTES)
        return cl_fail(CL_ESOFTWARE, _("the teacher's key has the wrong size"));
    if (d->counter <= 0 || !d->form_digest || !json_is_object(d->fields))
        return cl_fail(CL_ESOFTWARE, _("an observation needs a counter, a form and its fields"));
    unsigned char pk[CL_ED25519_PUBLIC_BYTES], id[CL_OBSERVATION_ID_BYTES];
    cl_secret *sk;
    cl_status st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &sk);
    if (st != CL_OK)
        return st;
    crypto_sign_seed_keypair(pk, sk->bytes, ed_seed->bytes);
    randombytes_buf(id, sizeof id);
    char *payload = payload_of(d, id, pk);
    size_t plen = payload ? strlen(payload) : 0, mlen = 0;
    unsigned char *msg = payload ? signed_message(payload, plen, &mlen) : NULL;
    cl_secret *inner = NULL;
    st = msg ? cl_secret_new(INNER_HEADER + plen, &inner) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        unsigned char *p = inner->bytes;
        memcpy(p, INNER_MAGIC, MAGIC_LEN);
        memcpy(p + MAGIC_LEN, pk, sizeof pk);
        crypto_sign_detached(p + MAGIC_LEN + sizeof pk, NULL, msg, mlen, sk->bytes);
        memcpy(p + INNER_HEADER, payload, plen);
        st = cl_observation_reseal(inner->bytes, inner->len, d->vault_id, d->vault_x25519, file, len);
    }
    if (st == CL_OK && id_out)
        memcpy(id_out, id, sizeof id);
    if (payload)
        sodium_memzero(payload, plen);
    if (msg)
        sodium_memzero(msg, mlen);
    free(payload);
    free(msg);
    cl_secret_free(inner);
    cl_secret_free(sk);
    return st;
}

static cl_status refuse(const char **reason, const char *why, const char *message)
{
    if (reason)
        *reason = why;
    return cl_fail(CL_EDATA, "%s", message);
}

cl_status cl_observation_open(const unsigned char *file, size_t len, const unsigned char vault_id[CL_VAULT_ID_BYTES],
                              const unsigned char x_pk[CL_X25519_PUBLIC_BYTES], const cl_secret *x_sk,
                              cl_observation **out, const char **reason)
{
    if (len > CL_OBSERVATION_MAX_FILE)
        return refuse(reason, CL_OBS_TOO_LARGE, _("the file is too large to be an observation"));
    if (len < MAGIC_LEN || memcmp(file, OUTER_MAGIC, MAGIC_LEN) != 0)
        return refuse(reason, CL_OBS_MALFORMED, _("this is not a carelog observation file"));
    if (len < OUTER_HEADER + crypto_box_SEALBYTES + INNER_HEADER)
        return refuse(reason, CL_OBS_UNOPENABLE, _("the observation file is cut short"));
    if (sodium_memcmp(file + MAGIC_LEN, vault_id, CL_VAULT_ID_BYTES) != 0)
        return refuse(reason, CL_OBS_WRONG_VAULT, _("the observation was sealed for another school's vault"));
    size_t inner_len = len - OUTER_HEADER - crypto_box_SEALBYTES;
    cl_secret *inner;
    cl_status st = cl_secret_new(inner_len, &inner);
    if (st != CL_OK)
        return st;
    if (crypto_box_seal_open(inner->bytes, file + OUTER_HEADER, len - OUTER_HEADER, x_pk, x_sk->bytes) != 0)
        st = refuse(reason, CL_OBS_UNOPENABLE,
                    _("the observation does not open: it was changed or cut short, or sealed to another key"));
    else
        st = cl_observation_parse_inner(inner->bytes, inner_len, vault_id, out, reason);
    cl_secret_free(inner);
    return st;
}

/* A string member of at most max bytes ("" allowed unless required). */
static bool str_ok(const json_t *o, const char *key, size_t max, bool required)
{
    const json_t *s = json_object_get(o, key);
    if (!json_is_string(s))
        return false;
    size_t n = json_string_length(s);
    if (n > max || (required && n == 0) || strlen(json_string_value(s)) != n)
        return false;
    for (const char *p = json_string_value(s); *p; p++)
        if ((unsigned char)*p < 0x20)
            return false;
    return true;
}

static bool hex_ok(const json_t *o, const char *key, unsigned char *bin, size_t bin_len)
{
    const char *s = json_string_value(json_object_get(o, key));
    size_t got = 0;
    return s && strlen(s) == bin_len * 2 &&
           sodium_hex2bin(bin, bin_len, s, strlen(s), NULL, &got, NULL) == 0 && got == bin_len;
}

/* Every member the payload must have, with its type and size. */
static bool payload_ok(const json_t *root, cl_observation *o)
{
    const json_t *form = json_object_get(root, "form"), *student = json_object_get(root, "student");
    const json_t *counter = json_object_get(root, "counter"), *format = json_object_get(root, "format");
    const char *key64 = json_string_value(json_object_get(root, "teacher_key"));
    size_t got = 0;
    if (json_object_size(root) != 10 || !json_is_integer(format) || json_integer_value(format) != 1 ||
        !hex_ok(root, "id", o->id, sizeof o->id) || !hex_ok(root, "vault_id", o->vault_id, sizeof o->vault_id) ||
        !key64 || sodium_base642bin(o->teacher_key, sizeof o->teacher_key, key64, strlen(key64), NULL, &got, NULL,
                                    sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof o->teacher_key ||
        !str_ok(root, "teacher_name", 200, false) || !json_is_integer(counter) || json_integer_value(counter) <= 0 ||
        !str_ok(root, "written_at", 31, true) || !json_is_object(form) || json_object_size(form) != 2 ||
        !str_ok(form, "kind", 32, true) || strcmp(json_string_value(json_object_get(form, "kind")), "observation") != 0 ||
        !str_ok(form, "digest", 64, true) || strlen(json_string_value(json_object_get(form, "digest"))) != 64 ||
        !json_is_object(student) || json_object_size(student) != 3 || !str_ok(student, "number", 64, false) ||
        !str_ok(student, "name", 200, false) || !str_ok(student, "class", 100, false) ||
        !json_is_object(json_object_get(root, "fields")))
        return false;
    o->counter = (long long)json_integer_value(counter);
    snprintf(o->written_at, sizeof o->written_at, "%s", json_string_value(json_object_get(root, "written_at")));
    snprintf(o->form_digest, sizeof o->form_digest, "%s", json_string_value(json_object_get(form, "digest")));
    o->teacher_name = json_string_value(json_object_get(root, "teacher_name"));
    o->student_number = json_string_value(json_object_get(student, "number"));
    o->student_name = json_string_value(json_object_get(student, "name"));
    o->student_class = json_string_value(json_object_get(student, "class"));
    o->fields = json_object_get(root, "fields");
    return *o->student_number || *o->student_name;
}

cl_status cl_observation_parse_inner(const unsigned char *inner, size_t len,
                                     const unsigned char vault_id[CL_VAULT_ID_BYTES], cl_observation **out,
                                     const char **reason)
{
    if (len < INNER_HEADER || memcmp(inner, INNER_MAGIC, MAGIC_LEN) != 0)
        return refuse(reason, CL_OBS_MALFORMED, _("the observation's inner part is not in carelog's format"));
    const unsigned char *pk = inner + MAGIC_LEN, *sig = pk + CL_ED25519_PUBLIC_BYTES;
    const char *payload = (const char *)inner + INNER_HEADER;
    size_t plen = len - INNER_HEADER, mlen = 0;
    unsigned char *msg = signed_message(payload, plen, &mlen);
    if (!msg)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    int bad = crypto_sign_verify_detached(sig, msg, mlen, pk);
    sodium_memzero(msg, mlen);
    free(msg);
    if (bad)
        return refuse(reason, CL_OBS_BAD_SIGNATURE, _("the teacher's signature does not match the observation"));
    cl_observation *o = calloc(1, sizeof *o);
    if (!o)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    o->payload = malloc(plen + 1);
    if (!o->payload) {
        free(o);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    memcpy(o->payload, payload, plen);
    o->payload[plen] = '\0';
    memcpy(o->signature, sig, sizeof o->signature);
    o->root = memchr(payload, '\0', plen) ? NULL : json_loadb(payload, plen, JSON_REJECT_DUPLICATES, NULL);
    cl_status st = CL_OK;
    if (!json_is_object(o->root) || !payload_ok(o->root, o))
        st = refuse(reason, CL_OBS_MALFORMED, _("the observation's content is not in carelog's format"));
    else if (sodium_memcmp(o->teacher_key, pk, CL_ED25519_PUBLIC_BYTES) != 0)
        st = refuse(reason, CL_OBS_MALFORMED, _("the observation names another teacher than the one who signed it"));
    else if (sodium_memcmp(o->vault_id, vault_id, CL_VAULT_ID_BYTES) != 0)
        st = refuse(reason, CL_OBS_WRONG_VAULT, _("the observation was written for another school's vault"));
    if (st != CL_OK) {
        cl_observation_free(o);
        return st;
    }
    *out = o;
    return CL_OK;
}

/* ---- the editor ------------------------------------------------------- */

cl_status cl_observation_form(cl_form **out, char digest[65])
{
    for (const cl_builtin_form *b = cl_builtin_forms; b->name; b++) {
        if (strcmp(b->name, "observation.form") != 0)
            continue;
        cl_form_digest(b->text, b->len, digest);
        return cl_form_parse(b->text, b->len, b->name, out);
    }
    return cl_fail(CL_ESOFTWARE, _("this carelog was built without the observation form"));
}

const cl_field *cl_observation_next_field(const cl_form *form, const json_t *fields, size_t *pos)
{
    while (*pos < cl_form_field_count(form)) {
        const cl_field *f = cl_form_field_at(form, (*pos)++);
        if (cl_field_shown(f, fields))
            return f;
    }
    return NULL;
}

cl_status cl_observation_answer(const cl_form *form, json_t *fields, const char *field_id, const char *text)
{
    json_t *value;
    cl_status st = cl_form_value_from_text(form, field_id, text, &value);
    if (st != CL_OK)
        return st;
    if (json_is_null(value))
        json_object_del(fields, field_id);
    else
        json_object_set(fields, field_id, value);
    json_decref(value);
    return CL_OK;
}

cl_status cl_observation_check(const cl_form *form, const json_t *fields, const char *number, const char *name)
{
    if ((!number || !*number) && (!name || !*name))
        return cl_fail(CL_EUSAGE, _("say which student: --student NUMBER, or --name NAME with --class CLASS"));
    if ((number && strlen(number) > 64) || (name && strlen(name) > 200))
        return cl_fail(CL_EUSAGE, _("the student's number or name is too long"));
    return cl_form_validate(form, fields);
}
