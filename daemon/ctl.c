/*
 * ctl.c - `sessiontail sessions` and `sessiontail stats` (DESIGN 7): ask
 * the running daemon over its control socket and print the answer.
 *
 *   $ sessiontail sessions --user alice
 *   SESSION           HOST   USER   FROM      TYPE    SINCE             IDLE
 *   8c0e5d2f1a3b4c6d  web01  alice  10.0.0.5  remote  2026-11-24 10:15  5m
 *   ...
 *   1 session
 *
 * A command, not the daemon: a blocking socket with a timeout is enough.
 * Everything the daemon sends about a session came from a log line that a
 * remote host wrote, so the table shows it with control bytes escaped
 * (render_put_text_safe); --json passes the daemon's JSON on unchanged.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../model/buf.h"
#include "../model/mem.h"
#include "../model/render.h"
#include "../parsers/timeparse.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"

#define READ_CHUNK (64 * 1024)
/* getgrgid_r scratch space (as in config.c's group check). */
#define GROUP_LOOKUP_BUF (64 * 1024)

enum col {
    COL_SESSION = 0,
    COL_HOST,
    COL_USER,
    COL_FROM,
    COL_TYPE,
    COL_SINCE,
    COL_IDLE,
    COL_LOCKED,
    COL_ADMIN,
    _COL_MAX,
};

static const char *const col_names[_COL_MAX] = {
    "SESSION", "HOST", "USER",   "FROM",  "TYPE",
    "SINCE",   "IDLE", "LOCKED", "ADMIN",
};

struct row {
    char *cell[_COL_MAX]; /* owned, terminal-safe */
};

struct ctl {
    const char *cmd;         /* "sessions" or "stats" */
    const char *socket_path; /* borrowed from argv or cfg */
    const char *host, *user; /* filters, borrowed from argv */
    bool json;
    struct row *rows; /* owned: the table waits for its widths */
    size_t n_rows, cap_rows;
    bool ended;
};

/* ---- formatting (pure) -------------------------------------------------- */

void
ctl_format_idle(int64_t seconds, char *buf, size_t len)
{
    static const struct {
        int64_t size;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t i = 0;

    if (seconds < 0)
        seconds = 0;
    while (i + 1 < sizeof(units) / sizeof(units[0]) && seconds < units[i].size)
        i++;
    snprintf(buf, len, "%lld%c", (long long)(seconds / units[i].size),
             units[i].unit);
}

void
ctl_format_since(int64_t time_us, char *buf, size_t len)
{
    time_t t = (time_t)(time_us / 1000000 - (time_us % 1000000 < 0));
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "?");
}

/* ---- the table ---------------------------------------------------------- */

/* A terminal-safe copy of s ("-" when absent); NULL on ENOMEM. */
static char *
safe_copy(const char *s)
{
    struct buf b;
    char *r;

    if (s == NULL || s[0] == '\0')
        s = "-";
    buf_init(&b, 0);
    render_put_text_safe(&b, strv_from_cstr(s));
    r = b.oom ? NULL : mem_strndup(b.data ? b.data : "", b.len);
    buf_done(&b);
    return r;
}

static const char *
member_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t
member_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* The cells of one session record, as text before escaping. */
static void
row_texts(const cJSON *o, char since[32], char idle[24], char locked[16],
          const char *ret[_COL_MAX])
{
    const char *start = member_str(o, "start");
    int64_t start_us;

    snprintf(since, 32, "-");
    if (start != NULL &&
        time_parse_iso(strv_from_cstr(start), 0, &start_us, NULL) == 0)
        ctl_format_since(start_us, since, 32);
    ctl_format_idle(member_int(o, "idle_s"), idle, 24);
    /* Locked now (the record's lock_count says how often it was). */
    snprintf(locked, 16, "%s",
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "locked"))
                 ? "yes"
                 : "no");
    ret[COL_SESSION] = member_str(o, "session_id");
    ret[COL_HOST] = member_str(o, "hostname");
    ret[COL_USER] = member_str(o, "user");
    ret[COL_FROM] = member_str(o, "src_ip");
    ret[COL_TYPE] = member_str(o, "login_type");
    ret[COL_SINCE] = since;
    ret[COL_IDLE] = idle;
    ret[COL_LOCKED] = locked;
    ret[COL_ADMIN] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "admin"))
                         ? "yes"
                         : "no";
}

