/* The teacher's side: the identity folder, joining a school, sealing. */
#include "carelog/teacher.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/keyslot.h"
#include "carelog/teacher_roster.h"
#include "carelog/text.h"
#include "vault_internal.h"

#define TEACHER_FINGERPRINT_DOMAIN "carelog-teacher-fingerprint-v1"

struct cl_teacher_identity {
    char *dir;
    unsigned char teacher_id[CL_VAULT_ID_BYTES];
    char *name;
    unsigned char public_key[CL_ED25519_PUBLIC_BYTES];
    char public_text[64];
    char fingerprint[24];
    long long counter;
    long long roster_counter; /* the newest teachers' roster accepted */
    bool joined;
    cl_vault_pub vault;
};

/* ---- vault.pub ----------------------------------------------------------- */

static bool line_value(const char *text, size_t len, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > klen + 1 && memcmp(p, key, klen) == 0 && p[klen] == ':' && p[klen + 1] == ' ') {
            size_t n = (size_t)(eol - p) - klen - 2;
            if (n >= size)
                return false;
            memcpy(out, p + klen + 2, n);
            out[n] = '\0';
            return true;
        }
        p = eol + 1;
    }
    return false;
}

static bool base64_key(const char *text, unsigned char *key, size_t key_len)
{
    size_t got = 0;
    return sodium_base642bin(key, key_len, text, strlen(text), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == key_len;
}

cl_status cl_vault_pub_parse(const char *text, size_t len, cl_vault_pub *out)
{
    static const char head[] = "carelog-vault-public 1\n";
    memset(out, 0, sizeof *out);
    if (len < sizeof head - 1 || memcmp(text, head, sizeof head - 1) != 0 || memchr(text, '\0', len))
        return cl_fail(CL_EDATA, _("this is not a carelog vault.pub file"));
    char id[64], x[64], ed[64], fp[32], check[24];
    size_t got = 0;
    if (!line_value(text, len, "vault-id", id, sizeof id) || !line_value(text, len, "x25519", x, sizeof x) ||
        !line_value(text, len, "ed25519", ed, sizeof ed) || !line_value(text, len, "fingerprint", fp, sizeof fp) ||
        !line_value(text, len, "school", out->school, sizeof out->school) ||
        sodium_hex2bin(out->vault_id, sizeof out->vault_id, id, strlen(id), NULL, &got, NULL) != 0 ||
        got != sizeof out->vault_id || !base64_key(x, out->x25519, sizeof out->x25519) ||
        !base64_key(ed, out->ed25519, sizeof out->ed25519))
        return cl_fail(CL_EDATA, _("vault.pub is damaged: a line is missing or unreadable"));
    vault_fingerprint("carelog-fingerprint-v1", out->x25519, sizeof out->x25519, out->ed25519, sizeof out->ed25519,
                      check);
    if (strcmp(check, fp) != 0)
        return cl_fail(CL_EDATA, _("vault.pub is damaged: its fingerprint is not the one of its keys"));
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", check);
    return CL_OK;
}

cl_status cl_vault_pub_load(const char *path, cl_vault_pub *out)
{
    unsigned char *text;
    size_t len;
    cl_status st = cl_file_read(path, 65536, &text, &len);
    if (st != CL_OK)
        return st;
    st = cl_vault_pub_parse((const char *)text, len, out);
    free(text);
    return st == CL_OK ? st : cl_fail_context(st, "%s", path);
}

bool cl_vault_pub_equal(const cl_vault_pub *a, const cl_vault_pub *b)
{
    return sodium_memcmp(a->vault_id, b->vault_id, sizeof a->vault_id) == 0 &&
           sodium_memcmp(a->x25519, b->x25519, sizeof a->x25519) == 0 &&
           sodium_memcmp(a->ed25519, b->ed25519, sizeof a->ed25519) == 0;
}

/* ---- the identity folder ------------------------------------------------ */

cl_status cl_teacher_dir(const char *given, char **out)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char *p;
    if (given)
        p = strdup(given);
    else if (xdg && *xdg == '/')
        p = vault_path_in(xdg, "carelog-teacher");
    else if (home && *home)
        p = vault_path_in(home, ".local/share/carelog-teacher");
    else
        return cl_fail(CL_EUSAGE, _("neither XDG_DATA_HOME nor HOME is set; name the identity folder with --identity DIR"));
    if (!p)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *out = p;
    return CL_OK;
}

