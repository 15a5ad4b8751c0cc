/* The teacher's side of the teachers' roster: checking, opening and
 * searching it. The file is outside input: nothing in it is trusted before
 * the vault's signature checks, and nothing of it is written to disk. */
#include "carelog/teacher_roster.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/pinyin.h"
#include "carelog/text.h"
#include "teacher_roster_internal.h"

#define REPUBLISH_HINT N_("ask the counsellor to publish the roster again (`carelog teacher publish-roster`)")

struct cl_teacher_roster {
    long long counter;
    char published_at[32];
    char form_digest[65];
    cl_form *form;
    cl_roster_student *students;
    size_t n;
    json_t *root; /* owns the strings */
};

static unsigned long long get_be(const unsigned char *p, int bytes)
{
    unsigned long long v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

static const char *name_of(const char *path)
{
    return path ? path : CL_TEACHER_ROSTER_FILE;
}

cl_status cl_teacher_roster_verify(const unsigned char *file, size_t len, const char *path,
                                   const cl_vault_pub *vault, long long min_counter, long long *counter)
{
    const char *p = name_of(path);
    if (len < ROSTER_FIXED_HEAD + ROSTER_STANZA + ROSTER_NONCE + ROSTER_TAG + ROSTER_SIG ||
        memcmp(file, ROSTER_MAGIC, ROSTER_MAGIC_LEN) != 0 || len > CL_TEACHER_ROSTER_MAX_FILE)
        return cl_fail(CL_EDATA, _("%s is not a teachers' roster (or it is cut short); nothing was shown — %s"), p,
                       _(REPUBLISH_HINT));
    if (sodium_memcmp(file + ROSTER_MAGIC_LEN, vault->vault_id, CL_VAULT_ID_BYTES) != 0)
        return cl_fail(CL_EDATA, _("%s was published by another vault than the one you joined (%s); nothing was "
                                   "shown — %s"), p, vault->fingerprint, _(REPUBLISH_HINT));
    unsigned long long c = get_be(file + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES, 8);
    unsigned long long n = get_be(file + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 8, 4);
    if (n == 0 || n > ROSTER_MAX_RECIPIENTS || c == 0 || c > (unsigned long long)INT64_MAX ||
        ROSTER_FIXED_HEAD + n * ROSTER_STANZA + ROSTER_NONCE + ROSTER_TAG + ROSTER_SIG > len)
        return cl_fail(CL_EDATA, _("%s is damaged (its header does not fit the file); nothing was shown — %s"), p,
                       _(REPUBLISH_HINT));
    size_t mlen;
    unsigned char *m = roster_signed_message(file, len - ROSTER_SIG, &mlen);
    if (!m)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    int bad = crypto_sign_verify_detached(file + len - ROSTER_SIG, m, mlen, vault->ed25519);
    free(m);
    if (bad)
        return cl_fail(CL_EDATA, _("%s is not signed by your school's vault (it was changed, or it is forged); "
                                   "nothing was shown — %s"), p, _(REPUBLISH_HINT));
    if ((long long)c < min_counter)
        return cl_fail(CL_EDATA, _("%s is older than a roster you already had (number %lld, you had %lld): an old "
                                   "copy was put back; nothing was shown — %s"), p, (long long)c, min_counter,
                       _(REPUBLISH_HINT));
    if (counter)
        *counter = (long long)c;
    return CL_OK;
}

/* The file key, from the stanza sealed to this teacher. */
static cl_status open_file_key(const unsigned char *file, const char *path, const cl_secret *ed_seed, cl_secret **key)
{
    unsigned char ed_pk[32], x_pk[32];
    cl_secret *ed_sk = NULL, *x_sk = NULL;
    cl_status st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &ed_sk);
    if (st == CL_OK)
        st = cl_secret_new(crypto_box_SECRETKEYBYTES, &x_sk);
    if (st == CL_OK)
        st = cl_secret_new(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, key);
    if (st == CL_OK && (ed_seed->len != crypto_sign_SEEDBYTES ||
                        crypto_sign_seed_keypair(ed_pk, ed_sk->bytes, ed_seed->bytes) != 0 ||
                        crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk) != 0 ||
                        crypto_sign_ed25519_sk_to_curve25519(x_sk->bytes, ed_sk->bytes) != 0))
        st = cl_fail(CL_EDATA, _("the teacher identity's key cannot open a roster"));
    bool opened = false;
    unsigned long long n = get_be(file + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 8, 4);
    /* Anonymous stanzas: the file does not say who can read it, so each is
     * tried (a school's few hundred teachers cost a few milliseconds). */
    for (unsigned long long i = 0; st == CL_OK && i < n && !opened; i++)
        opened = crypto_box_seal_open((*key)->bytes, file + ROSTER_FIXED_HEAD + i * ROSTER_STANZA, ROSTER_STANZA,
                                      x_pk, x_sk->bytes) == 0;
    if (st == CL_OK && !opened)
        st = cl_fail(CL_EPERM, _("%s is not for you: it opens only for the teachers enrolled when it was published "
                                 "(you are not enrolled, or you were revoked); nothing was shown — ask the counsellor "
                                 "whether you are enrolled, then to publish the roster again"), name_of(path));
    cl_secret_free(ed_sk);
    cl_secret_free(x_sk);
    if (st != CL_OK) {
        cl_secret_free(*key);
        *key = NULL;
    }
    return st;
}

