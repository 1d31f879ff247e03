/*
 * test_model_services.c: "My services" from real objects: release Secrets
 * made from the real helm's Release JSON (install --dry-run=client of the
 * shipped test charts), pods, events, metrics and quotas from
 * ../shared/testdata/kube, ingresses and the StatefulSet from the real
 * `helm template` output in ../shared/testdata/rendered.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"
#include "datalab/model/services.h"

#include "testjson.h"
#include "testrelease.h"

/* item: the object named name in a List. */
static cJSON *item(cJSON *list, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(list, "items"))
		if (str_eq(json_str(it, "metadata.name", ""), name))
			return it;
	ck_abort_msg("no item '%s'", name);
	return NULL;
}

/* Helm runs take a while: make each Secret once. */
static cJSON *sec_gpu, *sec_jupyter, *sec_jupyter_paused, *sec_pgadmin;

static void make_secrets(void)
{
	sec_gpu = release_secret("jupyter-pytorch-gpu", "jupyter-python", "--set global.suspend=false", 1, "deployed");
	sec_jupyter = release_secret("jupyter-python", "jupyter-python", "--set global.suspend=false", 1, "deployed");
	sec_jupyter_paused = release_secret("jupyter-python", "jupyter-python", "--set global.suspend=true", 2,
					    "deployed");
	sec_pgadmin = release_secret("pgadmin", "pgadmin", "", 1, "deployed");
}

static void free_secrets(void)
{
	cJSON_Delete(sec_gpu);
	cJSON_Delete(sec_jupyter);
	cJSON_Delete(sec_jupyter_paused);
	cJSON_Delete(sec_pgadmin);
}

static void add_secret(struct services *s, const cJSON *sec)
{
	struct error err;

	ck_assert_msg(services_secret(s, sec, false, &err) == 0, "%s", err.msg);
}

/* An invariant after every change: rows sorted, derived counts honest. */
static void check_sane(struct services *s)
{
	for (size_t i = 0; i < services_count(s); i++) {
		const struct service *r = services_at(s, i);
		int gpus = 0;

		ck_assert_ptr_nonnull(r->state_text);
		ck_assert_int_eq(r->total, (int)r->npods);
		ck_assert_int_le(r->ready, r->total);
		for (size_t k = 0; k < r->npods; k++)
			gpus += r->pods[k].gpus;
		ck_assert_int_eq(gpus, r->gpus);
		if (i > 0) {
			const struct service *p = services_at(s, i - 1);
			int c = strcmp(p->namespace, r->namespace);

			ck_assert(c < 0 || (c == 0 && strcmp(p->name, r->name) < 0));
		}
	}
}

START_TEST(release_from_real_helm)
{
	struct services *s = services_new();
	const struct service *r;

	add_secret(s, sec_gpu);
	ck_assert_uint_eq(services_count(s), 1);
	r = services_at(s, 0);
	ck_assert_str_eq(r->name, "jupyter-pytorch-gpu");
	ck_assert_str_eq(r->namespace, "user-alice");
	ck_assert_str_eq(r->chart_name, "jupyter-python");
	ck_assert_str_eq(r->chart_version, "2.5.2");
	ck_assert_str_eq(r->helm_status, "deployed");
	ck_assert_int_eq(r->revision, 1);
	ck_assert(r->suspendable);
	ck_assert(!r->suspended);
	ck_assert_ptr_nonnull(r->notes);
	ck_assert_ptr_nonnull(strstr(r->notes, "password"));
	/* no pods yet, just deployed: starting */
	ck_assert_int_eq(r->state, SERVICE_STARTING);
	ck_assert_int_eq(r->npods, 0);
	ck_assert_int_eq(r->cpu_m, -1);
	check_sane(s);
	/* Secrets that are not helm's are ignored */
	{
		cJSON *other = test_load_json("kube/verbatim/k9s/sec.json");

		ck_assert_int_eq(services_secret(s, other, false, NULL), 0);
		ck_assert_uint_eq(services_count(s), 1);
		cJSON_Delete(other);
	}
	services_free(s);
}
END_TEST