void cl_teacher_key_fingerprint(const unsigned char key[CL_ED25519_PUBLIC_BYTES], char out[24])
{
    vault_fingerprint(TEACHER_FINGERPRINT_DOMAIN, key, CL_ED25519_PUBLIC_BYTES, NULL, 0, out);
}

static void set_public(cl_teacher_identity *t)
{
    sodium_bin2base64(t->public_text, sizeof t->public_text, t->public_key, sizeof t->public_key,
                      sodium_base64_VARIANT_ORIGINAL);
    cl_teacher_key_fingerprint(t->public_key, t->fingerprint);
}

static json_t *vault_json(const cl_vault_pub *p)
{
    char id[CL_VAULT_ID_BYTES * 2 + 1], x[64], ed[64];
    sodium_bin2hex(id, sizeof id, p->vault_id, sizeof p->vault_id);
    sodium_bin2base64(x, sizeof x, p->x25519, sizeof p->x25519, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(ed, sizeof ed, p->ed25519, sizeof p->ed25519, sodium_base64_VARIANT_ORIGINAL);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "vault_id", id, "school", p->school, "x25519", x, "ed25519", ed,
                     "fingerprint", p->fingerprint);
}

static cl_status save_identity(const cl_teacher_identity *t, bool create)
{
    char id[CL_VAULT_ID_BYTES * 2 + 1];
    sodium_bin2hex(id, sizeof id, t->teacher_id, sizeof t->teacher_id);
    json_t *root = json_pack("{s:i, s:s, s:s, s:s, s:I, s:o, s:I}", "format", 1, "teacher_id", id, "name", t->name,
                             "ed25519", t->public_text, "counter", (json_int_t)t->counter, "vault",
                             t->joined ? vault_json(&t->vault) : json_null(), "roster_counter",
                             (json_int_t)t->roster_counter);
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    char *path = vault_path_in(t->dir, "identity.json");
    cl_status st = text && path ? (create ? cl_file_create_atomic : cl_file_write_atomic)(path, text, strlen(text))
                                : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(text);
    free(path);
    return st;
}

void cl_teacher_free(cl_teacher_identity *t)
{
    if (!t)
        return;
    free(t->dir);
    free(t->name);
    free(t);
}

const char *cl_teacher_name(const cl_teacher_identity *t) { return t->name; }
const char *cl_teacher_public_text(const cl_teacher_identity *t) { return t->public_text; }
const char *cl_teacher_fingerprint(const cl_teacher_identity *t) { return t->fingerprint; }
const cl_vault_pub *cl_teacher_vault(const cl_teacher_identity *t) { return t->joined ? &t->vault : NULL; }

cl_status cl_teacher_init(const char *dir, const char *name, const cl_secret *pass, cl_teacher_identity **out)
{
    cl_status st = vault_check_name(_("teacher's name"), name);
    if (st != CL_OK)
        return st;
    if (vault_file_exists(dir, "identity.json") || vault_file_exists(dir, "keyslots"))
        return cl_fail(CL_ECANTCREATE, _("%s already holds a teacher identity; it was left untouched "
                                         "(`carelog teacher show` prints it)"), dir);
    st = vault_make_dirs(dir);
    if (st != CL_OK)
        return st;
    cl_teacher_identity *t = calloc(1, sizeof *t);
    cl_secret *seed = NULL, *sk = NULL;
    cl_keyslots *ks = NULL;
    char *ks_path = vault_path_in(dir, "keyslots");
    if (!t || !ks_path) {
        free(t), free(ks_path);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    t->dir = strdup(dir);
    t->name = strdup(name);
    randombytes_buf(t->teacher_id, sizeof t->teacher_id);
    cl_kdf kdf;
    st = cl_kdf_calibrate(&kdf);
    if (st == CL_OK)
        st = cl_secret_random(crypto_sign_SEEDBYTES, &seed);
    if (st == CL_OK)
        st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &sk);
    if (st == CL_OK) {
        crypto_sign_seed_keypair(t->public_key, sk->bytes, seed->bytes);
        set_public(t);
        st = cl_keyslots_new(t->teacher_id, &ks);
    }
    /* The seed stands where a vault's slot holds the database key: the
     * same wrapping, the same Argon2id cost, one mechanism to trust. */
    if (st == CL_OK)
        st = cl_keyslots_add(ks, CL_SLOT_PASSPHRASE, pass, &kdf, seed, NULL);
    if (st == CL_OK) {
        unsigned char *data;
        size_t len;
        st = cl_keyslots_serialize(ks, &data, &len);
        if (st == CL_OK) {
            st = cl_file_create_atomic(ks_path, data, len);
            free(data);
        }
    }
    if (st == CL_OK)
        st = save_identity(t, true);
    cl_keyslots_free(ks);
    cl_secret_free(seed);
    cl_secret_free(sk);
    if (st != CL_OK) {
        if (!vault_file_exists(dir, "identity.json"))
            unlink(ks_path);
        free(ks_path);
        cl_teacher_free(t);
        return st;
    }
    free(ks_path);
    *out = t;
    return CL_OK;
}

