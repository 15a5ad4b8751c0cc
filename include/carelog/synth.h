/* The synthetic data generator, for demos, tests and benchmarks: a
 * lived-in vault of invented students and everything a counsellor records
 * about them, written through the same core the program uses
 * (cl_student_add, cl_record_add, cl_referral_move, cl_record_amend).
 *
 * Everything is fully determined by the seed and cl_now(): its own PRNG
 * (splitmix64 seeding xoshiro256**, never rand()), dates counted back from
 * cl_now(), so with CARELOG_TEST_NOW set two runs with one seed write the
 * same data. Nothing here is about a real person: names are drawn from
 * common surnames and given-name characters (with some rare ones such as
 * 𠮷 and 喆, which test 4-byte UTF-8 and fonts), and every phone number is
 * in the 100 0000 0000 block, which no Chinese mobile or fixed line uses.
 *
 * What a student gets, at plausible rates: a class (七年级(3)班 … 高三(8)班),
 * guardians with relations and phones, circumstances (left-behind about one
 * in eight, single-parent, divorced parents, migrant, low-income, rarely
 * disability, in difficulty, unattended, orphan); teachers' observations;
 * assessments (risk mostly 0–1, a few 2–3); counselling sessions; plans with
 * reviews; home-school contacts; PHQ-9 and GAD-7 screenings; for a few,
 * referrals moved along the loop to different states; follow-up dates both
 * due and overdue. Students are written in batches of about 2,000
 * records, one transaction each (referral moves included). */
#ifndef CARELOG_SYNTH_H
#define CARELOG_SYNTH_H

#include <stdint.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_SYNTH_MAX_STUDENTS 1000000
#define CL_SYNTH_MAX_MONTHS 120
#define CL_SYNTH_MAX_RECORDS_PER_STUDENT 10000

typedef struct cl_synth_options {
    int students;   /* how many (1..CL_SYNTH_MAX_STUDENTS); 0 = 40 */
    uint64_t seed;  /* any value; the same seed gives the same vault */
    int months;     /* how far back records go (1..CL_SYNTH_MAX_MONTHS); 0 = 6 */
    /* Records per student, the student's own included
     * (1..CL_SYNTH_MAX_RECORDS_PER_STUDENT): the usual history, cut short
     * at M or followed by more observations, sessions and contacts until
     * there are M; 0 = the usual history only (about 8.5 each). */
    int records_per_student;
    /* Called after each batch (one transaction) with the students written
     * so far and the records written so far; NULL = none. */
    void (*progress)(long long students_done, long long students, long long records, void *ctx);
    /* Called as the search index is merged after the last batch (the
     * generated vault is searched as fast as a merged one: search.h,
     * cl_search_merge), with an estimate in percent; NULL = none. */
    void (*merge_progress)(int percent, void *ctx);
    void *progress_ctx;
} cl_synth_options;

typedef struct cl_synth_report {
    long long students;
    long long records;      /* all records, the students' own included */
    long long observations, sessions, assessments, plans, reviews, contacts, referrals, screenings;
    long long transitions;  /* referral moves after the first state */
    long long amendments;
} cl_synth_report;

/* Fills an empty vault (one without students). CL_ECANTCREATE, with
 * nothing written, when the vault already holds students: generated data
 * is for demonstrations, tests and benchmarks, and the same seed gives the
 * same data only from empty. report may be NULL. CL_EUSAGE for options out
 * of range. */
cl_status cl_synth_fill(cl_vault *v, const cl_synth_options *opt, cl_synth_report *report);

/* ---- the PRNG and tables, shared with synth_names.c and the tests ---- */

typedef struct cl_synth_rng {
    uint64_t s[4];
} cl_synth_rng;

void cl_synth_rng_seed(cl_synth_rng *r, uint64_t seed);
uint64_t cl_synth_next(cl_synth_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint32_t cl_synth_below(cl_synth_rng *r, uint32_t n);
/* True with probability per_mille / 1000. */
int cl_synth_chance(cl_synth_rng *r, unsigned per_mille);

/* A surname: mostly common ones, rarely a compound one or 𠮷. */
const char *cl_synth_surname(cl_synth_rng *r);

/* A full name into out: surname (NULL: drawn) + one or two given-name
 * characters, now and then a rare one. */
void cl_synth_name(cl_synth_rng *r, int female, const char *surname, char *out, size_t size);

/* A phrase of table `which` (see synth_names.c), or "" for an unknown one. */
const char *cl_synth_pick(cl_synth_rng *r, const char *which);

#endif
