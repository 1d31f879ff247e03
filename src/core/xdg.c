/*
 * xdg.c: the XDG base directories datalab uses.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/xdg.h"

char *xdg_dir(enum xdg_kind kind, struct error *err)
{
	static const char *const env[] = { "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME" };
	static const char *const fallback[] = { ".config", ".cache", ".local/state" };
	static const char *const sub[] = { "config", "cache", "state" };
	const char *home = getenv("DATALAB_HOME"), *base;
	char *dir;

	if (home && *home) {
		dir = xasprintf("%s/%s", home, sub[kind]);
	} else if ((base = getenv(env[kind])) && base[0] == '/') {
		dir = xasprintf("%s/datalab", base);
	} else {
		home = getenv("HOME");
		if (!home || !*home) {
			error_set(err, ERR_INVALID, "neither $%s nor $HOME is set", env[kind]);
			return NULL;
		}
		dir = xasprintf("%s/%s/datalab", home, fallback[kind]);
	}
	if (file_mkdirs(dir, 0700, err) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

char *xdg_path(enum xdg_kind kind, const char *name, struct error *err)
{
	char *dir = xdg_dir(kind, err), *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/%s", dir, name);
	free(dir);
	return path;
}