static int
row_add(struct ctl *c, const cJSON *o)
{
    char since[32], idle[24], locked[16];
    const char *text[_COL_MAX];
    struct row *row;

    if (c->n_rows == c->cap_rows) {
        size_t cap = c->cap_rows ? c->cap_rows * 2 : 64;
        struct row *n = mem_realloc(c->rows, cap * sizeof(*n));

        if (n == NULL)
            return -ENOMEM;
        c->rows = n;
        c->cap_rows = cap;
    }
    row_texts(o, since, idle, locked, text);
    row = &c->rows[c->n_rows++];
    memset(row, 0, sizeof(*row));
    for (size_t i = 0; i < _COL_MAX; i++) {
        row->cell[i] = safe_copy(text[i]);
        if (row->cell[i] == NULL)
            return -ENOMEM;
    }
    return 0;
}

static void
print_table(const struct ctl *c)
{
    size_t width[_COL_MAX];

    for (size_t i = 0; i < _COL_MAX; i++) {
        width[i] = strlen(col_names[i]);
        for (size_t r = 0; r < c->n_rows; r++)
            if (strlen(c->rows[r].cell[i]) > width[i])
                width[i] = strlen(c->rows[r].cell[i]);
    }
    for (size_t i = 0; i < _COL_MAX; i++)
        printf("%-*s%s", i + 1 < _COL_MAX ? (int)width[i] : 0, col_names[i],
               i + 1 < _COL_MAX ? "  " : "\n");
    for (size_t r = 0; r < c->n_rows; r++)
        for (size_t i = 0; i < _COL_MAX; i++)
            printf("%-*s%s", i + 1 < _COL_MAX ? (int)width[i] : 0,
                   c->rows[r].cell[i], i + 1 < _COL_MAX ? "  " : "\n");
    printf("%zu session%s\n", c->n_rows, c->n_rows == 1 ? "" : "s");
}

static void
free_rows(struct ctl *c)
{
    for (size_t r = 0; r < c->n_rows; r++)
        for (size_t i = 0; i < _COL_MAX; i++)
            mem_free(c->rows[r].cell[i]);
    mem_free(c->rows);
}

/* ---- stats as text ------------------------------------------------------ */

/* Every number member as "  prefix.name  value", nested objects too, so a
 * counter the daemon adds shows without a change here. */
static void
print_counters(const cJSON *o, const char *prefix)
{
    const cJSON *m;
    char name[128];

    cJSON_ArrayForEach(m, o)
    {
        snprintf(name, sizeof(name), "%s%s", prefix, m->string);
        if (cJSON_IsNumber(m)) {
            printf("  %-24s %.0f\n", name, m->valuedouble);
        } else if (cJSON_IsObject(m)) {
            snprintf(name, sizeof(name), "%s%s.", prefix, m->string);
            print_counters(m, name);
        }
    }
}

static int
print_stats(const cJSON *o)
{
    const char *kind = member_str(o, "stats"), *name = member_str(o, "name"),
               *type = member_str(o, "type");
    char *k = safe_copy(kind), *n = safe_copy(name), *t = safe_copy(type);
    int r = -ENOMEM;

    if (k == NULL || n == NULL || t == NULL)
        goto done;
    if (name != NULL)
        printf("%s %s (%s)\n", k, n, t);
    else
        printf("%s\n", k);
    print_counters(o, "");
    r = 0;
done:
    mem_free(k);
    mem_free(n);
    mem_free(t);
    return r;
}

/* ---- the conversation --------------------------------------------------- */

/* One answer line: an error, the end, or a record to print or keep.
 * Returns 0, -EPROTO (the daemon refused; printed), -ENOMEM. */
static int
handle_line(struct ctl *c, const char *line, size_t len)
{
    cJSON *o = cJSON_ParseWithLength(line, len);
    const char *err;
    int r = 0;

    if (!cJSON_IsObject(o)) {
        fprintf(stderr, "sessiontail: unreadable answer from the daemon\n");
        r = -EPROTO;
    } else if ((err = member_str(o, "error")) != NULL) {
        fprintf(stderr, "sessiontail: the daemon refused the request: %s\n",
                err);
        r = -EPROTO;
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "end"))) {
        c->ended = true;
    } else if (c->json) {
        fwrite(line, 1, len, stdout);
        putchar('\n');
    } else if (strcmp(c->cmd, "sessions") == 0) {
        r = row_add(c, o);
    } else {
        r = print_stats(o);
    }
    cJSON_Delete(o);
    return r;
}

