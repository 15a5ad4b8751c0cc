/* What a benchmark needs to measure memory per process: a process's own
 * peak RSS, this program run again for one question in a fresh address
 * space, and the release binary's commands run as a user runs them, each
 * with its peak RSS (bench_scale). Inline, as bench_support.h. */
#ifndef CARELOG_BENCH_PROCESS_H
#define CARELOG_BENCH_PROCESS_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_support.h"

/* A field of /proc/self/status in KiB (VmHWM: this process's peak RSS so
 * far; VmRSS: now). Per address space, so a process started by exec
 * counts only itself, not the benchmark that forked it. */
static inline long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = atol(line + n + 1);
    if (f)
        fclose(f);
    return kib;
}

/* Runs this program again (exec, so the child starts from a fresh address
 * space) as `PROGRAM MODE FD ARGS…`; the one line it writes to
 * the descriptor it is given (its first argument after the mode) lands in
 * line. False when it failed. */
static inline bool bench_run_self(const char *mode, const char *const args[], char *line, size_t size)
{
    int fds[2];
    if (pipe(fds) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        close(fds[0]);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        const char *argv[40] = {"bench_scale", mode, fd};
        int n = 3;
        for (int k = 0; args[k] && n < 39; k++)
            argv[n++] = args[k];
        argv[n] = NULL;
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < size && (n = read(fds[0], line + got, size - 1 - got)) > 0)
        got += (size_t)n;
    line[got] = '\0';
    close(fds[0]);
    int status;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && got > 0;
}

/* The spawner's side (a process of its own, small, started by exec): runs
 * the command with the passphrase on descriptor 3 and its output thrown
 * away, then reports the command's peak RSS (from wait4, so the command's
 * alone: it was forked from this small process), its wall time and exit
 * code. */
static inline int bench_spawn_child(int fd, char **command)
{
    int pass[2];
    if (pipe(pass) != 0 || write(pass[1], "bench passphrase\n", 17) != 17)
        return 1;
    close(pass[1]);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, 1) < 0 || (pass[0] != 3 && dup2(pass[0], 3) < 0))
            _exit(127);
        execv(command[0], command);
        _exit(127);
    }
    close(pass[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return 1;
    dprintf(fd, "%ld %f %d\n", ru.ru_maxrss, now_s() - t0, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
}

static const struct command_question {
    const char *name;
    const char *args[8]; /* after --vault V --passphrase-fd 3; "OUT" is a file to write */
} command_questions[] = {
    {"status (unlock, counts)", {"status"}},
    {"record list", {"record", "list"}},
    {"record list --json", {"record", "list", "--json"}},
    {"student list", {"student", "list"}},
    {"agenda", {"agenda"}},
    {"search, every hit of a common word", {"search", "同学", "--limit", "1000000"}},
    {"search --json, every hit of it", {"search", "同学", "--limit", "1000000", "--json"}},
    {"report stats", {"report", "stats"}},
    {"export vault", {"--yes", "export", "vault", "--json", "-o", "OUT"}},
};

/* One command of the release binary on the vault; false when it did not
 * exit 0. */
static inline bool bench_run_command(const char *binary, const char *vdir, const char *const *args, const char *out, long *kib,
                        double *wall)
{
    const char *argv[24] = {binary, "--vault", vdir, "--passphrase-fd", "3"};
    int n = 5;
    for (int k = 0; k < 8 && args[k]; k++)
        argv[n++] = strcmp(args[k], "OUT") == 0 ? out : args[k];
    argv[n] = NULL;
    char line[128];
    int rc;
    unlink(out);
    bool ran = bench_run_self("--spawn", argv, line, sizeof line) && sscanf(line, "%ld %lf %d", kib, wall, &rc) == 3;
    unlink(out);
    return ran && rc == 0;
}

/* The release binary (CARELOG_RELEASE, else BUILD/carelog) run as a user
 * runs it: its peak RSS is the figure issue 9 sets for `record list` and
 * `export vault`, unlock and all. The bench vault's slot has the test
 * cost of Argon2id; a last row unlocks a small vault made by the release
 * binary at its calibrated cost, whose 64 MiB Argon2id is part of every
 * command's peak on a real vault. only: the commands whose name holds it
 * (NULL: all). */
static inline void bench_run_commands(const char *build, const char *dir, const char *vdir, const char *only)
{
    char binary[320], out[400], state[400];
    const char *release = getenv("CARELOG_RELEASE");
    snprintf(binary, sizeof binary, "%s/carelog", build);
    if (release)
        snprintf(binary, sizeof binary, "%s", release);
    if (access(binary, X_OK) != 0) {
        printf("  (no release binary at %s: the commands were not run)\n", binary);
        return;
    }
    snprintf(out, sizeof out, "%s/bench-command-output", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    setenv("XDG_STATE_HOME", state, 1);
    printf("  %-40s %10s %10s\n", "the release binary (peak RSS)", "RSS", "wall");
    for (size_t i = 0; i < sizeof command_questions / sizeof *command_questions; i++) {
        if (only && !strstr(command_questions[i].name, only))
            continue;
        long kib;
        double wall;
        if (!bench_run_command(binary, vdir, command_questions[i].args, out, &kib, &wall)) {
            fprintf(stderr, "bench: carelog %s failed\n", command_questions[i].name);
            exit(1);
        }
        printf("  %-40s %6.1f MiB %8.0fms\n", command_questions[i].name, (double)kib / 1024, wall * 1e3);
    }
    if (only)
        return;
    char real[400];
    snprintf(real, sizeof real, "%s/real-kdf", dir);
    struct stat sb;
    const char *init[] = {"init", "--school", "bench", NULL}, *status[] = {"status", NULL};
    long kib;
    double wall;
    if ((stat(real, &sb) != 0 && !bench_run_command(binary, real, init, out, &kib, &wall)) ||
        !bench_run_command(binary, real, status, out, &kib, &wall)) {
        fprintf(stderr, "bench: a vault at the calibrated Argon2id cost failed\n");
        exit(1);
    }
    printf("  %-40s %6.1f MiB %8.0fms\n", "status, a new vault at the real KDF cost", (double)kib / 1024, wall * 1e3);
}

#endif
