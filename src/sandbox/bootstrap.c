/*
 * bootstrap.c: token, TLS material, kubeconfig and seed objects
 * (see bootstrap.h).
 *
 * Certificates are made with OpenSSL 3's EVP and X509 APIs: a self-signed
 * CA (basicConstraints CA:TRUE, keyCertSign) valid ten years and a server
 * certificate it signs (serverAuth, subjectAltName), valid one year past
 * each start; an expired or unreadable server certificate is made again
 * from the same CA, so clients' kubeconfigs stay valid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/bootstrap.h"

/* ---- token ---- */

char *bootstrap_token(const char *dir, struct error *err)
{
	char *path = file_join(dir, "token"), tok[49];
	struct buf b;

	buf_init(&b, 4096);
	if (file_exists(path) && file_read(path, &b, NULL) == 0) {
		str_trim(b.data);
		if (strlen(b.data) >= 16) {
			free(path);
			return buf_take(&b, NULL);
		}
	}
	buf_release(&b);
	str_random_alnum(tok, 48);
	if (file_write_atomic(path, tok, strlen(tok), 0600, err) < 0) {
		free(path);
		return NULL;
	}
	free(path);
	return xstrdup(tok);
}

/* ---- TLS ---- */

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static char *pem_of_key(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &data);
	out = xmemdup(data, (size_t)n);
	BIO_free(bio);
	return out;
}