START_TEST(running_with_pods_gpus_and_metrics)
{
	struct services *s = services_new();
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	cJSON *metrics = test_load_json("kube/derived/podmetricslist.json");
	const cJSON *it;
	const struct service *r;
	uint64_t gen;

	add_secret(s, sec_gpu);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(pods, "items"))
		services_pod(s, it, false);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_ptr_nonnull(r);
	/* nginx pods carry no instance label: not a service's */
	ck_assert_uint_eq(services_count(s), 1);
	ck_assert_int_eq(r->npods, 1);
	ck_assert_str_eq(r->pods[0].name, "jupyter-pytorch-gpu-0");
	ck_assert_str_eq(r->pods[0].node, "gpu-node-1");
	ck_assert_int_eq(r->gpus, 1);
	ck_assert_int_eq(r->pods[0].cpu_request_m, 100);
	ck_assert_int_eq(r->pods[0].mem_request, 2LL << 30);
	ck_assert_int_eq(r->state, SERVICE_RUNNING);
	ck_assert_str_eq(r->state_text, "running");
	ck_assert_int_eq(r->ready, 1);
	gen = services_generation(s);
	services_metrics(s, metrics);
	ck_assert_uint_gt(services_generation(s), gen);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(r->cpu_m, 1504);	/* 1503211874n rounded up */
	ck_assert_int_eq(r->mem, 4LL << 30);
	ck_assert_int_eq(r->hist_len, 1);
	/* history survives rebuilds and grows per poll, capped */
	for (int i = 0; i < SERVICE_HISTORY + 5; i++) {
		services_pod(s, item(pods, "jupyter-pytorch-gpu-0"), false);
		services_metrics(s, metrics);
	}
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(r->hist_len, SERVICE_HISTORY);
	ck_assert_int_eq(r->cpu_hist[SERVICE_HISTORY - 1], 1504);
	check_sane(s);
	/* the pod goes away */
	services_pod(s, item(pods, "jupyter-pytorch-gpu-0"), true);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(r->npods, 0);
	ck_assert_int_eq(r->gpus, 0);
	cJSON_Delete(pods);
	cJSON_Delete(metrics);
	services_free(s);
}
END_TEST

/* A GPU pod nothing can schedule: the reason is the scheduler's event,
 * whichever arrives first. */
START_TEST(pending_says_why)
{
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	cJSON *events = test_load_json("kube/derived/eventlist.json");
	cJSON *pod = item(pods, "jupyter-pytorch-gpu-0");
	cJSON *ev = item(events, "jupyter-pytorch-gpu-0.17bc2b3a1f0e9d8c");

	/* as it was before scheduling: Pending, no node, no container status */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pod, "spec"), "nodeName");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(pod, "status"), "phase", cJSON_CreateString("Pending"));
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pod, "status"), "containerStatuses");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pod, "status"), "conditions");
	for (int order = 0; order < 2; order++) {
		struct services *s = services_new();
		const struct service *r;

		add_secret(s, sec_gpu);
		if (order == 0) {
			services_pod(s, pod, false);
			services_event(s, ev, false);
		} else {
			services_event(s, ev, false);
			services_pod(s, pod, false);
		}
		r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
		ck_assert_int_eq(r->state, SERVICE_PENDING);
		ck_assert_msg(strstr(r->state_text, "pending: 0/2 nodes are available: 1 Insufficient nvidia.com/gpu"),
			      "%s", r->state_text);
		ck_assert_ptr_nonnull(r->pods[0].reason);
		check_sane(s);
		/* the event expires: the reason goes with it */
		services_event(s, ev, true);
		r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
		ck_assert_int_eq(r->state, SERVICE_PENDING);
		ck_assert_str_eq(r->state_text, "pending: waiting for a node");
		services_free(s);
	}
	/* scheduled later: the old FailedScheduling no longer applies */
	{
		struct services *s = services_new();
		cJSON *sched = cJSON_Duplicate(pod, 1);
		const struct service *r;

		add_secret(s, sec_gpu);
		services_event(s, ev, false);
		cJSON_AddStringToObject(cJSON_GetObjectItem(sched, "spec"), "nodeName", "gpu-node-1");
		services_pod(s, sched, false);
		r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
		ck_assert_ptr_null(r->pods[0].reason);
		ck_assert_int_ne(r->state, SERVICE_PENDING);
		cJSON_Delete(sched);
		services_free(s);
	}
	cJSON_Delete(pods);
	cJSON_Delete(events);
}
END_TEST

