/*
 * s3cli.h: `datalab s3 ...`, the headless S3 commands (scripts, benchmarks):
 * ls, cp (download or upload, streamed, multipart above the threshold),
 * presign and rm, through the same client as the console.
 */
#ifndef DATALAB_CLI_S3CLI_H
#define DATALAB_CLI_S3CLI_H

/* s3cli_main: argv[0] is "s3"; returns the exit status (0 ok, 1 failed,
 * 2 usage). */
int s3cli_main(int argc, char **argv);

#endif
