/*
 * columns.h: kubectl's table columns for pods, nodes and events, computed
 * from API objects, and a printer that aligns them as kubectl does.
 *
 * The cell rules follow kubectl's printers (k/k pkg/printers/internalversion/
 * printers.go: printPod, printNode, printEvent): a pod's STATUS is the
 * first failing init container, else the last container's waiting or
 * terminated reason, else the phase; RESTARTS adds "(5m ago)"; a node's
 * STATUS is its Ready condition plus SchedulingDisabled; an event's LAST
 * SEEN falls back to eventTime and series.  Nodes get two more columns,
 * GPUS (requested/allocatable nvidia.com/gpu) and GPU-MODEL.
 *
 * Cells hold remote text as received; columns_print sanitizes each one
 * (core/utf8) and caps its width, so hostile names cannot move the cursor
 * or push the table off the screen.
 */
#ifndef DATALAB_KUBE_COLUMNS_H
#define DATALAB_KUBE_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"

#define COLUMNS_MAX 16
#define COLUMNS_CELL_MAX 80	/* columns a cell may take before it is cut with "…" */

struct columns_row {
	int n;
	char *cell[COLUMNS_MAX];
};

/* columns_add: appends a cell (copied; NULL prints as "<none>"). */
void columns_add(struct columns_row *r, const char *s);
void columns_addf(struct columns_row *r, const char *fmt, ...) DL_PRINTF(2, 3);
void columns_row_clear(struct columns_row *r);

/* The headers, NULL-terminated. */
extern const char *const columns_pod_header[];
extern const char *const columns_pod_wide_header[];
extern const char *const columns_node_header[];
extern const char *const columns_node_wide_header[];
extern const char *const columns_event_header[];
extern const char *const columns_event_wide_header[];

/* columns_pod: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE
 * READINESS GATES when wide); now is unix seconds. */
void columns_pod(struct columns_row *r, const cJSON *pod, int64_t now, bool wide);
/* columns_pod_status: the STATUS cell alone into dst. */
void columns_pod_status(const cJSON *pod, char *dst, size_t size);

/* columns_gpu_request: nvidia.com/gpu a pod asks for (requests, else
 * limits, summed over containers; the largest init container if more). */
int64_t columns_gpu_request(const cJSON *pod);
/* columns_node: NAME STATUS ROLES AGE VERSION GPUS GPU-MODEL (+ INTERNAL-IP
 * EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME when wide).
 * gpu_requested < 0 prints "?" (pods could not be listed). */
void columns_node(struct columns_row *r, const cJSON *node, int64_t gpu_requested, int64_t now, bool wide);

/* columns_event: LAST SEEN TYPE REASON OBJECT MESSAGE (+ SUBOBJECT SOURCE
 * FIRST SEEN COUNT NAME when wide). */
void columns_event(struct columns_row *r, const cJSON *ev, int64_t now, bool wide);
/* columns_event_time: when an event was last seen (unix s, 0 unknown). */
int64_t columns_event_time(const cJSON *ev);

/* columns_print: header then rows, each cell sanitized, capped at
 * COLUMNS_CELL_MAX columns, padded to its column's width + 3 (the last
 * cell unpadded), lines ending in '\n'. */
void columns_print(struct buf *out, const char *const *header, const struct columns_row *rows, size_t n);
/* columns_measure: the width of each column over header and rows (as
 * columns_print pads them), into w[COLUMNS_MAX]; returns the columns. */
size_t columns_measure(const char *const *header, const struct columns_row *rows, size_t n, size_t *w);
/* columns_print_row: one row padded to widths w (kubectl get -w prints
 * later rows against the first table's widths; a wider cell pushes on). */
void columns_print_row(struct buf *out, const struct columns_row *row, const size_t *w, size_t ncols);

#endif
