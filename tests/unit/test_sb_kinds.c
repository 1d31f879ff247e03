/* test_sb_kinds.c: the kind registry (built-ins, lookups, CRDs), paging
 * tokens, Accept negotiation, name and field validation, Table rows. */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/events.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/media.h"
#include "datalab/sandbox/paging.h"
#include "datalab/sandbox/printer.h"
#include "datalab/sandbox/validate.h"
#include "testutil.h"

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

/* Every apiVersion/kind pair of the shared test data's table is served. */
START_TEST(test_builtin_kinds)
{
	static const char *const pairs[][2] = {
		{ "v1", "ConfigMap" }, { "v1", "PersistentVolumeClaim" }, { "v1", "Pod" },
		{ "v1", "Secret" }, { "v1", "Service" }, { "v1", "ServiceAccount" },
		{ "apps/v1", "Deployment" }, { "apps/v1", "StatefulSet" },
		{ "networking.k8s.io/v1", "Ingress" }, { "networking.k8s.io/v1", "NetworkPolicy" },
		{ "policy/v1", "PodDisruptionBudget" }, { "rbac.authorization.k8s.io/v1", "Role" },
		{ "rbac.authorization.k8s.io/v1", "RoleBinding" }, { "v1", "Namespace" }, { "v1", "Node" },
		{ "v1", "Event" }, { "events.k8s.io/v1", "Event" }, { "v1", "ResourceQuota" },
		{ "v1", "LimitRange" }, { "apps/v1", "ReplicaSet" }, { "batch/v1", "Job" },
		{ "batch/v1", "CronJob" }, { "apps/v1", "DaemonSet" },
		{ "autoscaling/v2", "HorizontalPodAutoscaler" },
		{ "rbac.authorization.k8s.io/v1", "ClusterRole" },
		{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" },
		{ "apiextensions.k8s.io/v1", "CustomResourceDefinition" },
	};
	struct kinds *ks = kinds_new();
	const struct kind *k;
	size_t i;

	for (i = 0; i < DL_ARRAY_LEN(pairs); i++)
		ck_assert_msg(kinds_find_kind(ks, pairs[i][0], pairs[i][1]) != NULL, "%s %s", pairs[i][0],
			      pairs[i][1]);
	ck_assert_ptr_null(kinds_find_kind(ks, "route.openshift.io/v1", "Route"));
	k = kinds_find(ks, "apps", "v1", "deployments");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->gr, "deployments.apps");
	ck_assert_str_eq(k->api_version, "apps/v1");
	ck_assert_str_eq(k->list_kind, "DeploymentList");
	ck_assert(k->namespaced);
	ck_assert(k->subs & KIND_SUB_SCALE);
	ck_assert_str_eq(k->categories[0], "all");
	ck_assert_ptr_eq(kinds_resolve(ks, "deploy"), k);
	ck_assert_ptr_eq(kinds_resolve(ks, "cm"), kinds_find(ks, "", "v1", "configmaps"));
	ck_assert_ptr_eq(kinds_resolve(ks, "deployments.apps"), k);
	ck_assert(!kinds_find(ks, "", "v1", "namespaces")->namespaced);
	ck_assert_ptr_null(kinds_find(ks, "apps", "v2", "deployments"));
	kinds_free(ks);
}
END_TEST

START_TEST(test_verb_names)
{
	const char *names[8];

	ck_assert_uint_eq(kinds_verb_names(KIND_ALL_VERBS, names), 8);
	ck_assert_str_eq(names[0], "create");
	ck_assert_str_eq(names[7], "watch");
	ck_assert_uint_eq(kinds_verb_names(KIND_GET | KIND_LIST, names), 2);
	ck_assert_str_eq(names[0], "get");
}
END_TEST

#define CRD "{\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\"," \
	"\"scope\":\"Cluster\",\"names\":{\"plural\":\"widgets\",\"kind\":\"Widget\"}," \
	"\"versions\":[{\"name\":\"v1beta1\",\"served\":true,\"storage\":false}," \
	"{\"name\":\"v1\",\"served\":true,\"storage\":true,\"additionalPrinterColumns\":" \
	"[{\"name\":\"Size\",\"type\":\"integer\",\"jsonPath\":\".spec.size\"}]}]}}"