/* Split what arrives into lines; the last one must be the end line. */
static int
read_answer(struct ctl *c, int fd)
{
    char chunk[READ_CHUNK];
    struct buf line;
    ssize_t n = 0;
    int r = 0;

    buf_init(&line, CTL_LINE_MAX);
    while (r == 0 && !c->ended && (n = read(fd, chunk, sizeof(chunk))) > 0) {
        for (ssize_t i = 0; r == 0 && i < n; i++) {
            if (chunk[i] != '\n') {
                buf_putc(&line, chunk[i]);
                continue;
            }
            r = line.oom ? -EMSGSIZE : handle_line(c, line.data, line.len);
            buf_reset(&line);
        }
    }
    if (r == 0 && !c->ended) {
        fprintf(stderr, "sessiontail: %s\n",
                n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                    ? "no answer from the daemon in time"
                    : "the daemon closed the connection before the end");
        r = -EPROTO;
    }
    buf_done(&line);
    return r;
}

/* Who may use the socket, for the EACCES message. */
static void
say_no_permission(const char *path)
{
    char scratch[GROUP_LOOKUP_BUF];
    struct group gr, *found = NULL;
    struct stat st;

    if (stat(path, &st) < 0) {
        fprintf(stderr,
                "sessiontail: permission denied on %s: its directory is not "
                "open to you\n",
                path);
        return;
    }
    if (getgrgid_r(st.st_gid, &gr, scratch, sizeof(scratch), &found) == 0 &&
        found != NULL)
        fprintf(stderr,
                "sessiontail: permission denied on %s: members of group "
                "'%s' may use it (control_group in the sinks file)\n",
                path, gr.gr_name);
    else
        fprintf(stderr,
                "sessiontail: permission denied on %s: members of group %u "
                "may use it (control_group in the sinks file)\n",
                path, (unsigned)st.st_gid);
}

/* A connected socket, or an exit status with the reason printed. */
static int
connect_daemon(const char *path, int *ret_fd)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = CTL_TIMEOUT_S};
    int fd, err;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "sessiontail: socket path too long: %s\n", path);
        return EXIT_USAGE;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "sessiontail: socket: %s\n", strerror(errno));
        return EXIT_SOFTWARE;
    }
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0) {
        *ret_fd = fd;
        return 0;
    }
    err = errno;
    close(fd);
    if (err == ENOENT || err == ECONNREFUSED) {
        fprintf(stderr,
                "sessiontail: the daemon is not running (no listener on %s)\n",
                path);
        return EXIT_UNAVAILABLE;
    }
    if (err == EACCES || err == EPERM) {
        say_no_permission(path);
        return EXIT_NOPERM;
    }
    fprintf(stderr, "sessiontail: cannot connect to %s: %s\n", path,
            strerror(err));
    return EXIT_UNAVAILABLE;
}

/* The request line, newline included; NULL on ENOMEM. */
static char *
request_line(const struct ctl *c)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL, *line = NULL;
    size_t n;

    if (o == NULL || cJSON_AddStringToObject(o, "cmd", c->cmd) == NULL ||
        (c->host && cJSON_AddStringToObject(o, "host", c->host) == NULL) ||
        (c->user && cJSON_AddStringToObject(o, "user", c->user) == NULL))
        goto done;
    text = cJSON_PrintUnformatted(o);
    if (text == NULL)
        goto done;
    n = strlen(text);
    line = mem_malloc(n + 2);
    if (line != NULL) {
        memcpy(line, text, n);
        memcpy(line + n, "\n", 2);
    }
done:
    cJSON_free(text);
    cJSON_Delete(o);
    return line;
}

/* Send the request, print the answer; returns the exit status. */
static int
converse(struct ctl *c)
{
    char *req = request_line(c);
    int fd = -1, status;
    size_t off = 0, n;
    ssize_t w;

    if (req == NULL) {
        status = EXIT_SOFTWARE;
        goto done;
    }
    status = connect_daemon(c->socket_path, &fd);
    if (status != 0)
        goto done;
    n = strlen(req);
    while (off < n && (w = write(fd, req + off, n - off)) > 0)
        off += (size_t)w;
    if (off < n || read_answer(c, fd) < 0) {
        status = EXIT_PROTOCOL;
        goto done;
    }
    if (!c->json && strcmp(c->cmd, "sessions") == 0)
        print_table(c);
    status = fflush(stdout) == 0 ? 0 : EXIT_SOFTWARE;
done:
    if (fd >= 0)
        close(fd);
    mem_free(req);
    return status;
}

