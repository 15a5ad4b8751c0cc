/* The synthetic data generator. See synth.h. */
#include "carelog/synth.h"
#include "carelog/i18n.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/text.h"

/* Records per transaction: one fsync for many records, and each commit
 * writes the pages of the indexes kept in date order (records by kind and
 * by day, the covering list index) once for all the batch's records,
 * wherever in those indexes they fell: filling 500,000 records, batches
 * of 100,000 wrote 37% fewer pages to the WAL than batches of 20,000
 * (both indexing for search after the last batch). The cache holds a
 * batch's pages until its commit (SQLite would otherwise spill them to
 * the WAL and write them again): up to SYNTH_CACHE_KIB while generating,
 * only as much as the vault needs. Progress is told every
 * PROGRESS_RECORDS, a second or so. */
#define BATCH_RECORDS 100000
#define PROGRESS_RECORDS 2000
#define SYNTH_CACHE_KIB "524288"

/* ---- PRNG: splitmix64 seeding xoshiro256** ----------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cl_synth_rng_seed(cl_synth_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cl_synth_next(cl_synth_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t cl_synth_below(cl_synth_rng *r, uint32_t n)
{
    if (n == 0)
        return 0;
    /* Lemire's multiply-shift; the tiny bias does not matter here. */
    return (uint32_t)(((cl_synth_next(r) >> 32) * (uint64_t)n) >> 32);
}

int cl_synth_chance(cl_synth_rng *r, unsigned per_mille)
{
    return cl_synth_below(r, 1000) < per_mille;
}

/* ---- dates, counted in days since 1970 (UTC) ------------------------- */

static void day_text(long day, char out[32])
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void day_time_text(long day, int hour, int minute, char out[48])
{
    char d[32];
    day_text(day, d);
    snprintf(out, 48, "%sT%02d:%02d", d, hour, minute);
}

static int year_of(long day)
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

static int month_of(long day)
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_mon + 1;
}

/* ---- the generator ------------------------------------------------------ */

typedef struct gen {
    cl_vault *v;
    cl_synth_rng rng;
    long today;
    int span;               /* days back */
    cl_synth_report rep;
    /* With --records-per-student: how many more the current student may
     * get (-1: no limit, the usual history). */
    long long budget;
} gen;

static const char *const grades[] = {"七年级", "八年级", "九年级", "高一", "高二", "高三"};

static void set_str(json_t *o, const char *k, const char *s)
{
    json_object_set_new(o, k, json_string(s));
}

static void set_day(json_t *o, const char *k, long day)
{
    char d[32];
    day_text(day, d);
    set_str(o, k, d);
}

static void fake_phone(gen *g, char out[16])
{
    /* 100 xxxx xxxx: a block no Chinese number uses. */
    snprintf(out, 16, "100%08u", (unsigned)cl_synth_below(&g->rng, 100000000));
}

/* A day in the window, at least `after` (a day), never after today. */
static long some_day(gen *g, long after)
{
    long first = g->today - g->span;
    if (after > first)
        first = after;
    if (first > g->today)
        first = g->today;
    return first + (long)cl_synth_below(&g->rng, (uint32_t)(g->today - first + 1));
}

/* The report's count of a kind. */
static long long *kind_count(cl_synth_report *r, const char *kind)
{
    static const struct {
        const char *kind;
        size_t offset;
    } counts[] = {
        {"observation", offsetof(cl_synth_report, observations)}, {"session", offsetof(cl_synth_report, sessions)},
        {"assessment", offsetof(cl_synth_report, assessments)},   {"plan", offsetof(cl_synth_report, plans)},
        {"review", offsetof(cl_synth_report, reviews)},           {"contact", offsetof(cl_synth_report, contacts)},
        {"referral", offsetof(cl_synth_report, referrals)},       {"phq9", offsetof(cl_synth_report, screenings)},
        {"gad7", offsetof(cl_synth_report, screenings)},
    };
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (strcmp(counts[i].kind, kind) == 0)
            return (long long *)(void *)((char *)r + counts[i].offset);
    return NULL;
}

