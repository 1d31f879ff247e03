/*
 * classroom.h: one sandbox for a class (datalab-sandbox --class SPEC).
 *
 * SPEC is a count ("30": student01 ... student30, three digits past 99)
 * or names ("ada,bob"; each a DNS label of at most 58 characters, so
 * "user-" + name is one).  For each student, as for the sandbox's own
 * user (bootstrap_seed): the namespace user-NAME labelled
 * onyxia.sh/user=NAME with the ResourceQuota onyxia-quota, the S3 bucket
 * user-NAME (unless S3 is off), and, in DIR/class/NAME/, a kubeconfig
 * whose context's namespace is user-NAME: a student's datalab takes its
 * project, its idep (NAME) and its bucket from it.  DIR/class/students
 * lists the names, one a line.  Existing namespaces, quotas and buckets
 * are left as they are (a restart keeps the class's work); kubeconfigs
 * are rewritten at each start, as DIR/kubeconfig is.
 *
 * Every kubeconfig carries the sandbox's one token: the sandbox has no
 * RBAC, so namespaces and quotas keep the students' services apart, not
 * the students themselves.
 */
#ifndef DATALAB_SANDBOX_CLASSROOM_H
#define DATALAB_SANDBOX_CLASSROOM_H

#include <stdbool.h>

#include "datalab/core/error.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/store.h"

#define CLASSROOM_MAX 999

/* classroom_names: the students of SPEC, a NULL-terminated list (free
 * with str_free_list), or NULL with err set. */
char **classroom_names(const char *spec, struct error *err);

/* classroom_setup: namespaces, quotas, buckets (when s3) and kubeconfigs
 * of names, for the API at server (its TLS CA read from DIR/tls when
 * server is https).  Call before the S3 service starts. */
int classroom_setup(struct store *s, const char *dir, const char *server, char *const *names, bool s3,
		    struct error *err);
/* classroom_admit: each student's token (DIR/class/NAME/token, made by
 * classroom_setup) opens the API to that student, kept to user-NAME. */
int classroom_admit(struct api *api, const char *dir, char *const *names, struct error *err);

#endif
