/* A report as an Excel workbook, by libxlsxwriter, without plaintext on a
 * disk: see cl_report_render in report.h for why and how. */
#include "carelog/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static bool on_tmpfs(const char *dir)
{
    struct statfs fs;
    return dir && *dir && statfs(dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC && access(dir, W_OK | X_OK) == 0;
}

static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

#define WORK_PREFIX "carelog-xlsx-"
#define STALE_SECONDS 60

/* A run killed while making a workbook leaves its working folder on the
 * memory file system until reboot. Each run holds an flock on its own
 * folder, so a folder of this user that nobody holds is a leftover; the
 * age check covers the instant between mkdtemp and flock of a run just
 * starting. */
static void sweep_leftovers(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *e;
    time_t now = time(NULL);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, WORK_PREFIX, strlen(WORK_PREFIX)) != 0)
            continue;
        char path[4096];
        struct stat sb;
        if (snprintf(path, sizeof path, "%s/%s", base, e->d_name) >= (int)sizeof path ||
            lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() ||
            now - sb.st_mtime < STALE_SECONDS)
            continue;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            remove_folder(path);
        close(fd);
    }
    closedir(d);
}

/* A new private folder on a memory file system for libxlsxwriter's
 * working files, held (flock on *lock_fd) while it is in use. */
static cl_status memory_folder(char *out, size_t size, int *lock_fd)
{
    const char *bases[] = {getenv("XDG_RUNTIME_DIR"), "/dev/shm"};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
        if (!on_tmpfs(bases[i]))
            continue;
        sweep_leftovers(bases[i]);
        if (snprintf(out, size, "%s/" WORK_PREFIX "XXXXXX", bases[i]) >= (int)size)
            continue;
        if (!mkdtemp(out))
            continue;
        *lock_fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*lock_fd >= 0 && flock(*lock_fd, LOCK_EX | LOCK_NB) == 0)
            return CL_OK;
        if (*lock_fd >= 0)
            close(*lock_fd);
        rmdir(out);
    }
    return cl_fail(CL_ECANTCREATE,
                   _("an Excel workbook needs a memory file system ($XDG_RUNTIME_DIR or /dev/shm on tmpfs) for its "
                     "working files, and there is none; use --format csv instead"));
}

static void release_folder(const char *dir, int lock_fd)
{
    remove_folder(dir);
    close(lock_fd);
}

typedef struct formats {
    lxw_format *title, *meta, *head, *text, *date, *number;
} formats;

static void make_formats(lxw_workbook *wb, formats *f)
{
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->meta = workbook_add_format(wb);
    format_set_font_size(f->meta, 9);
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_text_wrap(f->head);
    format_set_bg_color(f->head, 0xD9D9D9);
    format_set_border(f->head, LXW_BORDER_THIN);
    format_set_align(f->head, LXW_ALIGN_VERTICAL_CENTER);
    f->text = workbook_add_format(wb);
    format_set_text_wrap(f->text);
    format_set_border(f->text, LXW_BORDER_THIN);
    format_set_align(f->text, LXW_ALIGN_VERTICAL_TOP);
    f->date = workbook_add_format(wb);
    format_set_num_format(f->date, "yyyy-mm-dd");
    format_set_border(f->date, LXW_BORDER_THIN);
    format_set_align(f->date, LXW_ALIGN_VERTICAL_TOP);
    f->number = workbook_add_format(wb);
    format_set_border(f->number, LXW_BORDER_THIN);
    format_set_align(f->number, LXW_ALIGN_VERTICAL_TOP);
}

static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *cell, const char *type,
                       const formats *f)
{
    int y, m, d;
    if (json_is_integer(cell)) {
        worksheet_write_number(ws, r, c, (double)json_integer_value(cell), f->number);
    } else if (strcmp(type, "date") == 0 && json_is_string(cell) &&
               sscanf(json_string_value(cell), "%4d-%2d-%2d", &y, &m, &d) == 3) {
        lxw_datetime dt = {y, m, d, 0, 0, 0};
        worksheet_write_datetime(ws, r, c, &dt, f->date);
    } else {
        /* write_string never reads "=…" as a formula. */
        worksheet_write_string(ws, r, c, json_is_string(cell) ? json_string_value(cell) : "", f->text);
    }
}

/* One worksheet: a title row with the school and period, the headings
 * (frozen, repeated when printed), then the rows (of one class, or all). */