/* Writes one record, unless the student's budget is spent: then *id is 0
 * and nothing is written (the history is cut short there). */
static cl_status add(gen *g, const char *kind, long long student, json_t *fields, long long parent, long long *id)
{
    long long got = 0;
    cl_status st = CL_OK;
    if (g->budget != 0)
        st = cl_record_add(g->v, kind, student, fields, parent, &got);
    json_decref(fields);
    if (st != CL_OK)
        return cl_fail_context(st, _("generating a %s record"), kind);
    if (id)
        *id = got;
    if (got) {
        g->rep.records++;
        long long *n = kind_count(&g->rep, kind);
        if (n)
            (*n)++;
        if (g->budget > 0)
            g->budget--;
    }
    return CL_OK;
}

static int risk_draw(gen *g)
{
    unsigned x = cl_synth_below(&g->rng, 100);
    return x < 45 ? 0 : x < 85 ? 1 : x < 96 ? 2 : 3;
}

static const char *const obs_categories[] = {
    "emotional", "emotional", "emotional", "behavioural", "behavioural", "social", "social", "academic_drop",
    "absence", "online_addiction", "family_conflict", "bullying_victim", "bullying_actor", "self_harm_signs",
    "suicide_talk", "suspected_abuse",
};

static cl_status observations(gen *g, long long sid, int risk, bool *abuse)
{
    int n = 1 + (int)cl_synth_below(&g->rng, 3);
    static const char *const roles[] = {"head_teacher", "head_teacher", "subject_teacher", "dorm_staff",
                                        "counsellor"};
    static const char *const role_zh[] = {"班主任", "班主任", "任课教师", "宿管", "心理老师"};
    cl_status st = CL_OK;
    for (int i = 0; i < n && st == CL_OK; i++) {
        json_t *f = json_object();
        char when[48], text[1024];
        day_time_text(some_day(g, 0), 7 + (int)cl_synth_below(&g->rng, 11), (int)cl_synth_below(&g->rng, 12) * 5,
                      when);
        set_str(f, "occurred_at", when);
        set_str(f, "location", cl_synth_pick(&g->rng, "location"));
        /* The serious categories only come with a higher risk. */
        size_t ncat = sizeof obs_categories / sizeof *obs_categories;
        const char *cat = obs_categories[cl_synth_below(&g->rng, (uint32_t)(risk >= 2 ? ncat : ncat - 3))];
        json_t *cats = json_array();
        json_array_append_new(cats, json_string(cat));
        if (strcmp(cat, "emotional") != 0 && cl_synth_chance(&g->rng, 300))
            json_array_append_new(cats, json_string("emotional"));
        json_object_set_new(f, "categories", cats);
        char table[48];
        snprintf(table, sizeof table, "obs.%s", cat);
        unsigned r = cl_synth_below(&g->rng, 5);
        snprintf(text, sizeof text, "%s%s老师反映：%s", role_zh[r], cl_synth_pick(&g->rng, "teacher"),
                 cl_synth_pick(&g->rng, table));
        set_str(f, "description", text);
        const char *sev = risk >= 3 ? "high" : risk == 2 ? "medium" : cl_synth_chance(&g->rng, 700) ? "low" : "medium";
        if (strcmp(cat, "suspected_abuse") == 0 || strcmp(cat, "suicide_talk") == 0)
            sev = cl_synth_chance(&g->rng, 500) ? "urgent" : "high";
        set_str(f, "severity", sev);
        if (strcmp(sev, "urgent") == 0)
            set_str(f, "immediate_action", "已由班主任陪同，并当即通知心理老师和学校领导。");
        set_str(f, "reporter_role", roles[r]);
        if (strcmp(cat, "suspected_abuse") == 0)
            *abuse = true;
        st = add(g, "observation", sid, f, 0, NULL);
    }
    return st;
}

