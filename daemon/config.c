/*
 * config.c - the sinks file (DESIGN 6): a strict, table-driven loader.
 *
 * Every section has one struct config_key table; a generic walker applies a
 * table to a JSON object: each member must be a key of the table (once),
 * each value is type-checked, range-checked, checked against its choices
 * and its check function, then stored at the key's offset.  Absent keys
 * get their default, which is itself JSON text run through the same code.
 * Sources and sinks are arrays of objects whose "type" picks the table
 * ("source:file", "sink:stdout"...), so adding a type is one table.
 *
 * Comments are allowed, as in the shipped sinks file: `//` to the end of
 * the line and slash-star blocks, outside strings.  They are blanked to
 * spaces (line ends kept) in a copy before parsing, so every message still
 * names the line and column of the file itself.  (cJSON_Minify would
 * remove them but move everything after them.)
 *
 * The loader never logs.  It returns -EINVAL (or -ENOMEM) and one message
 * naming the file and the JSON path or the line and column:
 *
 *   sinks.json: sinks[2].queue_max: expected integer
 *   sinks.json:3:14: syntax error near '}, "type"'
 *
 * Sample input:
 *   {"sinks": [{"name": "console", "type": "stdout", "format": "text"}]}
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../model/buf.h"
#include "../model/mem.h"
#include "../model/render_syslog.h"
#include "../parsers/parser.h"
#include "../parsers/registry.h"
#include "../sinks/syslog.h"
#include "config.h"
#include "fileio.h"
#include "sources/source_util.h"
#include "sources/sources.h"

#define PATH_TEXT_MAX 256    /* JSON path shown in a message */
#define EXCERPT_MAX 24       /* bytes of input quoted in a message */
#define KEYS_MAX 32          /* keys in one section table */
#define ARRAY_ITEMS_MAX 4096 /* elements of one string array */
#define QUEUE_MAX_MAX (1024 * 1024 * 1024)
#define SUN_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) on Linux */
/* getgrnam_r scratch space: sysconf(_SC_GETGR_R_SIZE_MAX) is 1024 on
 * glibc; groups with many members need more. */
#define GROUP_LOOKUP_BUF (64 * 1024)
/* Doubles represent every integer up to 2^53 exactly; past it "1e99" is
 * not an integer anyone meant. */
#define INT_EXACT_MAX 9007199254740992.0

/* The state of one load: where messages go and the JSON path being read. */
struct ctx {
    const char *name; /* file name for messages; borrowed */
    char *err;        /* caller's buffer, may be NULL */
    size_t errlen;
    char path[PATH_TEXT_MAX];
    size_t path_len;
};

/* An array of sections ("sources", "sinks"): how its elements are laid
 * out in struct config. */
struct list_kind {
    const char *sub;     /* "source": tables are "source:<type>" */
    size_t size;         /* of one element */
    size_t count_offset; /* size_t count in struct config */
    size_t max;
    size_t name_offset; /* char *name in an element */
    size_t type_offset; /* char *type in an element */
    void (*finish)(void *elem);
};

static int check_name(const char *s, const char **ret_why);
static int check_nonempty(const char *s, const char **ret_why);
static int check_socket(const char *s, const char **ret_why);
static int check_group(const char *s, const char **ret_why);
static int check_source_format(const char *s, const char **ret_why);
static int check_event_format(const char *s, const char **ret_why);
static int check_timezone(const char *s, const char **ret_why);
static void sink_finish(void *elem);

static const char *const sink_format_choices[] = {"text", "json", NULL};
static const char *const records_choices[] = {"events", "sessions", NULL};
static const char *const fsync_choices[] = {"none", "batch", NULL};
static const char *const syslog_format_choices[] = {"rfc5424", "rfc3164", NULL};
static const char *const protocol_choices[] = {"udp", "tcp", NULL};
static const char *const framing_choices[] = {"octet-counting", "lf", NULL};
static const char *const action_choices[] = {
    "login",     "logout",     "lock",    "unlock",
    "reconnect", "disconnect", "restart", NULL};

static const struct config_key top_keys[] = {
    {.key = "state_dir",
     .type = CONFIG_STRING,
     .def = "\"/var/lib/sessiontail\"",
     .offset = offsetof(struct config, state_dir),
     .check = check_nonempty,
     .doc = "directory for the open-session state and the checkpoints"},
    {.key = "control_socket",
     .type = CONFIG_STRING,
     .def = "\"/run/sessiontail/control.sock\"",
     .offset = offsetof(struct config, control_socket),
     .check = check_socket,
     .doc = "Unix socket, mode 0660, that the `sessions` and `stats` "
            "commands ask; \"\" turns it off"},
    {.key = "control_group",
     .type = CONFIG_STRING,
     .offset = offsetof(struct config, control_group),
     .check = check_group,
     .doc = "group owning the control socket, whose members may use it; "
            "absent: the daemon's own group"},
    {.key = "sessions",
     .type = CONFIG_OBJECT,
     .def = "{}",
     .offset = 0, /* its keys are fields of struct config itself */
     .sub = "sessions",
     .doc = "session engine settings (see `sessions`)"},
    {.key = "sources",
     .type = CONFIG_OBJECT_ARRAY,
     .offset = offsetof(struct config, sources),
     .sub = "source",
     .doc = "what to read; absent: the journal (else auth.log or secure), "
            "wtmp and btmp"},
    {.key = "sinks",
     .type = CONFIG_OBJECT_ARRAY,
     .def = "[{\"name\": \"stdout\", \"type\": \"stdout\"}]",
     .offset = offsetof(struct config, sinks),
     .sub = "sink",
     .doc = "where events and session records go"},
    {.key = NULL},
};

static const struct config_key session_keys[] = {
    {.key = "idle_timeout",
     .type = CONFIG_INT,
     .def = "86400",
     .offset = offsetof(struct config, idle_timeout),
     .min = 1,
     .max = 31536000,
     .doc = "seconds without activity after which a session expires"},
    {.key = "max_open",
     .type = CONFIG_INT,
     .def = "100000",
     .offset = offsetof(struct config, max_open),
     .min = 1,
     .max = 100000000,
     .doc = "open sessions kept; the oldest is evicted past it"},
    {.key = "include_system_accounts",
     .type = CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct config, include_system_accounts),
     .doc = "also track SYSTEM, services and machine accounts"},
    {.key = NULL},
};

/* The keys every source type has: its name and its type. */
#define SOURCE_COMMON_KEYS(type_doc)                                           \
    {.key = "name",                                                            \
     .type = CONFIG_STRING,                                                    \
     .required = true,                                                         \
     .offset = offsetof(struct config_source, name),                           \
     .check = check_name,                                                      \
     .doc = "unique source name, [A-Za-z0-9_.-], at most 64 characters"},      \
    {                                                                          \
        .key = "type", .type = CONFIG_STRING, .required = true,                \
        .offset = offsetof(struct config_source, type), .doc = (type_doc)      \
    }

