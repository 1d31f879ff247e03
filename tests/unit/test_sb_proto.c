/*
 * test_sb_proto.c: protobuf bodies captured from kubectl and helm decode to
 * the JSON the same commands print with --dry-run=client -o json; hand-made
 * bodies cover the hand-mapped types; every truncation of every capture and
 * a set of hostile bodies fail cleanly.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/proto.h"
#include "datalab/sandbox/schema.h"
#include "testutil.h"

#define DATA "tests/data/proto"

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t r;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, r);
	fclose(f);
	return buf_take(&b, n);
}

/* drop_nulls: kubectl prints "creationTimestamp": null, the decoder drops it */
static void drop_nulls(cJSON *o)
{
	cJSON *c = o ? o->child : NULL;

	while (c) {
		cJSON *next = c->next;

		if (cJSON_IsNull(c) && cJSON_IsObject(o))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
		else
			drop_nulls(c);
		c = next;
	}
}

static cJSON *decode_file(const char *path)
{
	size_t n;
	char *b = slurp(path, &n);
	struct error err = { 0 };
	cJSON *o = proto_decode(b, n, &err);

	ck_assert_msg(o != NULL, "%s: %s", path, err.msg);
	free(b);
	return o;
}

START_TEST(test_captures)
{
	DIR *d = opendir(DATA);
	struct dirent *e;
	int seen = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char pb[512], js[512];
		size_t len = strlen(e->d_name), n;
		char *text;
		cJSON *got, *want;
		struct error err = { 0 };

		if (len < 4 || strcmp(e->d_name + len - 3, ".pb") != 0)
			continue;
		snprintf(pb, sizeof(pb), "%s/%s", DATA, e->d_name);
		snprintf(js, sizeof(js), "%s/%.*s.json", DATA, (int)(len - 3), e->d_name);
		got = decode_file(pb);
		text = slurp(js, &n);
		want = json_parse(text, n, &err);
		ck_assert_msg(want != NULL, "%s: %s", js, err.msg);
		drop_nulls(want);
		if (!cJSON_Compare(got, want, true)) {
			struct buf a = BUF_INIT, b = BUF_INIT;

			json_print(&a, got, false);
			json_print(&b, want, false);
			ck_abort_msg("%s:\n got  %s\n want %s", e->d_name, a.data, b.data);
		}
		cJSON_Delete(got);
		cJSON_Delete(want);
		free(text);
		seen++;
	}
	closedir(d);
	ck_assert_int_ge(seen, 20);
}
END_TEST

/* helm's release Secret: the bytes are base64(gzip(JSON)) again */
START_TEST(test_helm_release)
{
	cJSON *o = decode_file(DATA "/helm-release-deployed.pb");
	struct buf once = BUF_INIT, twice = BUF_INIT;
	const char *rel = json_str(o, "data.release", "");

	ck_assert_str_eq(json_str(o, "type", ""), "helm.sh/release.v1");
	ck_assert_str_eq(json_str(o, "metadata.labels.owner", ""), "helm");
	ck_assert_str_eq(json_str(o, "metadata.labels.status", ""), "deployed");
	ck_assert_ptr_null(json_get(o, "metadata.namespace"));	/* "" dropped */
	ck_assert_ptr_null(json_get(o, "metadata.creationTimestamp"));
	ck_assert_int_eq(str_base64_decode(&once, rel, strlen(rel)), 0);
	ck_assert_int_eq(str_base64_decode(&twice, once.data, once.len), 0);
	ck_assert_uint_ge(twice.len, 3);
	ck_assert(memcmp(twice.data, "\x1f\x8b\x08", 3) == 0);
	buf_release(&once);
	buf_release(&twice);
	cJSON_Delete(o);
}
END_TEST

/* ---- a tiny encoder for hand-made bodies ---- */

static void put_varint(struct buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		if (v)
			c |= 0x80;
		buf_addc(b, (char)c);
	} while (v);
}

