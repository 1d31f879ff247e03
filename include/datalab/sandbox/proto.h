/*
 * proto.h: Kubernetes protobuf request bodies to JSON objects.
 *
 * kubectl's and helm's typed clients send application/vnd.kubernetes.protobuf:
 * the magic "k8s\0" then a runtime.Unknown envelope {typeMeta, raw, ...}.
 * One generic wire-format decoder walks a table of message descriptors (field
 * number, JSON name, type) taken from the official .proto files, so a new kind
 * is new table rows, not new code.  Zero values that gogo-protobuf writes
 * (empty namespace, uid, generation 0, empty timestamps) are dropped.
 */
#ifndef DATALAB_SANDBOX_PROTO_H
#define DATALAB_SANDBOX_PROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

/* proto_decode: the object as JSON, with "apiVersion" and "kind" set from
 * the envelope's typeMeta.  ERR_UNSUPPORTED for a kind without a
 * descriptor, ERR_PARSE for malformed bytes. */
cJSON *proto_decode(const void *p, size_t n, struct error *err);

/* proto_is_envelope: the body starts with the "k8s\0" magic. */
int proto_is_envelope(const void *p, size_t n);

#endif