static const struct config_key source_file_keys[] = {
    SOURCE_COMMON_KEYS("`file`"),
    {.key = "path",
     .type = CONFIG_STRING,
     .required = true,
     .offset = offsetof(struct config_source, path),
     .check = check_nonempty,
     .doc = "file to follow, or a glob such as /var/log/remote/*/auth.log"},
    {.key = "format",
     .type = CONFIG_STRING,
     .def = "\"auto\"",
     .offset = offsetof(struct config_source, format),
     .check = check_source_format,
     .doc = "parser name, or `auto` to detect it per record"},
    {.key = "from_beginning",
     .type = CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct config_source, from_beginning),
     .doc = "read a new file from its start instead of its end"},
    {.key = "max_line",
     .type = CONFIG_INT,
     .def = "65536",
     .offset = offsetof(struct config_source, max_line),
     .min = 256,
     .max = PARSER_LINE_MAX,
     .doc = "bytes per line; longer lines are truncated and counted"},
    {.key = "timezone",
     .type = CONFIG_STRING,
     .def = "\"local\"",
     .offset = offsetof(struct config_source, timezone),
     .check = check_timezone,
     .doc = "zone of timestamps without one: `local`, `UTC` or `+HH:MM`"},
    {.key = NULL},
};

/* A journal match: "FIELD=value", FIELD as journald allows field names
 * (systemd.journal-fields(7): [A-Z0-9_], not starting with a digit). */
static int
check_journal_match(const char *s, const char **ret_why)
{
    const char *eq = strchr(s, '=');

    for (const char *p = s; eq != NULL && p < eq; p++)
        if (!((*p >= 'A' && *p <= 'Z') || *p == '_' ||
              (p > s && *p >= '0' && *p <= '9')))
            eq = NULL;
    if (eq == NULL || eq == s) {
        *ret_why = "expected FIELD=value with FIELD in [A-Z0-9_]";
        return -EINVAL;
    }
    return 0;
}

static const struct config_key source_journal_keys[] = {
    SOURCE_COMMON_KEYS("`journal`"),
    {.key = "path",
     .type = CONFIG_STRING,
     .offset = offsetof(struct config_source, path),
     .check = check_nonempty,
     .doc = "journal directory (e.g. /var/log/journal/remote) or file; "
            "absent: the local system journal"},
    {.key = "matches",
     .type = CONFIG_STRING_ARRAY,
     .offset = offsetof(struct config_source, matches),
     .check = check_journal_match,
     .doc = "`FIELD=value` entries to read, OR'ed per field, AND'ed across "
            "fields (as journalctl)"},
    {.key = "format",
     .type = CONFIG_STRING,
     .def = "\"auto\"",
     .offset = offsetof(struct config_source, format),
     .check = check_source_format,
     .doc = "parser name, or `auto` to route each MESSAGE by its program"},
    {.key = "from_beginning",
     .type = CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct config_source, from_beginning),
     .doc = "without a checkpoint, read from the oldest entry, not the tail"},
    {.key = NULL},
};

static const struct config_key source_syslog_keys[] = {
    SOURCE_COMMON_KEYS("`syslog`"),
    {.key = "listen",
     .type = CONFIG_STRING,
     .required = true,
     .offset = offsetof(struct config_source, listen),
     .check = src_syslog_listen_check,
     .doc = "`udp://HOST:PORT`, `tcp://HOST:PORT` (RFC 6587 octet counting "
            "or LF framing) or `unix-dgram:///path`; IPv6 as "
            "`udp://[::]:514`"},
    {.key = "format",
     .type = CONFIG_STRING,
     .def = "\"auto\"",
     .offset = offsetof(struct config_source, format),
     .check = check_source_format,
     .doc = "parser name, or `auto` to detect it per message"},
    {.key = "max_message",
     .type = CONFIG_INT,
     .def = "65536",
     .offset = offsetof(struct config_source, max_message),
     .min = 480, /* RFC 5426 3.2: every receiver takes 480 bytes */
     .max = PARSER_LINE_MAX,
     .doc = "bytes per message; longer ones are truncated and counted"},
    {.key = "idle_timeout",
     .type = CONFIG_INT,
     .def = "3600",
     .offset = offsetof(struct config_source, idle_timeout),
     .min = 0,
     .max = 604800,
     .doc = "TCP: seconds of silence after which a client is closed; 0: "
            "never"},
    {.key = "max_clients",
     .type = CONFIG_INT,
     .def = "256",
     .offset = offsetof(struct config_source, max_clients),
     .min = 1,
     .max = 65536,
     .doc = "TCP: concurrent clients; more are closed at once and counted"},
    {.key = "timezone",
     .type = CONFIG_STRING,
     .def = "\"local\"",
     .offset = offsetof(struct config_source, timezone),
     .check = check_timezone,
     .doc = "zone of timestamps without one (RFC 3164): `local`, `UTC` or "
            "`+HH:MM`"},
    {.key = NULL},
};

static const struct config_key source_utmp_keys[] = {
    SOURCE_COMMON_KEYS("`utmp`"),
    {.key = "path",
     .type = CONFIG_STRING,
     .required = true,
     .offset = offsetof(struct config_source, path),
     .check = check_nonempty,
     .doc = "wtmp or btmp file (384-byte records), e.g. /var/log/wtmp"},
    {.key = "failed",
     .type = CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct config_source, failed),
     .doc = "btmp: every login record is a failed login"},
    {.key = "from_beginning",
     .type = CONFIG_BOOL,
     .def = "false",
     .offset = offsetof(struct config_source, from_beginning),
     .doc = "read a new file from its start instead of its end"},
    {.key = "hostname",
     .type = CONFIG_STRING,
     .offset = offsetof(struct config_source, hostname),
     .check = check_nonempty,
     .doc = "host the records are about; default: this machine's name"},
    {.key = NULL},
};

/* The keys every sink type has; `fmt_def` is its default format, one of
 * `fmt_choices`. */
#define SINK_COMMON_KEYS(fmt_def, fmt_choices, fmt_doc)                        \
    {.key = "name",                                                            \
     .type = CONFIG_STRING,                                                    \
     .required = true,                                                         \
     .offset = offsetof(struct config_sink, name),                             \
     .check = check_name,                                                      \
     .doc = "unique sink name, [A-Za-z0-9_.-], at most 64 characters"},        \
        {.key = "type",                                                        \
         .type = CONFIG_STRING,                                                \
         .required = true,                                                     \
         .offset = offsetof(struct config_sink, type),                         \
         .doc = "`stdout`, `file` or `syslog`"},                               \
        {.key = "format",                                                      \
         .type = CONFIG_STRING,                                                \
         .def = fmt_def,                                                       \
         .offset = offsetof(struct config_sink, format),                       \
         .choices = (fmt_choices),                                             \
         .doc = (fmt_doc)},                                                    \
        {.key = "records",                                                     \
         .type = CONFIG_STRING_ARRAY,                                          \
         .def = "[\"events\", \"sessions\"]",                                  \
         .offset = offsetof(struct config_sink, records),                      \
         .choices = records_choices,                                           \
         .doc = "what to write: `events`, `sessions` or both"},                \
        {.key = "filter",                                                      \
         .type = CONFIG_OBJECT,                                                \
         .def = "{}",                                                          \
         .offset = offsetof(struct config_sink, filter),                       \
         .sub = "filter",                                                      \
         .doc = "only events matching all its parts (see `filter`)"},          \
    {                                                                          \
        .key = "queue_max", .type = CONFIG_INT, .def = "8388608",              \
        .offset = offsetof(struct config_sink, queue_max), .min = 4096,        \
        .max = QUEUE_MAX_MAX,                                                  \
        .doc = "bytes queued while the output is slow; then drops"             \
    }

