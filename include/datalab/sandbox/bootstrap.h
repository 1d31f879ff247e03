/*
 * bootstrap.h: what a fresh sandbox folder needs before clients come.
 *
 * Files in DIR (each written atomically, kept across restarts):
 *   token            the bearer token (random, 0600)
 *   tls/ca.crt       with --tls: a CA made at first start (EC P-256,
 *   tls/ca.key       libcrypto), and the server's certificate for
 *   tls/server.crt   127.0.0.1, ::1 and localhost (and the bind address)
 *   tls/server.key
 *   kubeconfig       cluster and context "datalab-sandbox", the server URL,
 *                    the CA (certificate-authority-data) with TLS, the
 *                    token, namespace user-<user>; rewritten at each start
 *                    (the port may change)
 * and in the store: namespaces default, kube-system, kube-public,
 * user-<user>, projet-demo; a ResourceQuota "onyxia-quota" in user-<user>;
 * a default StorageClass "standard".  Seeding only creates what is
 * missing, so a restart keeps what users changed.
 */
#ifndef DATALAB_SANDBOX_BOOTSTRAP_H
#define DATALAB_SANDBOX_BOOTSTRAP_H

#include <stddef.h>
#include <sys/types.h>

#include "datalab/core/error.h"
#include "datalab/sandbox/store.h"

/* bootstrap_token: the token of DIR/token, made if missing (caller frees). */
char *bootstrap_token(const char *dir, struct error *err);

/* bootstrap_tls: the PEMs of the server's certificate, key and CA,
 * generated under DIR/tls at first use (caller frees all three).
 * bind is added to the certificate's names when it is not loopback. */
int bootstrap_tls(const char *dir, const char *bind, char **cert_pem, char **key_pem, char **ca_pem,
		  struct error *err);

/* bootstrap_kubeconfig: writes DIR/kubeconfig (ca_pem NULL without TLS). */
int bootstrap_kubeconfig(const char *dir, const char *server, const char *token, const char *ca_pem,
			 const char *user, struct error *err);

/* bootstrap_replace_file: path becomes data at once for readers (a temp
 * file renamed over it) without fsync: for files rewritten at every start
 * (kubeconfig, ready), whose durability does not matter and whose fsyncs
 * would dominate the start time on a busy disk. */
int bootstrap_replace_file(const char *path, const void *data, size_t n, mode_t mode, struct error *err);

/* bootstrap_seed: the namespaces, quota and storage class above. */
int bootstrap_seed(struct store *s, const char *user, struct error *err);

#endif
