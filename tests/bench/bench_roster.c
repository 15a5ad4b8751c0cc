/* The teachers' roster at a school's size: publishing it (students, 200
 * enrolled teachers), its size, a teacher's carelog opening it (signature,
 * the teacher's stanza among 200, decryption, the names' pinyin), and the
 * picker's search on each keystroke (p50, p95 over 200 queries typed one
 * character at a time: pinyin initials, full pinyin, numbers, Chinese).
 * Usage: bench_roster [STUDENTS]   (default 10000) */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/file.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/teacher.h"
#include "carelog/teacher_roster.h"
#include "carelog/text.h"
#include "carelog/vault.h"

#include "bench_support.h"

#define TEACHERS 200
#define RUNS 200

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高"};
static const char *const given[] = {"小明", "子涵", "欣怡", "浩然", "梓萱", "宇轩", "雨桐", "俊杰", "思远", "佳琪", "一诺", "晨曦"};

static double p(double *t, int n, double q)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[(int)(q * (n - 1))];
}

int main(int argc, char **argv)
{
    int students = argc > 1 ? atoi(argv[1]) : 10000;
    char dir[32], tdir[64], pub[80];
    cl_secret *pass;
    cl_vault *v = bench_new_vault(dir, sizeof dir, &pass);
    snprintf(tdir, sizeof tdir, "%s/teacher", dir);
    snprintf(pub, sizeof pub, "%s/vault.pub", cl_vault_dir(v));
    sqlite3 *db = cl_vault_db(v);
    must(cl_db_begin(db), "begin");
    for (int i = 0; i < students; i++) {
        char number[16], name[32], klass[32];
        snprintf(number, sizeof number, "2026%05d", i);
        snprintf(name, sizeof name, "%s%s", surnames[i % 15], given[(i / 15) % 12]);
        snprintf(klass, sizeof klass, "初%d(%d)班", 1 + i % 3, 1 + (i / 3) % 20);
        json_t *f = json_pack("{s:s, s:s, s:s}", "number", number, "name", name, "class", klass);
        must(cl_student_add(v, f, true, NULL), "adding a student");
        json_decref(f);
    }
    must(cl_db_commit(db), "commit");
    cl_teacher_identity *t;
    must(cl_teacher_init(tdir, "李老师", pass, &t), "teacher init");
    must(cl_teacher_join(t, pub), "teacher join");
    for (int i = 1; i < TEACHERS; i++) {
        unsigned char pk[32], sk[64];
        char text[64], name[32];
        crypto_sign_keypair(pk, sk);
        sodium_bin2base64(text, sizeof text, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
        snprintf(name, sizeof name, "教师%03d", i);
        must(cl_teacher_add(v, name, text, NULL, NULL), "enrolling");
    }
    must(cl_teacher_add(v, "李老师", cl_teacher_public_text(t), NULL, NULL), "enrolling");

    double t0 = now_s();
    json_t *report;
    must(cl_teacher_roster_publish(v, NULL, NULL, &report), "publishing");
    double publish = now_s() - t0;
    unsigned char *file;
    size_t len;
    must(cl_file_read(json_string_value(json_object_get(report, "path")), CL_TEACHER_ROSTER_MAX_FILE, &file, &len),
         "reading");
    json_decref(report);
    cl_secret *seed;
    must(cl_teacher_unlock(t, pass, &seed), "unlocking the teacher");

    double opens[10];
    cl_teacher_roster *r = NULL;
    for (int i = 0; i < 10; i++) {
        cl_teacher_roster_free(r);
        t0 = now_s();
        must(cl_teacher_roster_open(file, len, NULL, cl_teacher_vault(t), 0, seed, &r), "opening");
        opens[i] = now_s() - t0;
    }
    static const char *const typed[] = {"zxm", "zhaoxm", "wangzh", "202600", "初2(7", "李子", "hyn", "s"};
    size_t *hits = malloc((size_t)students * sizeof *hits);
    double keys[RUNS];
    int n = 0;
    for (int run = 0; n < RUNS; run++) {
        const char *q = typed[run % 8];
        for (size_t k = 1; k <= strlen(q) && n < RUNS; k++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "%.*s", (int)k, q);
            t0 = now_s();
            (void)cl_teacher_roster_search(r, prefix, hits, 2000);
            keys[n++] = now_s() - t0;
        }
    }
    printf("teachers' roster: %d students, %d teachers: publish %.0f ms, file %zu KiB, open p50 %.0f ms, "
           "search per keystroke p50 %.1f ms p95 %.1f ms\n",
           students, TEACHERS, publish * 1e3, len / 1024, p(opens, 10, 0.5) * 1e3, p(keys, RUNS, 0.5) * 1e3,
           p(keys, RUNS, 0.95) * 1e3);
    free(hits);
    free(file);
    cl_teacher_roster_free(r);
    cl_secret_free(seed);
    cl_secret_free(pass);
    cl_teacher_free(t);
    cl_vault_close(v);
    return bench_remove(dir);
}
