/*
 * test_sb_selector.c: label and field selectors: {selector, object, match}
 * rows, the apiserver's error sentences, and hostile inputs.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/sandbox/selector.h"
#include "testutil.h"

#define POD "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"ns\",\"labels\":" \
	"{\"app\":\"web\",\"tier\":\"front\",\"version\":\"3\",\"example.com/x\":\"y\"," \
	"\"in\":\"notin\",\"empty\":\"\"}}," \
	"\"spec\":{\"nodeName\":\"n1\",\"restartPolicy\":\"Always\",\"schedulerName\":" \
	"\"default-scheduler\",\"serviceAccountName\":\"sa\"}," \
	"\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.7\"," \
	"\"podIPs\":[{\"ip\":\"10.0.0.7\"},{\"ip\":\"fd00::7\"}]}}"

static const struct {
	const char *sel;
	bool match;
} label_rows[] = {
	{ "", true },
	{ "app=web", true },
	{ "app==web", true },
	{ "app=db", false },
	{ "app!=db", true },
	{ "app!=web", false },
	{ "missing!=x", true },
	{ "app in (web,db)", true },
	{ "app in (db)", false },
	{ "app notin (db,cache)", true },
	{ "app notin (web)", false },
	{ "missing notin (web)", true },
	{ "missing in (web)", false },
	{ "app", true },
	{ "missing", false },
	{ "!missing", true },
	{ "!app", false },
	{ "app=web,tier=front", true },
	{ "app=web,tier=back", false },
	{ "  app  =  web  ,  tier in ( front , back )  ", true },
	{ "\tapp\n==\rweb", true },
	{ "example.com/x=y", true },
	{ "in=notin", true },			/* keywords as key and value */
	{ "in in (notin)", true },
	{ "empty=", true },			/* "" is a valid value */
	{ "empty", true },
	{ "app=", false },
	{ "missing=", false },
	{ "empty in (,x)", true },
	{ "empty in ()", true },		/* () is the set {""} */
	{ "version>2", true },
	{ "version>3", false },
	{ "version<4", true },
	{ "app>1", false },			/* not a number: no match */
	{ "missing<4", false },
	{ "app=web,!missing,tier notin (back),version", true },
};

START_TEST(test_label_rows)
{
	cJSON *pod = cJSON_Parse(POD);

	ck_assert_ptr_nonnull(pod);
	for (size_t i = 0; i < DL_ARRAY_LEN(label_rows); i++) {
		struct error err = { 0 };
		struct selector *s = selector_parse_labels(label_rows[i].sel, &err);

		ck_assert_msg(s != NULL, "'%s': %s", label_rows[i].sel, err.msg);
		ck_assert_msg(selector_match(s, pod) == label_rows[i].match, "'%s' should %smatch",
			      label_rows[i].sel, label_rows[i].match ? "" : "not ");
		selector_free(s);
	}
	cJSON_Delete(pod);
}
END_TEST