START_TEST(test_crd_kinds)
{
	struct kinds *ks = kinds_new();
	cJSON *crd = parse(CRD);
	const struct kind *v1, *beta;
	struct status st;
	uint64_t gen = kinds_generation(ks);

	status_init(&st);
	ck_assert_int_eq(kinds_add_crd(ks, crd, &st), 0);
	ck_assert_uint_gt(kinds_generation(ks), gen);
	v1 = kinds_find(ks, "example.com", "v1", "widgets");
	beta = kinds_find(ks, "example.com", "v1beta1", "widgets");
	ck_assert_ptr_nonnull(v1);
	ck_assert_ptr_nonnull(beta);
	ck_assert_ptr_eq(beta->storage, v1);
	ck_assert(!v1->namespaced);
	ck_assert_str_eq(v1->singular, "widget");
	ck_assert_uint_eq(v1->ncolumns, 1);
	ck_assert_str_eq(v1->columns[0].json_path, ".spec.size");
	/* re-adding the same spec changes nothing; removing retires the kinds */
	gen = kinds_generation(ks);
	ck_assert_int_eq(kinds_add_crd(ks, crd, &st), 0);
	ck_assert_uint_eq(kinds_generation(ks), gen);
	kinds_remove_crd(ks, "widgets.example.com");
	ck_assert_ptr_null(kinds_find(ks, "example.com", "v1", "widgets"));
	ck_assert_ptr_nonnull(kinds_find_storage(ks, "example.com", "widgets"));
	/* a bad CRD: a 422 naming the fields */
	cJSON_Delete(crd);
	crd = parse("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"group\":\"apps\",\"scope\":\"Nope\","
		    "\"names\":{\"plural\":\"Bad_Plural\"},\"versions\":[]}}");
	ck_assert_int_eq(kinds_check_crd(ks, crd, &st), -1);
	ck_assert_int_eq(st.code, 422);
	ck_assert_ptr_nonnull(strstr(st.message, "spec.scope"));
	ck_assert_ptr_nonnull(strstr(st.message, "spec.names.plural"));
	ck_assert_ptr_nonnull(strstr(st.message, "metadata.name"));
	status_release(&st);
	cJSON_Delete(crd);
	kinds_free(ks);
}
END_TEST

START_TEST(test_paging_tokens)
{
	struct paging_token t;
	struct status st;
	char *tok = paging_encode(1234, "user-alice", "pod-7");

	status_init(&st);
	ck_assert_int_eq(paging_decode(tok, &t, &st), 0);
	ck_assert_uint_eq(t.rv, 1234);
	ck_assert_str_eq(t.ns, "user-alice");
	ck_assert_str_eq(t.name, "pod-7");
	paging_release(&t);
	free(tok);
	tok = paging_encode(9, "", "node-a");	/* cluster-scoped */
	ck_assert_int_eq(paging_decode(tok, &t, &st), 0);
	ck_assert_str_eq(t.ns, "");
	ck_assert_str_eq(t.name, "node-a");
	paging_release(&t);
	free(tok);
	ck_assert_int_eq(paging_decode("not base64 !", &t, &st), -1);
	ck_assert_int_eq(st.code, 400);
	status_release(&st);
	ck_assert_int_eq(paging_decode("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==", &t, &st), -1);	/* no rv */
	status_release(&st);
}
END_TEST

START_TEST(test_media)
{
	ck_assert_int_eq(media_accept(NULL), MEDIA_OBJECT);
	ck_assert_int_eq(media_accept("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;"
				      "as=Table;v=v1beta1;g=meta.k8s.io,application/json"), MEDIA_TABLE);
	ck_assert_int_eq(media_accept("application/vnd.kubernetes.protobuf,application/json"), MEDIA_OBJECT);
	ck_assert_int_eq(media_accept("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"),
			 MEDIA_PARTIAL);
	ck_assert_int_eq(media_accept("application/json;as=Table;v=v2;g=meta.k8s.io"), MEDIA_NONE);
	ck_assert_int_eq(media_accept("application/xml"), MEDIA_NONE);
	ck_assert_int_eq(media_accept("text/html, */*"), MEDIA_OBJECT);
	ck_assert_int_eq(media_body_type("application/apply-patch+yaml"), MEDIA_BODY_APPLY_PATCH);
	ck_assert_int_eq(media_body_type("application/json; charset=utf-8"), MEDIA_BODY_JSON);
	ck_assert_int_eq(media_body_type("application/vnd.kubernetes.protobuf"), MEDIA_BODY_PROTOBUF);
	ck_assert_int_eq(media_body_type("text/xml"), MEDIA_BODY_UNKNOWN);
	ck_assert_int_eq(media_body_type(NULL), MEDIA_BODY_JSON);
}
END_TEST