static void put_key(struct buf *b, unsigned num, unsigned wire)
{
	put_varint(b, (uint64_t)num << 3 | wire);
}

static void put_bytes(struct buf *b, unsigned num, const void *p, size_t n)
{
	put_key(b, num, 2);
	put_varint(b, n);
	buf_add(b, p, n);
}

static void put_str(struct buf *b, unsigned num, const char *s)
{
	put_bytes(b, num, s, strlen(s));
}

static void put_msg(struct buf *b, unsigned num, struct buf *m)
{
	put_bytes(b, num, m->data, m->len);
	buf_release(m);
}

static void put_int(struct buf *b, unsigned num, int64_t v)
{
	put_key(b, num, 0);
	put_varint(b, (uint64_t)v);
}

/* envelope: "k8s\0" + Unknown{typeMeta, raw} */
static char *envelope(const char *api_version, const char *kind, struct buf *raw, size_t *n)
{
	struct buf out = BUF_INIT, tm = BUF_INIT;

	buf_add(&out, "k8s\0", 4);
	put_str(&tm, 1, api_version);
	put_str(&tm, 2, kind);
	put_msg(&out, 1, &tm);
	put_msg(&out, 2, raw);
	put_str(&out, 4, "application/vnd.kubernetes.protobuf");
	return buf_take(&out, n);
}

/* expect_json: o equals the JSON text, key order aside */
static void expect_json(const cJSON *o, const char *text)
{
	cJSON *want = cJSON_Parse(text);
	struct buf got = BUF_INIT;

	ck_assert_ptr_nonnull(want);
	json_print(&got, o, false);
	ck_assert_msg(cJSON_Compare(o, want, true), "got %s\nwant %s", got.data, text);
	buf_release(&got);
	cJSON_Delete(want);
}

static cJSON *decode_buf(const char *p, size_t n, struct error *err)
{
	return proto_decode(p, n, err);
}