static const char *str_or_empty(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static cl_status vault_from_json(const json_t *j, cl_vault_pub *p)
{
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "carelog-vault-public 1\nvault-id: %s\nschool: %s\nx25519: %s\ned25519: %s\nfingerprint: %s\n",
                     str_or_empty(j, "vault_id"),
                     str_or_empty(j, "school"),
                     str_or_empty(j, "x25519"),
                     str_or_empty(j, "ed25519"),
                     str_or_empty(j, "fingerprint"));
    if (n < 0 || n >= (int)sizeof text)
        return cl_fail(CL_EDATA, _("the joined school's keys are unreadable"));
    return cl_vault_pub_parse(text, (size_t)n, p);
}

static cl_status load_from(const char *dir, cl_teacher_identity **out);

cl_status cl_teacher_load(const char *dir, cl_teacher_identity **out)
{
    char *folder = NULL;
    cl_status st = cl_teacher_dir(dir, &folder);
    if (st == CL_OK)
        st = load_from(folder, out);
    free(folder);
    return st;
}

static cl_status load_from(const char *dir, cl_teacher_identity **out)
{
    char *path = vault_path_in(dir, "identity.json");
    unsigned char *text = NULL;
    size_t len;
    cl_status st = path ? cl_file_read(path, 65536, &text, &len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(path);
    if (st == CL_ENOTFOUND)
        return cl_fail(CL_ENOTFOUND, _("there is no teacher identity at %s; create one with `carelog teacher init`"),
                       dir);
    if (st != CL_OK)
        return st;
    json_t *root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    cl_teacher_identity *t = calloc(1, sizeof *t);
    const char *id = json_string_value(json_object_get(root, "teacher_id"));
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *key = json_string_value(json_object_get(root, "ed25519"));
    const json_t *counter = json_object_get(root, "counter"), *vault = json_object_get(root, "vault");
    size_t got = 0;
    st = t ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK && (!id || !name || !key || !json_is_integer(counter) || json_integer_value(counter) < 0 ||
                        sodium_hex2bin(t->teacher_id, sizeof t->teacher_id, id, strlen(id), NULL, &got, NULL) != 0 ||
                        got != sizeof t->teacher_id || !base64_key(key, t->public_key, sizeof t->public_key)))
        st = cl_fail(CL_EDATA, _("%s/identity.json is damaged; the teacher identity cannot be read"), dir);
    if (st == CL_OK) {
        t->dir = strdup(dir);
        t->name = strdup(name);
        t->counter = (long long)json_integer_value(counter);
        const json_t *seen = json_object_get(root, "roster_counter");
        t->roster_counter = json_is_integer(seen) && json_integer_value(seen) > 0 ? (long long)json_integer_value(seen) : 0;
        set_public(t);
        if (json_is_object(vault)) {
            st = vault_from_json(vault, &t->vault);
            t->joined = st == CL_OK;
        }
    }
    json_decref(root);
    if (st != CL_OK) {
        cl_teacher_free(t);
        return st;
    }
    *out = t;
    return CL_OK;
}

cl_status cl_teacher_join(cl_teacher_identity *t, const char *vault_pub_path)
{
    cl_vault_pub p;
    cl_status st = cl_vault_pub_load(vault_pub_path, &p);
    if (st != CL_OK)
        return st;
    if (t->joined && !cl_vault_pub_equal(&p, &t->vault))
        return cl_fail(CL_EPERM, _("this identity already belongs to the vault of %s (fingerprint %s); "
                                   "a teacher of another school needs another identity (--identity DIR)"),
                       t->vault.school, t->vault.fingerprint);
    if (t->joined)
        return CL_OK;
    t->vault = p;
    t->joined = true;
    st = save_identity(t, false);
    if (st != CL_OK)
        t->joined = false;
    return st;
}