START_TEST(test_names)
{
	struct kinds *ks = kinds_new();
	struct status st;

	ck_assert(validate_dns_subdomain("a.b-c.d"));
	ck_assert(!validate_dns_subdomain("A"));
	ck_assert(!validate_dns_subdomain("a..b"));
	ck_assert(!validate_dns_subdomain("-a"));
	ck_assert(validate_dns_label("abc-1"));
	ck_assert(!validate_dns_label("a.b"));
	ck_assert(!validate_dns1035("1abc"));
	ck_assert(validate_label_value(""));
	ck_assert(validate_label_value("My_value.1"));
	ck_assert(!validate_label_value("\x1b[2J"));
	status_init(&st);
	ck_assert(!validate_name(kinds_find(ks, "", "v1", "services"), "1svc", "metadata.name", &st));
	ck_assert_ptr_nonnull(strstr(cJSON_GetArrayItem(st.causes, 0)->child->next->valuestring,
				     "DNS-1035"));
	status_release(&st);
	ck_assert(validate_name(kinds_find(ks, "rbac.authorization.k8s.io", "v1", "roles"), "system:x",
				"metadata.name", &st));
	ck_assert(!validate_name(kinds_find(ks, "rbac.authorization.k8s.io", "v1", "roles"), "a/b",
				 "metadata.name", &st));
	status_release(&st);
	kinds_free(ks);
}
END_TEST

START_TEST(test_unknown_fields)
{
	struct kinds *ks = kinds_new();
	cJSON *errs = cJSON_CreateArray();
	cJSON *obj = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\","
			   "\"nam\":\"x\"},\"spec\":{\"replica\":2,\"template\":{\"spec\":{\"containers\":"
			   "[{\"name\":\"c\",\"imag\":\"x\"}]}},\"replicas\":1,\"replicas\":2}}");

	ck_assert_uint_eq(validate_fields(kinds_find(ks, "apps", "v1", "deployments"), obj, errs), 4);
	ck_assert_str_eq(cJSON_GetArrayItem(errs, 0)->valuestring, "unknown field \"metadata.nam\"");
	ck_assert_str_eq(cJSON_GetArrayItem(errs, 1)->valuestring, "duplicate field \"spec.replicas\"");
	ck_assert_str_eq(cJSON_GetArrayItem(errs, 2)->valuestring, "unknown field \"spec.replica\"");
	ck_assert_str_eq(cJSON_GetArrayItem(errs, 3)->valuestring,
			 "unknown field \"spec.template.spec.containers[0].imag\"");
	cJSON_Delete(errs);
	cJSON_Delete(obj);
	kinds_free(ks);
}
END_TEST

static const char *cell(const cJSON *row, int i)
{
	const cJSON *c = cJSON_GetArrayItem(json_get(row, "cells"), i);

	return cJSON_IsString(c) ? c->valuestring : NULL;
}

START_TEST(test_table_rows)
{
	struct kinds *ks = kinds_new();
	cJSON *pod = parse("{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2025-01-01T00:00:00Z\"},"
			   "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
			   "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"containerStatuses\":["
			   "{\"name\":\"a\",\"ready\":true,\"restartCount\":1,\"state\":{\"running\":{}}},"
			   "{\"name\":\"b\",\"ready\":false,\"restartCount\":2,\"state\":{\"waiting\":"
			   "{\"reason\":\"CrashLoopBackOff\"}}}]}}");
	cJSON *cols = printer_columns(kinds_find(ks, "", "v1", "pods"));
	cJSON *row = printer_row(kinds_find(ks, "", "v1", "pods"), pod, NULL, 1735689600 + 300);

	ck_assert_str_eq(json_str(cols, "0.name", ""), "Name");
	ck_assert_str_eq(json_str(cols, "0.format", ""), "name");
	ck_assert_str_eq(json_str(cols, "1.name", ""), "Ready");
	ck_assert_int_eq(json_int(cols, "5.priority", 0), 1);	/* IP: -o wide */
	ck_assert_str_eq(cell(row, 0), "p");
	ck_assert_str_eq(cell(row, 1), "1/2");
	ck_assert_str_eq(cell(row, 2), "CrashLoopBackOff");
	ck_assert_str_eq(cell(row, 3), "3");
	ck_assert_str_eq(cell(row, 4), "5m");
	ck_assert_str_eq(cell(row, 5), "10.0.0.5");
	ck_assert_str_eq(cell(row, 6), "n1");
	ck_assert_str_eq(json_str(row, "object.kind", ""), "PartialObjectMetadata");
	cJSON_Delete(row);
	/* terminating */
	json_set_path(pod, "metadata.deletionTimestamp", cJSON_CreateString("2025-01-01T00:04:00Z"));
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pod, "status"), "containerStatuses");
	row = printer_row(kinds_find(ks, "", "v1", "pods"), pod, "None", 1735689600 + 300);
	ck_assert_str_eq(cell(row, 2), "Terminating");
	ck_assert_ptr_null(json_get(row, "object"));
	cJSON_Delete(row);
	cJSON_Delete(cols);
	cJSON_Delete(pod);

	/* services: ports, cluster IP */
	pod = parse("{\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.9\","
		    "\"ports\":[{\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":53,"
		    "\"protocol\":\"UDP\"}]}}");
	row = printer_row(kinds_find(ks, "", "v1", "services"), pod, NULL, 0);
	ck_assert_str_eq(cell(row, 1), "NodePort");
	ck_assert_str_eq(cell(row, 2), "10.96.0.9");
	ck_assert_str_eq(cell(row, 4), "80:30080/TCP,53/UDP");
	cJSON_Delete(row);
	cJSON_Delete(pod);

	/* deployments */
	pod = parse("{\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
		    "{\"app\":\"x\"}}},\"status\":{\"readyReplicas\":2,\"updatedReplicas\":3,"
		    "\"availableReplicas\":2}}");
	row = printer_row(kinds_find(ks, "apps", "v1", "deployments"), pod, NULL, 0);
	ck_assert_str_eq(cell(row, 1), "2/3");
	ck_assert_int_eq((int)cJSON_GetArrayItem(json_get(row, "cells"), 2)->valuedouble, 3);
	ck_assert_str_eq(cell(row, 7), "app=x");
	cJSON_Delete(row);
	cJSON_Delete(pod);
	kinds_free(ks);
}
END_TEST

