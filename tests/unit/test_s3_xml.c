/*
 * test_s3_xml.c: s3/xml against every S3 sample in the shared test data
 * (botocore's and aws-c-s3's recorded replies, the derived pages) and
 * every hostile XML file; the request bodies it writes parse back.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/s3/xml.h"
#include "testutil.h"

static void load(const char *rel, struct buf *b)
{
	char *path = xasprintf("%s/%s", TESTDATA, rel);
	struct error err;

	buf_init(b, 0);
	ck_assert_msg(file_read(path, b, &err) == 0, "%s: %s", path, err.msg);
	free(path);
}

static int parse_file(const char *rel, struct s3_doc *doc, struct error *err)
{
	struct buf b;
	int rc;

	load(rel, &b);
	rc = s3_xml_parse(b.data, b.len, doc, err);
	buf_release(&b);
	return rc;
}

/* aws-c-s3 mock replies: {"status", "headers", "body": [lines]}. */
static int parse_mock(const char *name, struct s3_doc *doc, struct error *err)
{
	struct buf b, body = BUF_INIT;
	cJSON *j, *line;
	char *rel = xasprintf("s3/verbatim/aws-c-s3/%s", name);
	int rc;

	load(rel, &b);
	j = cJSON_ParseWithLength(b.data, b.len);
	ck_assert_ptr_nonnull(j);
	cJSON_ArrayForEach(line, cJSON_GetObjectItem(j, "body")) {
		buf_adds(&body, line->valuestring);
		buf_addc(&body, '\n');
	}
	rc = s3_xml_parse(body.data, body.len, doc, err);
	cJSON_Delete(j);
	buf_release(&b);
	buf_release(&body);
	free(rel);
	return rc;
}

