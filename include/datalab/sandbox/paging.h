/*
 * paging.h: list continue tokens, opaque to clients.
 *
 * A token carries the resourceVersion of the list's first page and the
 * key (namespace, name) of the last item sent, as the apiserver's does
 * (base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"ns/name\u0000"}).  The
 * next page is read from the snapshot at rv (store_snapshot), so pages
 * are consistent; when the ring no longer reaches rv the token has
 * expired (410).
 */
#ifndef DATALAB_SANDBOX_PAGING_H
#define DATALAB_SANDBOX_PAGING_H

#include <stdint.h>

#include "datalab/sandbox/status.h"

struct paging_token {
	uint64_t rv;
	char *ns;		/* key of the last item sent */
	char *name;
};

/* paging_encode: a fresh token string (caller frees). */
char *paging_encode(uint64_t rv, const char *ns, const char *name);
/* paging_decode: fills t (free with paging_release); -1 with a 400 in st
 * for a malformed token. */
int paging_decode(const char *token, struct paging_token *t, struct status *st);
void paging_release(struct paging_token *t);

#endif
