/* The teachers' roster file layout, shared by the side that writes it
 * (teacher_roster.c) and the side that reads it (teacher_roster_open.c). */
#ifndef CARELOG_TEACHER_ROSTER_INTERNAL_H
#define CARELOG_TEACHER_ROSTER_INTERNAL_H

#include <sodium.h>

#define ROSTER_MAGIC "CLROST01"
#define ROSTER_SIGN_DOMAIN "carelog-roster-v1"
#define ROSTER_MAGIC_LEN 8
#define ROSTER_FIXED_HEAD (ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 8 + 4)
#define ROSTER_STANZA (crypto_box_SEALBYTES + crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
#define ROSTER_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ROSTER_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define ROSTER_SIG crypto_sign_BYTES
/* More recipients than any school has teachers; bounds the work a file
 * can ask of a reader. */
#define ROSTER_MAX_RECIPIENTS 4096u

/* The message the vault signs: the domain, its NUL, then the file up to
 * the signature. malloc'd. */
unsigned char *roster_signed_message(const unsigned char *file, size_t len_before_sig, size_t *mlen);

#endif