#define LINE_FORMAT_DOC "`text`: one readable line; `json`: one object per line"

static const struct config_key sink_stdout_keys[] = {
    SINK_COMMON_KEYS("\"text\"", sink_format_choices, LINE_FORMAT_DOC),
    {.key = NULL},
};

static const struct config_key sink_file_keys[] = {
    SINK_COMMON_KEYS("\"json\"", sink_format_choices, LINE_FORMAT_DOC),
    {.key = "path",
     .type = CONFIG_STRING,
     .required = true,
     .offset = offsetof(struct config_sink, path),
     .check = check_nonempty,
     .doc = "file to append to; reopened on SIGHUP"},
    {.key = "fsync",
     .type = CONFIG_STRING,
     .def = "\"none\"",
     .offset = offsetof(struct config_sink, fsync),
     .choices = fsync_choices,
     .doc = "`none`, or `batch`: fsync after each written batch"},
    {.key = NULL},
};

static const struct config_key sink_syslog_keys[] = {
    SINK_COMMON_KEYS("\"rfc5424\"", syslog_format_choices,
                     "`rfc5424`: key fields as structured data, JSON as MSG; "
                     "`rfc3164`: BSD header, JSON as MSG"),
    {.key = "address",
     .type = CONFIG_STRING,
     .required = true,
     .offset = offsetof(struct config_sink, address),
     .check = sink_syslog_address_check,
     .doc = "collector: `HOST:PORT`, `[IPV6]:PORT` or `HOST` (port 514); "
            "a name is resolved again before each TCP connection"},
    {.key = "protocol",
     .type = CONFIG_STRING,
     .def = "\"udp\"",
     .offset = offsetof(struct config_sink, protocol),
     .choices = protocol_choices,
     .doc = "`udp` (one datagram per record) or `tcp`"},
    {.key = "facility",
     .type = CONFIG_STRING,
     .def = "\"authpriv\"",
     .offset = offsetof(struct config_sink, facility),
     .choices = syslog_facility_names,
     .doc = "syslog facility of every message (RFC 5424 Table 1)"},
    {.key = "framing",
     .type = CONFIG_STRING,
     .def = "\"octet-counting\"",
     .offset = offsetof(struct config_sink, framing),
     .choices = framing_choices,
     .doc = "TCP: `octet-counting` (RFC 6587 3.4.1) or `lf` (3.4.2)"},
    {.key = NULL},
};

static const struct config_key filter_keys[] = {
    {.key = "actions",
     .type = CONFIG_STRING_ARRAY,
     .offset = offsetof(struct config_filter, actions),
     .choices = action_choices,
     .doc = "event actions: login, logout, lock, unlock, reconnect, ..."},
    {.key = "hosts",
     .type = CONFIG_STRING_ARRAY,
     .offset = offsetof(struct config_filter, hosts),
     .check = check_nonempty,
     .doc = "exact hostnames the user logged on to"},
    {.key = "users",
     .type = CONFIG_STRING_ARRAY,
     .offset = offsetof(struct config_filter, users),
     .check = check_nonempty,
     .doc = "exact user names as the source wrote them"},
    {.key = "formats",
     .type = CONFIG_STRING_ARRAY,
     .offset = offsetof(struct config_filter, formats),
     .check = check_event_format,
     .doc = "parser names: sshd, pam, windows-xml, ..."},
    {.key = "successful",
     .type = CONFIG_TRISTATE,
     .offset = offsetof(struct config_filter, successful),
     .doc = "match login_successful: true or false; events without it never "
            "match"},
    {.key = NULL},
};

const struct config_key_table config_key_tables[] = {
    {"top", top_keys},
    {"sessions", session_keys},
    {"source:file", source_file_keys},
    {"source:utmp", source_utmp_keys},
    {"source:syslog", source_syslog_keys},
    {"source:journal", source_journal_keys},
    {"sink:stdout", sink_stdout_keys},
    {"sink:file", sink_file_keys},
    {"sink:syslog", sink_syslog_keys},
    {"filter", filter_keys},
    {NULL, NULL},
};

static const struct list_kind list_kinds[] = {
    {"source", sizeof(struct config_source), offsetof(struct config, n_sources),
     CONFIG_SOURCES_MAX, offsetof(struct config_source, name),
     offsetof(struct config_source, type), NULL},
    {"sink", sizeof(struct config_sink), offsetof(struct config, n_sinks),
     CONFIG_SINKS_MAX, offsetof(struct config_sink, name),
     offsetof(struct config_sink, type), sink_finish},
};

/* Lookup of a section's table; see config.h. */
const struct config_key_table *
config_key_table_find(const char *section)
{
    const struct config_key_table *t;

    for (t = config_key_tables; t->section != NULL; t++)
        if (strcmp(t->section, section) == 0)
            return t;
    return NULL;
}

/* The name of a key type for --help and the README; see config.h. */
const char *
config_type_name(enum config_type t)
{
    static const char *const names[] = {
        [CONFIG_STRING] = "string",
        [CONFIG_BOOL] = "bool",
        [CONFIG_INT] = "integer",
        [CONFIG_STRING_ARRAY] = "array of strings",
        [CONFIG_TRISTATE] = "bool",
        [CONFIG_OBJECT] = "object",
        [CONFIG_OBJECT_ARRAY] = "array of objects",
    };

    if ((size_t)t >= sizeof(names) / sizeof(names[0]) || names[t] == NULL)
        return "?";
    return names[t];
}

static const struct list_kind *
list_kind_find(const char *sub)
{
    size_t i;

    for (i = 0; i < sizeof(list_kinds) / sizeof(list_kinds[0]); i++)
        if (strcmp(list_kinds[i].sub, sub) == 0)
            return &list_kinds[i];
    return NULL;
}

/* The table for element type `type` of a list ("sink" + "file"). */
static const struct config_key_table *
type_table_find(const char *sub, const char *type)
{
    char section[CONFIG_NAME_MAX + 16];
    int n = snprintf(section, sizeof(section), "%s:%s", sub, type);

    if (n < 0 || (size_t)n >= sizeof(section))
        return NULL; /* too long to be a known type */
    return config_key_table_find(section);
}

/* ---- messages --------------------------------------------------------- */

/*
 * Copy at most `max` bytes of s into dst (of dstlen) so that a message
 * stays one printable line: control characters and bytes >= 0x80 become
 * '?', a longer text ends in "...".
 */
