/*
 * build.h: what the build stamped into the programs, and where their
 * shipped files are.
 *
 * Only build.c sees the stamp (the version from git describe, the data
 * folder PREFIX/share/datalab), so a new commit or another PREFIX
 * rebuilds one object, not the tree.
 */
#ifndef DATALAB_CORE_BUILD_H
#define DATALAB_CORE_BUILD_H

/* build_version: "1a2b3c4" or "1a2b3c4-dirty" (git describe), "0.1"
 * outside a checkout. */
const char *build_version(void);
/* build_shipped: the folder of shipped files named what ("catalogs",
 * "themes", "catalogs/charts"): beside the binary's folder in a checkout
 * (bin/../catalogs), in the share/datalab of the install the binary sits
 * in (so an install moved elsewhere still works), else in the data folder
 * of the build's PREFIX.  The first that exists, else the last;
 * xmalloc'd. */
char *build_shipped(const char *what);

#endif