static cl_status assessment(gen *g, long long sid, long day, int risk)
{
    json_t *f = json_object();
    set_day(f, "occurred_at", day);
    json_object_set_new(f, "risk_level", json_integer(risk));
    const char *tier = "none";
    if (cl_synth_chance(&g->rng, 80))
        tier = cl_synth_chance(&g->rng, 800) ? "bad" : "serious";
    set_str(f, "misconduct_tier", tier);
    set_str(f, "reasons", cl_synth_pick(&g->rng, "assess.reason"));
    static const char *const factors[] = {"depression", "anxiety", "family_conflict", "isolation",
                                          "academic_pressure", "lack_of_care", "online_addiction", "bullying"};
    json_t *rf = json_array();
    if (risk >= 1)
        json_array_append_new(rf, json_string(factors[cl_synth_below(&g->rng, 8)]));
    if (risk >= 3)
        json_array_append_new(rf, json_string("suicidal_ideation"));
    json_object_set_new(f, "risk_factors", rf);
    set_str(f, "protective_factors", cl_synth_pick(&g->rng, "protective"));
    if (risk >= 2) {
        json_object_set_new(f, "safety_plan", json_true());
        json_object_set_new(f, "guardians_informed", json_boolean(cl_synth_chance(&g->rng, 850)));
        set_day(f, "follow_up", day + (risk == 3 ? 7 : 14));
    }
    return add(g, "assessment", sid, f, 0, NULL);
}

static cl_status session(gen *g, long long sid, long day, int number, int risk, long long *id)
{
    json_t *f = json_object();
    set_day(f, "occurred_at", day);
    json_object_set_new(f, "session_number", json_integer(number));
    json_object_set_new(f, "duration_minutes", json_integer(30 + 5 * (int)cl_synth_below(&g->rng, 7)));
    const char *type = risk >= 3 && number == 1 ? "crisis" : cl_synth_chance(&g->rng, 850) ? "individual"
                       : cl_synth_chance(&g->rng, 500)                                  ? "parent"
                                                                                        : "phone";
    set_str(f, "session_type", type);
    set_str(f, "presenting_issue", cl_synth_pick(&g->rng, "issue"));
    set_str(f, "data", cl_synth_pick(&g->rng, "session.data"));
    set_str(f, "assessment", cl_synth_pick(&g->rng, "session.assessment"));
    set_str(f, "plan", cl_synth_pick(&g->rng, "session.plan"));
    bool risky = risk >= 2 && cl_synth_chance(&g->rng, 600);
    json_object_set_new(f, "risk_noted", json_boolean(risky));
    if (risky)
        set_str(f, "risk_detail", "学生提到有过不想活的念头，无具体计划；已与学生约定安全承诺，并告知班主任。");
    set_str(f, "next_steps", cl_synth_pick(&g->rng, "next_steps"));
    set_day(f, "follow_up", day + 7 + 7 * (int)cl_synth_below(&g->rng, 2));
    return add(g, "session", sid, f, 0, id);
}

static cl_status plan_with_reviews(gen *g, long long sid, long day)
{
    json_t *f = json_object();
    set_day(f, "occurred_at", day);
    set_str(f, "goals", cl_synth_pick(&g->rng, "plan.goal"));
    json_t *actions = json_array();
    int na = 2 + (int)cl_synth_below(&g->rng, 3);
    for (int i = 0; i < na; i++) {
        json_t *a = json_object();
        set_str(a, "who", cl_synth_pick(&g->rng, "plan.who"));
        set_str(a, "what", cl_synth_pick(&g->rng, "plan.what"));
        set_day(a, "by_when", day + 14 + 7 * (long)cl_synth_below(&g->rng, 6));
        json_array_append_new(actions, a);
    }
    json_object_set_new(f, "actions", actions);
    set_str(f, "responsible", "心理老师");
    set_day(f, "review_date", day + 30);
    int reviews = day + 30 <= g->today ? (int)cl_synth_below(&g->rng, 3) : 0;
    const char *status = reviews == 2 && cl_synth_chance(&g->rng, 500) ? "completed" : "active";
    set_str(f, "status", status);
    long long plan_id;
    cl_status st = add(g, "plan", sid, f, 0, &plan_id);
    static const char *const goal[] = {"partly", "partly", "achieved", "not_achieved", "revised"};
    for (int i = 0; i < reviews && plan_id && st == CL_OK; i++) {
        long rday = day + 30 * (i + 1);
        if (rday > g->today)
            break;
        json_t *r = json_object();
        set_day(r, "occurred_at", rday);
        json_object_set_new(r, "plan", json_integer(plan_id));
        set_str(r, "progress", cl_synth_pick(&g->rng, "review.progress"));
        const char *gs = goal[cl_synth_below(&g->rng, 5)];
        set_str(r, "goal_status", gs);
        if (strcmp(gs, "revised") == 0)
            set_str(r, "changes", "目标调整为先稳定睡眠，再逐步恢复社团活动。");
        set_day(r, "follow_up", rday + 30);
        st = add(g, "review", sid, r, plan_id, NULL);
    }
    return st;
}