static void
excerpt(char *dst, size_t dstlen, const char *s, size_t n, size_t max)
{
    size_t i, o = 0;

    for (i = 0; i < n && i < max && o + 1 < dstlen; i++) {
        unsigned char ch = (unsigned char)s[i];

        dst[o++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
    }
    if (i < n && o + 4 < dstlen) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* Write "name<where>: msg" into the caller's buffer; a message longer
 * than the buffer is cut and ends in "...". */
static void
put_err(struct ctx *c, const char *where, const char *msg)
{
    int n;

    if (c->err == NULL || c->errlen == 0)
        return;
    n = snprintf(c->err, c->errlen, "%s%s: %s", c->name, where, msg);
    if (n >= 0 && (size_t)n >= c->errlen && c->errlen > 4)
        memcpy(c->err + c->errlen - 4, "...", 4);
}

/* An error at the current JSON path.  Returns -EINVAL. */
static int __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
    char msg[CONFIG_ERR_MAX], where[PATH_TEXT_MAX + 2] = "";
    va_list ap;

    va_start(ap, fmt);
    /* A cut message is still the right message: no truncation check. */
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->path_len > 0)
        (void)snprintf(where, sizeof(where), ": %s", c->path);
    put_err(c, where, msg);
    return -EINVAL;
}

/* An error at byte `pos` of the input, as "name:line:col: msg". */
static int
fail_at(struct ctx *c, const char *data, size_t pos, const char *msg)
{
    char where[48];
    size_t i, line = 1, bol = 0;

    for (i = 0; i < pos; i++)
        if (data[i] == '\n') {
            line++;
            bol = i + 1;
        }
    (void)snprintf(where, sizeof(where), ":%zu:%zu", line, pos - bol + 1);
    put_err(c, where, msg);
    return -EINVAL;
}

static int
oom(struct ctx *c)
{
    put_err(c, "", "out of memory");
    return -ENOMEM;
}

/* Append text to the JSON path (made printable); returns the old length
 * for path_pop(). */
static size_t
path_push(struct ctx *c, const char *sep, const char *text, size_t max)
{
    size_t old = c->path_len, room = sizeof(c->path) - old;
    size_t seplen = old > 0 ? strlen(sep) : 0;

    if (seplen + 1 < room) {
        memcpy(c->path + old, sep, seplen);
        excerpt(c->path + old + seplen, room - seplen, text, strlen(text), max);
        c->path_len = old + strlen(c->path + old);
    }
    return old;
}

static size_t
path_push_index(struct ctx *c, size_t i)
{
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);

    if (n > 0 && (size_t)n < sizeof(c->path) - old)
        c->path_len += (size_t)n;
    else
        c->path[old] = '\0';
    return old;
}

static void
path_pop(struct ctx *c, size_t old)
{
    c->path_len = old;
    c->path[old] = '\0';
}

/* "a, b, c" from a NULL-terminated list read through `get`. */
static void
join(char *dst, size_t dstlen, const void *base, size_t stride, size_t offset)
{
    size_t o = 0;
    const char *s;

    dst[0] = '\0';
    for (;; base = (const char *)base + stride) {
        memcpy(&s, (const char *)base + offset, sizeof(s));
        if (s == NULL)
            break;
        int n = snprintf(dst + o, dstlen - o, "%s%s", o ? ", " : "", s);

        if (n < 0 || (size_t)n >= dstlen - o)
            break; /* the list is cut; the message says enough */
        o += (size_t)n;
    }
}

/* ---- checks ----------------------------------------------------------- */

static int
check_name(const char *s, const char **ret_why)
{
    size_t n = strlen(s);

    if (n < 1 || n > CONFIG_NAME_MAX ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789_.-") != n) {
        *ret_why = "expected a name of 1 to 64 characters from A-Z a-z "
                   "0-9 _ . -";
        return -EINVAL;
    }
    return 0;
}

static int
check_nonempty(const char *s, const char **ret_why)
{
    if (s[0] == '\0') {
        *ret_why = "expected a non-empty string";
        return -EINVAL;
    }
    return 0;
}

static int
check_socket(const char *s, const char **ret_why)
{
    size_t n = strlen(s);

    /* Empty is allowed: it is how the control socket is turned off. */
    if (n >= SUN_PATH_MAX) {
        *ret_why = "expected a socket path of at most 107 bytes";
        return -EINVAL;
    }
    return 0;
}

/* The group must exist now, so --check catches a typo before the daemon
 * runs with a socket nobody can reach. */
static int
check_group(const char *s, const char **ret_why)
{
    char scratch[GROUP_LOOKUP_BUF];
    struct group gr, *found = NULL;

    if (s[0] == '\0' ||
        getgrnam_r(s, &gr, scratch, sizeof(scratch), &found) != 0 ||
        found == NULL) {
        *ret_why = "expected the name of an existing group";
        return -EINVAL;
    }
    return 0;
}

static int
check_source_format(const char *s, const char **ret_why)
{
    if (!parser_format_known(s)) {
        *ret_why = "expected \"auto\" or a known parser name";
        return -EINVAL;
    }
    return 0;
}

static int
check_event_format(const char *s, const char **ret_why)
{
    if (strcmp(s, "auto") == 0 || !parser_format_known(s)) {
        *ret_why = "expected a known parser name";
        return -EINVAL;
    }
    return 0;
}

static int
check_timezone(const char *s, const char **ret_why)
{
    struct source_tz tz;

    if (source_tz_init(&tz, s) == 0)
        return 0;
    *ret_why = "expected \"local\", \"UTC\" or an offset such as \"+02:00\"";
    return -EINVAL;
}

/* Derived fields of a sink: records_mask from records, has_filter when
 * any part of the filter is set. */
static void
sink_finish(void *elem)
{
    struct config_sink *s = elem;
    char **r;

    s->records_mask = 0;
    for (r = s->records; r != NULL && *r != NULL; r++)
        s->records_mask |= strcmp(*r, "events") == 0 ? CONFIG_RECORDS_EVENTS
                                                     : CONFIG_RECORDS_SESSIONS;
    s->has_filter = s->filter.actions != NULL || s->filter.hosts != NULL ||
                    s->filter.users != NULL || s->filter.formats != NULL ||
                    s->filter.successful >= 0;
}

/* ---- setters: one per key type ---------------------------------------- */

typedef int setter_fn(struct ctx *c, const struct config_key *k,
                      const cJSON *item, void *base);

static int set_value(struct ctx *c, const struct config_key *k,
                     const cJSON *item, void *base);
static int parse_section(struct ctx *c, const struct config_key *keys,
                         const cJSON *obj, void *base);
static int key_index(const struct config_key *keys, const char *name);

static void *
field_of(void *base, const struct config_key *k)
{
    return (char *)base + k->offset;
}

/* Choices and check of one string value. */
static int
check_string(struct ctx *c, const struct config_key *k, const char *s)
{
    char list[CONFIG_ERR_MAX / 2];
    const char *const *ch;
    const char *why = "invalid value";

    if (k->choices != NULL) {
        for (ch = k->choices; *ch != NULL; ch++)
            if (strcmp(*ch, s) == 0)
                break;
        if (*ch == NULL) {
            join(list, sizeof(list), k->choices, sizeof(*ch), 0);
            return fail(c, "expected one of %s", list);
        }
    }
    if (k->check != NULL && k->check(s, &why) < 0)
        return fail(c, "%s", why);
    return 0;
}

