/*
 * test_yaml.c: YAML to cJSON, resolution rules, limits on the hostile
 * corpus, and the emitter round trip.
 */
#include <stdio.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/yaml.h"
#include "testutil.h"

static cJSON *parse_str(const char *s, struct error *err)
{
	return yaml_parse(s, strlen(s), NULL, err);
}

static cJSON *parse_file(const char *name, struct error *err)
{
	struct buf b;
	cJSON *r;

	buf_init(&b, 0);
	ck_assert_int_eq(file_read(name, &b, NULL), 0);
	r = yaml_parse(b.data, b.len, NULL, err);
	buf_release(&b);
	return r;
}

START_TEST(scalars_resolve_like_helm)
{
	struct error err;
	cJSON *r = parse_str("a: 1\nb: 1.5\nc: true\nd: yes\ne: ~\nf: \"1\"\ng: 0x1f\nh: hello\n"
			     "i: 'true'\nj: !!str 12\nk: 1.10\nl: -3\nm:\nn: 123456789012345678901\n", &err);

	ck_assert_ptr_nonnull(r);
	ck_assert(cJSON_IsNumber(json_get(r, "a")));
	ck_assert_int_eq(json_int(r, "a", 0), 1);
	ck_assert(json_get(r, "b")->valuedouble == 1.5);
	ck_assert(cJSON_IsTrue(json_get(r, "c")));
	ck_assert(cJSON_IsTrue(json_get(r, "d")));
	ck_assert(cJSON_IsNull(json_get(r, "e")));
	ck_assert_str_eq(json_str(r, "f", ""), "1");
	ck_assert_int_eq(json_int(r, "g", 0), 31);
	ck_assert_str_eq(json_str(r, "h", ""), "hello");
	ck_assert_str_eq(json_str(r, "i", ""), "true");
	ck_assert_str_eq(json_str(r, "j", ""), "12");
	ck_assert_int_eq(json_int(r, "l", 0), -3);
	ck_assert(cJSON_IsNull(json_get(r, "m")));
	ck_assert(cJSON_IsNumber(json_get(r, "n")));	/* go-yaml: a float64 */
	cJSON_Delete(r);
}
END_TEST

START_TEST(anchors_and_merge)
{
	struct error err;
	cJSON *r = parse_str("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n", &err);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_int(r, "use.x", 0), 1);
	ck_assert_int_eq(json_int(r, "use.y", 0), 3);	/* explicit key wins over merge */
	ck_assert_int_eq(json_int(r, "list.1.y", 0), 2);
	cJSON_Delete(r);
}
END_TEST

START_TEST(duplicate_keys_last_wins)
{
	struct error err;
	cJSON *r = parse_str("a: 1\na: 2\n", &err);

	ck_assert_int_eq(json_int(r, "a", 0), 2);
	cJSON_Delete(r);
}
END_TEST

