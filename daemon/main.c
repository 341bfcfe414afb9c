/*
 * main.c - the sessiontail command line (DESIGN 7).
 *
 *   sessiontail [-c FILE]            run (default /etc/sessiontail/sinks.json)
 *   sessiontail --check [-c FILE]    validate the sinks file
 *   sessiontail replay [...] FILE... read files to the end and exit
 *   sessiontail sessions|stats [...] ask the running daemon (ctl.c)
 *
 * Exit status follows sysexits(3): 64 usage, 66 unreadable input, 69 the
 * daemon is not running, 76 it refused, 77 no access to its socket, 78 bad
 * configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: sessiontail [-c FILE]              run the daemon\n"
            "       sessiontail --check [-c FILE]      validate the sinks "
            "file and exit\n"
            "       sessiontail replay [-o json|text] [--format F] [-c FILE] "
            "FILE|-...\n"
            "                                          read files to the end, "
            "print events\n"
            "                                          and sessions, exit\n"
            "       sessiontail sessions [--json] [--host H] [--user U] "
            "[-c FILE]\n"
            "                            [--socket PATH]\n"
            "                                          the running daemon's "
            "open sessions\n"
            "       sessiontail stats [--json] [-c FILE] [--socket PATH]\n"
            "                                          its counters per "
            "source, parser, sink\n"
            "\n"
            "  -c, --config FILE  sinks file (default %s)\n"
            "      --check        validate the sinks file\n"
            "  -h, --help         this text\n"
            "  -V, --version      print the version\n",
            CONFIG_DEFAULT_PATH);
}

struct config *
daemon_load_config(const char *path, bool explicit_path,
                   const char *stdout_format)
{
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;
    struct stat st;
    int r;

    if (path == NULL)
        path = CONFIG_DEFAULT_PATH;
    if (!explicit_path && stat(path, &st) < 0 && errno == ENOENT) {
        r = config_defaults(stdout_format, &cfg);
        if (r < 0)
            log_err("cannot build the default configuration: %s", strerror(-r));
        return r < 0 ? NULL : cfg;
    }
    if (config_load(path, &cfg, err, sizeof(err)) < 0) {
        log_err("%s", err);
        return NULL;
    }
    return cfg;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool check = false;
    struct config *cfg;
    int c;

    /* A closed reader must not kill us: sinks see EPIPE and count it. */
    signal(SIGPIPE, SIG_IGN);
    /* Nor a file size limit (LimitFSIZE=, ulimit -f): past it write(2)
     * fails with EFBIG, which a file sink treats like a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    log_init("sessiontail", LOG_INFO, false);
    if (argc > 1 && strcmp(argv[1], "replay") == 0)
        return replay_main(argc - 1, argv + 1);
    if (argc > 1 &&
        (strcmp(argv[1], "sessions") == 0 || strcmp(argv[1], "stats") == 0))
        return ctl_main(argc - 1, argv + 1);
    while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'C':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("sessiontail %s\n", SESSIONTAIL_VERSION);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sessiontail: unknown command '%s'\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!check) {
        log_init("sessiontail", LOG_INFO, true);
        return run_main(path, path != NULL);
    }
    cfg = daemon_load_config(path, true, "text");
    if (cfg == NULL)
        return EXIT_CONFIG;
    printf("%s: OK (%zu sources, %zu sinks)\n",
           path ? path : CONFIG_DEFAULT_PATH, cfg->n_sources, cfg->n_sinks);
    config_free(cfg);
    return 0;
}