START_TEST(test_hand_types)
{
	struct buf pod = BUF_INIT, meta = BUF_INIT, t = BUF_INIT, spec = BUF_INIT, c = BUF_INIT;
	struct buf res = BUF_INIT, q = BUF_INIT, e = BUF_INIT, port = BUF_INIT, ios = BUF_INIT;
	struct buf probe = BUF_INIT, http = BUF_INIT, vol = BUF_INIT, ed = BUF_INIT, mf = BUF_INIT;
	struct buf raw = BUF_INIT, unk = BUF_INIT;
	struct error err = { 0 };
	size_t n;
	char *body;
	cJSON *o;
	static const char fields[] = "{\"f:data\":{\"f:x\":{}}}";

	/* ObjectMeta: name, zero namespace, time, labels with an empty value,
	 * a managedFields entry with FieldsV1 and a MicroTime-free Time */
	put_str(&meta, 1, "p");
	put_str(&meta, 3, "");
	put_int(&meta, 7, 0);
	put_int(&t, 1, 1700000000);
	put_int(&t, 2, 5);
	put_msg(&meta, 8, &t);
	{
		struct buf ent = BUF_INIT;

		put_str(&ent, 1, "app");
		put_str(&ent, 2, "");
		put_msg(&meta, 11, &ent);
	}
	put_str(&mf, 1, "kubectl");
	put_str(&mf, 2, "Apply");
	put_str(&mf, 6, "FieldsV1");
	{
		struct buf fv = BUF_INIT;

		put_bytes(&fv, 1, fields, strlen(fields));
		put_msg(&mf, 7, &fv);
	}
	put_msg(&meta, 17, &mf);
	put_int(&meta, 99, 42);			/* an unknown field is skipped */
	put_msg(&pod, 1, &meta);

	/* a container: resources (map of Quantity), env valueFrom, a port,
	 * a probe with an IntOrString port name, unknown varint */
	put_str(&c, 1, "main");
	put_str(&q, 1, "500m");
	{
		struct buf ent = BUF_INIT;

		put_str(&ent, 1, "cpu");
		put_msg(&ent, 2, &q);
		put_msg(&res, 2, &ent);
	}
	put_msg(&c, 8, &res);
	put_str(&e, 1, "PASSWORD");
	{
		struct buf src = BUF_INIT, ref = BUF_INIT, lor = BUF_INIT;

		put_str(&lor, 1, "s3");
		put_msg(&ref, 1, &lor);
		put_str(&ref, 2, "key");
		put_int(&ref, 3, 0);	/* optional: a pointer, false is kept */
		put_msg(&src, 4, &ref);
		put_msg(&e, 3, &src);
	}
	put_msg(&c, 7, &e);
	put_int(&port, 3, 8888);
	put_str(&port, 4, "TCP");
	put_msg(&c, 6, &port);
	put_int(&ios, 1, 1);
	put_str(&ios, 3, "http");
	put_str(&http, 1, "/healthz");
	put_msg(&http, 2, &ios);
	{
		struct buf h = BUF_INIT;

		put_msg(&h, 2, &http);
		put_msg(&probe, 1, &h);
	}
	put_int(&probe, 4, 10);
	put_msg(&c, 11, &probe);
	put_msg(&spec, 2, &c);
	/* a volume: its VolumeSource is inline; emptyDir with a sizeLimit */
	put_str(&vol, 1, "scratch");
	{
		struct buf vs = BUF_INIT, sl = BUF_INIT;

		put_str(&sl, 1, "1Gi");
		put_msg(&ed, 2, &sl);
		put_msg(&vs, 2, &ed);
		put_msg(&vol, 2, &vs);
	}
	put_msg(&spec, 1, &vol);
	put_int(&spec, 4, 30);		/* terminationGracePeriodSeconds */
	put_msg(&pod, 2, &spec);
	put_bytes(&unk, 1, "x", 1);
	put_msg(&pod, 77, &unk);
	body = envelope("v1", "Pod", &pod, &n);
	o = decode_buf(body, n, &err);
	ck_assert_msg(o != NULL, "%s", err.msg);
	json_print(&raw, o, false);
	expect_json(o,
		"{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\","
		"\"creationTimestamp\":\"2023-11-14T22:13:20Z\",\"labels\":{\"app\":\"\"},"
		"\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\","
		"\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":{\"f:x\":{}}}}]},"
		"\"spec\":{\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{\"sizeLimit\":\"1Gi\"}}],"
		"\"containers\":[{\"name\":\"main\",\"ports\":[{\"containerPort\":8888,\"protocol\":\"TCP\"}],"
		"\"env\":[{\"name\":\"PASSWORD\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s3\","
		"\"key\":\"key\",\"optional\":false}}}],\"resources\":{\"requests\":{\"cpu\":\"500m\"}},"
		"\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"},"
		"\"periodSeconds\":10}}],\"terminationGracePeriodSeconds\":30}}");
	(void)raw;
	buf_release(&raw);
	cJSON_Delete(o);
	free(body);
}
END_TEST

START_TEST(test_time_and_duration)
{
	struct buf ev = BUF_INIT, meta = BUF_INIT, t = BUF_INIT, raw = BUF_INIT;
	struct error err = { 0 };
	size_t n;
	char *body;
	cJSON *o;

	/* events.k8s.io/v1 Event: eventTime is a MicroTime */
	put_str(&meta, 1, "e1");
	put_msg(&ev, 1, &meta);
	put_int(&t, 1, 1735689600);
	put_int(&t, 2, 123456789);
	put_msg(&ev, 2, &t);
	put_str(&ev, 4, "default-scheduler");
	put_int(&ev, 99, -1);
	body = envelope("events.k8s.io/v1", "Event", &ev, &n);
	o = decode_buf(body, n, &err);
	ck_assert_msg(o != NULL, "%s", err.msg);
	json_print(&raw, o, false);
	ck_assert_str_eq(raw.data, "{\"kind\":\"Event\",\"apiVersion\":\"events.k8s.io/v1\","
			 "\"metadata\":{\"name\":\"e1\"},\"eventTime\":\"2025-01-01T00:00:00.123456Z\","
			 "\"reportingController\":\"default-scheduler\"}");
	buf_release(&raw);
	cJSON_Delete(o);
	free(body);
}
END_TEST