#define QNAME_TAIL "must consist of alphanumeric characters, '-', '_' or '.', and must " \
	"start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " \
	"'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_TAIL "a valid label must be an empty string or consist of alphanumeric " \
	"characters, '-', '_' or '.', and must start and end with an alphanumeric character " \
	"(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static const struct {
	const char *sel;
	const char *msg;
} label_errors[] = {
	{ "a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" },
	{ "app:monolith", "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": "
	  "name part " QNAME_TAIL },
	{ "-a", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part " QNAME_TAIL },
	{ "app.kubernetes_io/name=x", "unable to parse requirement: <nil>: Invalid value: "
	  "\"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of "
	  "lower case alphanumeric characters, '-' or '.', and must start and end with an "
	  "alphanumeric character (e.g. 'example.com', regex used for validation is "
	  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" },
	{ "a/b/c ?=? def", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": "
	  "a qualified name " QNAME_TAIL " with an optional DNS subdomain prefix and '/' "
	  "(e.g. 'example.com/MyName')" },
	{ "/x", "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be "
	  "non-empty" },
	{ "x/", "unable to parse requirement: <nil>: Invalid value: \"x/\": name part must be "
	  "non-empty; name part " QNAME_TAIL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
	  "unable to parse requirement: <nil>: Invalid value: "
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": name part must be "
	  "no more than 63 characters" },
	{ "app=demo-{nginx}", "unable to parse requirement: values[0][app]: Invalid value: "
	  "\"demo-{nginx}\": " VALUE_TAIL },
	{ "environment>qa", "unable to parse requirement: values[0]: Invalid value: \"qa\": "
	  "for 'Gt', 'Lt' operators, the value must be an integer" },
	{ "a in (x,-y,-z)", "unable to parse requirement: [values[0][a]: Invalid value: \"-y\": "
	  VALUE_TAIL ", values[1][a]: Invalid value: \"-z\": " VALUE_TAIL "]" },
	{ "a in x", "unable to parse requirement: found 'x' expected: '('" },
	{ "a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'" },
	{ "a in (x", "unable to parse requirement: found '', expected: ',' or ')'" },
	{ "a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
	{ "a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier" },
	{ "a=(", "unable to parse requirement: found '(', expected: identifier" },
	{ "a=b c", "found 'c', expected: ',' or 'end of string'" },
	{ "a=b,", "found '', expected: identifier after ','" },
	{ ",a", "found ',', expected: !, identifier, or 'end of string'" },
	{ "!", "unable to parse requirement: found '', expected: identifier" },
	{ "!a=b", "found '=', expected: ',' or 'end of string'" },
	{ "a=\"b\"", "unable to parse requirement: values[0][a]: Invalid value: \"\\\"b\\\"\": "
	  VALUE_TAIL },
	{ "a=\x1b[2J", "unable to parse requirement: values[0][a]: Invalid value: "
	  "\"\\x1b[2J\": " VALUE_TAIL },
};

START_TEST(test_label_errors)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(label_errors); i++) {
		struct error err = { 0 };
		struct selector *s = selector_parse_labels(label_errors[i].sel, &err);

		ck_assert_msg(s == NULL, "'%s' parsed", label_errors[i].sel);
		ck_assert_int_eq(err.code, ERR_INVALID);
		/* struct error keeps the first 511 bytes of the longest ones */
		ck_assert_msg(strncmp(err.msg, label_errors[i].msg, sizeof(err.msg) - 1) == 0,
			      "'%s': got '%s'", label_errors[i].sel, err.msg);
	}
}
END_TEST

static const struct {
	const char *kind, *sel;
	bool match;
} field_rows[] = {
	{ "Pod", "", true },
	{ "Pod", "metadata.name=p1", true },
	{ "Pod", "metadata.name==p1", true },
	{ "Pod", "metadata.name!=p1", false },
	{ "Pod", "metadata.namespace=ns,status.phase=Running", true },
	{ "Pod", "status.phase!=Running", false },
	{ "Pod", "spec.nodeName=n1", true },
	{ "Pod", "spec.nodeName=", false },
	{ "Pod", "spec.nodeName!=", true },
	{ "Pod", "spec.host=n1", true },
	{ "Pod", "spec.restartPolicy=Always,spec.schedulerName=default-scheduler", true },
	{ "Pod", "spec.serviceAccountName=sa", true },
	{ "Pod", "spec.hostNetwork=false", true },
	{ "Pod", "status.podIP=10.0.0.7", true },
	{ "Pod", "status.podIPs=10.0.0.7\\,fd00::7", true },
	{ "Pod", "status.nominatedNodeName=", true },
	{ "Pod", "metadata.name=p1,", true },	/* empty terms are skipped */
	{ "Deployment", "metadata.name=p1", true },
};

START_TEST(test_field_rows)
{
	cJSON *pod = cJSON_Parse(POD);

	for (size_t i = 0; i < DL_ARRAY_LEN(field_rows); i++) {
		struct error err = { 0 };
		struct selector *s = selector_parse_fields(field_rows[i].sel, field_rows[i].kind, &err);

		ck_assert_msg(s != NULL, "'%s': %s", field_rows[i].sel, err.msg);
		ck_assert_msg(selector_match(s, pod) == field_rows[i].match, "'%s' should %smatch",
			      field_rows[i].sel, field_rows[i].match ? "" : "not ");
		selector_free(s);
	}
	cJSON_Delete(pod);
}
END_TEST

START_TEST(test_field_kinds)
{
	static const char *const event = "{\"metadata\":{\"name\":\"e\",\"namespace\":\"ns\"},"
		"\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"ns\",\"name\":\"p\",\"uid\":\"u1\","
		"\"apiVersion\":\"v1\",\"fieldPath\":\"spec.containers{c}\"},\"reason\":\"FailedScheduling\","
		"\"type\":\"Warning\",\"source\":{\"component\":\"default-scheduler\"},"
		"\"reportingComponent\":\"default-scheduler\"}";
	static const char *const ev2 = "{\"metadata\":{\"name\":\"e\"},\"regarding\":{\"kind\":"
		"\"Pod\",\"name\":\"p\"},\"reason\":\"Pulled\",\"reportingController\":\"kubelet\","
		"\"deprecatedSource\":{\"component\":\"kubelet\"}}";
	static const struct {
		const char *json, *kind, *sel;
		bool match;
	} rows[] = {
		{ NULL, "Event", "involvedObject.name=p,involvedObject.namespace=ns", true },
		{ NULL, "Event", "involvedObject.kind=Pod,involvedObject.uid=u1", true },
		{ NULL, "Event", "involvedObject.apiVersion=v1", true },
		{ NULL, "Event", "involvedObject.fieldPath=spec.containers{c}", true },
		{ NULL, "Event", "reason=FailedScheduling,type=Warning", true },
		{ NULL, "Event", "source=default-scheduler", true },
		{ NULL, "Event", "reportingComponent=default-scheduler", true },
		{ NULL, "Event", "type=Normal", false },
		{ "ev2", "Event", "involvedObject.name=p,reason=Pulled", true },
		{ "ev2", "Event", "source=kubelet,reportingComponent=kubelet", true },
		{ "{\"type\":\"helm.sh/release.v1\",\"metadata\":{\"name\":\"s\"}}", "Secret",
		  "type=helm.sh/release.v1", true },
		{ "{\"type\":\"Opaque\"}", "Secret", "type!=helm.sh/release.v1", true },
		{ "{\"metadata\":{\"name\":\"n\"}}", "Node", "spec.unschedulable=false", true },
		{ "{\"spec\":{\"unschedulable\":true}}", "Node", "spec.unschedulable=true", true },
		{ "{\"status\":{\"phase\":\"Active\"}}", "Namespace", "status.phase=Active", true },
		{ "{\"spec\":{\"type\":\"ClusterIP\"}}", "Service", "spec.type=ClusterIP", true },
		{ "{\"status\":{\"succeeded\":1}}", "Job", "status.successful=1", true },
		{ "{}", "Job", "status.successful=0", true },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		const char *json = !rows[i].json ? event : strcmp(rows[i].json, "ev2") == 0 ?
			ev2 : rows[i].json;
		cJSON *obj = cJSON_Parse(json);
		struct error err = { 0 };
		struct selector *s = selector_parse_fields(rows[i].sel, rows[i].kind, &err);

		ck_assert_ptr_nonnull(obj);
		ck_assert_msg(s != NULL, "'%s': %s", rows[i].sel, err.msg);
		ck_assert_msg(selector_match(s, obj) == rows[i].match, "row %zu '%s'", i, rows[i].sel);
		selector_free(s);
		cJSON_Delete(obj);
	}
}
END_TEST

static const struct {
	const char *kind, *sel, *msg;
} field_errors[] = {
	{ "Pod", "spec.foo=x", "field label not supported: spec.foo" },
	{ "Pod", "metadata.labels=x", "field label not supported: metadata.labels" },
	{ "Pod", "metadata.name = p1", "field label not supported: metadata.name " },
	{ "Node", "metadata.namespace=x", "field label not supported: metadata.namespace" },
	{ "Secret", "data=x", "field label not supported: data" },
	{ "Event", "message=x", "field label not supported: message" },
	{ "Ingress", "foo.bar=baz", "\"foo.bar\" is not a known field selector: only "
	  "\"metadata.name\", \"metadata.namespace\"" },
	{ NULL, "spec.x=1", "\"spec.x\" is not a known field selector: only \"metadata.name\", "
	  "\"metadata.namespace\"" },
	{ "Pod", "status.phase", "invalid selector: 'status.phase'; can't understand 'status.phase'" },
	{ "Pod", "a=1,b", "invalid selector: 'a=1,b'; can't understand 'b'" },
	/* syntax is checked on every term before any label */
	{ "Pod", "zzz=1,bad", "invalid selector: 'zzz=1,bad'; can't understand 'bad'" },
	{ "Pod", "metadata.name=a=b", "invalid field selector: unescaped character in value: 61" },
	{ "Pod", "metadata.name=a\\", "invalid field selector: invalid escape sequence: \\" },
	{ "Pod", "metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x" },
	/* sorted: "a.b=1" comes before "spec.zzz=1" */
	{ "Pod", "spec.zzz=1,a.b=1", "field label not supported: a.b" },
};

START_TEST(test_field_errors)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(field_errors); i++) {
		struct error err = { 0 };
		struct selector *s = selector_parse_fields(field_errors[i].sel, field_errors[i].kind, &err);

		ck_assert_msg(s == NULL, "'%s' parsed", field_errors[i].sel);
		ck_assert_int_eq(err.code, ERR_INVALID);
		ck_assert_str_eq(err.msg, field_errors[i].msg);
	}
}
END_TEST

