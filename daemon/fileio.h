/*
 * fileio.h - reading a small file (a sinks file, a checkpoint) whole, with a
 * bound, so a hostile or runaway file cannot make us allocate without end.
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

#endif
