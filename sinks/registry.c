/*
 * registry.c - the tables of sink types and output formats.  Adding a sink
 * or a format is one file and one line here.
 */
#include <stddef.h>
#include <string.h>

#include "../model/render.h"
#include "../model/render_syslog.h"
#include "sink.h"

extern const struct sink_ops sink_stdout_ops;
extern const struct sink_ops sink_file_ops;
extern const struct sink_ops sink_syslog_ops;

const struct sink_ops *const sink_types[] = {
    &sink_stdout_ops,
    &sink_file_ops,
    &sink_syslog_ops,
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

static const struct sink_format format_rfc5424 = {
    .name = "rfc5424",
    .event = event_to_rfc5424,
    .session = session_to_rfc5424,
};

static const struct sink_format format_rfc3164 = {
    .name = "rfc3164",
    .event = event_to_rfc3164,
    .session = session_to_rfc3164,
};

const struct sink_format *const sink_formats[] = {
    &format_json, &format_text, &format_rfc5424, &format_rfc3164, NULL,
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
