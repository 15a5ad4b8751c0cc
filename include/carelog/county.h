/* Anonymous county totals: how carelog scales past one school. A school
 * sends a term's statistics with no name, number, birth date or class, every
 * small count suppressed, signed by its vault; the county verifies each file
 * against the schools it trusts and adds them up. Personal data never
 * leaves a school this way.
 *
 * The file, FILE (JSON, UTF-8):
 *   {format: "carelog-county-totals", version: 2, period, from, to,
 *    school, vault_id, fingerprint, threshold, generated_at,
 *    totals: {students, observations, sessions, assessments, screenings,
 *             plans, reviews, contacts, referrals},
 *    by_grade: [{grade, students, observations, …}],
 *    referral_states: [{state, count}], screening_bands: [{kind, band, count}]}
 * Each count is an integer, "<T" (1 to T−1, T the threshold), or "*": a
 * cell suppressed only so that a "<T" cell of the same list cannot be
 * worked out from the total by subtraction. FILE.minisig is a minisign
 * signature by the vault's Ed25519 key over FILE, with the trusted comment
 * "carelog-county v2 school=FINGERPRINT vault=VAULT_ID at=TIME file=NAME",
 * so a county without carelog checks it with `minisign -Vm FILE -P KEY`
 * (KEY from `carelog pubkey` at the school). The school's name, vault id
 * and fingerprint are in the signed text and must be those of the
 * vault.pub that trusts the key. */
#ifndef CARELOG_COUNTY_H
#define CARELOG_COUNTY_H

#include <jansson.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_COUNTY_THRESHOLD 5     /* the default: counts below 5 are suppressed */
#define CL_COUNTY_MIN_THRESHOLD 3 /* never lower */
#define CL_COUNTY_MAX_BYTES ((size_t)1 << 20)

/* The signed totals for a period (name such as "2026 秋季学期", at most 64
 * characters; from/to local dates or NULL). threshold from
 * CL_COUNTY_MIN_THRESHOLD to 100; file_name goes into the signature's
 * trusted comment. *out: the document (JSON text, malloc'd); *signature:
 * the .minisig text (malloc'd). CL_EUSAGE for a bad name or threshold,
 * CL_EDATA for a bad date. */
cl_status cl_county_totals(cl_vault *v, const char *period, const char *from, const char *to, int threshold,
                           const char *file_name, unsigned char **out, size_t *len, char **signature);

/* A school the county trusts, from the school's vault.pub text (its
 * fingerprint line must match its keys): {school, vault_id, fingerprint,
 * ed25519 (hex)}. CL_EDATA naming what is wrong. */
cl_status cl_county_trust_parse(const char *vault_pub, size_t len, json_t **out);

/* The schools a vault trusts (`office trust` in an office vault, `school
 * add` in a school's), as cl_county_trust_parse gives them but for
 * "named_here": true: the name is the one this vault gave, so a file is
 * not held to it and is shown under it (its own in "school_as_signed").
 * Not audited. */
cl_status cl_county_trusted_schools(cl_vault *v, json_t **out);

/* Reads one county file and its .minisig (outside input: checked
 * strictly), verifies the signature by a key of trusted
 * ([cl_county_trust_parse objects]) and that the file names that school.
 * CL_EDATA for a malformed or altered file (the message says which),
 * CL_EPERM for a school not trusted or a file claiming another school. */
cl_status cl_county_verify(const unsigned char *data, size_t len, const char *sig, size_t sig_len,
                           const json_t *trusted, json_t **out);

/* Adds up verified files into a report table (report.h's shape, kind
 * "county"; each row has a "section"): a row per school ("school", its
 * totals), the county's total ("total"), then every breakdown the files
 * carry, added up: by grade ("grade", every measure), referrals by state
 * ("referral_state", in the Referrals column) and screenings by band
 * ("screening_band", in the Screenings column). Suppression holds in the
 * result: the county's threshold is the highest of threshold and every
 * file's, and a count a school published below it is suppressed again; a
 * sum over a suppressed part is "≥N" (each suppressed part counted as 1),
 * never exact; and where a breakdown's total is exact and only one of its
 * cells is not (so subtraction would give it, and with it one school's
 * suppressed part), the smallest other cell is withheld as "*". Two
 * files of one school for one period: CL_EDATA naming both. */
cl_status cl_county_merge(const json_t *files, int threshold, json_t **report);

#endif