static char *pem_of_cert(X509 *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	PEM_write_bio_X509(bio, c);
	n = BIO_get_mem_data(bio, &data);
	out = xmemdup(data, (size_t)n);
	BIO_free(bio);
	return out;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext) {
		X509_add_ext(cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long days,
		       bool ca, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn;

	X509_set_version(c, 2);
	str_random_alnum((char *)serial, 15);
	bn = BN_bin2bn(serial, 15, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), days * 86400L);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"datalab-sandbox", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (ca) {
		add_ext(c, issuer ? issuer : c, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(c, issuer ? issuer : c, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
		add_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash");
	} else {
		add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(c, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
		add_ext(c, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(c, issuer, NID_subject_alt_name, san);
		add_ext(c, issuer, NID_authority_key_identifier, "keyid:always");
	}
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *c;

	if (!f)
		return NULL;
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return c;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static int write_pem(const char *dir, const char *name, const char *pem, mode_t mode, struct error *err)
{
	char *path = file_join(dir, name);
	int rc = file_write_atomic(path, pem, strlen(pem), mode, err);

	free(path);
	return rc;
}

static char *read_text(const char *dir, const char *name)
{
	char *path = file_join(dir, name);
	struct buf b;

	buf_init(&b, 1024 * 1024);
	if (file_read(path, &b, NULL) < 0) {
		buf_release(&b);
		free(path);
		return NULL;
	}
	free(path);
	return buf_take(&b, NULL);
}

/* server_ok: the certificate is valid for at least a day and names bind. */
static bool server_ok(X509 *c, const char *san)
{
	char *have = NULL;
	BIO *bio;
	int idx = c ? X509_get_ext_by_NID(c, NID_subject_alt_name, -1) : -1;
	bool ok;
	long n;
	char *data;

	if (!c || idx < 0 || X509_cmp_time(X509_get0_notAfter(c), NULL) <= 0)
		return false;
	if (X509_cmp_timeframe(NULL, X509_get0_notBefore(c), X509_get0_notAfter(c)) != 0)
		return false;
	bio = BIO_new(BIO_s_mem());
	X509V3_EXT_print(bio, X509_get_ext(c, idx), 0, 0);
	n = BIO_get_mem_data(bio, &data);
	have = xmemdup(data, (size_t)n);
	BIO_free(bio);
	/* every name asked for must be present */
	{
		char **names = str_split(san, ',', NULL);
		size_t i;

		ok = true;
		for (i = 0; names[i]; i++) {
			const char *v = strchr(names[i], ':');

			if (v && !strstr(have, v + 1))
				ok = false;
		}
		str_free_list(names);
	}
	free(have);
	return ok;
}

int bootstrap_tls(const char *dir, const char *bind, char **cert_pem, char **key_pem, char **ca_pem,
		  struct error *err)
{
	char *tls = file_join(dir, "tls"), *p;
	X509 *ca = NULL, *srv = NULL;
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	char *san;
	int rc = -1;

	*cert_pem = *key_pem = *ca_pem = NULL;
	if (bind && strcmp(bind, "127.0.0.1") != 0 && strcmp(bind, "0.0.0.0") != 0)
		san = xasprintf("IP:127.0.0.1,IP:::1,DNS:localhost,IP:%s", bind);
	else
		san = xstrdup("IP:127.0.0.1,IP:::1,DNS:localhost");
	if (file_mkdirs(tls, 0700, err) < 0)
		goto out;
	p = file_join(tls, "ca.crt");
	ca = read_cert(p);
	free(p);
	p = file_join(tls, "ca.key");
	ca_key = read_key(p);
	free(p);
	if (!ca || !ca_key) {
		X509_free(ca);
		EVP_PKEY_free(ca_key);
		ca_key = new_key();
		ca = ca_key ? make_cert(ca_key, "datalab-sandbox-ca", NULL, NULL, 3650, true, NULL) : NULL;
		if (!ca) {
			error_set(err, ERR_SYS, "unable to make the sandbox's CA certificate");
			goto out;
		}
		*key_pem = pem_of_key(ca_key);
		*cert_pem = pem_of_cert(ca);
		if (write_pem(tls, "ca.key", *key_pem, 0600, err) < 0 ||
		    write_pem(tls, "ca.crt", *cert_pem, 0644, err) < 0)
			goto out;
		free(*key_pem);
		free(*cert_pem);
		*key_pem = *cert_pem = NULL;
		p = file_join(tls, "server.crt");
		unlink(p);	/* a new CA: the old server certificate is worthless */
		free(p);
	}
	p = file_join(tls, "server.crt");
	srv = read_cert(p);
	free(p);
	p = file_join(tls, "server.key");
	srv_key = read_key(p);
	free(p);
	if (!srv || !srv_key || !server_ok(srv, san) || X509_verify(srv, ca_key) != 1) {
		X509_free(srv);
		EVP_PKEY_free(srv_key);
		srv_key = new_key();
		srv = srv_key ? make_cert(srv_key, "datalab-sandbox", ca, ca_key, 365, false, san) : NULL;
		if (!srv) {
			error_set(err, ERR_SYS, "unable to make the sandbox's server certificate");
			goto out;
		}
		*key_pem = pem_of_key(srv_key);
		*cert_pem = pem_of_cert(srv);
		if (write_pem(tls, "server.key", *key_pem, 0600, err) < 0 ||
		    write_pem(tls, "server.crt", *cert_pem, 0644, err) < 0)
			goto out;
	} else {
		*key_pem = read_text(tls, "server.key");
		*cert_pem = read_text(tls, "server.crt");
	}
	*ca_pem = read_text(tls, "ca.crt");
	rc = *key_pem && *cert_pem && *ca_pem ? 0 : error_set(err, ERR_IO, "unable to read '%s'", tls);
out:
	if (rc < 0) {
		free(*cert_pem);
		free(*key_pem);
		free(*ca_pem);
		*cert_pem = *key_pem = *ca_pem = NULL;
	}
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	free(san);
	free(tls);
	return rc;
}

/* ---- files rewritten at each start ---- */

int bootstrap_replace_file(const char *path, const void *data, size_t n, mode_t mode, struct error *err)
{
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = data;
	ssize_t w;

	if (fd < 0) {
		error_sys(err, "unable to create '%s'", tmp);
		free(tmp);
		return -1;
	}
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error_sys(err, "unable to write '%s'", tmp);
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		error_sys(err, "unable to rename '%s'", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---- kubeconfig ---- */

int bootstrap_kubeconfig(const char *dir, const char *server, const char *token, const char *ca_pem,
			 const char *user, struct error *err)
{
	char *path = file_join(dir, "kubeconfig");
	struct buf b, ca;
	int rc;

	buf_init(&b, 0);
	buf_init(&ca, 0);
	buf_adds(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: datalab-sandbox\n  cluster:\n");
	buf_addf(&b, "    server: %s\n", server);
	if (ca_pem) {
		str_base64_encode(&ca, ca_pem, strlen(ca_pem));
		buf_addf(&b, "    certificate-authority-data: %s\n", ca.data);
	}
	buf_adds(&b, "contexts:\n- name: datalab-sandbox\n  context:\n    cluster: datalab-sandbox\n");
	buf_addf(&b, "    user: %s\n    namespace: user-%s\n", user, user);
	buf_adds(&b, "current-context: datalab-sandbox\nusers:\n");
	buf_addf(&b, "- name: %s\n  user:\n    token: %s\npreferences: {}\n", user, token);
	rc = bootstrap_replace_file(path, b.data, b.len, 0600, err);
	buf_release(&b);
	buf_release(&ca);
	free(path);
	return rc;
}

/* ---- seed objects ---- */

static int ensure(struct store *s, const char *group, const char *resource, const char *ns,
		  const char *json, struct error *err)
{
	const struct kind *k = kinds_find_storage(store_kinds(s), group, resource);
	cJSON *obj = cJSON_Parse(json);
	struct store_write w = { .manager = "datalab-sandbox" };
	struct status st;

	if (!k || !obj) {
		cJSON_Delete(obj);
		return error_set(err, ERR_INVALID, "bad seed object for '%s'", resource);
	}
	if (store_get(s, k, ns, json_str(obj, "metadata.name", ""))) {
		cJSON_Delete(obj);
		return 0;
	}
	status_init(&st);
	if (store_create(s, k, ns, obj, &w, NULL, &st) < 0) {
		error_set(err, ERR_IO, "unable to seed %s: %s", resource, st.message ? st.message : "");
		status_release(&st);
		return -1;
	}
	return 0;
}

int bootstrap_seed(struct store *s, const char *user, struct error *err)
{
	static const char *const base[] = { "default", "kube-system", "kube-public", "kube-node-lease",
					    "projet-demo" };
	char *json, *uns = xasprintf("user-%s", user);
	size_t i;
	int rc = 0;

	for (i = 0; i < DL_ARRAY_LEN(base) && rc == 0; i++) {
		json = xasprintf("{\"metadata\":{\"name\":\"%s\"}}", base[i]);
		rc = ensure(s, "", "namespaces", NULL, json, err);
		free(json);
	}
	if (rc == 0) {
		json = xasprintf("{\"metadata\":{\"name\":\"%s\",\"labels\":{\"onyxia.sh/user\":\"%s\"}}}",
				 uns, user);
		rc = ensure(s, "", "namespaces", NULL, json, err);
		free(json);
	}
	if (rc == 0)
		rc = ensure(s, "", "resourcequotas", uns,
			    "{\"metadata\":{\"name\":\"onyxia-quota\"},\"spec\":{\"hard\":{"
			    "\"count/pods\":\"50\",\"limits.cpu\":\"10\",\"limits.memory\":\"10Gi\","
			    "\"limits.nvidia.com/gpu\":\"2\",\"requests.cpu\":\"10\","
			    "\"requests.memory\":\"10Gi\",\"requests.nvidia.com/gpu\":\"2\","
			    "\"requests.storage\":\"100Gi\"}}}", err);
	if (rc == 0)
		rc = ensure(s, "storage.k8s.io", "storageclasses", NULL,
			    "{\"metadata\":{\"name\":\"standard\",\"annotations\":{"
			    "\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
			    "\"provisioner\":\"datalab.sandbox/local\",\"reclaimPolicy\":\"Delete\","
			    "\"volumeBindingMode\":\"Immediate\",\"allowVolumeExpansion\":true}", err);
	free(uns);
	return rc;
}