START_TEST(crash_loop_and_starting)
{
	struct services *s = services_new();
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	cJSON *pod = item(pods, "jupyter-pytorch-gpu-0");
	cJSON *cs = cJSON_GetArrayItem(json_get(pod, "status.containerStatuses"), 0);
	const struct service *r;

	add_secret(s, sec_gpu);
	cJSON_ReplaceItemInObject(cs, "ready", cJSON_CreateFalse());
	services_pod(s, pod, false);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(r->state, SERVICE_STARTING);
	ck_assert_str_eq(r->state_text, "starting 0/1");
	cJSON_ReplaceItemInObject(cs, "restartCount", cJSON_CreateNumber(21));
	cJSON_ReplaceItemInObject(cs, "state", cJSON_Parse("{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}"));
	services_pod(s, pod, false);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	ck_assert_int_eq(r->state, SERVICE_CRASHLOOP);
	ck_assert_str_eq(r->state_text, "crash-looping (21 restarts)");
	check_sane(s);
	cJSON_Delete(pods);
	services_free(s);
}
END_TEST

static cJSON *rendered_doc(const char *file, const char *kind, const char *name)
{
	struct buf b;
	struct error err;
	char *path = xasprintf(TESTDATA "/rendered/%s", file);
	cJSON *all, *it, *found = NULL;

	buf_init(&b, 0);
	ck_assert_int_eq(file_read(path, &b, &err), 0);
	all = yaml_parse_all(b.data, b.len, NULL, &err);
	ck_assert_msg(all != NULL, "%s", err.msg);
	cJSON_ArrayForEach(it, all)
		if (str_eq(json_str(it, "kind", ""), kind) && str_eq(json_str(it, "metadata.name", ""), name))
			found = cJSON_Duplicate(it, 1);
	ck_assert_msg(found != NULL, "no %s %s in %s", kind, name, file);
	/* helm template leaves the namespace to the install */
	json_set_path(found, "metadata.namespace", cJSON_CreateString("user-alice"));
	cJSON_Delete(all);
	buf_release(&b);
	free(path);
	return found;
}

START_TEST(urls_from_ingresses)
{
	struct services *s = services_new();
	cJSON *ui = rendered_doc("jupyter-python.onyxia.yaml", "Ingress", "jupyter-python-ui");
	cJSON *user = rendered_doc("jupyter-python.onyxia.yaml", "Ingress", "jupyter-python-user");
	const struct service *r;

	add_secret(s, sec_jupyter);
	services_ingress(s, ui, false);
	services_ingress(s, user, false);
	r = services_find(s, "user-alice", "jupyter-python");
	ck_assert_uint_eq(r->nurls, 2);
	ck_assert(str_eq(r->urls[0], "https://jupyter-python.lab.example.test") ||
		  str_eq(r->urls[1], "https://jupyter-python.lab.example.test"));
	/* updated in place, not doubled */
	services_ingress(s, ui, false);
	r = services_find(s, "user-alice", "jupyter-python");
	ck_assert_uint_eq(r->nurls, 2);
	services_ingress(s, user, true);
	r = services_find(s, "user-alice", "jupyter-python");
	ck_assert_uint_eq(r->nurls, 1);
	ck_assert_str_eq(r->urls[0], "https://jupyter-python.lab.example.test");
	cJSON_Delete(ui);
	cJSON_Delete(user);
	services_free(s);
}
END_TEST

