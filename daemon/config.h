/*
 * config.h - the sinks file (DESIGN 6): types, key tables, strict loader.
 *
 * The loader never logs: it returns -EINVAL with one message naming the
 * file and the JSON path ("sinks.json: sinks[2].format: expected one of
 * text, json") or the line and column of a syntax error.  Unknown keys,
 * wrong types and missing required keys are all errors (exit 78 in main).
 *
 * Each section and each source and sink type has one key table (struct
 * config_key) in config.c that fills its part of struct config_source /
 * struct config_sink; the README documents the same keys and a test checks
 * the two agree (config_key_tables() exposes them).
 */
#ifndef SESSIONTAIL_CONFIG_H
#define SESSIONTAIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/sessiontail/sinks.json"
#define CONFIG_FILE_MAX (1024 * 1024) /* a sinks file larger is refused */
#define CONFIG_SOURCES_MAX 256
#define CONFIG_SINKS_MAX 64
#define CONFIG_NAME_MAX 64
#define CONFIG_ERR_MAX 512

enum config_type {
    CONFIG_STRING = 0,
    CONFIG_BOOL,
    CONFIG_INT,
    CONFIG_STRING_ARRAY, /* char **, NULL-terminated, owned */
    /* Added with config.c; nothing above changed. */
    CONFIG_TRISTATE,     /* a JSON bool into an int: -1 when absent */
    CONFIG_OBJECT,       /* a nested object: section `sub` at `offset` */
    CONFIG_OBJECT_ARRAY, /* array of objects, section "`sub`:<type>" */
};

/*
 * One key of a section.  `offset` is where the value lands in the struct
 * the table describes (offsetof).  Strings are owned char *, bools bool,
 * ints int64_t.  `choices` restricts a string (or each array element).
 */
struct config_key {
    const char *key;
    enum config_type type;
    bool required;
    const char *def; /* default, as JSON text would spell it; NULL: none */
    size_t offset;
    int64_t min, max; /* CONFIG_INT bounds */
    const char *const *choices;
    const char *doc; /* one line, for --help and the README check */
    /* Added with config.c (members at the end, nothing above changed): */
    const char *sub; /* CONFIG_OBJECT(_ARRAY): the nested section name */
    /* Extra check of a string (or of each array element): 0, or -EINVAL
     * and *ret_why, a static reason ("expected a name of ..."). */
    int (*check)(const char *value, const char **ret_why);
};

/* What a sink's optional "filter" object keeps: all present parts must
 * match (an empty part matches everything). */
struct config_filter {
    char **actions; /* login, logout... */
    char **hosts;   /* exact hostnames */
    char **users;   /* exact user as written */
    char **formats; /* parser names */
    int successful; /* -1 any, 0 failed only, 1 successful only */
};

struct config_source {
    char *name;
    char *type;
    /* file */
    char *path;
    char *format; /* parser restriction, "auto" */
    bool from_beginning;
    int64_t max_line;
    char *timezone; /* "local", "UTC", "+02:00" */
    /* utmp (path and from_beginning above too) */
    bool failed;    /* btmp: every record is a failed login */
    char *hostname; /* the host the records are about; NULL: this one */
    /* syslog (format and timezone above too) */
    char *listen;         /* udp://H:P, tcp://H:P, unix-dgram:///p */
    int64_t max_message;  /* bytes */
    int64_t idle_timeout; /* TCP clients, seconds; 0: never */
    int64_t max_clients;  /* TCP */
    /* journal (path, format and from_beginning above too) */
    char **matches; /* "FIELD=value", NULL-terminated, owned */
};

/* records bits */
#define CONFIG_RECORDS_EVENTS 0x1u
#define CONFIG_RECORDS_SESSIONS 0x2u

struct config_sink {
    char *name;
    char *type;
    char *format; /* text, json; rfc5424, rfc3164 (syslog) */
    char **records;
    unsigned records_mask; /* CONFIG_RECORDS_*, derived from records */
    struct config_filter filter;
    bool has_filter;
    int64_t queue_max; /* bytes queued before drops */
    /* file */
    char *path;
    char *fsync; /* "none", "batch" */
    /* syslog */
    char *address;  /* HOST:PORT, [IPV6]:PORT, HOST (port 514) */
    char *protocol; /* "udp", "tcp" */
    char *facility; /* a name of syslog_facility_names */
    char *framing;  /* TCP: "octet-counting", "lf" */
};

struct config {
    char *path; /* the file it came from, or NULL for built-in defaults */
    char *state_dir;
    char *control_socket; /* "": no control socket */
    char *control_group;  /* NULL: the daemon's own group */
    int64_t idle_timeout; /* seconds */
    int64_t max_open;
    bool include_system_accounts;
    bool sources_defaulted; /* no "sources" key: the local defaults apply */
    struct config_source *sources;
    size_t n_sources;
    struct config_sink *sinks;
    size_t n_sinks;
};

/*
 * Parse a sinks file held in memory.  `name` is used in messages.  On
 * success *ret is an owned config (free with config_free()).  On failure
 * returns -EINVAL (or -ENOMEM) and writes a message into err.
 */
int config_parse(const char *data, size_t len, const char *name,
                 struct config **ret, char *err, size_t errlen);

/*
 * Replace the comments in data (`//` to the end of the line, slash-star
 * blocks; not inside strings) by spaces, line ends kept, so positions in
 * the result are positions in the file.  NUL bytes stay.  Returns 0, or
 * -EINVAL with *ret_pos at the start of a block comment that is not closed.
 */
int config_blank_comments(char *data, size_t len, size_t *ret_pos);

/* Read and parse a file (bounded by CONFIG_FILE_MAX).  -errno and a
 * message naming the file when it cannot be read. */
int config_load(const char *path, struct config **ret, char *err,
                size_t errlen);

/* The configuration used when no sinks file exists: local defaults and the
 * stdout sink with the given format. */
int config_defaults(const char *stdout_format, struct config **ret);

/*
 * What running cfg needs from the file system, checked before anything
 * opens (not by --check: a service's directories may not exist yet where
 * the file is checked): state_dir a writable directory, every file sink's
 * path a file that can be appended to or created, every unix-dgram
 * listener's directory writable.  0, or -EINVAL and a message naming the
 * sinks file and the JSON path.
 */
int config_check_run(const struct config *cfg, char *err, size_t errlen);

struct config *config_free(struct config *cfg);

/* Every key table, for --help and the README check: `section` is "top",
 * "sessions", "source:file", "sink:stdout", "sink:file", "filter"... */
struct config_key_table {
    const char *section;
    const struct config_key *keys; /* terminated by a NULL key */
};
/* NULL-terminated (section NULL). */
extern const struct config_key_table config_key_tables[];

/* The table of one section ("sink:file"), or NULL. */
const struct config_key_table *config_key_table_find(const char *section);

/* "string", "bool", "integer", "array of strings", "object"...: the type as
 * --help and the README spell it (static string). */
const char *config_type_name(enum config_type t);

#endif
