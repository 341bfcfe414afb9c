/*
 * fileio.h - reading a small file (a sinks file, a checkpoint) whole, with a
 * bound, so a hostile or runaway file cannot make us allocate without end;
 * and replacing a file atomically (the checkpoints, the session state):
 * write `<file>.tmp`, fsync, rename over the file, fsync the directory.
 * rename(2) is atomic, so a crash leaves the old file or the new one; the
 * directory fsync makes the rename itself durable (fsync(2): syncing a file
 * "does not necessarily ensure that the entry in the directory containing
 * the file has also reached disk").
 */
#ifndef SESSIONTAIL_FILEIO_H
#define SESSIONTAIL_FILEIO_H

#include <stddef.h>

/*
 * Read from fd to its end, but never more than max + 1 bytes: a length of
 * max + 1 tells the caller the file is larger than it accepts.  *ret is an
 * owned, NUL-terminated buffer (mem_free); *ret_len its length.  Returns 0,
 * -ENOMEM or the read's -errno.
 */
int fileio_read(int fd, size_t max, char **ret, size_t *ret_len);

/* Write all n bytes (borrowed) to fd, through short writes and EINTR.
 * Returns 0 or -errno. */
int fileio_write_all(int fd, const void *p, size_t n);

/* Open the temporary file of an atomic replace: created or truncated, mode
 * 0600, close-on-exec, not through a symlink.  Returns the fd (the caller
 * hands it to fileio_tmp_commit() or closes it) or -errno. */
int fileio_tmp_open(const char *tmp);

/*
 * Finish an atomic replace: fsync fd, close it, rename tmp over path.  fd
 * is always closed; on failure tmp is removed and path left as it was.
 * The directory still needs fileio_fsync_dir().  Returns 0 or -errno.
 */
int fileio_tmp_commit(int fd, const char *tmp, const char *path);

/* fsync the directory dir, so that a rename in it survives a crash.
 * Returns 0 or -errno. */
int fileio_fsync_dir(const char *dir);

#endif
