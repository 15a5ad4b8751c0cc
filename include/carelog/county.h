/* Anonymous county totals: how carelog scales past one school. A school
 * sends a term's statistics with no name, number, birth date or class, every
 * small count suppressed, signed by its vault; the county verifies each file
 * against the schools it trusts and adds them up. Personal data never
 * leaves a school this way.
 *
 * The file (JSON, UTF-8):
 *   {format: "carelog-county-totals", version: 1, period, from, to,
 *    school, vault_id, fingerprint, ed25519 (the vault's public key,
 *    base64), threshold, generated_at,
 *    totals: {students, observations, sessions, assessments, screenings,
 *             plans, reviews, contacts, referrals},
 *    by_grade: [{grade, students, observations, …}],
 *    referral_states: [{state, count}], screening_bands: [{kind, band, count}],
 *    signature}
 * Each count is an integer, "<T" (1 to T−1, T the threshold), or "*": a
 * cell suppressed only so that a "<T" cell of the same list cannot be
 * worked out from the total by subtraction. signature: base64 Ed25519 (by
 * the vault's key, libsodium) over the file's JSON without "signature",
 * keys sorted, compact. */
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
 * CL_COUNTY_MIN_THRESHOLD to 100. *out: the document (JSON text,
 * malloc'd). CL_EUSAGE for a bad name or threshold, CL_EDATA for a bad date. */
cl_status cl_county_totals(cl_vault *v, const char *period, const char *from, const char *to, int threshold,
                           unsigned char **out, size_t *len);

/* A school the county trusts, from the school's vault.pub text:
 * {school, vault_id, fingerprint, ed25519}. CL_EDATA naming what is wrong. */
cl_status cl_county_trust_parse(const char *vault_pub, size_t len, json_t **out);

/* Reads one county file (outside input: checked strictly) and verifies its
 * signature and that its key is one of trusted ([cl_county_trust_parse
 * objects]). CL_EDATA for a malformed or altered file (the message says
 * which), CL_EPERM for a school not trusted. */
cl_status cl_county_verify(const unsigned char *data, size_t len, const json_t *trusted, json_t **out);

/* Adds up verified files into a report table (report.h's shape, kind
 * "county"): a row per school, then the county's total. A total over a
 * suppressed cell is shown as "≥N" (each suppressed cell counted as 1), so
 * no suppressed cell can be recovered by subtraction. Two files of one
 * school for one period: CL_EDATA naming both. */
cl_status cl_county_merge(const json_t *files, json_t **report);

#endif