static cl_status contact(gen *g, long long sid, long day, const char *guardian, const char *relation)
{
    static const char *const channels[] = {"phone", "phone", "phone", "message", "meeting", "visit", "video"};
    json_t *f = json_object();
    set_day(f, "occurred_at", day);
    set_str(f, "who", guardian);
    set_str(f, "relation", relation);
    set_str(f, "channel", channels[cl_synth_below(&g->rng, 7)]);
    set_str(f, "initiated_by", cl_synth_chance(&g->rng, 750) ? "school" : "family");
    set_str(f, "summary", cl_synth_pick(&g->rng, "contact.summary"));
    if (cl_synth_chance(&g->rng, 600))
        set_str(f, "agreements", cl_synth_pick(&g->rng, "contact.agreement"));
    if (cl_synth_chance(&g->rng, 400))
        set_day(f, "follow_up", day + 14);
    return add(g, "contact", sid, f, 0, NULL);
}

static cl_status screenings(gen *g, long long sid, long day, int risk)
{
    static const struct {
        const char *kind;
        int items;
    } forms[] = {{"phq9", 9}, {"gad7", 7}};
    cl_status st = CL_OK;
    for (size_t k = 0; k < 2 && st == CL_OK; k++) {
        json_t *f = json_object();
        set_day(f, "occurred_at", day);
        for (int q = 1; q <= forms[k].items; q++) {
            char id[16];
            snprintf(id, sizeof id, "q%d", q);
            int v = (int)cl_synth_below(&g->rng, (uint32_t)(2 + (risk >= 2)));
            if (k == 0 && q == 9)
                v = risk >= 3 ? 1 + (int)cl_synth_below(&g->rng, 2) : cl_synth_chance(&g->rng, 30) ? 1 : 0;
            json_object_set_new(f, id, json_integer(v));
        }
        st = add(g, forms[k].kind, sid, f, 0, NULL);
    }
    return st;
}

/* Moves a referral along the loop inside the batch's transaction, then
 * dates the moves a few days apart from the referral's date, as they would
 * have happened (re-dating a move leaves the search index alone). */
static cl_status move_referral(gen *g, long long id, long day, int steps, bool withdraw)
{
    static const char *const loop[] = {"reported", "acknowledged", "handling", "support", "closed"};
    static const char *const notes[] = {"已按规定向未保站报告", "接收机构已确认收到", "机构已派人处置",
                                        "进入帮扶阶段，学校继续配合", "处置完毕，结案"};
    cl_status st = CL_OK;
    for (int k = 0; k < steps && k < 5 && st == CL_OK; k++) {
        st = cl_referral_move(g->v, id, loop[k], notes[k]);
        g->rep.transitions += st == CL_OK;
    }
    if (st == CL_OK && withdraw && steps < 5) {
        st = cl_referral_move(g->v, id, "withdrawn", "经核实情况不属实，撤回报告");
        g->rep.transitions += st == CL_OK;
    }
    sqlite3 *db = cl_vault_db(g->v);
    sqlite3_stmt *sel = NULL, *upd = NULL;
    if (st == CL_OK)
        st = cl_db_cached(db, "SELECT id FROM referral_transitions WHERE record_id = ? ORDER BY id", &sel);
    if (st == CL_OK)
        st = cl_db_cached(db, "UPDATE referral_transitions SET at = ? WHERE id = ?", &upd);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(sel, 1, id);
    int hour = 9;
    while (st == CL_OK && sqlite3_step(sel) == SQLITE_ROW) {
        char at[64], d[32];
        if (day > g->today)
            day = g->today;
        day_text(day, d);
        snprintf(at, sizeof at, "%sT%02d:%02u:00Z", d, hour, cl_synth_below(&g->rng, 60));
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, at, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
        if (sqlite3_step(upd) != SQLITE_DONE)
            st = cl_db_fail(db, "dating the referral moves");
        day += 1 + (long)cl_synth_below(&g->rng, 5);
        hour = 8 + (int)cl_synth_below(&g->rng, 9);
    }
    sqlite3_reset(sel);
    sqlite3_reset(upd);
    return st;
}