static bool text_ok(const json_t *j, size_t max, bool may_be_empty)
{
    const char *s = json_string_value(j);
    size_t n = s ? json_string_length(j) : 0;
    return s && n <= max && (may_be_empty || n > 0) && strlen(s) == n && cl_utf8_valid(s, n);
}

static cl_status read_form(cl_teacher_roster *r, const json_t *form, const char *path)
{
    const json_t *format = json_object_get(form, "format");
    const char *kind = json_string_value(json_object_get(form, "kind"));
    const char *digest = json_string_value(json_object_get(form, "digest"));
    const json_t *text = json_object_get(form, "text");
    if (!json_is_object(form) || !json_is_integer(format) || !kind || strcmp(kind, "observation") != 0 || !digest ||
        strlen(digest) != 64 || !text_ok(text, 1 << 20, false))
        return cl_fail(CL_EDATA, _("%s carries no observation form this carelog can read; nothing was shown — %s"),
                       name_of(path), _(REPUBLISH_HINT));
    if (json_integer_value(format) > CL_TEACHER_ROSTER_FORM_FORMAT || json_integer_value(format) < 1)
        return cl_fail(CL_EDATA, _("%s carries an observation form of a later kind (form format %lld) than this "
                                   "carelog knows (%d); nothing was sent — update carelog on this machine"),
                       name_of(path), (long long)json_integer_value(format), CL_TEACHER_ROSTER_FORM_FORMAT);
    cl_form_digest(json_string_value(text), json_string_length(text), r->form_digest);
    if (strcmp(r->form_digest, digest) != 0)
        return cl_fail(CL_EDATA, _("%s is damaged: its observation form is not the one it names; nothing was shown — %s"),
                       name_of(path), _(REPUBLISH_HINT));
    cl_status st = cl_form_parse(json_string_value(text), json_string_length(text), "observation.form", &r->form);
    if (st == CL_OK && strcmp(cl_form_kind(r->form), "observation") != 0)
        st = cl_fail(CL_EDATA, "not an observation form");
    if (st != CL_OK)
        return cl_fail(CL_EDATA, _("%s carries an observation form this carelog cannot read (%s); nothing was "
                                   "sent — update carelog on this machine"), name_of(path), cl_error_message());
    return CL_OK;
}

static cl_status read_body(cl_teacher_roster *r, const char *body, size_t len, const cl_vault_pub *vault,
                           const char *path)
{
    r->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *students = json_object_get(r->root, "students");
    const char *vid = json_string_value(json_object_get(r->root, "vault_id"));
    const json_t *counter = json_object_get(r->root, "counter"), *at = json_object_get(r->root, "published_at");
    char want[CL_VAULT_ID_BYTES * 2 + 1];
    sodium_bin2hex(want, sizeof want, vault->vault_id, CL_VAULT_ID_BYTES);
    if (!json_is_object(r->root) || json_integer_value(json_object_get(r->root, "format")) != 1 || !vid ||
        strcmp(vid, want) != 0 || !json_is_integer(counter) || json_integer_value(counter) != r->counter ||
        !text_ok(at, sizeof r->published_at - 1, false) || !json_is_array(students) ||
        json_array_size(students) > 1000000)
        return cl_fail(CL_EDATA, _("%s is damaged: its content is not a roster; nothing was shown — %s"),
                       name_of(path), _(REPUBLISH_HINT));
    snprintf(r->published_at, sizeof r->published_at, "%s", json_string_value(at));
    cl_status st = read_form(r, json_object_get(r->root, "form"), path);
    if (st != CL_OK)
        return st;
    r->students = calloc(json_array_size(students) + 1, sizeof *r->students);
    if (!r->students)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t i;
    const json_t *s;
    json_array_foreach(students, i, s) {
        const json_t *number = json_object_get(s, "number"), *name = json_object_get(s, "name");
        const json_t *klass = json_object_get(s, "class");
        if (!json_is_object(s) || !text_ok(number, 64, false) || !text_ok(name, 200, false) || !text_ok(klass, 64, true))
            return cl_fail(CL_EDATA, _("%s is damaged: student %zu is unreadable; nothing was shown — %s"),
                           name_of(path), i + 1, _(REPUBLISH_HINT));
        cl_roster_student *out = &r->students[r->n++];
        out->number = json_string_value(number);
        out->name = json_string_value(name);
        out->klass = json_string_value(klass);
        st = cl_pinyin_keys(out->name, &out->keys);
        if (st != CL_OK)
            return st;
    }
    return CL_OK;
}

