/*
 * validate.h: the apiserver's generic object checks, with its messages.
 *
 * Names (DNS-1123 subdomain or label, DNS-1035 label, path segment: which
 * one depends on the kind, as in k8s.io/apimachinery's validation), labels,
 * annotations, finalizers and owner references.  Each check adds causes to
 * st ({reason, field, message}); the caller turns them into one 422 with
 * status_invalid.  Offending values are quoted like Go's %q, so escape
 * sequences in a label come back as text, never as control bytes.
 */
#ifndef DATALAB_SANDBOX_VALIDATE_H
#define DATALAB_SANDBOX_VALIDATE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/status.h"

/* validate_dns_subdomain / validate_dns_label / validate_dns1035: true when
 * s is one (lower case, lengths 253 / 63 / 63). */
bool validate_dns_subdomain(const char *s);
bool validate_dns_label(const char *s);
bool validate_dns1035(const char *s);

/* validate_name: the name rule of kind k; adds a cause at field (e.g.
 * "metadata.name").  Returns true when valid. */
bool validate_name(const struct kind *k, const char *name, const char *field, struct status *st);
/* validate_meta: labels, annotations, generateName, finalizers,
 * ownerReferences of an object's metadata.  Returns true when valid. */
bool validate_meta(const struct kind *k, const cJSON *meta, struct status *st);
/* validate_label_selector_value: a label value's rule (for selectors). */
bool validate_label_value(const char *v);
/* validate_qualified_name: a label or annotation key's rule. */
bool validate_qualified_name(const char *key, char *why, size_t whylen);

/*
 * validate_fields: the fields of obj that the kind's schema does not know
 * ("unknown field \"spec.replica\"") and keys given twice ("duplicate
 * field \"metadata.name\""), as the apiserver's strict decoding words
 * them, appended to out (one message per entry, in order).  Built-ins use
 * the type table (schema.h); custom resources their CRD's openAPIV3Schema
 * (x-kubernetes-preserve-unknown-fields honoured); kinds without either
 * are not checked.  Returns how many were found.
 */
size_t validate_fields(const struct kind *k, const cJSON *obj, cJSON *out);

#endif