static cl_status referral(gen *g, long long sid, long day, bool abuse)
{
    json_t *f = json_object();
    set_day(f, "occurred_at", day);
    json_t *concerns = json_array();
    json_array_append_new(concerns, json_string(abuse ? "physical_abuse" : "self_harm"));
    json_object_set_new(f, "concerns", concerns);
    set_str(f, "reason", cl_synth_pick(&g->rng, "referral.reason"));
    set_str(f, "urgency", cl_synth_chance(&g->rng, 300) ? "immediate" : "urgent");
    set_str(f, "what", cl_synth_pick(&g->rng, "referral.what"));
    set_day(f, "when", day - (long)cl_synth_below(&g->rng, 3));
    set_str(f, "who_disclosed", "学生本人向班主任反映");
    set_str(f, "actions_taken", cl_synth_pick(&g->rng, "referral.actions"));
    bool told = !abuse || cl_synth_chance(&g->rng, 300);
    json_object_set_new(f, "guardians_informed", json_boolean(told));
    if (!told)
        set_str(f, "reason_not_informed", "疑似侵害来自监护人，告知可能使学生处境更危险。");
    set_str(f, "agency", abuse ? "protection_station" : cl_synth_chance(&g->rng, 500) ? "civil_affairs" : "other");
    if (!abuse)
        set_str(f, "agency_name", "区未成年人心理健康服务中心");
    set_str(f, "contact_person", "周老师");
    char phone[16];
    fake_phone(g, phone);
    set_str(f, "contact_phone", phone);
    long long id;
    cl_status st = add(g, "referral", sid, f, 0, &id);
    int steps = (int)cl_synth_below(&g->rng, 6);
    bool withdraw = cl_synth_chance(&g->rng, 80);
    if (st == CL_OK && id)
        st = move_referral(g, id, day, steps, withdraw);
    return st;
}

/* A student with guardians and circumstances; returns the guardian's name
 * and relation for the contacts. */
