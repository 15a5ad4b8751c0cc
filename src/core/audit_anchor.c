/* The audit head signed with the vault's Ed25519 key: an anchor. Once an
 * anchor has left the machine (in a backup, an export, on paper) any change
 * to the log before it is found, even by someone who holds a passphrase and
 * resets the stored head. */
#include "carelog/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/secret.h"
#include "carelog/storage.h"

#define ANCHOR_MAGIC "carelog-audit-anchor 1\n"
#define HASH_BYTES 32

cl_status cl_audit_anchor(sqlite3 *db, char **out)
{
    unsigned char head[HASH_BYTES], id[16];
    long long count;
    cl_secret *sk;
    cl_status st = cl_audit_head(db, head, &count);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "vault_id", id, sizeof id);
    if (st != CL_OK || (st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &sk)) != CL_OK)
        return st;
    st = cl_meta_get_blob(db, "ed25519_secret", sk->bytes, sk->len);
    char idhex[33], headhex[HASH_BYTES * 2 + 1], at[32], msg[512];
    sodium_bin2hex(idhex, sizeof idhex, id, sizeof id);
    sodium_bin2hex(headhex, sizeof headhex, head, sizeof head);
    cl_time_iso(cl_now(), at, sizeof at);
    int len = snprintf(msg, sizeof msg, ANCHOR_MAGIC "vault-id: %s\nentries: %lld\nhead: %s\nsigned-at: %s\n", idhex,
                       count, headhex, at);
    unsigned char sig[crypto_sign_BYTES];
    char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (st == CL_OK) {
        crypto_sign_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)len, sk->bytes);
        sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
        size_t size = sizeof msg + sizeof sig64 + 16;
        *out = malloc(size);
        if (!*out)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else
            snprintf(*out, size, "%ssignature: %s\n", msg, sig64);
    }
    cl_secret_free(sk);
    return st;
}

/* The anchor inside text (an anchor file, a backup or an export that
 * carries one): its signed part, the signature, entries and head. */
static cl_status parse_anchor(const char *text, size_t len, const char *what, char msg[512], unsigned char sig[64],
                              long long *entries, unsigned char head[HASH_BYTES], unsigned char id[16])
{
    const char *start = memmem(text, len, ANCHOR_MAGIC, strlen(ANCHOR_MAGIC));
    /* A vault export carries it as the string audit.anchor. */
    if (!start && len > 0 && text[0] == '{') {
        json_t *doc = json_loadb(text, len, 0, NULL);
        const char *inner = json_string_value(json_object_get(json_object_get(doc, "audit"), "anchor"));
        cl_status st = inner ? parse_anchor(inner, strlen(inner), what, msg, sig, entries, head, id)
                             : cl_fail(CL_EDATA, _("%s holds no audit anchor"), what);
        json_decref(doc);
        return st;
    }
    const char *end = start ? memmem(start, len - (size_t)(start - text), "\nsignature: ", 12) : NULL;
    char idhex[33] = "", headhex[HASH_BYTES * 2 + 1] = "", sig64[100] = "";
    size_t got_id = 0, got_head = 0, got_sig = 0;
    if (!end || end - start + 1 >= 512 ||
        sscanf(start, ANCHOR_MAGIC "vault-id: %32s\nentries: %lld\nhead: %64s\n", idhex, entries, headhex) != 3 ||
        sscanf(end + 12, "%99[A-Za-z0-9+/=]", sig64) != 1 ||
        sodium_hex2bin(id, 16, idhex, strlen(idhex), NULL, &got_id, NULL) != 0 || got_id != 16 ||
        sodium_hex2bin(head, HASH_BYTES, headhex, strlen(headhex), NULL, &got_head, NULL) != 0 ||
        got_head != HASH_BYTES ||
        sodium_base642bin(sig, 64, sig64, strlen(sig64), NULL, &got_sig, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got_sig != 64 || *entries < 0)
        return cl_fail(CL_EDATA, _("%s holds no readable audit anchor (`carelog audit anchor` prints one)"), what);
    memcpy(msg, start, (size_t)(end - start + 1));
    msg[end - start + 1] = '\0';
    return CL_OK;
}

cl_status cl_audit_verify_anchor(sqlite3 *db, const char *text, size_t len, const char *what, long long *anchored)
{
    char msg[512];
    unsigned char sig[64], head[HASH_BYTES], id[16], our_id[16], pk[crypto_sign_PUBLICKEYBYTES];
    long long entries;
    cl_status st = parse_anchor(text, len, what, msg, sig, &entries, head, id);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "vault_id", our_id, sizeof our_id);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "ed25519_public", pk, sizeof pk);
    if (st != CL_OK)
        return st;
    if (sodium_memcmp(id, our_id, sizeof id) != 0)
        return cl_fail(CL_EDATA, _("%s is the audit anchor of another vault"), what);
    if (crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk) != 0)
        return cl_fail(CL_EDATA, _("the audit anchor in %s is not signed by this vault's key: it was altered, or "
                                   "the vault's keys were replaced"), what);
    unsigned char at[HASH_BYTES];
    long long have;
    st = cl_audit_hash_at(db, entries, at, &have);
    if (st != CL_OK)
        return st;
    if (have < entries)
        return cl_fail(CL_EDATA, ngettext("the audit log was cut back: the anchor in %s covers %lld entries, the log "
                                          "holds %lld; the newest was removed after the anchor was made",
                                          "the audit log was cut back: the anchor in %s covers %lld entries, the log "
                                          "holds %lld; the newest were removed after the anchor was made",
                                          entries - have),
                       what, entries, have);
    if (sodium_memcmp(at, head, HASH_BYTES) != 0)
        return cl_fail(CL_EDATA, _("the audit log was rewritten: its first %lld entries no longer match the anchor "
                                   "in %s"), entries, what);
    *anchored = entries;
    return CL_OK;
}