/* A checked, owned copy of a JSON string. */
static int
dup_string(struct ctx *c, const struct config_key *k, const cJSON *item,
           char **ret)
{
    char *s;
    int r;

    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return fail(c, "expected string");
    r = check_string(c, k, item->valuestring);
    if (r < 0)
        return r;
    s = mem_strndup(item->valuestring, strlen(item->valuestring));
    if (s == NULL)
        return oom(c);
    *ret = s;
    return 0;
}

static int
set_string(struct ctx *c, const struct config_key *k, const cJSON *item,
           void *base)
{
    char **field = field_of(base, k), *s = NULL;
    int r = dup_string(c, k, item, &s);

    if (r < 0)
        return r;
    mem_free(*field);
    *field = s;
    return 0;
}

static int
set_bool(struct ctx *c, const struct config_key *k, const cJSON *item,
         void *base)
{
    if (!cJSON_IsBool(item))
        return fail(c, "expected boolean");
    *(bool *)field_of(base, k) = cJSON_IsTrue(item);
    return 0;
}

static int
set_tristate(struct ctx *c, const struct config_key *k, const cJSON *item,
             void *base)
{
    if (!cJSON_IsBool(item))
        return fail(c, "expected boolean");
    *(int *)field_of(base, k) = cJSON_IsTrue(item) ? 1 : 0;
    return 0;
}

static int
set_int(struct ctx *c, const struct config_key *k, const cJSON *item,
        void *base)
{
    double d;
    int64_t v;

    if (!cJSON_IsNumber(item))
        return fail(c, "expected integer");
    d = item->valuedouble;
    /* JSON has one number type: take integral values only (not 1.5,
     * not 1e99). */
    if (!(d >= -INT_EXACT_MAX && d <= INT_EXACT_MAX) || (double)(int64_t)d != d)
        return fail(c, "expected integer");
    v = (int64_t)d;
    if (v < k->min || v > k->max)
        return fail(c, "expected an integer between %" PRId64 " and %" PRId64,
                    k->min, k->max);
    *(int64_t *)field_of(base, k) = v;
    return 0;
}

static int
set_string_array(struct ctx *c, const struct config_key *k, const cJSON *item,
                 void *base)
{
    char ***field = field_of(base, k), **v;
    const cJSON *e;
    size_t i = 0, n, old;
    int r = 0;

    if (!cJSON_IsArray(item))
        return fail(c, "expected an array of strings");
    n = (size_t)cJSON_GetArraySize(item);
    if (n == 0)
        return fail(c, "expected a non-empty array");
    if (n > ARRAY_ITEMS_MAX)
        return fail(c, "expected at most %d elements", ARRAY_ITEMS_MAX);
    v = mem_calloc(n + 1, sizeof(*v));
    if (v == NULL)
        return oom(c);
    *field = v; /* filled in order: config_free() copes with a part */
    cJSON_ArrayForEach(e, item)
    {
        old = path_push_index(c, i);
        r = dup_string(c, k, e, &v[i]);
        path_pop(c, old);
        if (r < 0)
            break;
        i++;
    }
    return r;
}

static int
set_object(struct ctx *c, const struct config_key *k, const cJSON *item,
           void *base)
{
    const struct config_key_table *t = config_key_table_find(k->sub);

    if (!cJSON_IsObject(item))
        return fail(c, "expected object");
    return parse_section(c, t->keys, item, field_of(base, k));
}

/* "file, journal": the types a list knows, from the table names. */
static void
known_types(const char *sub, char *dst, size_t dstlen)
{
    const struct config_key_table *t;
    size_t o = 0, plen = strlen(sub);
    int n;

    dst[0] = '\0';
    for (t = config_key_tables; t->section != NULL; t++) {
        if (strncmp(t->section, sub, plen) != 0 || t->section[plen] != ':')
            continue;
        n = snprintf(dst + o, dstlen - o, "%s%s", o ? ", " : "",
                     t->section + plen + 1);
        if (n < 0 || (size_t)n >= dstlen - o)
            break; /* the list is cut; the message says enough */
        o += (size_t)n;
    }
}

/* Pick the element's table by its "type" and store the type first, so
 * that config_free() knows the table of a half-built element. */
static int
element_table(struct ctx *c, const struct list_kind *kind, const cJSON *obj,
              void *elem, const struct config_key **ret_keys)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    const struct config_key_table *t = NULL;
    char list[CONFIG_ERR_MAX / 2], value[EXCERPT_MAX + 4];
    size_t old = path_push(c, ".", "type", EXCERPT_MAX);
    int r;

    if (type == NULL) {
        r = fail(c, "required");
        goto out;
    }
    if (!cJSON_IsString(type) || type->valuestring == NULL) {
        r = fail(c, "expected string");
        goto out;
    }
    t = type_table_find(kind->sub, type->valuestring);
    if (t == NULL) {
        known_types(kind->sub, list, sizeof(list));
        excerpt(value, sizeof(value), type->valuestring,
                strlen(type->valuestring), EXCERPT_MAX);
        r = fail(c, "unknown type '%s' (known: %s)", value, list);
        goto out;
    }
    r = set_string(c, &t->keys[key_index(t->keys, "type")], type, elem);
    if (r == 0)
        *ret_keys = t->keys;
out:
    path_pop(c, old);
    return r;
}

/* Names are unique within sources and within sinks. */
static int
check_unique(struct ctx *c, const struct list_kind *kind, char *arr, size_t i)
{
    const char *name, *other;
    size_t j, old;
    int r = 0;

    memcpy(&name, arr + i * kind->size + kind->name_offset, sizeof(name));
    for (j = 0; j < i && r == 0; j++) {
        memcpy(&other, arr + j * kind->size + kind->name_offset, sizeof(other));
        if (strcmp(name, other) == 0) {
            old = path_push(c, ".", "name", EXCERPT_MAX);
            r = fail(c, "duplicate name '%s'", name);
            path_pop(c, old);
        }
    }
    return r;
}

/* The port of a udp:// or tcp:// `listen` (already checked), or -1. */
static long
listen_port(const char *s)
{
    const char *colon = strrchr(s, ':');

    return colon != NULL ? strtol(colon + 1, NULL, 10) : -1;
}

/* The address of a checked udp:// or tcp:// `listen`, e.g. "[::]": where
 * it starts after the scheme, and its length. */
static size_t
listen_host(const char *s, const char **ret)
{
    const char *p = strstr(s, "://"), *colon = strrchr(s, ':');

    *ret = p != NULL ? p + 3 : s;
    return colon != NULL && colon > *ret ? (size_t)(colon - *ret) : 0;
}

static bool
listen_wildcard(const char *h, size_t n)
{
    return (n == 7 && memcmp(h, "0.0.0.0", 7) == 0) ||
           (n == 4 && memcmp(h, "[::]", 4) == 0);
}

