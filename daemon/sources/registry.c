/*
 * registry.c - the table of source types (STYLE 1): config "type" ->
 * ops.  Adding a source is one file, one line here and one in sources.h.
 *
 *   { "name": "auth", "type": "file", "path": "/var/log/auth.log" }
 */
#include <stddef.h>
#include <string.h>

#include "../source.h"
#include "sources.h"

/* NULL-terminated; static data, never freed. */
const struct source_ops *const source_types[] = {
    &src_file_ops, &src_utmp_ops, &src_syslog_ops, &src_journal_ops, NULL,
};

/*
 * The ops whose name is `name`, or NULL when there is none (or name is
 * NULL).  The result points into static data.
 */
const struct source_ops *
source_type_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; source_types[i] != NULL; i++)
        if (strcmp(source_types[i]->name, name) == 0)
            return source_types[i];
    return NULL;
}
