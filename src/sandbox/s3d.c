/*
 * s3d.c: placeholder until the S3 service lands (sandbox part 3).
 */
#include <stddef.h>

#include "datalab/sandbox/s3d.h"

struct s3d *s3d_start(const struct s3d_config *cfg, struct error *err)
{
	(void)cfg;
	error_set(err, ERR_UNSUPPORTED, "the S3 service is not built yet");
	return NULL;
}

int s3d_port(const struct s3d *s)
{
	(void)s;
	return 0;
}

void s3d_stop(struct s3d *s)
{
	(void)s;
}

int s3d_write_env(const struct s3d *s, const char *dir, struct error *err)
{
	(void)s;
	(void)dir;
	return error_set(err, ERR_UNSUPPORTED, "the S3 service is not built yet");
}