/* A quota refusing a workload's pods: no pod exists to carry the reason,
 * the ReplicaSet's FailedCreate says it (as a real controller words it). */
START_TEST(quota_refusal_says_why)
{
	struct services *s = services_new();
	cJSON *dep = rendered_doc("pgadmin.yaml", "Deployment", "pgadmin");
	cJSON *ev = cJSON_Parse("{\"metadata\":{\"name\":\"pgadmin-5f59fc7b6f.1\",\"namespace\":\"user-alice\","
				"\"uid\":\"ev-1\"},\"involvedObject\":{\"kind\":\"ReplicaSet\",\"namespace\":\"user-alice\","
				"\"name\":\"pgadmin-5f59fc7b6f\"},\"type\":\"Warning\",\"reason\":\"FailedCreate\","
				"\"lastTimestamp\":\"2025-01-01T00:00:00Z\",\"message\":\"Error creating: pods "
				"\\\"pgadmin-5f59fc7b6f-x6jhf\\\" is forbidden: exceeded quota: onyxia-quota, requested: "
				"limits.memory=16Gi, used: limits.memory=4Gi, limited: limits.memory=10Gi\"}");
	cJSON *other = cJSON_Duplicate(ev, 1);
	const struct service *r;

	ck_assert_ptr_nonnull(ev);
	add_secret(s, sec_pgadmin);
	services_workload(s, "deployments", dep, false);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_int_ne(r->state, SERVICE_PENDING);
	/* another workload's name that merely starts alike does not count */
	json_set_path(other, "involvedObject.name", cJSON_CreateString("pgadminx-5f59fc7b6f"));
	json_set_path(other, "metadata.uid", cJSON_CreateString("ev-2"));
	services_event(s, other, false);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_int_ne(r->state, SERVICE_PENDING);
	services_event(s, ev, false);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_int_eq(r->state, SERVICE_PENDING);
	/* the column names the resource; the detail keeps every word */
	ck_assert_str_eq(r->state_text, "pending: quota: memory");
	ck_assert_msg(strstr(r->state_detail, "pending: Error creating: pods") &&
		      strstr(r->state_detail, "exceeded quota: onyxia-quota, requested: limits.memory=16Gi, used: "
			     "limits.memory=4Gi, limited: limits.memory=10Gi"), "%s", r->state_detail);
	check_sane(s);
	/* the event gone, nothing says why any more */
	services_event(s, ev, true);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_int_ne(r->state, SERVICE_PENDING);
	cJSON_Delete(ev);
	cJSON_Delete(other);
	cJSON_Delete(dep);
	services_free(s);
}
END_TEST

