/*
 * registry.c - the tables of sink types and output formats.  Adding a sink
 * or a format is one file and one line here.
 */
#include <stddef.h>
#include <string.h>

#include "../model/render.h"
#include "sink.h"

extern const struct sink_ops sink_stdout_ops;
extern const struct sink_ops sink_file_ops;

const struct sink_ops *const sink_types[] = {
    &sink_stdout_ops,
    &sink_file_ops,
    NULL,
};

static const struct sink_format format_json = {
    .name = "json",
    .event = event_to_json,
    .session = session_to_json,
};

static const struct sink_format format_text = {
    .name = "text",
    .event = event_to_text,
    .session = session_to_text,
};

const struct sink_format *const sink_formats[] = {
    &format_json,
    &format_text,
    NULL,
};

const struct sink_ops *
sink_type_find(const char *name)
{
    for (size_t i = 0; sink_types[i] != NULL; i++)
        if (strcmp(sink_types[i]->name, name) == 0)
            return sink_types[i];
    return NULL;
}

const struct sink_format *
sink_format_find(const char *name)
{
    for (size_t i = 0; sink_formats[i] != NULL; i++)
        if (strcmp(sink_formats[i]->name, name) == 0)
            return sink_formats[i];
    return NULL;
}