START_TEST(test_field_escapes)
{
	cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"a,b=c\\\\d\"}}");
	struct error err = { 0 };
	struct selector *s = selector_parse_fields("metadata.name=a\\,b\\=c\\\\d", "ConfigMap", &err);

	ck_assert_ptr_nonnull(s);
	ck_assert(selector_match(s, obj));
	selector_free(s);
	cJSON_Delete(obj);
}
END_TEST

START_TEST(test_from_json)
{
	cJSON *pod = cJSON_Parse(POD);
	cJSON *ls = cJSON_Parse("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":"
				"[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"front\",\"x\"]},"
				"{\"key\":\"gone\",\"operator\":\"DoesNotExist\"}]}");
	cJSON *bad = cJSON_Parse("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Has\"}]}");
	cJSON *bad2 = cJSON_Parse("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\","
				  "\"values\":[\"v\"]}]}");
	struct error err = { 0 };
	struct selector *s = selector_from_json(ls, &err);

	ck_assert_ptr_nonnull(s);
	ck_assert(selector_match(s, pod));
	ck_assert(selector_match_labels(s, json_get(pod, "metadata.labels")));
	ck_assert(!selector_match_labels(s, NULL));
	selector_free(s);
	s = selector_from_json(NULL, &err);
	ck_assert(selector_empty(s));
	ck_assert(selector_match_labels(s, NULL));
	selector_free(s);
	ck_assert_ptr_null(selector_from_json(bad, &err));
	ck_assert_str_eq(err.msg, "\"Has\" is not a valid label selector operator");
	ck_assert_ptr_null(selector_from_json(bad2, &err));
	ck_assert_str_eq(err.msg, "values: Invalid value: [\"v\"]: values set must be empty for "
			 "exists and does not exist");
	cJSON_Delete(bad);
	cJSON_Delete(bad2);
	cJSON_Delete(ls);
	cJSON_Delete(pod);
}
END_TEST

