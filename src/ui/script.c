/* The scripted mode of the screens, for tests only: keys come from a file
 * (CARELOG_SCREEN_SCRIPT), the curses virtual screen is dumped to files as
 * text on demand, and the idle clock moves only when the script says, so
 * screen tests compare exact text and never sleep. Built only with
 * -DCARELOG_TEST_HOOKS: a dump writes what the screen shows to disk, which
 * a real carelog must never do.
 *
 *   keys TEXT        types TEXT (UTF-8), one key per character
 *   key NAME [N]     Enter Tab BTab Esc Up Down Left Right Home End PgUp
 *                    PgDn Backspace Delete Space F2 F5 Ctrl-X, or one character
 *   paste TEXT       a bracketed paste; \n in TEXT is a newline
 *   size COLS ROWS   the terminal is resized
 *   advance SECONDS  the idle clock moves on
 *   dump FILE        writes the screen as text (trailing spaces cut)
 *   colors FILE      writes, for each cell, the digit of its colour pair
 *                    (0: none), so a test can prove NO_COLOR and risk colours
 *   time LABEL       times the next key: from the key given to the screen
 *                    being drawn after it (when the key after is asked
 *                    for), appended as "SECONDS CPU STATEMENTS LABEL" to
 *                    the file CARELOG_SCREEN_TIMES names: the wall time,
 *                    the process's CPU time (steadier on a busy machine)
 *                    and how many SQL statements the vault ran meanwhile (make
 *                    bench: bench_screens; a test that a cursor move does
 *                    not wait on the database: screens_cursor.sh); at the
 *                    end the process's peak RSS follows ("# VmHWM KIB")
 *   # …              a comment */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "carelog/text.h"
#include "carelog/i18n.h"
#include "carelog/vault.h"
#include "ui.h"

#ifdef CARELOG_TEST_HOOKS

struct ui_script {
    FILE *in;
    int *pending;
    size_t n_pending, next, cap;
    double clock;
    char label[128];  /* of the key to time next ("": none) */
    char timing[128]; /* of the key being timed ("": none) */
    double started, started_cpu;
    sqlite3 *traced; /* the vault's connection while a key is timed */
    long statements;
};

static int count_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)type;
    (void)p;
    (void)x;
    ((struct ui_script *)ctx)->statements++;
    return 0;
}

static double seconds_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void timing_start(ui *u, struct ui_script *s)
{
    snprintf(s->timing, sizeof s->timing, "%s", s->label);
    s->label[0] = '\0';
    s->statements = 0;
    s->traced = u->vault ? cl_vault_db(u->vault) : NULL;
    if (s->traced)
        sqlite3_trace_v2(s->traced, SQLITE_TRACE_STMT, count_statement, s);
    s->started_cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
    s->started = seconds_of(CLOCK_MONOTONIC);
}

/* The key being timed is done: the screen after it is drawn. */
static void timed(ui *u, struct ui_script *s)
{
    double elapsed = seconds_of(CLOCK_MONOTONIC) - s->started;
    double cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID) - s->started_cpu;
    /* A key that locked the vault closed the connection, and its trace. */
    if (s->traced && u->vault && cl_vault_db(u->vault) == s->traced)
        sqlite3_trace_v2(s->traced, 0, NULL, NULL);
    s->traced = NULL;
    const char *path = getenv("CARELOG_SCREEN_TIMES");
    FILE *out = path && *path ? fopen(path, "a") : NULL;
    if (out) {
        fprintf(out, "%.6f %.6f %ld %s\n", elapsed, cpu, s->statements, s->timing);
        fclose(out);
    }
    s->timing[0] = '\0';
}

struct ui_script *ui_script_open(void)
{
    const char *path = getenv("CARELOG_SCREEN_SCRIPT");
    if (!path || !*path)
        return NULL;
    struct ui_script *s = calloc(1, sizeof *s);
    if (!s || !(s->in = fopen(path, "r"))) {
        fprintf(stderr, _("carelog: cannot read the screen script %s\n"), path);
        exit(66);
    }
    s->clock = 1000.0;
    return s;
}

/* The process's peak RSS (VmHWM: this program's since its exec, the
 * forked parent's not in it), appended to the times file as
 * "# VmHWM KIB" when the script ends. */
static void peak_rss(void)
{
    const char *path = getenv("CARELOG_SCREEN_TIMES");
    FILE *status = path && *path ? fopen("/proc/self/status", "r") : NULL;
    if (!status)
        return;
    char line[128];
    long kib = -1;
    while (kib < 0 && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &kib) != 1)
            kib = -1;
    fclose(status);
    FILE *out = kib >= 0 ? fopen(path, "a") : NULL;
    if (out) {
        fprintf(out, "# VmHWM %ld\n", kib);
        fclose(out);
    }
}

void ui_script_close(struct ui_script *s)
{
    if (!s)
        return;
    peak_rss();
    fclose(s->in);
    free(s->pending);
    free(s);
}

double ui_script_clock(const struct ui_script *s)
{
    return s->clock;
}

static void push(struct ui_script *s, int key)
{
    if (s->n_pending == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int *p = realloc(s->pending, cap * sizeof *p);
        if (!p)
            return;
        s->pending = p;
        s->cap = cap;
    }
    s->pending[s->n_pending++] = key;
}

static void push_text(struct ui_script *s, const char *text, bool escapes)
{
    const char *p = text, *end = text + strlen(text);
    while (p < end) {
        uint32_t cp;
        if (escapes && p[0] == '\\' && p + 1 < end && p[1] == 'n') {
            push(s, UI_ENTER);
            p += 2;
            continue;
        }
        p += cl_utf8_decode(p, end, &cp);
        push(s, (int)cp);
    }
}

