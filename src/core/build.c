/*
 * build.c: the build's stamp and the shipped folders (build.h).
 *
 * The Makefile compiles this file alone with DATALAB_VERSION and
 * DATALAB_DATADIR, and rebuilds it when either changes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/build.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"

#ifndef DATALAB_VERSION
#define DATALAB_VERSION "0.1"
#endif
#ifndef DATALAB_DATADIR
#define DATALAB_DATADIR "/usr/local/share/datalab"
#endif

const char *build_version(void)
{
	return DATALAB_VERSION;
}

char *build_shipped(const char *what)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			p = xasprintf("%s/../%s", exe, what);
			if (file_exists(p))
				return p;
			free(p);
			p = xasprintf("%s/../share/datalab/%s", exe, what);
			if (file_exists(p))
				return p;
			free(p);
		}
	}
	return xasprintf("%s/%s", DATALAB_DATADIR, what);
}
