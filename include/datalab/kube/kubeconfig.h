/*
 * kubeconfig.h: where the API server is and how to prove who we are.
 *
 * kubeconfig_load reads --kubeconfig (that file alone), else every file of
 * $KUBECONFIG (':'-separated, missing ones skipped), else ~/.kube/config,
 * merging as kubectl does: the first file to name a cluster, user or
 * context supplies it whole, and the first non-empty current-context wins.
 * Relative paths resolve against the file that holds them.  With no file
 * at all it falls back to the in-cluster service account.  The chosen
 * context (--context overrides) is resolved into one flat struct.
 *
 * Credentials: token, tokenFile (reread at most every minute), client
 * certificate and key (files or base64 data), basic auth, and exec plugins
 * (client.authentication.k8s.io/v1), run asynchronously on the loop with
 * KUBERNETES_EXEC_INFO, their credential cached until expirationTimestamp
 * and dropped on a 401 (kubeconfig_invalidate).
 */
#ifndef DATALAB_KUBE_KUBECONFIG_H
#define DATALAB_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/net/http.h"

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct kubeconfig_opts {
	const char *kubeconfig;	/* --kubeconfig, or NULL */
	const char *context;	/* --context, or NULL */
	const char *namespace;	/* -n, or NULL */
	const char *sa_dir;	/* in-cluster folder; NULL = KUBECONFIG_SA_DIR */
};

struct kubeconfig_exec {
	char *api_version;
	char *command;
	char **argv;		/* command + args, NULL-terminated */
	char **env;		/* "K=V", NULL-terminated */
	char *install_hint;
	bool provide_cluster_info;
	char *interactive_mode;
};

struct kubeconfig {
	char *context;		/* name of the chosen context ("" in-cluster) */
	char *cluster;
	char *user;
	char *namespace;	/* -n, else the context's, else "default" */
	char *server;		/* "https://host:port", no trailing slash */
	char *sources;		/* the files read, for messages */
	bool in_cluster;

	/* TLS: pointers into the owned fields below */
	struct http_tls tls;
	char *ca_file, *cert_file, *key_file, *server_name;
	struct buf ca_data, cert_data, key_data;

	char *token;
	char *token_file;
	char *username, *password;
	struct kubeconfig_exec *exec;

	/* private: credential caches */
	char *file_token;
	uint64_t file_token_read_ms;
	char *exec_token;
	struct buf exec_cert, exec_key;
	time_t exec_expiry;	/* 0 = no expiry given */
	bool exec_valid;
	struct proc *exec_proc;
	struct buf exec_out, exec_err;
	void (*exec_done)(struct kubeconfig *kc, const struct error *err, void *arg);
	void *exec_arg;
};

/* kubeconfig_load: NULL with err saying what is missing and where it looked. */
struct kubeconfig *kubeconfig_load(const struct kubeconfig_opts *opts, struct error *err);
void kubeconfig_free(struct kubeconfig *kc);

/* kubeconfig_exec_needed: an exec plugin must run before the next request
 * (nothing cached, the credential expired, or it was invalidated). */
bool kubeconfig_exec_needed(const struct kubeconfig *kc);
/* kubeconfig_exec_run: starts the plugin; fn runs once when its credential
 * is cached or it failed.  One run at a time: -1 if one is running. */
int kubeconfig_exec_run(struct kubeconfig *kc, struct loop *l,
			void (*fn)(struct kubeconfig *kc, const struct error *err, void *arg), void *arg,
			struct error *err);
bool kubeconfig_exec_running(const struct kubeconfig *kc);
/* kubeconfig_invalidate: after a 401, drop cached exec and file tokens. */
void kubeconfig_invalidate(struct kubeconfig *kc);

/* kubeconfig_apply: sets TLS and the Authorization header on r. */
int kubeconfig_apply(struct kubeconfig *kc, struct http_request *r, struct error *err);
/* kubeconfig_auth_header: the Authorization header line ("Authorization:
 * Bearer ...") into out, or nothing when anonymous. */
int kubeconfig_auth_header(struct kubeconfig *kc, struct buf *out, struct error *err);
/* kubeconfig_tls: the TLS settings with the exec plugin's cert if any. */
void kubeconfig_tls(const struct kubeconfig *kc, struct http_tls *tls);

#endif