/*
 * Two `listen` values that cannot both be bound: the same unix-dgram
 * path, or the same scheme and port (not 0: any free port) with the same
 * address or a wildcard on either side ([::] takes IPv4 too, as Linux
 * binds it dual-stack by default).
 */
static bool
listen_clash(const char *a, const char *b)
{
    const char *sa = strstr(a, "://"), *sb = strstr(b, "://"), *ha, *hb;
    size_t na, nb;

    if (sa == NULL || sb == NULL || sa - a != sb - b ||
        memcmp(a, b, (size_t)(sa - a)) != 0)
        return false;
    if (strncmp(a, "unix-dgram://", 13) == 0)
        return strcmp(a, b) == 0;
    if (listen_port(a) <= 0 || listen_port(a) != listen_port(b))
        return false;
    na = listen_host(a, &ha);
    nb = listen_host(b, &hb);
    return (na == nb && memcmp(ha, hb, na) == 0) || listen_wildcard(ha, na) ||
           listen_wildcard(hb, nb);
}

/* A syslog source cannot listen where another one does: found here, with
 * its path, rather than as "address already in use" at start. */
static int
check_listen_unique(struct ctx *c, const struct config_source *arr, size_t i)
{
    size_t old;
    int r = 0;

    if (arr[i].listen == NULL)
        return 0;
    for (size_t j = 0; j < i && r == 0; j++)
        if (arr[j].listen != NULL &&
            listen_clash(arr[i].listen, arr[j].listen)) {
            old = path_push(c, ".", "listen", EXCERPT_MAX);
            r = fail(c, "'%s' clashes with sources[%zu] ('%s')", arr[i].listen,
                     j, arr[j].listen);
            path_pop(c, old);
        }
    return r;
}

static int
parse_element(struct ctx *c, const struct list_kind *kind, const cJSON *e,
              char *arr, size_t i)
{
    const struct config_key *keys = NULL;
    void *elem = arr + i * kind->size;
    int r;

    if (!cJSON_IsObject(e))
        return fail(c, "expected object");
    r = element_table(c, kind, e, elem, &keys);
    if (r < 0)
        return r;
    r = parse_section(c, keys, e, elem);
    if (r < 0)
        return r;
    r = check_unique(c, kind, arr, i);
    if (r == 0 && strcmp(kind->sub, "source") == 0)
        r = check_listen_unique(c, (const struct config_source *)(void *)arr,
                                i);
    if (r < 0)
        return r;
    if (kind->finish != NULL)
        kind->finish(elem);
    return 0;
}

static int
set_object_array(struct ctx *c, const struct config_key *k, const cJSON *item,
                 void *base)
{
    const struct list_kind *kind = list_kind_find(k->sub);
    const cJSON *e;
    size_t i = 0, n, old;
    char *arr;
    int r = 0;

    if (!cJSON_IsArray(item))
        return fail(c, "expected an array of objects");
    n = (size_t)cJSON_GetArraySize(item);
    if (n == 0)
        return fail(c, "expected a non-empty array");
    if (n > kind->max)
        return fail(c, "expected at most %zu entries", kind->max);
    arr = mem_calloc(n, kind->size);
    if (arr == NULL)
        return oom(c);
    /* Owned by base from here on, so config_free() frees a part. */
    memcpy(field_of(base, k), &arr, sizeof(arr));
    memcpy((char *)base + kind->count_offset, &n, sizeof(n));
    cJSON_ArrayForEach(e, item)
    {
        old = path_push_index(c, i);
        r = parse_element(c, kind, e, arr, i);
        path_pop(c, old);
        if (r < 0)
            break;
        i++;
    }
    return r;
}

static setter_fn *const setters[] = {
    [CONFIG_STRING] = set_string,
    [CONFIG_BOOL] = set_bool,
    [CONFIG_INT] = set_int,
    [CONFIG_STRING_ARRAY] = set_string_array,
    [CONFIG_TRISTATE] = set_tristate,
    [CONFIG_OBJECT] = set_object,
    [CONFIG_OBJECT_ARRAY] = set_object_array,
};

static int
set_value(struct ctx *c, const struct config_key *k, const cJSON *item,
          void *base)
{
    return setters[k->type](c, k, item, base);
}

/* ---- sections --------------------------------------------------------- */

static int
key_index(const struct config_key *keys, const char *name)
{
    int i;

    for (i = 0; keys[i].key != NULL; i++)
        if (strcmp(keys[i].key, name) == 0)
            return i;
    return -1;
}

/* A default is JSON text: parse it and store it like a value. */
static int
apply_default(struct ctx *c, const struct config_key *k, void *base)
{
    cJSON *v;
    int r;

    if (k->def == NULL) {
        /* No default: strings and arrays stay NULL, a tri-state "any". */
        if (k->type == CONFIG_TRISTATE)
            *(int *)field_of(base, k) = -1;
        return 0;
    }
    v = cJSON_Parse(k->def);
    if (v == NULL)
        return oom(c); /* the defaults are tested: only memory fails */
    r = set_value(c, k, v, base);
    cJSON_Delete(v);
    return r;
}

static int
apply_absent(struct ctx *c, const struct config_key *keys, const bool *seen,
             void *base)
{
    size_t i, old;
    int r = 0;

    for (i = 0; keys[i].key != NULL && r == 0; i++) {
        if (seen[i])
            continue;
        old = path_push(c, ".", keys[i].key, PATH_TEXT_MAX);
        if (keys[i].required)
            r = fail(c, "required");
        else
            r = apply_default(c, &keys[i], base);
        path_pop(c, old);
    }
    return r;
}

/*
 * Apply a key table to a JSON object: every member must be a key of the
 * table, at most once (cJSON keeps duplicates, so they are caught here);
 * absent keys are required or take their default.
 */
static int
parse_section(struct ctx *c, const struct config_key *keys, const cJSON *obj,
              void *base)
{
    bool seen[KEYS_MAX] = {false};
    char list[CONFIG_ERR_MAX / 2];
    const cJSON *e;
    size_t old;
    int i, r = 0;

    cJSON_ArrayForEach(e, obj)
    {
        i = key_index(keys, e->string);
        old = path_push(c, ".", e->string, EXCERPT_MAX);
        if (i < 0) {
            join(list, sizeof(list), keys, sizeof(*keys),
                 offsetof(struct config_key, key));
            r = fail(c, "unknown key (known: %s)", list);
        } else if (seen[i]) {
            r = fail(c, "duplicate key");
        } else {
            seen[i] = true;
            r = set_value(c, &keys[i], e, base);
        }
        path_pop(c, old);
        if (r < 0)
            break;
    }
    if (r == 0)
        r = apply_absent(c, keys, seen, base);
    return r;
}

/* ---- whole files ------------------------------------------------------ */

static bool
exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/*
 * "sources" absent: the local defaults (DESIGN 6).  The journal when there
 * is one, else the distribution's auth log - not both: rsyslog copies the
 * journal into auth.log, and reading both would give every login twice -
 * and wtmp and btmp when they exist.
 */
