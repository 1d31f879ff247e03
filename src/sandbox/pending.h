/*
 * pending.h: weak references to the sbpure contracts (selector.h,
 * proto.h, patch.h) until their implementations are merged.
 *
 * A weak undefined symbol resolves to NULL when nothing defines it, so
 * the sandbox builds and answers "not supported yet" where they are
 * missing.  Remove this file (and its includes) once sbpure is merged:
 * weak references do not pull archive members in, so the real code would
 * not be linked while it stays.
 */
#ifndef DATALAB_SANDBOX_PENDING_H
#define DATALAB_SANDBOX_PENDING_H

#include "datalab/sandbox/patch.h"
#include "datalab/sandbox/proto.h"
#include "datalab/sandbox/selector.h"

#pragma weak selector_parse_labels
#pragma weak selector_parse_fields
#pragma weak selector_match
#pragma weak selector_empty
#pragma weak selector_free
#pragma weak proto_decode
#pragma weak proto_is_envelope
#pragma weak patch_json
#pragma weak patch_merge
#pragma weak patch_strategic
#pragma weak patch_apply
#pragma weak patch_record_update

#endif