cl_status cl_teacher_check_vault_pub(const cl_teacher_identity *t, const char *vault_pub_path)
{
    if (!t->joined)
        return cl_fail(CL_EUSAGE, _("join your school's vault first: `carelog teacher join vault.pub`"));
    cl_vault_pub p;
    cl_status st = cl_vault_pub_load(vault_pub_path, &p);
    if (st == CL_ENOTFOUND)
        return cl_fail(CL_ENOTFOUND, _("%s is missing: name the school's vault folder with --vault DIR, or write the "
                                       "observation to a file with -o FILE; nothing was sealed"), vault_pub_path);
    if (st != CL_OK)
        return cl_fail_context(st, _("nothing was sealed"));
    if (!cl_vault_pub_equal(&p, &t->vault))
        return cl_fail(CL_EPERM, _("%s is not the vault you joined (its keys changed: fingerprint %s, joined %s); "
                                   "nothing was sealed — ask the counsellor, by phone, whether the vault changed"),
                       vault_pub_path, p.fingerprint, t->vault.fingerprint);
    return CL_OK;
}

cl_status cl_teacher_unlock(const cl_teacher_identity *t, const cl_secret *pass, cl_secret **seed)
{
    char *path = vault_path_in(t->dir, "keyslots");
    cl_keyslots *ks = NULL;
    cl_status st = path ? cl_keyslots_load(path, &ks) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(path);
    if (st == CL_OK && sodium_memcmp(cl_keyslots_vault_id(ks), t->teacher_id, sizeof t->teacher_id) != 0)
        st = cl_fail(CL_EDATA, _("the identity's keyslots file belongs to another identity"));
    if (st == CL_OK) {
        st = cl_keyslots_unlock(ks, CL_SLOT_PASSPHRASE, pass, NULL, seed, NULL);
        if (st == CL_EPERM)
            st = cl_fail(CL_EPERM, _("wrong teacher passphrase; nothing was sealed"));
    }
    cl_keyslots_free(ks);
    if (st != CL_OK)
        return st;
    unsigned char pk[CL_ED25519_PUBLIC_BYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, (*seed)->bytes);
    sodium_memzero(sk, sizeof sk);
    if (sodium_memcmp(pk, t->public_key, sizeof pk) != 0) {
        cl_secret_free(*seed);
        *seed = NULL;
        return cl_fail(CL_EDATA, _("the identity's secret does not match its public key; the identity is damaged"));
    }
    return CL_OK;
}

long long cl_teacher_roster_seen(const cl_teacher_identity *t) { return t->roster_counter; }

/* Under the folder's lock and re-read, as the send counter is: two
 * commands at once must not lower what the other remembered. */
cl_status cl_teacher_roster_note_seen(cl_teacher_identity *t, long long counter)
{
    if (counter <= t->roster_counter)
        return CL_OK;
    int fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        cl_status st = cl_fail(CL_EIO, "%s: %s", t->dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return st;
    }
    cl_teacher_identity *now = NULL;
    cl_status st = load_from(t->dir, &now);
    if (st == CL_OK) {
        t->counter = now->counter > t->counter ? now->counter : t->counter;
        t->roster_counter = now->roster_counter > counter ? now->roster_counter : counter;
        st = save_identity(t, false);
    }
    cl_teacher_free(now);
    close(fd);
    return st;
}

/* The next counter, under a lock on the identity folder, re-read from
 * disk: two observe commands at once must not use one counter (the vault
 * would refuse the second file as a replay). */
static cl_status take_counter(cl_teacher_identity *t)
{
    int fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        cl_status st = cl_fail(CL_EIO, "%s: %s", t->dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return st;
    }
    cl_teacher_identity *now = NULL;
    cl_status st = load_from(t->dir, &now);
    if (st == CL_OK) {
        t->counter = (now->counter > t->counter ? now->counter : t->counter) + 1;
        if (now->roster_counter > t->roster_counter)
            t->roster_counter = now->roster_counter;
        st = save_identity(t, false);
    }
    cl_teacher_free(now);
    close(fd); /* releases the lock */
    return st;
}

cl_status cl_teacher_seal_unlocked(cl_teacher_identity *t, const cl_secret *seed, const char *student_number,
                                   const char *student_name, const char *student_class, const json_t *fields,
                                   const char *form_digest, unsigned char id_out[CL_OBSERVATION_ID_BYTES],
                                   unsigned char **file, size_t *len)
{
    if (!t->joined)
        return cl_fail(CL_EUSAGE, _("join your school's vault first: `carelog teacher join vault.pub`"));
    cl_status st = take_counter(t);
    if (st == CL_OK) {
        cl_observation_draft d = {
            .teacher_name = t->name, .student_number = student_number, .student_name = student_name,
            .student_class = student_class, .fields = fields, .form_digest = form_digest, .counter = t->counter,
        };
        memcpy(d.vault_id, t->vault.vault_id, sizeof d.vault_id);
        memcpy(d.vault_x25519, t->vault.x25519, sizeof d.vault_x25519);
        st = cl_observation_seal(&d, seed, id_out, file, len);
    }
    return st;
}