static cl_status student(gen *g, long long serial, long long *sid, int *risk, char guardian[64],
                         const char **relation)
{
    json_t *f = json_object();
    int female = (int)cl_synth_below(&g->rng, 2);
    char name[64], number[32], cls[64];
    const char *surname = cl_synth_surname(&g->rng);
    cl_synth_name(&g->rng, female, surname, name, sizeof name);
    int grade = (int)cl_synth_below(&g->rng, 6);
    /* The school year starts in September. */
    int school_year = year_of(g->today) - (month_of(g->today) < 9);
    int entry = school_year - grade % 3;
    snprintf(number, sizeof number, "%04d%04lld", entry, serial);
    snprintf(cls, sizeof cls, "%s(%u)班", grades[grade], 1 + cl_synth_below(&g->rng, 8));
    set_str(f, "number", number);
    set_str(f, "name", name);
    set_str(f, "gender", female ? "female" : "male");
    int age = (grade < 3 ? 12 : 15) + grade % 3;
    char birth[32];
    snprintf(birth, sizeof birth, "%04d-%02u-%02u", school_year - age, 1 + cl_synth_below(&g->rng, 12),
             1 + cl_synth_below(&g->rng, 28));
    set_str(f, "birth_date", birth);
    set_str(f, "class", cls);
    json_object_set_new(f, "boarding", json_boolean(grade >= 3 && cl_synth_chance(&g->rng, 600)));

    static const struct {
        const char *id;
        unsigned per_mille;
    } rates[] = {
        {"left_behind", 125}, {"single_parent", 80}, {"divorced_parents", 60}, {"migrant", 50},
        {"low_income", 40},   {"disability", 20},    {"in_difficulty", 20},    {"unattended", 5},
        {"orphan", 3},
    };
    json_t *circ = json_array();
    bool left_behind = false, single = false, orphan = false;
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++)
        if (cl_synth_chance(&g->rng, rates[i].per_mille)) {
            json_array_append_new(circ, json_string(rates[i].id));
            left_behind |= strcmp(rates[i].id, "left_behind") == 0 || strcmp(rates[i].id, "unattended") == 0;
            single |= strcmp(rates[i].id, "single_parent") == 0;
            orphan |= strcmp(rates[i].id, "orphan") == 0;
        }
    json_object_set_new(f, "circumstances", circ);

    /* Guardians: a father shares the student's surname. */
    json_t *guardians = json_array();
    struct {
        const char *relation;
        char name[64];
        bool lives_with;
        const char *note;
    } people[2];
    int np = 0;
    if (orphan || left_behind) {
        people[np].relation = orphan ? "relative" : "grandparent";
        cl_synth_name(&g->rng, 1, NULL, people[np].name, sizeof people[np].name);
        people[np].lives_with = true;
        people[np].note = NULL;
        np++;
        if (!orphan) {
            people[np].relation = "father";
            cl_synth_name(&g->rng, 0, surname, people[np].name, sizeof people[np].name);
            people[np].lives_with = false;
            people[np].note = "在外地务工，晚上八点后方便接电话";
            np++;
        }
    } else {
        int mother_first = cl_synth_chance(&g->rng, 550);
        for (int k = 0; k < (single ? 1 : 2); k++) {
            bool mother = (k == 0) == (mother_first != 0);
            people[np].relation = mother ? "mother" : "father";
            cl_synth_name(&g->rng, mother, mother ? NULL : surname, people[np].name, sizeof people[np].name);
            people[np].lives_with = true;
            people[np].note = NULL;
            np++;
        }
    }
    for (int i = 0; i < np; i++) {
        json_t *p = json_object();
        char phone[16];
        fake_phone(g, phone);
        set_str(p, "name", people[i].name);
        set_str(p, "relation", people[i].relation);
        set_str(p, "phone", phone);
        json_object_set_new(p, "lives_with", json_boolean(people[i].lives_with));
        if (people[i].note)
            set_str(p, "note", people[i].note);
        json_array_append_new(guardians, p);
    }
    json_object_set_new(f, "guardians", guardians);
    snprintf(guardian, 64, "%s", people[0].name);
    *relation = people[0].relation;

    unsigned s = cl_synth_below(&g->rng, 100);
    set_str(f, "status", s < 78 ? "active" : s < 95 ? "monitoring" : "closed");
    set_str(f, "counsellor", cl_vault_user(g->v));
    *risk = risk_draw(g);
    cl_status st = cl_student_add(g->v, f, false, sid);
    json_decref(f);
    if (st != CL_OK)
        return cl_fail_context(st, _("generating student %s"), number);
    g->rep.students++;
    g->rep.records++;
    return CL_OK;
}

