/*
 * replay_journal.c - the replay reader of systemd journal files: one
 * journal file (it starts with the magic "LPKSHHRH", systemd's
 * journal-file format) or a directory holding *.journal files, e.g. a
 * copy of /var/log/journal/<machine-id> or /var/log/journal/remote.
 * Opened with sd_journal_open_files(3) / sd_journal_open_directory(3)
 * (sd-journal(3)), read from the head in the journal's own interleaved
 * order; each entry becomes a RECORD_JOURNAL record (MESSAGE plus its
 * fields, daemon/journal_entry.h).
 *
 * Built without libsystemd the reader still takes such a file, so the
 * user is told why it cannot be read instead of seeing it parsed as text.
 *
 *   sessiontail replay /var/log/journal/remote
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../model/mem.h"
#include "journal_entry.h"
#include "log.h"
#include "replay.h"

/* The first bytes of a journal file (journal-def.h, "LPKSHHRH"). */
#define JOURNAL_MAGIC "LPKSHHRH"
#define JOURNAL_MAGIC_LEN 8
/* Directory entries looked at for a *.journal file before giving up. */
#define REPLAY_JOURNAL_DIRENTS_MAX 100000

static bool
journal_detect(const struct stat *st, const unsigned char *head, size_t n)
{
    if (S_ISDIR(st->st_mode))
        return true; /* text never takes a directory; open() checks it */
    return S_ISREG(st->st_mode) && n >= JOURNAL_MAGIC_LEN &&
           memcmp(head, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN) == 0;
}

/* True when the directory open as fd holds a *.journal or *.journal~ file. */
static bool
dir_has_journals(int fd)
{
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *dh = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;
    bool found = false;

    if (dh == NULL) {
        if (dfd >= 0)
            close(dfd);
        return false;
    }
    for (size_t i = 0;
         !found && i < REPLAY_JOURNAL_DIRENTS_MAX && (de = readdir(dh)) != NULL;
         i++) {
        const char *dot = strrchr(de->d_name, '.');

        found = dot != NULL &&
                (strcmp(dot, ".journal") == 0 || strcmp(dot, ".journal~") == 0);
    }
    closedir(dh);
    return found;
}

#ifdef HAVE_SYSTEMD

/* Owned by the input (in->rs). */
struct journal_reader {
    sd_journal *j;
    struct journal_entry e;
};

static int
journal_open(struct replay_input *in)
{
    struct journal_reader *jr;
    struct stat st;
    int r;

    if (fstat(in->fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode) && !dir_has_journals(in->fd)) {
        log_err("replay: %s: a directory without *.journal files", in->path);
        return -ENOENT;
    }
    jr = mem_calloc(1, sizeof(*jr));
    if (jr == NULL)
        return -ENOMEM;
    in->rs = jr;
    if (S_ISDIR(st.st_mode)) {
        r = sd_journal_open_directory(&jr->j, in->path, 0);
    } else {
        const char *paths[] = {in->path, NULL};

        r = sd_journal_open_files(&jr->j, paths, 0);
    }
    if (r < 0)
        return r;
    /* Decompress no more of a field than a parser looks at. */
    (void)sd_journal_set_data_threshold(jr->j, JOURNAL_MESSAGE_MAX + 8);
    return sd_journal_seek_head(jr->j);
}

static bool
journal_next(struct replay_input *in, struct raw_record *rec)
{
    struct journal_reader *jr = in->rs;

    for (;;) {
        int r = sd_journal_next(jr->j);

        if (r <= 0)
            return false; /* the end, or a read error: stop here */
        if (journal_entry_read(jr->j, &jr->e) < 0)
            continue; /* a damaged entry: skipped */
        if (jr->e.truncated)
            in->truncated++;
        journal_entry_record(&jr->e, rec);
        return true;
    }
}

static void
journal_close(struct replay_input *in)
{
    struct journal_reader *jr = in->rs;

    if (jr == NULL)
        return;
    if (jr->j != NULL)
        sd_journal_close(jr->j);
    mem_free(jr);
    in->rs = NULL;
}

#else

static int
journal_open(struct replay_input *in)
{
    struct stat st;

    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode) &&
        !dir_has_journals(in->fd))
        return -EISDIR;
    log_err("replay: %s: a systemd journal, but this sessiontail was built "
            "without journal support (libsystemd)",
            in->path);
    return -ENOTSUP;
}

static bool
journal_next(struct replay_input *in, struct raw_record *rec)
{
    (void)in;
    (void)rec;
    return false;
}

static void
journal_close(struct replay_input *in)
{
    in->rs = NULL;
}

#endif

/* The journal reader (replay.h): a journal file or directory. */
const struct replay_reader replay_journal_reader = {
    .name = "journal",
    .detect = journal_detect,
    .open = journal_open,
    .next = journal_next,
    .close = journal_close,
};