START_TEST(paused_by_values_or_by_scale)
{
	struct services *s = services_new();
	cJSON *sts = rendered_doc("pgadmin.yaml", "Deployment", "pgadmin");
	const struct service *r;

	/* revision 2 with global.suspend=true wins over revision 1 */
	add_secret(s, sec_jupyter);
	add_secret(s, sec_jupyter_paused);
	r = services_find(s, "user-alice", "jupyter-python");
	ck_assert_int_eq(r->revision, 2);
	ck_assert(r->suspended);
	ck_assert_int_eq(r->state, SERVICE_PAUSED);
	ck_assert_str_eq(r->state_text, "paused");

	/* pgadmin's values have no global.suspend: pausing scales to 0 */
	add_secret(s, sec_pgadmin);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert(!r->suspendable);
	services_workload(s, "deployments", sts, false);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_uint_eq(r->nworkloads, 1);
	ck_assert_str_eq(r->workloads[0].kind, "deployments");
	ck_assert_int_eq(r->workloads[0].replicas, 1);
	ck_assert_int_eq(r->workloads[0].paused_replicas, -1);
	ck_assert(!r->scaled_down);
	json_set_path(sts, "spec.replicas", cJSON_CreateNumber(0));
	/* as the scale-to-0 pause leaves it */
	json_set_path(sts, "metadata.annotations", cJSON_CreateObject());
	cJSON_AddStringToObject((cJSON *)json_get(sts, "metadata.annotations"), SERVICE_PAUSED_ANNOTATION, "1");
	services_workload(s, "deployments", sts, false);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_uint_eq(r->nworkloads, 1);
	ck_assert(r->scaled_down);
	ck_assert_int_eq(r->workloads[0].paused_replicas, 1);
	ck_assert_int_eq(r->state, SERVICE_PAUSED);
	check_sane(s);
	services_workload(s, "deployments", sts, true);
	r = services_find(s, "user-alice", "pgadmin");
	ck_assert_uint_eq(r->nworkloads, 0);
	cJSON_Delete(sts);
	services_free(s);
}
END_TEST

START_TEST(statuses_and_removal)
{
	struct services *s = services_new();
	cJSON *sec = cJSON_Duplicate(sec_pgadmin, 1);
	cJSON *labels = (cJSON *)json_get(sec, "metadata.labels");
	const struct service *r;

	cJSON_ReplaceItemInObject(labels, "status", cJSON_CreateString("pending-install"));
	add_secret(s, sec);
	r = services_at(s, 0);
	ck_assert_int_eq(r->state, SERVICE_INSTALLING);
	ck_assert_str_eq(r->state_text, "installing");
	cJSON_ReplaceItemInObject(labels, "status", cJSON_CreateString("uninstalling"));
	add_secret(s, sec);
	ck_assert_int_eq(services_at(s, 0)->state, SERVICE_DELETING);
	cJSON_ReplaceItemInObject(labels, "status", cJSON_CreateString("failed"));
	add_secret(s, sec);
	ck_assert_int_eq(services_at(s, 0)->state, SERVICE_FAILED);
	/* a superseded revision alone is not a service */
	cJSON_ReplaceItemInObject(labels, "status", cJSON_CreateString("superseded"));
	add_secret(s, sec);
	ck_assert_uint_eq(services_count(s), 0);
	cJSON_ReplaceItemInObject(labels, "status", cJSON_CreateString("deployed"));
	add_secret(s, sec);
	ck_assert_uint_eq(services_count(s), 1);
	ck_assert_int_eq(services_secret(s, sec, true, NULL), 0);
	ck_assert_uint_eq(services_count(s), 0);
	/* a damaged release is an error, not a row */
	{
		struct error err;

		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(sec, "data"), "release", cJSON_CreateString("!!notbase64"));
		ck_assert_int_eq(services_secret(s, sec, false, &err), -1);
		ck_assert_uint_eq(services_count(s), 0);
	}
	cJSON_Delete(sec);
	services_free(s);
}
END_TEST