static cl_status one_student(gen *g, long long serial, int records_per_student)
{
    long long sid;
    int risk;
    char guardian[64];
    const char *relation;
    g->budget = -1;
    cl_status st = student(g, serial, &sid, &risk, guardian, &relation);
    /* The student's own record is the first of the M. */
    if (records_per_student)
        g->budget = records_per_student - 1;
    bool abuse = false;
    if (st == CL_OK)
        st = observations(g, sid, risk, &abuse);
    /* An earlier assessment sometimes, then the one that sets the level. */
    long last = some_day(g, g->today - g->span / 2);
    if (st == CL_OK && cl_synth_chance(&g->rng, 300)) {
        long earlier = some_day(g, 0) - 30;
        st = assessment(g, sid, earlier < g->today - g->span ? g->today - g->span : earlier, risk > 0 ? risk - 1 : 0);
    }
    if (st == CL_OK)
        st = assessment(g, sid, last, risk);
    int nsessions = risk >= 1 ? 1 + (int)cl_synth_below(&g->rng, 4) : cl_synth_chance(&g->rng, 500);
    long long first_session = 0;
    for (int i = 0; i < nsessions && st == CL_OK; i++) {
        long long id;
        st = session(g, sid, some_day(g, last - 20), i + 1, risk, &id);
        if (i == 0)
            first_session = id;
    }
    if (st == CL_OK && first_session && cl_synth_chance(&g->rng, 60)) {
        st = cl_record_amend(g->v, first_session, cl_synth_pick(&g->rng, "amendment"));
        g->rep.amendments += st == CL_OK;
    }
    if (st == CL_OK && (risk >= 2 || (risk == 1 && cl_synth_chance(&g->rng, 500))))
        st = plan_with_reviews(g, sid, some_day(g, g->today - g->span));
    int ncontacts = (int)cl_synth_below(&g->rng, 3) + (risk >= 2);
    for (int i = 0; i < ncontacts && st == CL_OK; i++)
        st = contact(g, sid, some_day(g, 0), guardian, relation);
    if (st == CL_OK && (risk >= 2 || cl_synth_chance(&g->rng, 300)))
        st = screenings(g, sid, some_day(g, 0), risk);
    if (st == CL_OK && ((risk == 3 && cl_synth_chance(&g->rng, 600)) || abuse))
        st = referral(g, sid, some_day(g, g->today - 60), abuse);
    /* With --records-per-student, the rest of the student's M: the
     * ongoing work of the months, teachers' observations, sessions and
     * contacts with the family. */
    for (int number = nsessions + 1; st == CL_OK && g->budget > 0;) {
        unsigned pick = cl_synth_below(&g->rng, 10);
        bool ignored = false;
        if (pick < 4)
            st = observations(g, sid, risk, &ignored);
        else if (pick < 7)
            st = session(g, sid, some_day(g, 0), number++, risk, NULL);
        else
            st = contact(g, sid, some_day(g, 0), guardian, relation);
    }
    return st;
}

/* Generated data only ever fills an empty vault: then the same seed gives
 * the same vault, and no real student can sit among invented ones. */
static cl_status vault_empty(cl_vault *v)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT count(*) FROM students", &q);
    if (st != CL_OK)
        return st;
    long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    if (n < 0)
        return cl_db_fail(cl_vault_db(v), "counting the students");
    if (n > 0)
        return cl_fail(CL_ECANTCREATE,
                       ngettext("this vault already holds %lld student, so nothing was generated (generate "
                                "fills only an empty vault: it is for demonstrations, tests and benchmarks; "
                                "make one with `carelog --vault DIR init`)",
                                "this vault already holds %lld students, so nothing was generated (generate "
                                "fills only an empty vault: it is for demonstrations, tests and benchmarks; "
                                "make one with `carelog --vault DIR init`)", (unsigned long)n), n);
    return CL_OK;
}

/* The front hears of the index's two steps after the batches as one:
 * building it counts for the first INDEX_SHARE percent, merging it for
 * the rest. */
#define INDEX_SHARE 80

static void index_progress(int percent, void *ctx)
{
    const cl_synth_options *o = ctx;
    o->merge_progress(percent * INDEX_SHARE / 100, o->progress_ctx);
}

static void merge_progress(int percent, void *ctx)
{
    const cl_synth_options *o = ctx;
    o->merge_progress(INDEX_SHARE + percent * (100 - INDEX_SHARE) / 100, o->progress_ctx);
}

