/*
 * testrelease.h: helm's storage Secret for a release, made from the real
 * helm's Release JSON (`helm install --dry-run=client` of a chart under
 * ../shared/testdata/charts, which needs no cluster) and encoded as the
 * API shows it: base64 of helm's base64 of gzip'd JSON (PROTOCOLS 6).
 * Header-only, for the helm, model and live suites.
 */
#ifndef DATALAB_TESTRELEASE_H
#define DATALAB_TESTRELEASE_H

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "testutil.h"

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"

static DL_UNUSED void gzip_buf(const void *p, size_t n, struct buf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0, cap = n + 65536;
	char *mem = xmalloc(cap);

	archive_write_add_filter_gzip(a);
	archive_write_set_format_raw(a);
	ck_assert_int_eq(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "release");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)n);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, p, n), (la_ssize_t)n);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	buf_add(out, mem, used);
	free(mem);
}

/* release_helm_json: the real helm's Release JSON for `helm install NAME
 * CHART -n user-alice SETS --dry-run=client` (CHART under the shared
 * charts; no cluster needed) into json (initialised here); helm must
 * succeed. */
static DL_UNUSED void release_helm_json(const char *name, const char *chart, const char *sets, struct buf *json)
{
	const char *helm = getenv("DATALAB_HELM") ? getenv("DATALAB_HELM") : ".tools/bin/helm";
	char *cmd = xasprintf("KUBECONFIG=/dev/null HELM_CONFIG_HOME=/tmp HELM_CACHE_HOME=/tmp %s install %s "
			      TESTDATA "/charts/%s --dry-run=client -n user-alice -o json %s 2>/dev/null",
			      helm, name, chart, sets);

	buf_init(json, 0);
	ck_assert_msg(testutil_capture(cmd, json) == 0, "%s failed", cmd);
	free(cmd);
}

/*
 * release_secret: the Secret helm would store for `helm install NAME
 * CHART -n user-alice SETS` (revision rev, status), made from the real
 * helm's Release JSON and encoded as the API shows it (base64 twice).
 */
static DL_UNUSED cJSON *release_secret(const char *name, const char *chart, const char *sets, int rev, const char *status)
{
	struct buf json, gz, b1, b2;
	cJSON *rel, *sec, *labels, *data;
	char *secret_name, ver[16];

	release_helm_json(name, chart, sets, &json);
	/* as stored: the real status and revision */
	rel = json_parse(json.data, json.len, NULL);
	ck_assert_ptr_nonnull(rel);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(rel, "info"), "status", cJSON_CreateString(status));
	cJSON_ReplaceItemInObject(rel, "version", cJSON_CreateNumber(rev));
	buf_reset(&json);
	json_print(&json, rel, false);
	cJSON_Delete(rel);
	buf_init(&gz, 0);
	buf_init(&b1, 0);
	buf_init(&b2, 0);
	gzip_buf(json.data, json.len, &gz);
	str_base64_encode(&b1, gz.data, gz.len);
	str_base64_encode(&b2, b1.data, b1.len);

	sec = cJSON_CreateObject();
	cJSON_AddStringToObject(sec, "kind", "Secret");
	cJSON_AddStringToObject(sec, "type", "helm.sh/release.v1");
	secret_name = xasprintf("sh.helm.release.v1.%s.v%d", name, rev);
	json_set_path(sec, "metadata.name", cJSON_CreateString(secret_name));
	json_set_path(sec, "metadata.namespace", cJSON_CreateString("user-alice"));
	labels = cJSON_AddObjectToObject(cJSON_GetObjectItem(sec, "metadata"), "labels");
	cJSON_AddStringToObject(labels, "name", name);
	cJSON_AddStringToObject(labels, "owner", "helm");
	cJSON_AddStringToObject(labels, "status", status);
	snprintf(ver, sizeof(ver), "%d", rev);
	cJSON_AddStringToObject(labels, "version", ver);
	data = cJSON_AddObjectToObject(sec, "data");
	cJSON_AddStringToObject(data, "release", b2.data);
	free(secret_name);
	buf_release(&json);
	buf_release(&gz);
	buf_release(&b1);
	buf_release(&b2);
	return sec;
}

#endif