#define B(s) s, sizeof(s) - 1

START_TEST(test_errors)
{
	static const struct {
		const char *body;
		size_t n;
		int code;
		const char *msg;
	} rows[] = {
		{ B("{\"kind\":\"Pod\"}"), ERR_PARSE, "protobuf body without the k8s envelope" },
		{ B("k8s"), ERR_PARSE, "protobuf body without the k8s envelope" },
		{ B("k8s\0"), ERR_PARSE, "protobuf body without a kind" },
		{ B("k8s\0\x0a\x09\x0a\x02v1\x12\x03" "Foo"), ERR_UNSUPPORTED,
		  "no protobuf descriptor for kind 'Foo' in 'v1'" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x05\x0a\x80"), ERR_PARSE,
		  "malformed protobuf body: truncated envelope" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x02\x0a\x80"), ERR_PARSE,
		  "malformed protobuf body: length past the end in field metadata" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x02\x0b\x00"), ERR_PARSE,
		  "malformed protobuf body: expected a length-delimited value in field metadata" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x02\xf3\x00"), ERR_PARSE,
		  "malformed protobuf body: bad wire type" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x1a\x04gzip"), ERR_UNSUPPORTED,
		  "protobuf content encoding 'gzip' is not supported" },
		{ B("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x02\x08\x01"), ERR_PARSE,
		  "malformed protobuf body: expected a length-delimited value in field metadata" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		struct error err = { 0 };

		ck_assert_ptr_null(proto_decode(rows[i].body, rows[i].n, &err));
		ck_assert_int_eq(err.code, rows[i].code);
		ck_assert_str_eq(err.msg, rows[i].msg);
	}
	ck_assert(proto_is_envelope("k8s\0", 4));
	ck_assert(!proto_is_envelope("k8s", 3));
	ck_assert(!proto_is_envelope("{}", 2));
}
END_TEST

/* every prefix of every capture: an object or an error, never a crash */
START_TEST(test_truncations)
{
	DIR *d = opendir(DATA);
	struct dirent *e;

	while ((e = readdir(d))) {
		char pb[512];
		size_t len = strlen(e->d_name), n;
		char *b;

		if (len < 4 || strcmp(e->d_name + len - 3, ".pb") != 0)
			continue;
		snprintf(pb, sizeof(pb), "%s/%s", DATA, e->d_name);
		b = slurp(pb, &n);
		for (size_t cut = 0; cut < n; cut++) {
			struct error err = { 0 };
			cJSON *o = proto_decode(b, cut, &err);

			ck_assert(o != NULL || err.code != ERR_NONE);
			cJSON_Delete(o);
		}
		free(b);
	}
	closedir(d);
}
END_TEST

START_TEST(test_hostile)
{
	struct buf raw = BUF_INIT, big = BUF_INIT, meta = BUF_INIT;
	struct error err = { 0 };
	size_t n;
	char *body;
	cJSON *o;

	/* a 10-byte varint overflow, a length of 2^62 */
	buf_add(&raw, "\x38\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12);
	body = envelope("v1", "Secret", &raw, &n);
	ck_assert_ptr_null(proto_decode(body, n, &err));
	free(body);
	put_key(&raw, 1, 2);
	put_varint(&raw, (uint64_t)1 << 62);
	body = envelope("v1", "Secret", &raw, &n);
	ck_assert_ptr_null(proto_decode(body, n, &err));
	free(body);
	/* 100,000 map entries: decoded, bounded by the body */
	for (int i = 0; i < 100000; i++) {
		struct buf ent = BUF_INIT;
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		put_str(&ent, 1, k);
		put_str(&ent, 2, "v");
		put_msg(&big, 11, &ent);
	}
	put_msg(&raw, 1, &big);
	body = envelope("v1", "ConfigMap", &raw, &n);
	o = proto_decode(body, n, &err);
	ck_assert_msg(o != NULL, "%s", err.msg);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(o, "metadata.labels")), 100000);
	cJSON_Delete(o);
	free(body);
	/* invalid UTF-8 and NUL in a string become U+FFFD, as Go's json does */
	put_bytes(&meta, 1, "a\xff" "b\0c", 5);
	put_msg(&raw, 1, &meta);
	body = envelope("v1", "ConfigMap", &raw, &n);
	o = proto_decode(body, n, &err);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_str(o, "metadata.name", ""), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	cJSON_Delete(o);
	free(body);
	/* a repeated map key keeps its last value */
	{
		static const char *const kv[][2] = { { "a", "1" }, { "b", "2" }, { "a", "3" } };

		for (size_t i = 0; i < 3; i++) {
			struct buf ent = BUF_INIT;

			put_str(&ent, 1, kv[i][0]);
			put_str(&ent, 2, kv[i][1]);
			put_msg(&meta, 11, &ent);
		}
		put_msg(&raw, 1, &meta);
		body = envelope("v1", "ConfigMap", &raw, &n);
		o = proto_decode(body, n, &err);
		expect_json(o, "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
			    "{\"labels\":{\"b\":\"2\",\"a\":\"3\"}}}");
		cJSON_Delete(o);
		free(body);
	}
	/* over the size cap */
	ck_assert_ptr_null(proto_decode("k8s\0", (32u << 20), &err));
	ck_assert_int_eq(err.code, ERR_LIMIT);
}
END_TEST

