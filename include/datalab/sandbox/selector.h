/*
 * selector.h: label and field selectors, as the apiserver parses them.
 *
 * Labels: k=v, k==v, k!=v, k in (a,b), k notin (a,b), k, !k; a comma means
 * AND.  Fields: =, ==, != on the fields each kind supports (metadata.name
 * and metadata.namespace always; pods: spec.nodeName, status.phase, ...;
 * events: involvedObject.*, reason, type, source; secrets: type; nodes:
 * spec.unschedulable), others → "field label not supported: X"; a kind
 * without its own table (Deployment, ConfigMap, ...) knows only metadata.name
 * and metadata.namespace and answers as runtime's DefaultMetaV1 conversion.
 * Errors are ERR_INVALID with the apiserver's sentence (a 400 BadRequest).
 * The strings are already URL-decoded.
 */
#ifndef DATALAB_SANDBOX_SELECTOR_H
#define DATALAB_SANDBOX_SELECTOR_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

struct selector;

/* selector_parse_labels: NULL or "" gives a selector matching everything. */
struct selector *selector_parse_labels(const char *s, struct error *err);
/* selector_parse_fields: kind (e.g. "Pod") decides which fields exist. */
struct selector *selector_parse_fields(const char *s, const char *kind, struct error *err);
/* selector_match: a label selector tests obj's metadata.labels, a field
 * selector the kind's field set (an absent field is ""); NULL matches all. */
bool selector_match(const struct selector *sel, const cJSON *obj);
/* selector_match_labels: a label selector against a labels object (NULL =
 * no labels), e.g. a pod template's; a field selector never matches. */
bool selector_match_labels(const struct selector *sel, const cJSON *labels);
/* selector_from_json: a metav1.LabelSelector {matchLabels, matchExpressions}
 * (NULL or null gives an empty selector, which matches everything). */
struct selector *selector_from_json(const cJSON *ls, struct error *err);
bool selector_empty(const struct selector *sel);
void selector_free(struct selector *sel);

#endif
