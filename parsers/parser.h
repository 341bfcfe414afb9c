/*
 * parser.h - records, envelopes and the payload parser interface.
 *
 * Pipeline (DESIGN 1): a source reads a raw record; the envelope parser
 * (RFC 3164, RFC 5424, later journal fields) splits off time, host and
 * program; the registry routes the message to one payload parser (sshd,
 * pam, login, su...), which fills one event.
 *
 * Everything here is pure: bytes in, events out, no I/O, no globals, no
 * logging.  Results are counted by the caller.
 */
#ifndef SESSIONTAIL_PARSER_H
#define SESSIONTAIL_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "../model/event.h"

/* The longest message a parser looks at; a source truncates before this. */
#define PARSER_LINE_MAX (64 * 1024)
/* Bytes of one RECORD_UTMP record: glibc struct utmp on x86-64, utmp(5). */
#define PARSER_UTMP_RECORD 384

/*
 * The fields of a systemd journal entry that the journal source hands over
 * with its MESSAGE (the record's data); views, valid during the call.  The
 * journal envelope (parsers/journal.c) reads them instead of a syslog
 * header; logind's session start/stop entries (MESSAGE_ID) become events
 * from the fields alone.
 */
struct journal_fields {
    struct strv identifier; /* SYSLOG_IDENTIFIER (else _COMM) */
    struct strv pid;        /* SYSLOG_PID, else _PID */
    struct strv hostname;   /* _HOSTNAME */
    struct strv boot_id;    /* _BOOT_ID */
    struct strv message_id; /* MESSAGE_ID */
    struct strv session_id; /* SESSION_ID (logind) */
    struct strv user_id;    /* USER_ID (logind) */
    struct strv leader;     /* LEADER (logind) */
    struct strv cursor;     /* the entry's cursor: the record_id */
    int64_t realtime_us;    /* __REALTIME_TIMESTAMP */
};

/* What kind of bytes a record holds (how parse_record starts). */
enum record_kind {
    RECORD_TEXT = 0, /* a line or framed text: syslog envelope or bare */
    RECORD_JOURNAL,  /* a journal entry: `journal` is set */
    RECORD_UTMP,     /* one struct utmp (384 bytes on x86-64 glibc) */
};

/*
 * What a source read.  Borrowed: valid only during the call it is passed to.
 */
struct raw_record {
    enum record_kind kind;
    const char *data; /* the bytes, without the line terminator */
    size_t len;
    struct strv source; /* configured source name */
    /* Reference time for timestamps without a year (RFC 3164): the year is
     * chosen so the event is not after this time by more than a day.  A
     * live source passes the receive time, replay the file's mtime. */
    int64_t ref_time_us;
    /* UTC offset applied to timestamps that carry no zone. */
    int32_t tz_offset_s;
    uint64_t offset; /* byte offset in the file: the record_id */
    bool has_offset;
    const struct journal_fields *journal; /* RECORD_JOURNAL only */
    struct strv peer;   /* syslog listener: the sender's address */
    bool failed_logins; /* utmp from btmp: every record is a failure */
    /* RECORD_UTMP: the host the records are about (a wtmp record does
     * not name it): the utmp source's `hostname`, by default the
     * collector's own name.  Added for utmp; nothing above changed. */
    struct strv hostname;
    /* Cut at a length limit (max_line, max_message, the journal's): not
     * what its sender wrote, and the end a parser trusts most (sshd's
     * address after a client's name, a Windows event's network part) is
     * gone, so the record is counted malformed and never parsed. */
    bool truncated;
};

/* The syslog envelope: RFC 3164 or RFC 5424 header, views into the record. */
struct envelope {
    int64_t time_us; /* EVENT_TIME_UNSET when absent/unparsable */
    int pri;         /* -1 when absent */
    struct strv hostname;
    struct strv app;   /* program / APP-NAME / SYSLOG_IDENTIFIER */
    struct strv pid;   /* PROCID */
    struct strv msgid; /* RFC 5424 only */
    struct strv sd;    /* RFC 5424 STRUCTURED-DATA, verbatim */
    struct strv msg;   /* the payload, BOM removed, trailing spaces kept */
    /* Copied from the raw record by parse_record(), for payloads that
     * carry their own zone-less times (NXLog JSON "EventTime"). */
    int64_t ref_time_us;
    int32_t tz_offset_s;
    /* The journal entry's fields (RECORD_JOURNAL), else NULL: logind's
     * session entries are read from them.  Borrowed, like the record. */
    const struct journal_fields *journal;
};

/* Parse results. */
#define PARSE_NONE 0 /* not ours, or a line to ignore: no event */
#define PARSE_EVENT 1

/*
 * A payload parser: fills ev (already event_init()ed, with time, hostname,
 * source and record_id from the envelope and record) from env->msg.
 * Returns PARSE_EVENT, PARSE_NONE, or -EBADMSG when the line is one of
 * its own but malformed (counted as a skip).
 */
struct parser_ops {
    const char *name; /* the event's `format` */
    /* Program names (syslog APP-NAME) routed here; NULL-terminated. */
    const char *const *programs;
    /* Optional correlation state (e.g. pid -> user); NULL when unused. */
    void *(*state_new)(void);
    void (*state_free)(void *state);
    int (*parse)(const struct envelope *env, struct event *ev, void *state);
};

/*
 * Envelope parsers.  Return the number of bytes of the record consumed by
 * the header (> 0), or -EBADMSG when the record does not start with one.
 */
int parser_syslog_envelope(const struct raw_record *rec,
                           struct envelope *ret_env);

/*
 * One wtmp/btmp record (RECORD_UTMP) into ev (parsers/utmp.c): no
 * envelope, the record carries time, user, line and address itself.
 * Returns PARSE_EVENT, PARSE_NONE or -EBADMSG; ev holds views into rec.
 */
int parser_utmp_record(const struct raw_record *rec, struct event *ev);

/*
 * The journal envelope (parsers/journal.c): time, host, program and pid
 * from rec->journal, the message from rec->data (a syslog header that
 * udp514-journal left at its start is parsed off).  Returns 0, or
 * -EBADMSG when rec is not a journal record.
 */
int parser_journal_envelope(const struct raw_record *rec,
                            struct envelope *ret_env);

#endif