static void write_sheet(lxw_workbook *wb, const char *name, const json_t *report, const char *only_class,
                        const formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return;
    const json_t *cols = json_object_get(report, "columns");
    lxw_col_t ncols = (lxw_col_t)json_array_size(cols);
    const json_t *period = json_object_get(report, "period");
    char *meta = cl_strdup_printf("%s · %s %s – %s · %s %s", str(report, "school"), _("Period"),
                                  *str(period, "from") ? str(period, "from") : "…",
                                  *str(period, "to") ? str(period, "to") : "…", _("vault fingerprint"),
                                  str(report, "fingerprint"));
    worksheet_merge_range(ws, 0, 0, 0, ncols ? ncols - 1 : 0, str(report, "title"), f->title);
    worksheet_merge_range(ws, 1, 0, 1, ncols ? ncols - 1 : 0, meta ? meta : "", f->meta);
    free(meta);
    for (lxw_col_t c = 0; c < ncols; c++) {
        const json_t *col = json_array_get(cols, c);
        worksheet_set_column(ws, c, c, json_number_value(json_object_get(col, "width")) * 1.2, NULL);
        worksheet_write_string(ws, 2, c, str(col, "label"), f->head);
    }
    worksheet_freeze_panes(ws, 3, 0);
    worksheet_repeat_rows(ws, 2, 2);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_set_header(ws, "&C机密 / Confidential");
    worksheet_set_footer(ws, "&R&P / &N");
    lxw_row_t r = 3;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(report, "rows"), i, row) {
        if (only_class && strcmp(str(row, "class"), only_class) != 0)
            continue;
        const json_t *cells = json_object_get(row, "cells");
        for (lxw_col_t c = 0; c < ncols; c++)
            write_cell(ws, r, c, json_array_get(cells, c), str(json_array_get(cols, c), "type"), f);
        r++;
    }
}

/* A worksheet name Excel accepts (at most 31 characters, none of []:*?/\),
 * unique in the workbook. */
static void sheet_name(lxw_workbook *wb, const char *want, int n, char *out, size_t size)
{
    cl_buf b = {0};
    size_t chars = 0;
    for (const char *p = want; *p && chars < 24;) {
        uint32_t cp;
        size_t k = cl_utf8_decode(p, p + strlen(p), &cp);
        if (k == 0)
            break;
        if (!strchr("[]:*?/\\'", *p) || k > 1)
            cl_buf_append(&b, p, k);
        p += k;
        chars++;
    }
    snprintf(out, size, "%s", b.data && *b.data ? b.data : "-");
    cl_buf_free(&b);
    if (workbook_validate_sheet_name(wb, out) != LXW_NO_ERROR) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, " %d", n);
    }
}

static cl_status read_memfd(int fd, unsigned char **out, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0)
        return cl_fail(CL_ESOFTWARE, _("the workbook came out empty"));
    unsigned char *buf = malloc((size_t)sb.st_size);
    if (!buf)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)sb.st_size - got, (off_t)got);
        if (n <= 0) {
            free(buf);
            return cl_fail(CL_EIO, _("reading the workbook back from memory: %s"), strerror(errno));
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    return CL_OK;
}

cl_status cl_report_render_xlsx(const json_t *report, bool sheet_per_class, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    char dir[4096];
    int lock_fd = -1;
    cl_status st = memory_folder(dir, sizeof dir, &lock_fd);
    if (st != CL_OK)
        return st;
    int fd = memfd_create("carelog-xlsx", MFD_CLOEXEC);
    if (fd < 0) {
        release_folder(dir, lock_fd);
        return cl_fail(CL_ESOFTWARE, _("cannot make a memory file for the workbook: %s"), strerror(errno));
    }
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    lxw_workbook_options o = {.constant_memory = LXW_FALSE, .tmpdir = dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(target, &o);
    if (!wb) {
        close(fd);
        release_folder(dir, lock_fd);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    formats f;
    make_formats(wb, &f);
    write_sheet(wb, str(report, "kind")[0] == 'l' ? _("Ledger") : _("List"), report, NULL, &f);
    if (sheet_per_class) {
        json_t *seen = json_object();
        size_t i;
        json_t *row;
        int n = 1;
        json_array_foreach(json_object_get(report, "rows"), i, row) {
            const char *cls = str(row, "class");
            if (json_object_get(seen, cls))
                continue;
            json_object_set_new(seen, cls, json_true());
            char name[128];
            sheet_name(wb, cls, ++n, name, sizeof name);
            write_sheet(wb, name, report, cls, &f);
        }
        json_decref(seen);
    }
    cl_crash_point("xlsx-before-close");
    lxw_error err = workbook_close(wb);
    release_folder(dir, lock_fd);
    if (err != LXW_NO_ERROR) {
        close(fd);
        return cl_fail(CL_ESOFTWARE, _("the workbook could not be made: %s"), lxw_strerror(err));
    }
    st = read_memfd(fd, out, len);
    close(fd);
    return st;
}