/* the table: field numbers the brief and PROTOCOLS.md name */
START_TEST(test_schema_facts)
{
	const struct schema_msg *secret = schema_kind_msg("v1", "Secret");
	const struct schema_msg *meta = schema_field_msg(schema_field_by_name(secret, "metadata"));
	const struct schema_msg *dep = schema_kind_msg("apps/v1", "Deployment");
	const struct schema_msg *vol;

	ck_assert_int_eq(schema_field_by_name(secret, "data")->num, 2);
	ck_assert_int_eq(schema_field_by_name(secret, "type")->num, 3);
	ck_assert_int_eq(schema_field_by_name(secret, "stringData")->num, 4);
	ck_assert_int_eq(schema_field_by_name(meta, "managedFields")->num, 17);
	ck_assert_int_eq(schema_field_by_name(meta, "ownerReferences")->num, 13);
	ck_assert_int_eq(schema_field_by_name(meta, "finalizers")->num, 14);
	ck_assert_ptr_nonnull(dep);
	ck_assert_ptr_eq(schema_kind_msg(NULL, "DeleteOptions"), schema_kind_msg("apps/v1", "DeleteOptions"));
	ck_assert_ptr_null(schema_kind_msg("v1", "Nope"));
	vol = schema_msgs + schema_field_by_name(schema_kind_msg("v1", "Pod"), "spec")->msg;
	vol = schema_field_msg(schema_field_by_name(vol, "volumes"));
	ck_assert_str_eq(vol->name, "Volume");
	/* the inline VolumeSource's fields are found as Volume's own */
	ck_assert_ptr_nonnull(schema_field_by_name(vol, "configMap"));
	ck_assert_ptr_null(schema_field_by_name(vol, "volumeSource"));
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("sb_proto");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_captures);
	tcase_add_test(tc, test_helm_release);
	tcase_add_test(tc, test_hand_types);
	tcase_add_test(tc, test_time_and_duration);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_schema_facts);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(proto_suite)