static int
default_sources(struct ctx *c, struct config *cfg)
{
    static const char *const auth[] = {"/var/log/auth.log", "/var/log/secure",
                                       NULL};
    struct buf b;
    cJSON *v = NULL;
    int r = 0;

    cfg->sources_defaulted = true;
    buf_init(&b, 0);
    buf_putc(&b, '[');
#ifdef HAVE_SYSTEMD
    if (exists("/run/systemd/journal") || exists("/var/log/journal"))
        buf_puts(&b, "{\"name\": \"journal\", \"type\": \"journal\"},");
#endif
    for (const char *const *p = auth; b.len == 1 && *p != NULL; p++)
        if (exists(*p)) {
            buf_puts(&b, "{\"name\": \"auth\", \"type\": \"file\", "
                         "\"path\": \"");
            buf_puts(&b, *p);
            buf_puts(&b, "\"},");
        }
    if (exists("/var/log/wtmp"))
        buf_puts(&b, "{\"name\": \"wtmp\", \"type\": \"utmp\", "
                     "\"path\": \"/var/log/wtmp\"},");
    if (exists("/var/log/btmp"))
        buf_puts(&b, "{\"name\": \"btmp\", \"type\": \"utmp\", "
                     "\"path\": \"/var/log/btmp\", \"failed\": true},");
    if (b.oom) {
        r = oom(c);
        goto done;
    }
    if (b.len == 1)
        goto done; /* nothing to follow: the daemon says so */
    b.data[b.len - 1] = ']';
    v = cJSON_ParseWithLength(b.data, b.len);
    if (v == NULL) {
        r = oom(c);
        goto done;
    }
    r = set_value(c, &top_keys[key_index(top_keys, "sources")], v, cfg);
done:
    cJSON_Delete(v);
    buf_done(&b);
    return r;
}

/* Build a config from a parsed document. */
static int
config_from_doc(struct ctx *c, const cJSON *doc, const char *path,
                struct config **ret)
{
    struct config *cfg = NULL;
    int r;

    if (!cJSON_IsObject(doc))
        return fail(c, "expected a JSON object at the top level");
    cfg = mem_calloc(1, sizeof(*cfg));
    if (cfg == NULL)
        return oom(c);
    if (path != NULL) {
        cfg->path = mem_strndup(path, strlen(path));
        if (cfg->path == NULL) {
            r = oom(c);
            goto fail;
        }
    }
    r = parse_section(c, top_keys, doc, cfg);
    if (r == 0 && cfg->n_sources == 0)
        r = default_sources(c, cfg);
    if (r < 0)
        goto fail;
    *ret = cfg;
    return 0;
fail:
    config_free(cfg);
    return r;
}

/*
 * Inside strings, reject what cJSON would accept or mangle: raw control
 * characters (RFC 8259 7 wants them escaped) and "\u0000", which would cut
 * the C string short.
 */
static int
precheck_strings(struct ctx *c, const char *data, size_t len)
{
    bool in_string = false;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)data[i];

        if (!in_string) {
            in_string = ch == '"';
        } else if (ch == '"') {
            in_string = false;
        } else if (ch < 0x20) {
            return fail_at(c, data, i, "control character in a string");
        } else if (ch == '\\') {
            if (len - i >= 6 && memcmp(data + i + 1, "u0000", 5) == 0)
                return fail_at(c, data, i, "\\u0000 is not allowed");
            i++; /* the escaped character cannot end the string */
        }
    }
    return 0;
}

/* What cJSON would accept or mangle: size, NUL bytes, strings as above,
 * and nothing but white space. */
static int
precheck(struct ctx *c, const char *data, size_t len)
{
    const char *p = len ? memchr(data, '\0', len) : NULL;
    size_t i;

    if (len > CONFIG_FILE_MAX)
        return fail(c, "file larger than %d bytes", CONFIG_FILE_MAX);
    if (p != NULL)
        return fail_at(c, data, (size_t)(p - data), "NUL byte in the file");
    for (i = 0; i < len && strchr(" \t\r\n", data[i]) != NULL; i++)
        ;
    if (i == len)
        return fail(c, "empty file (expected a JSON object)");
    return precheck_strings(c, data, len);
}

static int
syntax_error(struct ctx *c, const char *data, size_t len, const char *end)
{
    char msg[EXCERPT_MAX + 48], text[EXCERPT_MAX + 4];
    size_t pos = end != NULL && end >= data && end <= data + len
                     ? (size_t)(end - data)
                     : 0;
    size_t n = 0;

    if (pos >= len)
        return fail_at(c, data, pos, "syntax error at end of file");
    while (pos + n < len && data[pos + n] != '\n' && data[pos + n] != '\r')
        n++;
    if (n == 0)
        return fail_at(c, data, pos, "syntax error at end of line");
    excerpt(text, sizeof(text), data + pos, n, 16);
    (void)snprintf(msg, sizeof(msg), "syntax error near '%s'", text);
    return fail_at(c, data, pos, msg);
}

/* Blank the comments of a sinks file; see config.h. */
int
config_blank_comments(char *data, size_t len, size_t *ret_pos)
{
    bool in_string = false;
    size_t i, start;

    for (i = 0; i < len; i++) {
        if (in_string) {
            if (data[i] == '\\')
                i++; /* the escaped character cannot end the string */
            else if (data[i] == '"')
                in_string = false;
            continue;
        }
        in_string = data[i] == '"';
        if (data[i] != '/' || i + 1 == len ||
            (data[i + 1] != '/' && data[i + 1] != '*'))
            continue;
        start = i;
        if (data[i + 1] == '/') {
            for (; i < len && data[i] != '\n'; i++)
                if (data[i] != '\r' && data[i] != '\0')
                    data[i] = ' '; /* NUL is left for precheck to refuse */
            continue;
        }
        for (i += 2; i + 1 < len && (data[i] != '*' || data[i + 1] != '/'); i++)
            if (data[i] != '\n' && data[i] != '\r' && data[i] != '\0')
                data[i] = ' ';
        if (i + 1 >= len) {
            *ret_pos = start;
            return -EINVAL;
        }
        data[start] = data[start + 1] = data[i] = data[i + 1] = ' ';
        i++;
    }
    return 0;
}

/* Parse a sinks file held in memory; see config.h. */
int
config_parse(const char *data, size_t len, const char *name,
             struct config **ret, char *err, size_t errlen)
{
    struct ctx c = {
        .name = name ? name : "<config>", .err = err, .errlen = errlen};
    const char *end = NULL;
    cJSON *doc = NULL;
    char *text;
    size_t pos;
    int r;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    /* One byte more: cJSON may look at the byte past the length. */
    text = mem_malloc(len + 1);
    if (text == NULL)
        return oom(&c);
    memcpy(text, data, len);
    text[len] = '\0';
    data = text;
    if (config_blank_comments(text, len, &pos) < 0) {
        r = fail_at(&c, data, pos, "comment not closed (*/)");
        goto fail;
    }
    r = precheck(&c, data, len);
    if (r < 0)
        goto fail;
    /* Not require_null_terminated: with a length, cJSON wants a NUL
     * inside it.  Trailing bytes other than white space are checked here. */
    doc = cJSON_ParseWithLengthOpts(data, len, &end, false);
    while (doc != NULL && end < data + len && strchr(" \t\r\n", *end))
        end++;
    if (doc == NULL || end < data + len) {
        r = syntax_error(&c, data, len, end);
        goto fail;
    }
    r = config_from_doc(&c, doc, name, ret);
fail:
    cJSON_Delete(doc);
    mem_free(text);
    return r;
}

