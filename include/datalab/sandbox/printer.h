/*
 * printer.h: meta.k8s.io/v1 Table rows, the columns kubectl get prints.
 *
 * One column set per built-in kind, after k8s.io/kubernetes
 * pkg/printers/internalversion/printers.go (pods: NAME READY STATUS
 * RESTARTS AGE, with IP NODE NOMINATED NODE READINESS GATES at priority
 * 1 for -o wide; deployments, services, nodes, events, ...); a CRD's
 * additionalPrinterColumns (simple JSONPath: .a.b, .a[0].b, .a['x.y']);
 * anything else NAME AGE.
 */
#ifndef DATALAB_SANDBOX_PRINTER_H
#define DATALAB_SANDBOX_PRINTER_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/kinds.h"

/* printer_columns: the columnDefinitions array for k (caller frees). */
cJSON *printer_columns(const struct kind *k);

/* printer_row: {"cells":[...],"object":...} for obj; include is the
 * includeObject parameter: "None", "Object", else (NULL, "Metadata") a
 * PartialObjectMetadata.  now is the wall clock in seconds (AGE). */
cJSON *printer_row(const struct kind *k, const cJSON *obj, const char *include, int64_t now);

/* printer_partial: obj's metadata as a meta.k8s.io/v1 PartialObjectMetadata. */
cJSON *printer_partial(const cJSON *obj);

/* printer_jsonpath: the value at a CRD column's simple JSONPath, or NULL. */
const cJSON *printer_jsonpath(const cJSON *obj, const char *path);

#endif