START_TEST(test_hostile)
{
	struct buf b = BUF_INIT;
	struct error err = { 0 };
	struct selector *s;
	static const char *const junk[] = {
		"(((((", ")))", "!!!!", "===", "!=!=", "<><>", "in", "notin", "in in", ",,,,",
		"a in (((", "a in ()))", "a notin", "a!", "\xff\xfe=\xc3", "a=\xc3\x28",
		"a in (,,,,)", "a==", "a===b", "k=v,,k=v",
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(junk); i++) {
		s = selector_parse_labels(junk[i], &err);
		selector_free(s);
		s = selector_parse_fields(junk[i], "Pod", &err);
		selector_free(s);
	}
	/* a 1 MiB selector is refused up front, a 60 KiB one parses */
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "a=b,");
	ck_assert_ptr_null(selector_parse_labels(b.data, &err));
	ck_assert_ptr_null(selector_parse_fields(b.data, "Pod", &err));
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%sk%d=v", i ? "," : "", i);
	s = selector_parse_labels(b.data, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert(!selector_empty(s));
	selector_free(s);
	buf_release(&b);
	ck_assert(selector_empty(NULL));
	ck_assert(selector_match(NULL, NULL));
	s = selector_parse_labels(NULL, &err);
	ck_assert(selector_empty(s));
	selector_free(s);
}
END_TEST

static Suite *selector_suite(void)
{
	Suite *s = suite_create("sb_selector");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_label_rows);
	tcase_add_test(tc, test_label_errors);
	tcase_add_test(tc, test_field_rows);
	tcase_add_test(tc, test_field_kinds);
	tcase_add_test(tc, test_field_errors);
	tcase_add_test(tc, test_field_escapes);
	tcase_add_test(tc, test_from_json);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(selector_suite)