/*
 * Read a sinks file: a regular file only, at most CONFIG_FILE_MAX + 1 bytes
 * (config_parse reports one byte more as too large).
 */
static int
read_bounded(int fd, char **ret, size_t *ret_len)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    return fileio_read(fd, CONFIG_FILE_MAX, ret, ret_len);
}

/* Read and parse a sinks file; see config.h. */
int
config_load(const char *path, struct config **ret, char *err, size_t errlen)
{
    struct ctx c = {.name = path, .err = err, .errlen = errlen};
    char *data = NULL;
    size_t len = 0;
    int fd, r;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        r = -errno;
        goto fail;
    }
    r = read_bounded(fd, &data, &len);
    (void)close(fd);
    if (r < 0)
        goto fail;
    r = config_parse(data, len, path, ret, err, errlen);
    mem_free(data);
    return r;
fail:
    c.name = "cannot read ";
    put_err(&c, path, r == -EINVAL ? "not a regular file" : strerror(-r));
    return r;
}

/* The built-in configuration; see config.h. */
int
config_defaults(const char *stdout_format, struct config **ret)
{
    struct ctx c = {.name = "defaults"};
    const char *fmt = stdout_format ? stdout_format : "text";
    const char *const *ch;
    char json[128];
    cJSON *doc;
    int r;

    for (ch = sink_format_choices; *ch != NULL; ch++)
        if (strcmp(*ch, fmt) == 0)
            break;
    if (*ch == NULL)
        return -EINVAL;
    (void)snprintf(json, sizeof(json),
                   "{\"sinks\": [{\"name\": \"stdout\", \"type\": "
                   "\"stdout\", \"format\": \"%s\"}]}",
                   *ch); /* a known short choice: always fits */
    doc = cJSON_Parse(json);
    if (doc == NULL)
        return -ENOMEM;
    r = config_from_doc(&c, doc, NULL, ret);
    cJSON_Delete(doc);
    return r;
}

/* ---- what running needs from the file system -------------------------- */

/* A directory the daemon creates files in: it exists, is a directory and
 * may be written and searched (access(2): as the daemon runs, root too,
 * and a read-only mount says EROFS). */
static int
check_dir(struct ctx *c, const char *dir)
{
    struct stat st;

    if (stat(dir, &st) < 0)
        return fail(c, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fail(c, "%s: not a directory", dir);
    if (access(dir, W_OK | X_OK) < 0)
        return fail(c, "%s: %s", dir, strerror(errno));
    return 0;
}

/* A file the daemon appends to or creates: writable where it exists,
 * else its directory must be. */
static int
check_creatable(struct ctx *c, const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t n;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return fail(c, "%s: is a directory", path);
        if (access(path, W_OK) < 0)
            return fail(c, "%s: %s", path, strerror(errno));
        return 0;
    }
    if (errno != ENOENT)
        return fail(c, "%s: %s", path, strerror(errno));
    n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (n >= sizeof(dir))
        return fail(c, "%s: %s", path, strerror(ENAMETOOLONG));
    memcpy(dir, slash == NULL ? "." : path, n);
    dir[n] = '\0';
    return check_dir(c, dir);
}

/* A unix-dgram listener's socket file: a socket or nothing yet, in a
 * directory it can be made in. */
static int
check_socket_path(struct ctx *c, const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return fail(c, "%s: exists and is not a socket", path);
    return check_creatable(c, path);
}

/* What running cfg needs from the file system; see config.h. */
int
config_check_run(const struct config *cfg, char *err, size_t errlen)
{
    static const char unx[] = "unix-dgram://";
    struct ctx c = {.name = cfg->path != NULL ? cfg->path : "defaults",
                    .err = err,
                    .errlen = errlen};
    size_t old;
    int r;

    old = path_push(&c, ".", "state_dir", EXCERPT_MAX);
    r = check_dir(&c, cfg->state_dir);
    path_pop(&c, old);
    for (size_t i = 0; r == 0 && i < cfg->n_sinks; i++) {
        const struct config_sink *k = &cfg->sinks[i];

        if (strcmp(k->type, "file") != 0 || k->path == NULL)
            continue;
        old = path_push(&c, ".", "sinks", EXCERPT_MAX);
        path_push_index(&c, i);
        path_push(&c, ".", "path", EXCERPT_MAX);
        r = check_creatable(&c, k->path);
        path_pop(&c, old);
    }
    for (size_t i = 0; r == 0 && i < cfg->n_sources; i++) {
        const char *l = cfg->sources[i].listen;

        if (l == NULL || strncmp(l, unx, sizeof(unx) - 1) != 0)
            continue;
        old = path_push(&c, ".", "sources", EXCERPT_MAX);
        path_push_index(&c, i);
        path_push(&c, ".", "listen", EXCERPT_MAX);
        r = check_socket_path(&c, l + sizeof(unx) - 1);
        path_pop(&c, old);
    }
    return r;
}

/* ---- freeing ---------------------------------------------------------- */

static void free_section(const struct config_key *keys, void *base);

static void
free_strings(char **v)
{
    char **p;

    for (p = v; p != NULL && *p != NULL; p++)
        mem_free(*p);
    mem_free(v);
}

static void
free_list(const struct config_key *k, void *base)
{
    const struct list_kind *kind = list_kind_find(k->sub);
    const struct config_key_table *t;
    char *arr, *elem, *type;
    size_t i, n;

    memcpy(&arr, field_of(base, k), sizeof(arr));
    memcpy(&n, (char *)base + kind->count_offset, sizeof(n));
    for (i = 0; arr != NULL && i < n; i++) {
        elem = arr + i * kind->size;
        memcpy(&type, elem + kind->type_offset, sizeof(type));
        /* No type yet: nothing else was stored (see element_table()). */
        t = type != NULL ? type_table_find(kind->sub, type) : NULL;
        if (t != NULL)
            free_section(t->keys, elem);
    }
    mem_free(arr);
}

static void
free_section(const struct config_key *keys, void *base)
{
    const struct config_key *k;

    for (k = keys; k->key != NULL; k++) {
        if (k->type == CONFIG_STRING)
            mem_free(*(char **)field_of(base, k));
        else if (k->type == CONFIG_STRING_ARRAY)
            free_strings(*(char ***)field_of(base, k));
        else if (k->type == CONFIG_OBJECT)
            free_section(config_key_table_find(k->sub)->keys,
                         field_of(base, k));
        else if (k->type == CONFIG_OBJECT_ARRAY)
            free_list(k, base);
    }
}

/* Free a config, whole or half-built; accepts NULL, returns NULL. */
struct config *
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return NULL;
    free_section(top_keys, cfg);
    mem_free(cfg->path);
    mem_free(cfg);
    return NULL;
}
