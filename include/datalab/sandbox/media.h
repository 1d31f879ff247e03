/*
 * media.h: what a request's Accept asks for and what its Content-Type is.
 *
 * kubectl get sends "application/json;as=Table;v=v1;g=meta.k8s.io,
 * application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
 * metadata informers ask for as=PartialObjectMetadata(List); typed
 * clients accept protobuf or JSON.  Replies are always JSON, so only the
 * "as" form matters, and an Accept naming nothing JSON can satisfy is a
 * 406.  Request bodies: JSON, YAML, protobuf, and the four patch types.
 */
#ifndef DATALAB_SANDBOX_MEDIA_H
#define DATALAB_SANDBOX_MEDIA_H

#include <stdbool.h>

enum media_form {
	MEDIA_OBJECT,		/* the object or list itself */
	MEDIA_TABLE,		/* meta.k8s.io Table */
	MEDIA_PARTIAL,		/* meta.k8s.io PartialObjectMetadata(List) */
	MEDIA_NONE,		/* nothing acceptable: 406 */
};

/* media_accept: the first form of accept (NULL or "" = any) the server can
 * produce; a Table or PartialObjectMetadata entry with a version other
 * than v1/v1beta1 is skipped. */
enum media_form media_accept(const char *accept);

enum media_body {
	MEDIA_BODY_JSON,
	MEDIA_BODY_YAML,
	MEDIA_BODY_PROTOBUF,
	MEDIA_BODY_JSON_PATCH,
	MEDIA_BODY_MERGE_PATCH,
	MEDIA_BODY_STRATEGIC_PATCH,
	MEDIA_BODY_APPLY_PATCH,
	MEDIA_BODY_UNKNOWN,
};

/* media_body_type: a Content-Type (parameters ignored; NULL = JSON). */
enum media_body media_body_type(const char *ctype);

#endif
