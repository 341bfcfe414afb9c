/*
 * bare_parse.c - the floor the Windows benchmark compares against: how fast
 * expat and cJSON alone parse the same lines (one XML document or JSON
 * object per line), with nothing done with the result.
 *
 *   bare_parse xml|json FILE   -> "N docs in S s: D docs/s, M MB/s"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <expat.h>

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    FILE *f;
    char *data, *p, *end;
    long size;
    unsigned long docs = 0, bad = 0;
    int xml;
    double t0, t;
    XML_Parser xp;

    if (argc != 3 || (f = fopen(argv[2], "rb")) == NULL) {
        fprintf(stderr, "usage: bare_parse xml|json FILE\n");
        return 64;
    }
    xml = strcmp(argv[1], "xml") == 0;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    data = malloc((size_t)size + 1);
    if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    data[size] = '\0';
    xp = XML_ParserCreate(NULL);
    t0 = now();
    for (p = data, end = data + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (xml) {
            XML_ParserReset(xp, NULL);
            if (XML_Parse(xp, p, (int)n, 1) != XML_STATUS_OK)
                bad++;
        } else {
            cJSON *j = cJSON_ParseWithLength(p, n);

            if (j == NULL)
                bad++;
            cJSON_Delete(j);
        }
        docs++;
        p += n + 1;
    }
    t = now() - t0;
    XML_ParserFree(xp);
    printf("%s bare: %lu docs (%lu bad) in %.3f s: %.0f docs/s, %.1f MB/s\n",
           xml ? "expat" : "cJSON", docs, bad, t, (double)docs / t,
           (double)size / 1e6 / t);
    free(data);
    return 0;
}
