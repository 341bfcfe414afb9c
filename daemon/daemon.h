/*
 * daemon.h - the commands of the sessiontail binary (DESIGN 7).
 */
#ifndef SESSIONTAIL_DAEMON_H
#define SESSIONTAIL_DAEMON_H

#include <stdbool.h>

/* sysexits(3) codes used for the exit status. */
#define EXIT_USAGE 64
#define EXIT_NOINPUT 66
#define EXIT_SOFTWARE 70
#define EXIT_CONFIG 78

/* Run the daemon with the sinks file at path (explicit: given with -c, so
 * a missing file is an error rather than "use the defaults"). */
int run_main(const char *path, bool explicit_path);

/* `sessiontail replay ...`; argv[0] is "replay". */
int replay_main(int argc, char **argv);

/* Load a config for a command: the file, or the defaults when the default
 * path does not exist and none was given.  Logs and returns NULL on error. */
struct config *daemon_load_config(const char *path, bool explicit_path,
                                  const char *stdout_format);

#endif
