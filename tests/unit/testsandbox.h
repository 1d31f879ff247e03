/*
 * testsandbox.h: the sandbox in process for a unit test: a store in a
 * fresh temporary folder, seeded as the sandbox seeds it (user alice),
 * its API server on loopback and, when asked, the simulation, all on one
 * loop the test drives.  One per test file (its state is file-static).
 */
#ifndef DATALAB_TESTSANDBOX_H
#define DATALAB_TESTSANDBOX_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/loop.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/bootstrap.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/sim.h"
#include "datalab/sandbox/store.h"
#include "testutil.h"

static char tmp[64];
static struct loop *loop;
static struct kinds *ks;
static struct store *st;
static struct api *api;
static struct sim *sim __attribute__((unused));

/* testsandbox_start: the store, the API with cfg, and the simulation
 * when with_sim; name tells the temporary folders apart */
static inline void testsandbox_start(const char *name, const struct api_config *cfg, bool with_sim)
{
	struct store_opts so = { .no_fsync = true };
	struct error err;

	str_copy(tmp, "/tmp/dl-", sizeof(tmp));
	str_copy(tmp + 8, name, sizeof(tmp) - 16);
	str_copy(tmp + strlen(tmp), "-XXXXXX", sizeof(tmp) - strlen(tmp));
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	loop = loop_new();
	ks = kinds_new();
	st = store_open(tmp, ks, loop, &so, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	ck_assert_int_eq(bootstrap_seed(st, "alice", &err), 0);
	api = api_start(loop, st, ks, cfg, &err);
	ck_assert_msg(api != NULL, "%s", err.msg);
	sim = NULL;
	if (with_sim) {
		sim = sim_start(api, tmp, &err);
		ck_assert_msg(sim != NULL, "%s", err.msg);
	}
}

/* kind: the storage kind of group/resource, which must exist */
static inline const struct kind *kind(const char *group, const char *resource)
{
	const struct kind *k = kinds_find_storage(ks, group, resource);

	ck_assert_ptr_nonnull(k);
	return k;
}

/* testsandbox_stop: all of it, the folder removed */
static inline void testsandbox_stop(void)
{
	if (sim)
		sim_stop(sim);
	api_stop(api);
	store_close(st);
	kinds_free(ks);
	loop_free(loop);
	file_remove_tree(tmp, NULL);
}

#endif