cl_status cl_synth_fill(cl_vault *v, const cl_synth_options *opt, cl_synth_report *report)
{
    cl_synth_options o = opt ? *opt : (cl_synth_options){0};
    if (o.students == 0)
        o.students = 40;
    if (o.months == 0)
        o.months = 6;
    if (o.students < 0 || o.students > CL_SYNTH_MAX_STUDENTS)
        return cl_fail(CL_EUSAGE, _("--students must be from 1 to %d"), CL_SYNTH_MAX_STUDENTS);
    if (o.months < 0 || o.months > CL_SYNTH_MAX_MONTHS)
        return cl_fail(CL_EUSAGE, _("--months must be from 1 to %d"), CL_SYNTH_MAX_MONTHS);
    if (o.records_per_student < 0 || o.records_per_student > CL_SYNTH_MAX_RECORDS_PER_STUDENT)
        return cl_fail(CL_EUSAGE, _("--records-per-student must be from 1 to %d"), CL_SYNTH_MAX_RECORDS_PER_STUDENT);
    cl_status st = vault_empty(v);
    if (st != CL_OK)
        return st;
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    g->v = v;
    cl_synth_rng_seed(&g->rng, o.seed);
    /* "Today" is the local date, as for every record written now (record.c,
     * followup.c); days count from 1970-01-01 as dates, not as UTC instants. */
    char today[11];
    cl_time_date(cl_now(), today, sizeof today);
    g->today = cl_date_days(today);
    g->span = o.months * 30;
    sqlite3 *db = cl_vault_db(v);
    /* Every record is indexed for search once, after the last batch, in
     * the index's own order (search.h, cl_search_hold); a batch's pages
     * stay in the cache until its commit (its indexes are written all
     * over), so the cache is large while generating. */
    st = cl_search_hold(db);
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA cache_size = -" SYNTH_CACHE_KIB);
    for (int done = 0; done < o.students && st == CL_OK;) {
        st = cl_db_begin(db);
        long long batch_start = g->rep.records, told = g->rep.records;
        while (st == CL_OK && done < o.students && g->rep.records - batch_start < BATCH_RECORDS) {
            st = one_student(g, ++done, o.records_per_student);
            if (st == CL_OK && o.progress && g->rep.records - told >= PROGRESS_RECORDS) {
                o.progress(done, o.students, g->rep.records, o.progress_ctx);
                told = g->rep.records;
            }
        }
        if (st == CL_OK)
            st = cl_db_commit(db);
        else
            cl_db_rollback(db);
        if (st == CL_OK && o.progress)
            o.progress(done, o.students, g->rep.records, o.progress_ctx);
    }
    /* The batches committed are indexed also when a later one failed; the
     * user hears of that failure first. */
    char *failure = st != CL_OK ? strdup(cl_error_message()) : NULL;
    cl_status off = cl_search_index_held(db, o.merge_progress ? index_progress : NULL, &o);
    cl_status undefer = cl_search_defer(db, false);
    if (off == CL_OK)
        off = undefer;
    if (off == CL_OK)
        off = cl_db_exec(db, "PRAGMA cache_size = -" CL_DB_CACHE_KIB);
    if (st == CL_OK)
        st = off;
    else if (off != CL_OK)
        cl_fail(st, "%s", failure ? failure : "");
    free(failure);
    if (st == CL_OK)
        st = cl_search_merge(v, g->rep.records, o.merge_progress ? merge_progress : NULL, &o);
    if (st == CL_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "%lld students, %lld records (seed %llu, %d months)", g->rep.students,
                 g->rep.records, (unsigned long long)o.seed, o.months);
        if (o.records_per_student)
            snprintf(detail + strlen(detail), sizeof detail - strlen(detail), ", %d records per student",
                     o.records_per_student);
        st = cl_db_begin(db);
        if (st == CL_OK)
            st = cl_vault_audit(v, "generate", "synthetic data", detail);
        if (st == CL_OK)
            st = cl_db_commit(db);
        else
            cl_db_rollback(db);
    }
    if (report)
        *report = g->rep;
    free(g);
    return st;
}