START_TEST(friendly_name_from_onyxia_secret)
{
	struct services *s = services_new();
	cJSON *o = cJSON_Parse("{\"kind\":\"Secret\",\"type\":\"onyxia.sh/release.v1\","
			       "\"metadata\":{\"name\":\"sh.onyxia.release.v1.pgadmin\",\"namespace\":\"user-alice\"},"
			       "\"data\":{\"friendlyName\":\"bXkgZGI=\",\"catalog\":\"ZGF0YWJhc2Vz\",\"owner\":\"YWxpY2U=\"}}");
	const struct service *r;

	services_secret(s, o, false, NULL);	/* before the release: kept */
	add_secret(s, sec_pgadmin);
	r = services_at(s, 0);
	ck_assert_str_eq(r->friendly_name, "my db");
	ck_assert_str_eq(r->catalog, "databases");
	ck_assert_str_eq(service_display_name(r), "my db");
	ck_assert_str_eq(service_friendly_name(r), "my db");
	/* the default a launch records, the chart's name, says nothing more */
	{
		struct buf b;
		char *enc;

		buf_init(&b, 0);
		ck_assert_ptr_nonnull(r->chart_name);
		str_base64_encode(&b, r->chart_name, strlen(r->chart_name));
		enc = buf_take(&b, NULL);
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "data"), "friendlyName", cJSON_CreateString(enc));
		free(enc);
		services_secret(s, o, false, NULL);
		r = services_at(s, 0);
		ck_assert_str_eq(r->friendly_name, r->chart_name);
		ck_assert_ptr_null(service_friendly_name(r));
		ck_assert_str_eq(service_display_name(r), "pgadmin");
	}
	services_secret(s, o, true, NULL);
	r = services_at(s, 0);
	ck_assert_ptr_null(r->friendly_name);
	ck_assert_str_eq(service_display_name(r), "pgadmin");
	cJSON_Delete(o);
	services_free(s);
}
END_TEST

START_TEST(events_of_a_service)
{
	struct services *s = services_new();
	cJSON *pods = test_load_json("kube/derived/podlist.json");
	cJSON *events = test_load_json("kube/derived/eventlist.json");
	const struct service *r;

	add_secret(s, sec_gpu);
	services_pod(s, item(pods, "jupyter-pytorch-gpu-0"), false);
	r = services_find(s, "user-alice", "jupyter-pytorch-gpu");
	{
		static const struct {
			const char *event;
			bool mine;
		} rows[] = {
			{ "jupyter-pytorch-gpu-0.17bc2b3a1f0e9d8c", true },
			{ "vscode-python-0.17bc2c0d9e8f7a6b", false },
			{ "hello-1567197780-mn4mv.15bfce150bd764dd", false },
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			const cJSON *ev = item(events, rows[i].event);

			ck_assert_int_eq(service_owns_object(r, json_str(ev, "involvedObject.namespace", ""),
							     json_str(ev, "involvedObject.name", "")), rows[i].mine);
		}
		/* named after the release, in another namespace: not ours */
		ck_assert(service_owns_object(r, "user-alice", "jupyter-pytorch-gpu"));
		ck_assert(service_owns_object(r, "user-alice", "jupyter-pytorch-gpu-ui"));
		ck_assert(!service_owns_object(r, "user-bob", "jupyter-pytorch-gpu"));
		ck_assert(!service_owns_object(r, "user-alice", "jupyter-pytorch-gpuX"));
	}
	cJSON_Delete(pods);
	cJSON_Delete(events);
	services_free(s);
}
END_TEST