START_TEST(test_jsonpath)
{
	cJSON *o = parse("{\"spec\":{\"a\":[{\"b\":1},{\"b\":2}],\"x.y\":\"z\"}}");

	ck_assert_int_eq((int)printer_jsonpath(o, ".spec.a[1].b")->valuedouble, 2);
	ck_assert_str_eq(printer_jsonpath(o, ".spec['x.y']")->valuestring, "z");
	ck_assert_str_eq(printer_jsonpath(o, "{.spec['x.y']}")->valuestring, "z");
	ck_assert_ptr_null(printer_jsonpath(o, ".spec.nope"));
	ck_assert_ptr_null(printer_jsonpath(o, ".spec.a[9].b"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_events_view)
{
	struct kinds *ks = kinds_new();
	const struct kind *view = kinds_find(ks, "events.k8s.io", "v1", "events");
	cJSON *core = parse("{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\"},"
			    "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\"},\"message\":\"m\","
			    "\"count\":3,\"source\":{\"component\":\"kubelet\",\"host\":\"n1\"},"
			    "\"firstTimestamp\":\"2025-01-01T00:00:00Z\",\"reason\":\"Pulled\"}");
	cJSON *v = events_to_view(core), *back;

	ck_assert(events_is_view(view));
	ck_assert(!events_is_view(kinds_find(ks, "", "v1", "events")));
	ck_assert_ptr_eq(view->storage, kinds_find(ks, "", "v1", "events"));
	ck_assert_str_eq(json_str(v, "apiVersion", ""), "events.k8s.io/v1");
	ck_assert_str_eq(json_str(v, "regarding.name", ""), "p");
	ck_assert_str_eq(json_str(v, "note", ""), "m");
	ck_assert_int_eq(json_int(v, "deprecatedCount", 0), 3);
	ck_assert_str_eq(json_str(v, "deprecatedSource.host", ""), "n1");
	ck_assert_str_eq(json_str(v, "reportingController", ""), "kubelet");
	ck_assert_str_eq(json_str(v, "reason", ""), "Pulled");
	back = events_from_view(v);
	ck_assert_str_eq(json_str(back, "apiVersion", ""), "v1");
	ck_assert_str_eq(json_str(back, "involvedObject.name", ""), "p");
	ck_assert_str_eq(json_str(back, "message", ""), "m");
	ck_assert_str_eq(json_str(back, "firstTimestamp", ""), "2025-01-01T00:00:00Z");
	cJSON_Delete(back);
	cJSON_Delete(v);
	cJSON_Delete(core);
	kinds_free(ks);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_kinds");
	TCase *tc = tcase_create("kinds");

	tcase_add_test(tc, test_builtin_kinds);
	tcase_add_test(tc, test_verb_names);
	tcase_add_test(tc, test_crd_kinds);
	tcase_add_test(tc, test_paging_tokens);
	tcase_add_test(tc, test_media);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_table_rows);
	tcase_add_test(tc, test_jsonpath);
	tcase_add_test(tc, test_events_view);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
