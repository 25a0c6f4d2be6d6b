/*
 * The cprof-trace subcommands, one file each (cmd_<name>.c), dispatched
 * from main.c. Each takes the arguments after its name (argv[0] is the
 * subcommand name) and returns the process exit status.
 */
#ifndef CPROF_CMDS_H
#define CPROF_CMDS_H

int cprof_cmd_record(int argc, char **argv);
int cprof_cmd_stats(int argc, char **argv);
int cprof_cmd_dump(int argc, char **argv);
int cprof_cmd_pprof(int argc, char **argv);
int cprof_cmd_view(int argc, char **argv);
int cprof_cmd_symbolize(int argc, char **argv);
int cprof_cmd_compare(int argc, char **argv);

#endif /* CPROF_CMDS_H */
