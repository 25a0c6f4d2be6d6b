/*
 * The cprof-trace subcommands, one file each (cmd_<name>.c), dispatched
 * from main.c. Each takes the arguments after its name (argv[0] is the
 * subcommand name) and returns the process exit status.
 */
#ifndef CPROF_CMDS_H
#define CPROF_CMDS_H

#include <stdbool.h>

/* Before the command's name: --no-cache; and what the model cache keeps
 * (cmd_global.c). Moves argc/argv past what it took. */
void cprof_cmd_global_options(int *argc, char ***argv);

int cprof_cmd_record(int argc, char **argv);
int cprof_cmd_stats(int argc, char **argv);
int cprof_cmd_dump(int argc, char **argv);
int cprof_cmd_pprof(int argc, char **argv);
int cprof_cmd_view(int argc, char **argv);
int cprof_cmd_symbolize(int argc, char **argv);
int cprof_cmd_compare(int argc, char **argv);
int cprof_cmd_serve(int argc, char **argv);
int cprof_cmd_env(int argc, char **argv);

/*
 * record's options, as given to COMMAND ("env", "serve": its messages
 * name it; argv[0] is the command's name) -> the environment
 * record gives a program, plus CPROF_SERVE=1 (NULL-terminated, the
 * caller frees each string and the array), and the program's argv
 * (borrowed from argv, NULL-terminated; empty when need_program is false
 * and none was given). Returns -1 to go on, else an exit status.
 */
int cprof_record_environment(const char *command, int argc, char **argv, bool need_program,
			     char ***envp, char ***program);

/*
 * The LTTng channel record's options ask for (COMMAND and argv as above): each of
 * --subbuf-size, --num-subbuf and --blocking-timeout given replaces that
 * field of *channel, the others keep the caller's defaults. *other: more
 * was given (PROGRAM, or an option about the program or the trace
 * directory). Returns -1 to go on, else an exit status.
 */
struct cprof_session_channel;
int cprof_record_channel(const char *command, int argc, char **argv,
			 struct cprof_session_channel *channel, bool *other);

#endif /* CPROF_CMDS_H */