START_TEST(errors_carry_position)
{
	struct error err;

	ck_assert_ptr_null(parse_str("a: \"unterminated\nb: 2\n", &err));
	ck_assert_int_eq(err.code, ERR_PARSE);
	ck_assert_msg(strstr(err.msg, "line ") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(hostile_corpus)
{
	static const struct {
		const char *file;
		int code;	/* 0 = must parse */
	} rows[] = {
		{ "billion-laughs.yaml", ERR_LIMIT },
		{ "recursive-alias.yaml", ERR_PARSE },
		{ "deep-flow-sequence-100k.yaml", ERR_LIMIT },
		{ "deep-block-mapping-1000.yaml", ERR_LIMIT },
		{ "malformed-unterminated-quote.yaml", ERR_PARSE },
		{ "malformed-tab-indent.yaml", ERR_PARSE },
		{ "malformed-bad-indent.yaml", ERR_PARSE },
		{ "duplicate-keys.yaml", 0 },
		{ "bom-crlf-chart.yaml", 0 },
		{ "multi-document-and-empty.yaml", 0 },
		{ "huge-single-line-300k.yaml", 0 },
		{ "merge-key-chain.yaml", 0 },
		{ "escape-sequences-values.yaml", 0 },
		{ "escaped-nul.yaml", ERR_PARSE },
		{ "index-hostile.yaml", 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[256];
		struct error err = { 0 };
		cJSON *r;

		snprintf(path, sizeof(path), TESTDATA "/hostile/yaml/%s", rows[i].file);
		r = parse_file(path, &err);
		if (rows[i].code == 0) {
			ck_assert_msg(r != NULL, "%s: %s", rows[i].file, err.msg);
		} else {
			ck_assert_msg(r == NULL, "%s parsed but should fail", rows[i].file);
			ck_assert_msg(err.code == rows[i].code, "%s: code %d (%s)", rows[i].file, err.code, err.msg);
			ck_assert(err.msg[0] != '\0');
		}
		cJSON_Delete(r);
	}
}
END_TEST

START_TEST(bom_crlf_chart_reads)
{
	struct error err;
	cJSON *r = parse_file(TESTDATA "/hostile/yaml/bom-crlf-chart.yaml", &err);

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(json_get(r, "name"));
	cJSON_Delete(r);
}
END_TEST

START_TEST(all_documents)
{
	struct error err;
	const char *s = "---\na: 1\n---\n---\nb: 2\n";
	cJSON *r = yaml_parse_all(s, strlen(s), NULL, &err);

	ck_assert_int_eq(cJSON_GetArraySize(r), 2);
	cJSON_Delete(r);
}
END_TEST

START_TEST(emit_round_trip)
{
	const char *src = "{\"a\":{\"b\":[1,\"two\",{\"c\":true,\"d\":null}],\"e\":\"yes\",\"f\":\"x: y\","
			  "\"g\":\"\",\"h\":{},\"i\":[],\"j\":\"multi\\nline\",\"k\":\"1.5\",\"l\":-2.25}}";
	cJSON *orig = cJSON_Parse(src), *back;
	struct buf out;
	struct error err;

	buf_init(&out, 0);
	ck_assert_int_eq(yaml_emit(&out, orig), 0);
	back = yaml_parse(out.data, out.len, NULL, &err);
	ck_assert_msg(back != NULL, "%s\n%s", err.msg, out.data);
	ck_assert_msg(cJSON_Compare(orig, back, 1), "round trip differs:\n%s", out.data);
	cJSON_Delete(orig);
	cJSON_Delete(back);
	buf_release(&out);
}
END_TEST

START_TEST(real_values_files)
{
	static const char *const charts[] = { "jupyter-python", "rstudio", "vscode-python", "postgresql",
					      "pgadmin", "mlflow", "label-studio" };

	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		char path[256];
		struct error err;
		cJSON *r;
		struct buf out;
		cJSON *back;

		snprintf(path, sizeof(path), TESTDATA "/charts/%s/values.yaml", charts[i]);
		r = parse_file(path, &err);
		ck_assert_msg(r != NULL, "%s: %s", charts[i], err.msg);
		buf_init(&out, 0);
		yaml_emit(&out, r);
		back = yaml_parse(out.data, out.len, NULL, &err);
		ck_assert_msg(back && cJSON_Compare(r, back, 1), "%s does not round-trip", charts[i]);
		cJSON_Delete(back);
		cJSON_Delete(r);
		buf_release(&out);
	}
}
END_TEST

static Suite *yaml_suite(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, scalars_resolve_like_helm);
	tcase_add_test(tc, anchors_and_merge);
	tcase_add_test(tc, duplicate_keys_last_wins);
	tcase_add_test(tc, errors_carry_position);
	tcase_add_test(tc, hostile_corpus);
	tcase_add_test(tc, bom_crlf_chart_reads);
	tcase_add_test(tc, all_documents);
	tcase_add_test(tc, emit_round_trip);
	tcase_add_test(tc, real_values_files);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(yaml_suite)
