/*
 * list.h: LIST and DELETE of collections.
 *
 * limit/continue paging with consistent pages (paging.h), resourceVersion
 * "" (latest), "0" (any: the whole list, limit ignored, as the watch
 * cache serves it), N with resourceVersionMatch NotOlderThan (latest, or
 * 504 when N is in the future) or Exact (a snapshot at N, 410 when too
 * old), label and field selectors (selector.h), and the three answer
 * forms: the list, a Table, a PartialObjectMetadataList.
 */
#ifndef DATALAB_SANDBOX_LIST_H
#define DATALAB_SANDBOX_LIST_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/api.h"
#include "datalab/sandbox/media.h"
#include "datalab/sandbox/selector.h"

/* list_handle: answers a GET on a collection (rq->kind, rq->ns). */
int list_handle(struct api_req *rq, enum media_form form);
/* list_delete_collection: DELETE on a collection: every matching object. */
int list_delete_collection(struct api_req *rq);

/* list_table: a meta.k8s.io/v1 Table of objs; listmeta (taken, may be
 * NULL) becomes its metadata; include is the includeObject parameter. */
cJSON *list_table(const struct kind *k, const struct store_obj *const *objs, size_t n,
		  const char *include, cJSON *listmeta);

/* list_selectors: labelSelector and fieldSelector of rq, parsed for k;
 * -1 with a 400 in st. */
int list_selectors(struct api_req *rq, const struct kind *k, struct selector **labels,
		   struct selector **fields, struct status *st);
/* list_match: obj passes both selectors (NULL passes). */
bool list_match(const struct selector *labels, const struct selector *fields, const cJSON *obj);

#endif