cl_status cl_teacher_seal(cl_teacher_identity *t, const cl_secret *pass, const char *student_number,
                          const char *student_name, const char *student_class, const json_t *fields,
                          const char *form_digest, unsigned char id_out[CL_OBSERVATION_ID_BYTES],
                          unsigned char **file, size_t *len)
{
    if (!t->joined)
        return cl_fail(CL_EUSAGE, _("join your school's vault first: `carelog teacher join vault.pub`"));
    cl_secret *seed;
    cl_status st = cl_teacher_unlock(t, pass, &seed);
    if (st == CL_OK)
        st = cl_teacher_seal_unlocked(t, seed, student_number, student_name, student_class, fields, form_digest,
                                      id_out, file, len);
    cl_secret_free(seed);
    return st;
}

/* Whom an observation was about, sealed to the teacher's own X25519 key
 * (the one the Ed25519 key converts to): sent.log holds no plaintext, and
 * only the teacher's passphrase reads the names back. */
static bool seal_student(const cl_teacher_identity *t, const char *student, char *out, size_t size)
{
    unsigned char x_pk[32], box[crypto_box_SEALBYTES + 512];
    size_t n = student ? strlen(student) : 0;
    if (n == 0 || n > 512 - 1 || crypto_sign_ed25519_pk_to_curve25519(x_pk, t->public_key) != 0 ||
        crypto_box_seal(box, (const unsigned char *)student, n, x_pk) != 0 ||
        sodium_base64_ENCODED_LEN(n + crypto_box_SEALBYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > size)
        return false;
    sodium_bin2base64(out, size, box, n + crypto_box_SEALBYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return true;
}

static char *open_student(const char *sealed, const cl_secret *seed)
{
    unsigned char box[crypto_box_SEALBYTES + 512], ed_pk[32], x_pk[32];
    size_t got = 0;
    cl_secret *ed_sk = NULL, *x_sk = NULL, *plain = NULL;
    char *out = NULL;
    if (sodium_base642bin(box, sizeof box, sealed, strlen(sealed), NULL, &got, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got <= crypto_box_SEALBYTES ||
        cl_secret_new(crypto_sign_SECRETKEYBYTES, &ed_sk) != CL_OK || cl_secret_new(32, &x_sk) != CL_OK ||
        cl_secret_new(got - crypto_box_SEALBYTES, &plain) != CL_OK)
        goto done;
    crypto_sign_seed_keypair(ed_pk, ed_sk->bytes, seed->bytes);
    if (crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk) == 0 &&
        crypto_sign_ed25519_sk_to_curve25519(x_sk->bytes, ed_sk->bytes) == 0 &&
        crypto_box_seal_open(plain->bytes, box, got, x_pk, x_sk->bytes) == 0)
        out = strndup((const char *)plain->bytes, got - crypto_box_SEALBYTES);
done:
    cl_error_clear();
    cl_secret_free(ed_sk);
    cl_secret_free(x_sk);
    cl_secret_free(plain);
    return out;
}

cl_status cl_teacher_note_sent(const cl_teacher_identity *t, const unsigned char id[CL_OBSERVATION_ID_BYTES],
                               const unsigned char *file, size_t len, const char *student)
{
    unsigned char h[16];
    char id_hex[33], h_hex[33], now[32], sealed[800] = "-", line[1024];
    crypto_generichash(h, sizeof h, file, len, NULL, 0);
    cl_observation_id_hex(id, id_hex);
    sodium_bin2hex(h_hex, sizeof h_hex, h, sizeof h);
    cl_time_iso(cl_now(), now, sizeof now);
    if (!seal_student(t, student, sealed, sizeof sealed))
        snprintf(sealed, sizeof sealed, "-");
    int n = snprintf(line, sizeof line, "%s %s %lld %s %s\n", now, id_hex, t->counter, h_hex, sealed);
    char *path = vault_path_in(t->dir, "sent.log");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
    free(path);
    if (fd < 0)
        return cl_fail(CL_EIO, _("could not note the observation in sent.log: %s"), strerror(errno));
    cl_status st = write(fd, line, (size_t)n) == n && fsync(fd) == 0
                       ? CL_OK
                       : cl_fail(CL_EIO, _("could not note the observation in sent.log: %s"), strerror(errno));
    close(fd);
    return st;
}

cl_status cl_teacher_sent(const cl_teacher_identity *t, const cl_secret *seed, json_t **out)
{
    char *path = vault_path_in(t->dir, "sent.log");
    unsigned char *text = NULL;
    size_t len = 0;
    cl_status st = path ? cl_file_read(path, 16 << 20, &text, &len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(path);
    json_t *list = json_array();
    if (st == CL_ENOTFOUND) {
        cl_error_clear();
        *out = list;
        return CL_OK;
    }
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    char *save = NULL;
    for (char *line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char at[32], id[40], hash[40], sealed[800] = "-";
        long long counter;
        if (sscanf(line, "%31s %39s %lld %39s %799s", at, id, &counter, hash, sealed) < 4)
            continue;
        json_t *row = json_pack("{s:s, s:s, s:I, s:s}", "sent_at", at, "id", id, "counter", (json_int_t)counter,
                                "hash", hash);
        char *student = seed && strcmp(sealed, "-") != 0 ? open_student(sealed, seed) : NULL;
        if (student)
            json_object_set_new(row, "student", json_string(student));
        free(student);
        json_array_append_new(list, row);
    }
    free(text);
    *out = list;
    return CL_OK;
}

cl_status cl_teacher_send(cl_teacher_identity *t, const cl_secret *seed, const cl_teacher_sending *s,
                          unsigned char id[CL_OBSERVATION_ID_BYTES], char **where)
{
    unsigned char *file = NULL;
    size_t len = 0;
    char *path = NULL;
    cl_status st = cl_teacher_seal_unlocked(t, seed, s->student_number, s->student_name, s->student_class, s->fields,
                                            s->form_digest, id, &file, &len);
    if (st == CL_OK && s->output) {
        path = strdup(s->output);
        st = path ? cl_file_create_atomic(s->output, file, len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    } else if (st == CL_OK) {
        st = cl_teacher_drop(s->inbox_dir, id, file, len, &path);
    }
    if (st == CL_OK) {
        char *label = cl_strdup_printf("%s %s %s", s->student_number ? s->student_number : "",
                                       s->student_name ? s->student_name : "", s->student_class ? s->student_class : "");
        st = cl_teacher_note_sent(t, id, file, len, label);
        if (label)
            sodium_memzero(label, strlen(label));
        free(label);
    }
    free(file);
    if (st != CL_OK) {
        free(path);
        return st;
    }
    *where = path;
    return CL_OK;
}

cl_status cl_teacher_drop(const char *inbox_dir, const unsigned char id[CL_OBSERVATION_ID_BYTES],
                          const unsigned char *file, size_t len, char **path_out)
{
    char id_hex[33], name[64], part[64];
    cl_observation_id_hex(id, id_hex);
    snprintf(name, sizeof name, "%s.clobs", id_hex);
    snprintf(part, sizeof part, ".%s.part", id_hex);
    char *path = vault_path_in(inbox_dir, name), *tmp = vault_path_in(inbox_dir, part);
    if (!path || !tmp) {
        free(path), free(tmp);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    cl_status st = CL_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0604);
    if (fd < 0)
        st = cl_fail(CL_ECANTCREATE, _("cannot write into %s: %s (is it the vault's inbox folder, and may you write "
                                       "there? Else hand the file over with -o FILE)"), inbox_dir, strerror(errno));
    else {
        if (fchmod(fd, 0604) != 0 || write(fd, file, len) != (ssize_t)len || fsync(fd) != 0)
            st = cl_fail(CL_EIO, "%s: %s", tmp, strerror(errno));
        if (close(fd) != 0 && st == CL_OK)
            st = cl_fail(CL_EIO, "%s: %s", tmp, strerror(errno));
        if (st == CL_OK && link(tmp, path) != 0)
            st = cl_fail(CL_EIO, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    /* A teacher who may not list the folder cannot open it to sync it
     * either; the file itself is synced, and the counsellor's import
     * syncs the folder. */
    if (st == CL_OK && cl_dir_sync(inbox_dir) != CL_OK)
        cl_error_clear();
    free(tmp);
    if (st != CL_OK) {
        free(path);
        return st;
    }
    *path_out = path;
    return CL_OK;
}