START_TEST(test_list_buckets)
{
	struct s3_doc d;
	struct error err;

	ck_assert_int_eq(parse_file("s3/verbatim/botocore/s3-list-buckets.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_BUCKETS);
	ck_assert_uint_eq(d.nbuckets, 36);
	ck_assert_str_eq(d.buckets[0].name, "botostats");
	ck_assert_int_eq(d.buckets[0].created, 1329759932);	/* 2012-02-20T17:45:32Z */
	ck_assert_str_eq(d.owner_name, "mitchaws");
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_list_v2_pages)
{
	struct s3_doc d;
	struct error err;
	struct s3_listing *l = &d.listing;

	ck_assert_int_eq(parse_file("s3/derived/list-objects-v2-page1.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_LISTING);
	ck_assert(l->v2);
	ck_assert(l->truncated);
	ck_assert_str_eq(l->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	ck_assert_uint_eq(l->nobjects, 3);
	ck_assert_uint_eq(l->nprefixes, 2);
	ck_assert_int_eq(l->key_count, 5);
	ck_assert_str_eq(l->objects[1].key, "big-model.safetensors");
	ck_assert_int_eq(l->objects[1].size, 5368709120LL);
	ck_assert_str_eq(l->objects[1].etag, "9b2cf535f27731c974343645a3985328-161");
	ck_assert_str_eq(l->objects[2].key, "données & résultats.csv");
	ck_assert_int_eq(l->objects[2].size, 0);
	ck_assert_str_eq(l->prefixes[0].prefix, "diffusion/");
	ck_assert_str_eq(l->prefixes[1].prefix, "notebooks/");
	ck_assert_str_eq(l->delimiter, "/");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/derived/list-objects-v2-page2.xml", &d, &err), 0);
	ck_assert(!l->truncated);
	ck_assert_ptr_null(l->next_token);
	ck_assert_str_eq(l->token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	ck_assert_uint_eq(l->nobjects, 2);
	ck_assert_str_eq(l->objects[0].key, "zzz/");
	ck_assert_str_eq(l->objects[1].key, "日本語/ファイル.txt");
	ck_assert_int_eq(l->objects[1].mtime, 1710241260);	/* 2024-03-12T11:01:00Z */
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/derived/list-objects-v2-empty.xml", &d, &err), 0);
	ck_assert_uint_eq(l->nobjects + l->nprefixes, 0);
	ck_assert_int_eq(l->key_count, 0);
	ck_assert_str_eq(l->prefix, "nothing-here/");
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_list_encoding_url)
{
	struct s3_doc d;
	struct error err;
	struct s3_listing *l = &d.listing;

	ck_assert_int_eq(parse_file("s3/derived/list-objects-v2-encoding-url.xml", &d, &err), 0);
	ck_assert_str_eq(l->prefix, "données/");
	ck_assert_str_eq(l->objects[0].key, "données/résultat.parquet");
	ck_assert_uint_eq(l->objects[1].key_len, strlen("données/ctrl\001char\n.txt"));
	ck_assert_mem_eq(l->objects[1].key, "données/ctrl\001char\n.txt", l->objects[1].key_len);
	ck_assert_uint_eq(l->undecodable, 0);
	s3_xml_release(&d);

	/* '+' is a space in S3's url encoding (botocore unquote_plus) */
	{
		static const char doc[] = "<ListBucketResult><EncodingType>url</EncodingType><Contents>"
					  "<Key>a+b%2Bc</Key></Contents></ListBucketResult>";

		ck_assert_int_eq(s3_xml_parse(doc, sizeof(doc) - 1, &d, &err), 0);
		ck_assert_str_eq(l->objects[0].key, "a b+c");
		s3_xml_release(&d);
	}
}
END_TEST

START_TEST(test_list_v1)
{
	struct s3_doc d;
	struct error err;
	static const char trunc[] = "<ListBucketResult><Marker></Marker><IsTruncated>true</IsTruncated>"
				    "<Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents>"
				    "<CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes></ListBucketResult>";

	ck_assert_int_eq(parse_file("s3/verbatim/botocore/s3-list-objects.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_LISTING);
	ck_assert(!d.listing.v2);
	ck_assert_str_eq(d.listing.objects[0].key, "key1");
	ck_assert_int_eq(d.listing.objects[0].size, 10000);
	ck_assert_str_eq(d.listing.objects[0].etag, "1d921b22129502cbbe5cbaf2c8bac682");
	ck_assert_str_eq(d.listing.marker, "");
	s3_xml_release(&d);

	/* v1 truncated without NextMarker: continue after the last name */
	ck_assert_int_eq(s3_xml_parse(trunc, sizeof(trunc) - 1, &d, &err), 0);
	ck_assert_str_eq(d.listing.next_marker, "c/");
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_errors)
{
	struct s3_doc d;
	struct error err;

	ck_assert_int_eq(parse_file("s3/derived/error-nosuchkey.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_ERROR);
	ck_assert_str_eq(d.error.code, "NoSuchKey");
	ck_assert_str_eq(d.error.key, "notebooks/missing.ipynb");
	ck_assert_str_eq(d.error.bucket, "user-alice");
	ck_assert_str_eq(d.error.request_id, "17BC2D3E4F5A6B7C");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/derived/error-nosuchbucket.xml", &d, &err), 0);
	ck_assert_str_eq(d.error.code, "NoSuchBucket");
	ck_assert_str_eq(d.error.resource, "/user-bob");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/derived/error-signaturedoesnotmatch.xml", &d, &err), 0);
	ck_assert_str_eq(d.error.code, "SignatureDoesNotMatch");
	ck_assert(str_has_prefix(d.error.canonical_request, "GET\n/test.txt\n\nhost:examplebucket"));
	ck_assert(str_has_prefix(d.error.string_to_sign, "AWS4-HMAC-SHA256\n20130524T000000Z\n"));
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/verbatim/botocore/error-s3-create-bucket.xml", &d, &err), 0);
	ck_assert_str_eq(d.error.code, "BucketAlreadyOwnedByYou");
	s3_xml_release(&d);
	ck_assert_int_eq(parse_file("s3/verbatim/botocore/error-s3-list-objects.xml", &d, &err), 0);
	ck_assert_str_eq(d.error.code, "AccessDenied");
	ck_assert_str_eq(d.error.message, "Access Denied");
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_multipart_docs)
{
	struct s3_doc d;
	struct error err;

	ck_assert_int_eq(parse_mock("CreateMultipartUpload-default.json", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_INITIATE);
	ck_assert_str_eq(d.upload_id, "defaultID");
	ck_assert_str_eq(d.bucket, "default");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_mock("CompleteMultipartUpload-default.json", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_COMPLETE);
	ck_assert_str_eq(d.etag, "3858f62230ac3c915f300c664312c11f-9");
	ck_assert_str_eq(d.location, "http://default.s3.us-west-2.amazonaws.com/default");
	s3_xml_release(&d);

	/* a 200 whose body is an <Error>: the kind says so */
	ck_assert_int_eq(parse_mock("CompleteMultipartUpload-async_internal_error.json", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_ERROR);
	ck_assert_str_eq(d.error.code, "InternalError");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_mock("ListParts-multiple_list_parts_1.json", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_PARTS);
	ck_assert_uint_eq(d.nparts, 1);
	ck_assert_int_eq(d.parts[0].number, 2);
	ck_assert_int_eq(d.parts[0].size, 8388608);
	ck_assert_str_eq(d.parts[0].etag, "7778aef83f66abc1fa1e8477f296d394");
	ck_assert(d.parts_truncated);
	ck_assert_int_eq(d.next_part_marker, 2);
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_other_docs)
{
	struct s3_doc d;
	struct error err;
	static const char copy[] = "<?xml version=\"1.0\"?><CopyObjectResult><LastModified>2009-10-12T17:50:30.000Z"
				   "</LastModified><ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyObjectResult>";
	static const char empty_loc[] = "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";

	ck_assert_int_eq(parse_file("s3/derived/delete-objects-result.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_DELETE);
	ck_assert_uint_eq(d.ndeleted, 2);
	ck_assert_uint_eq(d.nfailed, 1);
	ck_assert_str_eq(d.deleted[0].key, "notebooks/a.ipynb");
	ck_assert_ptr_null(d.deleted[0].code);
	ck_assert_str_eq(d.deleted[1].key, "données & résultats.csv");
	ck_assert_str_eq(d.deleted[1].code, "AccessDenied");
	s3_xml_release(&d);

	ck_assert_int_eq(s3_xml_parse(copy, sizeof(copy) - 1, &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_COPY);
	ck_assert_str_eq(d.etag, "9b2cf535f27731c974343645a3985328");
	ck_assert_int_eq(d.mtime, 1255369830);
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("s3/verbatim/botocore/s3-get-bucket-location.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_LOCATION);
	ck_assert_str_eq(d.region, "EU");
	s3_xml_release(&d);
	ck_assert_int_eq(s3_xml_parse(empty_loc, sizeof(empty_loc) - 1, &d, &err), 0);
	ck_assert_str_eq(d.region, "");
	s3_xml_release(&d);

	/* documents we do not model still parse, as UNKNOWN with their root */
	ck_assert_int_eq(parse_file("s3/verbatim/botocore/s3-list-object-versions.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_UNKNOWN);
	ck_assert_str_eq(d.root, "ListVersionsResult");
	s3_xml_release(&d);
	ck_assert_int_eq(parse_file("s3/verbatim/botocore/s3-list-multipart-uploads.xml", &d, &err), 0);
	ck_assert_str_eq(d.root, "ListMultipartUploadsResult");
	s3_xml_release(&d);
}
END_TEST

/* Every hostile file: either a clean error or a bounded document. */
START_TEST(test_hostile_refused)
{
	static const struct {
		const char *file;
		int code;
	} bad[] = {
		{ "billion-laughs.xml", ERR_PARSE },
		{ "external-entity-xxe.xml", ERR_PARSE },
		{ "deep-nesting-100k.xml", ERR_LIMIT },
		{ "malformed-unclosed.xml", ERR_PARSE },
		{ "malformed-mismatched-tags.xml", ERR_PARSE },
		{ "invalid-utf8.xml", ERR_PARSE },
		{ "raw-control-chars-in-key.xml", ERR_PARSE },
		{ "charref-control-chars.xml", ERR_PARSE },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++) {
		struct s3_doc d;
		struct error err;
		char *rel = xasprintf("hostile/xml/%s", bad[i].file);

		ck_assert_msg(parse_file(rel, &d, &err) == -1, "%s parsed", bad[i].file);
		ck_assert_msg(err.code == bad[i].code, "%s: %s", bad[i].file, err.msg);
		ck_assert_int_eq(d.kind, S3_DOC_UNKNOWN);
		ck_assert_ptr_null(d.root);
		s3_xml_release(&d);
		free(rel);
	}
}
END_TEST

START_TEST(test_hostile_listings)
{
	struct s3_doc d;
	struct error err;
	struct s3_listing *l = &d.listing;

	ck_assert_int_eq(parse_file("hostile/xml/list-objects-v2-traversal-keys.xml", &d, &err), 0);
	ck_assert_uint_eq(l->nobjects, 37);
	ck_assert_uint_eq(l->nprefixes, 2);
	ck_assert_str_eq(l->objects[0].key, "../../etc/passwd");
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("hostile/xml/list-objects-v2-url-encoded-escapes.xml", &d, &err), 0);
	ck_assert_uint_eq(l->nobjects, 17);
	ck_assert_mem_eq(l->objects[0].key, "\033]52;c;ZWNobyBwd25lZA==\a", l->objects[0].key_len);
	ck_assert_uint_eq(l->objects[14].key_len, strlen("before") + 1 + strlen("after"));
	ck_assert_mem_eq(l->objects[14].key, "before\0after", l->objects[14].key_len);
	ck_assert_uint_eq(l->undecodable, 1);
	ck_assert_str_eq(l->objects[16].key, "bad-percent-%zz-%");
	/* whatever the keys hold, sanitizing them leaves no control */
	for (size_t i = 0; i < l->nobjects; i++) {
		struct buf b = BUF_INIT;

		utf8_sanitize(&b, l->objects[i].key, l->objects[i].key_len, 0);
		for (size_t k = 0; k < b.len; k++)
			ck_assert((unsigned char)b.data[k] >= 0x20 && b.data[k] != 0x7f);
		ck_assert(utf8_valid(b.data, b.len));
		buf_release(&b);
	}
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("hostile/xml/list-objects-v2-truncated-without-token.xml", &d, &err), 0);
	ck_assert(l->truncated);
	ck_assert_ptr_null(l->next_token);
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("hostile/xml/list-objects-v2-token-loop.xml", &d, &err), 0);
	ck_assert_str_eq(l->token, l->next_token);
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("hostile/xml/list-objects-v2-bad-numbers.xml", &d, &err), 0);
	ck_assert_int_eq(l->key_count, -1);
	ck_assert(!l->truncated);	/* "maybe" */
	ck_assert_uint_eq(l->nobjects, 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(l->objects[i].size, -1);
	ck_assert_int_eq(l->objects[3].mtime, 0);
	s3_xml_release(&d);

	ck_assert_int_eq(parse_file("hostile/xml/error-with-escapes.xml", &d, &err), 0);
	ck_assert_int_eq(d.kind, S3_DOC_ERROR);
	ck_assert_str_eq(d.error.code, "AccessDenied");
	s3_xml_release(&d);
}
END_TEST

START_TEST(test_caps)
{
	struct buf b = BUF_INIT;
	struct s3_doc d;
	struct error err;

	/* one element's text over 64 KiB */
	buf_adds(&b, "<ListBucketResult><Contents><Key>");
	for (int i = 0; i < 70000; i++)
		buf_addc(&b, 'k');
	buf_adds(&b, "</Key></Contents></ListBucketResult>");
	ck_assert_int_eq(s3_xml_parse(b.data, b.len, &d, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	s3_xml_release(&d);
	buf_reset(&b);

	/* more items than the cap */
	buf_adds(&b, "<ListBucketResult>");
	for (unsigned i = 0; i <= S3_XML_MAX_ITEMS; i++)
		buf_adds(&b, "<Contents/>");
	buf_adds(&b, "</ListBucketResult>");
	ck_assert_int_eq(s3_xml_parse(b.data, b.len, &d, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	s3_xml_release(&d);
	buf_release(&b);

	/* an empty body is not a document */
	ck_assert_int_eq(s3_xml_parse("", 0, &d, &err), -1);
	ck_assert_int_eq(err.code, ERR_PARSE);
}
END_TEST

START_TEST(test_write_bodies)
{
	struct buf b = BUF_INIT;
	struct s3_doc d;
	struct error err;
	struct s3_part parts[2] = { { 1, (char *)"a54357aff0632cce46d942af68356b38", 0, 0 },
				    { 2, (char *)"0c78aef83f66abc1fa1e8477f296d394", 0, 0 } };
	struct s3_key keys[3] = { { "notebooks/a.ipynb", 17 }, { "données & <résultats>.csv", 27 },
				  { "tab\there\r\n", 10 } };
	struct s3_key nul = { "a\0b", 3 }, esc = { "\033[2J", 4 };

	ck_assert_int_eq(s3_xml_complete_body(&b, parts, 2), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "<Part><PartNumber>2</PartNumber><ETag>&quot;0c78aef83f66abc1fa1e8477f296d394"
					    "&quot;</ETag></Part>"));
	buf_reset(&b);

	ck_assert_int_eq(s3_xml_delete_body(&b, keys, 3, true), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "<Quiet>true</Quiet>"));
	buf_reset(&b);
	ck_assert_int_eq(s3_xml_delete_body(&b, &nul, 1, false), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(s3_xml_delete_body(&b, &esc, 1, false), -1);
	buf_reset(&b);

	/* keys written by s3_xml_escape read back byte for byte */
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&b);
		buf_adds(&b, "<DeleteResult><Deleted><Key>");
		ck_assert_int_eq(s3_xml_escape(&b, keys[i].key, keys[i].len), 0);
		buf_adds(&b, "</Key></Deleted></DeleteResult>");
		ck_assert_int_eq(s3_xml_parse(b.data, b.len, &d, &err), 0);
		ck_assert_uint_eq(d.deleted[0].key_len, keys[i].len);
		ck_assert_mem_eq(d.deleted[0].key, keys[i].key, keys[i].len);
		s3_xml_release(&d);
	}
	buf_release(&b);
}
END_TEST

static Suite *s3_xml_suite(void)
{
	Suite *s = suite_create("s3_xml");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_list_buckets);
	tcase_add_test(tc, test_list_v2_pages);
	tcase_add_test(tc, test_list_encoding_url);
	tcase_add_test(tc, test_list_v1);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_multipart_docs);
	tcase_add_test(tc, test_other_docs);
	tcase_add_test(tc, test_hostile_refused);
	tcase_add_test(tc, test_hostile_listings);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_write_bodies);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_xml_suite)