/* ---- the command line --------------------------------------------------- */

static void
usage(FILE *f, const char *cmd)
{
    if (strcmp(cmd, "sessions") == 0)
        fprintf(f, "usage: sessiontail sessions [--json] [--host H] "
                   "[--user U] [-c FILE] [--socket PATH]\n");
    else
        fprintf(f, "usage: sessiontail stats [--json] [-c FILE] "
                   "[--socket PATH]\n");
    fprintf(f,
            "\n"
            "  --json             one JSON object per line\n"
            "  -c, --config FILE  sinks file naming the control_socket "
            "(default %s)\n"
            "  --socket PATH      the daemon's control socket; default: "
            "from the sinks file,\n"
            "                     else %s\n",
            CONFIG_DEFAULT_PATH, CTL_DEFAULT_SOCKET);
    if (strcmp(cmd, "sessions") == 0)
        fprintf(f, "  --host H           sessions on host H only\n"
                   "  --user U           sessions of user U only (user or "
                   "user_name)\n");
}

/*
 * The socket the sinks file names: cfg_path (-c), else the default file,
 * else, when that does not exist, the built-in default.  Returns 0 and
 * *ret_path (owned), or an exit status with the reason printed.
 */
static int
socket_from_config(const char *cfg_path, char **ret_path)
{
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;
    const char *path = cfg_path ? cfg_path : CONFIG_DEFAULT_PATH;
    struct stat st;
    int status = 0;

    if (cfg_path == NULL && stat(path, &st) < 0 && errno == ENOENT) {
        *ret_path = mem_strndup(CTL_DEFAULT_SOCKET, strlen(CTL_DEFAULT_SOCKET));
        return *ret_path == NULL ? EXIT_SOFTWARE : 0;
    }
    if (config_load(path, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "sessiontail: %s\n", err);
        return EXIT_CONFIG;
    }
    if (cfg->control_socket == NULL || cfg->control_socket[0] == '\0') {
        fprintf(stderr,
                "sessiontail: the control socket is turned off in %s "
                "(control_socket)\n",
                path);
        status = EXIT_UNAVAILABLE;
    } else {
        *ret_path =
            mem_strndup(cfg->control_socket, strlen(cfg->control_socket));
        status = *ret_path == NULL ? EXIT_SOFTWARE : 0;
    }
    config_free(cfg);
    return status;
}

/* Options into c; returns -1 to go on, else the exit status. */
static int
parse_options(struct ctl *c, int argc, char **argv, const char **ret_cfg_path)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"host", required_argument, NULL, 'H'},
        {"user", required_argument, NULL, 'U'},
        {"config", required_argument, NULL, 'c'},
        {"socket", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool sessions = strcmp(c->cmd, "sessions") == 0;
    int o;

    optind = 1;
    while ((o = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (o == 'j') {
            c->json = true;
        } else if (o == 'H' && sessions) {
            c->host = optarg;
        } else if (o == 'U' && sessions) {
            c->user = optarg;
        } else if (o == 'c') {
            *ret_cfg_path = optarg;
        } else if (o == 'S') {
            c->socket_path = optarg;
        } else if (o == 'h') {
            usage(stdout, c->cmd);
            return 0;
        } else {
            usage(stderr, c->cmd);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sessiontail %s: unexpected argument '%s'\n", c->cmd,
                argv[optind]);
        usage(stderr, c->cmd);
        return EXIT_USAGE;
    }
    return -1;
}

int
ctl_main(int argc, char **argv)
{
    struct ctl c = {.cmd = argv[0]};
    const char *cfg_path = NULL;
    char *from_config = NULL;
    int status;

    status = parse_options(&c, argc, argv, &cfg_path);
    if (status >= 0)
        goto done;
    if (c.socket_path == NULL) {
        status = socket_from_config(cfg_path, &from_config);
        if (status != 0)
            goto done;
        c.socket_path = from_config;
    }
    status = converse(&c);
done:
    free_rows(&c);
    mem_free(from_config);
    return status;
}
