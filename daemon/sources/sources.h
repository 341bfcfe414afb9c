/*
 * sources.h - the source types of daemon/sources/, one ops struct each
 * (STYLE 2).  The daemon finds them through source_types[] and
 * source_type_find() (daemon/source.h); tests use them directly.
 */
#ifndef SESSIONTAIL_SOURCES_H
#define SESSIONTAIL_SOURCES_H

#include "../source.h"

/* "file": text files and globs followed like tail -F (sources/file.c). */
extern const struct source_ops src_file_ops;
/* "utmp": wtmp/btmp records, on the file source (sources/utmp.c). */
extern const struct source_ops src_utmp_ops;

#endif