cl_status cl_teacher_roster_open(const unsigned char *file, size_t len, const char *path, const cl_vault_pub *vault,
                                 long long min_counter, const cl_secret *ed_seed, cl_teacher_roster **out)
{
    long long counter;
    cl_status st = cl_teacher_roster_verify(file, len, path, vault, min_counter, &counter);
    cl_secret *key = NULL, *plain = NULL;
    if (st == CL_OK)
        st = open_file_key(file, path, ed_seed, &key);
    if (st != CL_OK)
        return st;
    size_t head = ROSTER_FIXED_HEAD + get_be(file + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 8, 4) * ROSTER_STANZA;
    size_t clen = len - ROSTER_SIG - head - ROSTER_NONCE;
    unsigned long long plen = 0;
    st = cl_secret_new(clen - ROSTER_TAG, &plain);
    /* The signature covers every byte already; a box that still fails was
     * made wrong by the vault itself. */
    if (st == CL_OK && crypto_aead_xchacha20poly1305_ietf_decrypt(plain->bytes, &plen, NULL, file + head + ROSTER_NONCE,
                                                                  clen, file, head, file + head, key->bytes) != 0)
        st = cl_fail(CL_EDATA, _("%s does not open with its own key; nothing was shown — %s"), name_of(path),
                     _(REPUBLISH_HINT));
    cl_secret_free(key);
    cl_teacher_roster *r = NULL;
    if (st == CL_OK) {
        r = calloc(1, sizeof *r);
        if (r) {
            r->counter = counter;
            st = read_body(r, (const char *)plain->bytes, (size_t)plen, vault, path);
        } else {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
    }
    cl_secret_free(plain);
    if (st != CL_OK) {
        cl_teacher_roster_free(r);
        return st;
    }
    *out = r;
    return CL_OK;
}

void cl_teacher_roster_free(cl_teacher_roster *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->students[i].keys);
    free(r->students);
    cl_form_free(r->form);
    json_decref(r->root);
    free(r);
}

long long cl_teacher_roster_counter(const cl_teacher_roster *r) { return r->counter; }
const char *cl_teacher_roster_published_at(const cl_teacher_roster *r) { return r->published_at; }
size_t cl_teacher_roster_count(const cl_teacher_roster *r) { return r->n; }
const cl_form *cl_teacher_roster_form(const cl_teacher_roster *r) { return r->form; }
const char *cl_teacher_roster_form_digest(const cl_teacher_roster *r) { return r->form_digest; }

const cl_roster_student *cl_teacher_roster_at(const cl_teacher_roster *r, size_t i)
{
    return i < r->n ? &r->students[i] : NULL;
}

const cl_roster_student *cl_teacher_roster_find(const cl_teacher_roster *r, const char *number)
{
    for (size_t i = 0; number && i < r->n; i++)
        if (strcmp(r->students[i].number, number) == 0)
            return &r->students[i];
    return NULL;
}

/* A pinyin key list ("zhaoxiaoming zhaoxm zxm …") has a word starting
 * with word (lowercase already). */
static bool key_starts(const char *keys, const char *word, size_t n)
{
    for (const char *k = keys; *k;) {
        if (strncmp(k, word, n) == 0)
            return true;
        const char *sp = strchr(k, ' ');
        if (!sp)
            break;
        k = sp + 1;
    }
    return false;
}

static bool word_matches(const cl_roster_student *s, const char *word, size_t n)
{
    char w[128];
    if (n == 0 || n >= sizeof w)
        return n == 0;
    memcpy(w, word, n);
    w[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z')
            w[i] = (char)(w[i] - 'A' + 'a');
    return strcasestr(s->number, w) || strcasestr(s->name, w) || strcasestr(s->klass, w) ||
           (s->keys && key_starts(s->keys, w, n));
}

size_t cl_teacher_roster_search(const cl_teacher_roster *r, const char *query, size_t *out, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < r->n; i++) {
        bool all = true;
        for (const char *q = query ? query : ""; *q && all;) {
            while (*q == ' ')
                q++;
            size_t n = strcspn(q, " ");
            all = word_matches(&r->students[i], q, n);
            q += n;
        }
        if (!all)
            continue;
        if (found < max)
            out[found] = i;
        found++;
    }
    return found;
}
