/*
 * gc.h: the garbage collector and the namespace lifecycle.
 *
 * What kube-controller-manager's garbage collector and namespace
 * controller do, on the loop, after the writes that call for it:
 * - an object whose every owner (ownerReferences[].uid) is gone is deleted
 *   (Background: its own dependents follow in the next pass);
 * - an owner being deleted with the foregroundDeletion finalizer has its
 *   dependents deleted, and loses the finalizer once none is left;
 * - an owner being deleted with the orphan finalizer has its uid removed
 *   from its dependents' ownerReferences, then loses the finalizer;
 * - a Namespace being deleted has every object in it deleted, then its
 *   "kubernetes" finalizer removed (which deletes it); a new Namespace
 *   gets its "default" ServiceAccount;
 * - a CustomResourceDefinition being deleted has its custom objects
 *   deleted, then loses customresourcecleanup.apiextensions.k8s.io.
 * Passes repeat (on a 0 ms loop timer) until nothing changes.
 */
#ifndef DATALAB_SANDBOX_GC_H
#define DATALAB_SANDBOX_GC_H

#include <stddef.h>

#include "datalab/sandbox/store.h"

struct gc;

/* gc_start: subscribes to s; passes run on store_loop(s) (or only
 * through gc_run when the store has no loop, as in unit tests). */
struct gc *gc_start(struct store *s);
void gc_stop(struct gc *g);
/* gc_run: one full pass now; returns how many writes it committed. */
size_t gc_run(struct gc *g);

#endif
