/*
 * cli.h: datalab's headless subcommands, for scripts.
 *
 *   datalab services|pods|nodes|events [-o json|wide] [-A]
 *   datalab exec [-i] [-t] POD [-c C] -- CMD...
 *   datalab logs [-f] POD [-c C] [--tail N] [--since DUR] [--timestamps] [--previous]
 *   datalab version [--client]
 *
 * with the global flags --kubeconfig, --context and -n/--namespace after
 * the subcommand.  Each runs the core loop until its answer is in, prints
 * it as kubectl would (columns, or JSON), and returns an exit status
 * scripts can rely on (man/datalab.1): 0 ok, 1 an error from the server or
 * the connection, 2 a usage error; exec returns the remote command's.
 */
#ifndef DATALAB_CLI_CLI_H
#define DATALAB_CLI_CLI_H

#include <stdbool.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_ERROR = 1,	/* the server said no, or could not be reached */
	CLI_USAGE = 2,
};

/* cli_is_command: name is a subcommand (argv[1] decides console or CLI). */
bool cli_is_command(const char *name);
/* cli_run: runs argv[1] with the rest of argv; returns the exit status. */
int cli_run(int argc, char **argv);

#endif
