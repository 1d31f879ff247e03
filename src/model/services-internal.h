/*
 * services-internal.h: model/services' tables, shared by services.c (the
 * inputs: Secrets, pods, events, workloads, ingresses, usage) and
 * services_join.c (the rows built from them, their status, the names a
 * person reads).  Not for other modules: they use model/services.h.
 */
#ifndef DATALAB_MODEL_SERVICES_INTERNAL_H
#define DATALAB_MODEL_SERVICES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/helm/release.h"
#include "datalab/model/services.h"

struct revision {
	char *secret;		/* the Secret's name: sh.helm.release.v1.NAME.vN */
	char *ns, *name;
	long revision;
	char *status;
	struct release rel;
};

struct pod_entry {
	char *ns, *instance;
	struct service_pod pod;
	int64_t cpu_m, mem;	/* usage, -1 unknown */
	int gpu_util;		/* percent, -1 unknown */
};

struct warning {
	char *ns, *pod;		/* the pod (or workload) the event is about */
	bool workload;		/* a workload's FailedCreate: it could not make its pods */
	char *uid;		/* the Event's uid, for deletes */
	char *reason, *message;
	int64_t when;
};

struct onyxia_entry {
	char *ns, *release;
	char *friendly, *catalog;
};

struct wl_entry {
	char *ns, *instance;
	struct service_workload wl;
};

struct ing_entry {
	char *ns, *name, *instance;
	char **urls;
	size_t nurls;
};

struct services {
	struct revision *revs;
	size_t nrevs, revs_cap;
	struct pod_entry *pods;
	size_t npods, pods_cap;
	struct ing_entry *ings;
	size_t nings, ings_cap;
	struct warning *warns;
	size_t nwarns;
	struct onyxia_entry *onyx;
	size_t nonyx;
	struct wl_entry *wls;
	size_t nwls;
	struct service *rows;
	size_t nrows;
	bool dirty;
	uint64_t generation;
};

/* services_rebuild: the rows again from the tables, when they changed. */
void services_rebuild(struct services *s);
/* services_row_clear / services_pod_clear / services_workload_clear:
 * free what one holds (not the struct itself). */
void services_row_clear(struct service *r);
void services_pod_clear(struct service_pod *p);
void services_workload_clear(struct service_workload *w);
/* services_release_clear: frees what a row takes from its helm release
 * (chart, versions, status, notes, values), before the next revision */
void services_release_clear(struct service *r);

#endif
