/*
 * fuzz_wintext.c - libFuzzer target for the English-text Windows forms:
 * the input is read by wintext_read() directly as the message of the
 * event its title names (or, when it names none, of 4624, 4778, 21, 1149
 * or 4634 by the input's length, so each section alias is exercised by
 * the inputs that differ in length alone), then parsed as one
 * "windows-text" record (fuzz_format.h).  Seed corpus:
 * samples/windows-text/.
 */
#include "../../parsers/winrec.h"
#include "../../parsers/wintext.h"
#include "fuzz_format.h"

/* Event ids whose labels the reader maps differently. */
static const uint32_t fuzz_wintext_ids[] = {4624, 4778, 21, 1149, 4634};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_ctx *ctx;
    static struct winrec rec;
    struct strv msg = strv_make(
        (const char *)data, size > PARSER_LINE_MAX ? PARSER_LINE_MAX : size);
    const struct wintext_title *t = wintext_title_find(msg);
    const size_t n_ids = sizeof(fuzz_wintext_ids) / sizeof(uint32_t);

    winrec_reset(&rec);
    if (wintext_read(msg, t ? t->event_id : fuzz_wintext_ids[size % n_ids],
                     &rec) < 0 ||
        rec.n_data > WINREC_DATA_MAX)
        abort();
    for (size_t k = 0; k < rec.n_data; k++)
        if (rec.data[k].value.n > msg.n ||
            (rec.data[k].value.n > 0 &&
             (rec.data[k].value.p < msg.p ||
              rec.data[k].value.p + rec.data[k].value.n > msg.p + msg.n)))
            abort();
    return fuzz_format_one(&ctx, "windows-text", data, size);
}