START_TEST(secrets_in_notes_and_values)
{
	static const struct {
		const char *line, *secret;
	} rows[] = {
		{ "- Your password: s3cr3t-Pa55", "s3cr3t-Pa55" },
		{ "- Votre password: abc", "abc" },
		{ "- Your password: **`abc def`**", "abc def" },
		{ "token=xyz", "xyz" },
		{ "Mot de passe : motdepasse", "motdepasse" },
		{ "  AWS_SECRET_ACCESS_KEY: \"k/ey+\"", "k/ey+" },
		{ "- Your user name: onyxia", NULL },
		{ "You can connect with your password.", NULL },
		{ "password:", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t a, b;
		bool found = service_secret_in_line(rows[i].line, strlen(rows[i].line), &a, &b);

		ck_assert_msg(found == (rows[i].secret != NULL), "row %zu '%s'", i, rows[i].line);
		if (found) {
			ck_assert_uint_eq(b - a, strlen(rows[i].secret));
			ck_assert(strncmp(rows[i].line + a, rows[i].secret, b - a) == 0);
		}
	}
	ck_assert(service_key_is_secret("password"));
	ck_assert(service_key_is_secret("AWS_SECRET_ACCESS_KEY"));
	ck_assert(service_key_is_secret("vaultToken"));
	ck_assert(service_key_is_secret("secretKey"));
	ck_assert(!service_key_is_secret("image"));
	ck_assert(!service_key_is_secret("enabled"));
	ck_assert(!service_key_is_secret(NULL));
}
END_TEST

/* A quota's refusal, as the sandbox (src/sandbox/quota.c) and the real
 * apiserver word it, summarized for the status column. */
START_TEST(quota_summary_names_the_resources)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		/* the sandbox's, GPU requests and limits (test_sb_quota.c) */
		{ "pods \"p2\" is forbidden: exceeded quota: user-alice-quota, requested: "
		  "limits.nvidia.com/gpu=1,requests.nvidia.com/gpu=1, used: limits.nvidia.com/gpu=2,"
		  "requests.nvidia.com/gpu=2, limited: limits.nvidia.com/gpu=2,requests.nvidia.com/gpu=2",
		  "quota: nvidia.com/gpu" },
		/* a ReplicaSet's FailedCreate event, several resources */
		{ "pending: Error creating: pods \"jupyter-5f59fc7b6f-x6jhf\" is forbidden: exceeded quota: "
		  "onyxia-quota, requested: limits.cpu=4,limits.memory=16Gi,requests.cpu=2,"
		  "requests.nvidia.com/gpu=1, used: limits.cpu=8,limits.memory=4Gi,requests.cpu=9,"
		  "requests.nvidia.com/gpu=2, limited: limits.cpu=10,limits.memory=10Gi,requests.cpu=10,"
		  "requests.nvidia.com/gpu=2",
		  "quota: cpu, memory, nvidia.com/gpu" },
		/* object counts and bare names */
		{ "exceeded quota: compute, requested: count/pods=1,pods=1, used: count/pods=10,pods=10, "
		  "limited: count/pods=10,pods=10", "quota: count/pods, pods" },
		{ "exceeded quota: q, requested: cpu=2, used: cpu=1, limited: cpu=2", "quota: cpu" },
		/* a container without the limits a quota tracks */
		{ "Error creating: pods \"x\" is forbidden: failed quota: onyxia-quota: must specify "
		  "limits.cpu,limits.memory", "quota: must specify limits.cpu, limits.memory" },
		/* not a quota's */
		{ "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.", NULL },
		{ "exceeded quota: q", NULL },
		{ "exceeded quota: q, requested: ", NULL },
		{ "", NULL },
	};
	char dst[160];

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		bool ok = service_quota_summary(rows[i].text, dst, sizeof(dst));

		ck_assert_msg(ok == (rows[i].want != NULL), "row %zu", i);
		if (ok)
			ck_assert_str_eq(dst, rows[i].want);
	}
	ck_assert(!service_quota_summary(NULL, dst, sizeof(dst)));
	/* a small dst is cut, still a string */
	ck_assert(service_quota_summary(rows[1].text, dst, 12));
	ck_assert_str_eq(dst, "quota: cpu,");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("model_services");
	TCase *tc = tcase_create("services");

	tcase_add_unchecked_fixture(tc, make_secrets, free_secrets);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, release_from_real_helm);
	tcase_add_test(tc, running_with_pods_gpus_and_metrics);
	tcase_add_test(tc, pending_says_why);
	tcase_add_test(tc, quota_refusal_says_why);
	tcase_add_test(tc, quota_summary_names_the_resources);
	tcase_add_test(tc, crash_loop_and_starting);
	tcase_add_test(tc, urls_from_ingresses);
	tcase_add_test(tc, paused_by_values_or_by_scale);
	tcase_add_test(tc, statuses_and_removal);
	tcase_add_test(tc, friendly_name_from_onyxia_secret);
	tcase_add_test(tc, events_of_a_service);
	tcase_add_test(tc, secrets_in_notes_and_values);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