static const struct {
    const char *name;
    int key;
} names[] = {
    {"Enter", UI_ENTER},           {"Tab", UI_TAB},
    {"BTab", UI_FN(KEY_BTAB)},     {"Esc", UI_ESC},
    {"Up", UI_FN(KEY_UP)},         {"Down", UI_FN(KEY_DOWN)},
    {"Left", UI_FN(KEY_LEFT)},     {"Right", UI_FN(KEY_RIGHT)},
    {"Home", UI_FN(KEY_HOME)},     {"End", UI_FN(KEY_END)},
    {"PgUp", UI_FN(KEY_PPAGE)},    {"PgDn", UI_FN(KEY_NPAGE)},
    {"Backspace", 127},            {"Delete", UI_FN(KEY_DC)},
    {"Space", ' '},                {"F2", UI_FN(KEY_F(2))},
    {"F5", UI_FN(KEY_F(5))},
};

static int key_named(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].key;
    if (strncmp(name, "Ctrl-", 5) == 0 && name[5] && !name[6])
        return UI_CTRL(name[5] | 0x20);
    uint32_t cp;
    size_t n = cl_utf8_decode(name, name + strlen(name), &cp);
    return name[0] && !name[n] ? (int)cp : -1;
}

/* What the screen shows now (the frame and any prompt drew it before
 * asking for this key). */
static void dump(ui *u, const char *path)
{
    FILE *out = fopen(path, "w");
    if (!out)
        return;
    for (int y = 0; y < u->rows; y++) {
        cl_buf line = {0};
        for (int x = 0; x < u->cols;) {
            cchar_t cc;
            wchar_t wc[CCHARW_MAX + 1] = {0};
            attr_t attr;
            short pair;
            mvin_wch(y, x, &cc);
            getcchar(&cc, wc, &attr, &pair, NULL);
            int width = 1;
            for (size_t k = 0; k < CCHARW_MAX && wc[k]; k++) {
                char mb[8];
                int n = wctomb(mb, wc[k]);
                if (n > 0)
                    cl_buf_append(&line, mb, (size_t)n);
                if (k == 0 && cl_codepoint_width((uint32_t)wc[0]) == 2)
                    width = 2;
            }
            if (!wc[0])
                cl_buf_puts(&line, " ");
            x += width;
        }
        size_t len = line.len;
        while (len > 0 && line.data[len - 1] == ' ')
            len--;
        fprintf(out, "%.*s\n", (int)len, line.data ? line.data : "");
        cl_buf_free(&line);
    }
    fclose(out);
}

static void dump_colors(ui *u, const char *path)
{
    FILE *out = fopen(path, "w");
    if (!out)
        return;
    for (int y = 0; y < u->rows; y++) {
        for (int x = 0; x < u->cols; x++) {
            cchar_t cc;
            wchar_t wc[CCHARW_MAX + 1] = {0};
            attr_t attr;
            short pair = 0;
            mvin_wch(y, x, &cc);
            getcchar(&cc, wc, &attr, &pair, NULL);
            fputc(pair > 0 && pair < 10 ? '0' + pair : '0', out);
        }
        fputc('\n', out);
    }
    fclose(out);
}

int ui_script_key(ui *u)
{
    struct ui_script *s = u->script;
    char buf[4096];
    if (s->timing[0])
        timed(u, s);
    while (s->next == s->n_pending) {
        s->next = s->n_pending = 0;
        if (!fgets(buf, sizeof buf, s->in))
            return UI_EOF;
        buf[strcspn(buf, "\n")] = '\0';
        char *arg = strchr(buf, ' ');
        if (arg)
            *arg++ = '\0';
        if (buf[0] == '#' || buf[0] == '\0')
            continue;
        if (strcmp(buf, "keys") == 0 && arg) {
            push_text(s, arg, false);
        } else if (strcmp(buf, "paste") == 0 && arg) {
            push(s, UI_PASTE_START);
            push_text(s, arg, true);
            push(s, UI_PASTE_END);
        } else if (strcmp(buf, "key") == 0 && arg) {
            char *count = strchr(arg, ' ');
            if (count)
                *count++ = '\0';
            int key = key_named(arg), times = count ? atoi(count) : 1;
            if (key < 0) {
                fprintf(stderr, _("carelog: screen script: unknown key %s\n"), arg);
                return UI_EOF;
            }
            for (int i = 0; i < times; i++)
                push(s, key);
        } else if (strcmp(buf, "size") == 0 && arg) {
            int cols = 0, rows = 0;
            if (sscanf(arg, "%d %d", &cols, &rows) == 2 && cols > 0 && rows > 0) {
                resize_term(rows, cols);
                return UI_RESIZE;
            }
        } else if (strcmp(buf, "advance") == 0 && arg) {
            s->clock += atof(arg);
            return UI_TICK;
        } else if (strcmp(buf, "dump") == 0 && arg) {
            dump(u, arg);
        } else if (strcmp(buf, "colors") == 0 && arg) {
            dump_colors(u, arg);
        } else if (strcmp(buf, "time") == 0 && arg) {
            snprintf(s->label, sizeof s->label, "%s", arg);
        } else {
            fprintf(stderr, _("carelog: screen script: cannot read \"%s\"\n"), buf);
            return UI_EOF;
        }
    }
    if (s->label[0])
        timing_start(u, s);
    return s->pending[s->next++];
}

#else

struct ui_script *ui_script_open(void)
{
    return NULL;
}

int ui_script_key(ui *u)
{
    (void)u;
    return UI_EOF;
}

double ui_script_clock(const struct ui_script *s)
{
    (void)s;
    return 0;
}

void ui_script_close(struct ui_script *s)
{
    (void)s;
}

#endif
