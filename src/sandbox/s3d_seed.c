/*
 * s3d_seed.c: credentials, client configuration files, and the default
 * buckets with generated sample data (see s3d_seed.h).  The Parquet writer
 * emits one row group of REQUIRED columns, PLAIN-encoded v1 data pages,
 * no compression, and a FileMetaData footer in Thrift's compact protocol
 * (field-id deltas, zigzag varints), which is all a reader needs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/s3d_seed.h"
#include "datalab/sandbox/s3d_sum.h"

/* ---- credentials ---- */

int s3d_seed_keys(const char *data_dir, const char *ak, const char *sk, struct s3d_keys *out, struct error *err)
{
	char *path = xasprintf("%s/.s3d/credentials.json", data_dir);
	struct buf b;
	cJSON *o = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (ak && sk) {
		str_copy(out->access_key, ak, sizeof(out->access_key));
		str_copy(out->secret_key, sk, sizeof(out->secret_key));
		free(path);
		return 0;
	}
	buf_init(&b, 1u << 16);
	if (file_read(path, &b, NULL) == 0 && (o = json_parse(b.data, b.len, NULL)) &&
	    json_str(o, "access_key", NULL) && json_str(o, "secret_key", NULL)) {
		str_copy(out->access_key, json_str(o, "access_key", ""), sizeof(out->access_key));
		str_copy(out->secret_key, json_str(o, "secret_key", ""), sizeof(out->secret_key));
	} else {
		char a[21], s[41];
		char *text;

		/* AWS-looking: 20 upper-case characters, a 40-character secret */
		str_random_alnum(a, 20);
		for (char *p = a; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		memcpy(a, "DLSB", 4);
		str_random_alnum(s, 40);
		str_copy(out->access_key, a, sizeof(out->access_key));
		str_copy(out->secret_key, s, sizeof(out->secret_key));
		text = xasprintf("{\"access_key\":\"%s\",\"secret_key\":\"%s\"}\n", a, s);
		rc = file_write_atomic(path, text, strlen(text), 0600, err);
		free(text);
	}
	cJSON_Delete(o);
	buf_release(&b);
	free(path);
	return rc;
}

/* ---- client configuration ---- */

int s3d_seed_write_env(const struct s3d_env *e, const char *dir, struct error *err)
{
	const char *scheme = e->tls ? "https" : "http";
	struct buf env, s3cfg, rclone;
	char *p;
	int rc = 0;

	buf_init(&env, 0);
	buf_addf(&env,
		 "# datalab-sandbox S3: source this file (. s3.env)\n"
		 "export AWS_ACCESS_KEY_ID='%s'\n"
		 "export AWS_SECRET_ACCESS_KEY='%s'\n"
		 "export AWS_DEFAULT_REGION='%s'\n"
		 "export DATALAB_S3_ENDPOINT='%s://%s:%d'\n"
		 "export AWS_ENDPOINT_URL='%s://%s:%d'\n",
		 e->access_key, e->secret_key, e->region, scheme, e->host, e->port, scheme, e->host, e->port);
	if (e->tls && e->ca_path)
		buf_addf(&env, "export AWS_CA_BUNDLE='%s'\n", e->ca_path);
	buf_init(&s3cfg, 0);
	buf_addf(&s3cfg,
		 "# datalab-sandbox S3, for s3cmd -c\n"
		 "[default]\n"
		 "access_key = %s\n"
		 "secret_key = %s\n"
		 "host_base = %s:%d\n"
		 "host_bucket = %s:%d\n"
		 "bucket_location = %s\n"
		 "use_https = %s\n"
		 "signature_v2 = False\n",
		 e->access_key, e->secret_key, e->host, e->port, e->host, e->port, e->region,
		 e->tls ? "True" : "False");
	if (e->tls && e->ca_path)
		buf_addf(&s3cfg, "ca_certs_file = %s\ncheck_ssl_certificate = True\n", e->ca_path);
	buf_init(&rclone, 0);
	buf_addf(&rclone,
		 "# datalab-sandbox S3, for rclone --config\n"
		 "[sandbox]\n"
		 "type = s3\n"
		 "provider = Other\n"
		 "env_auth = false\n"
		 "access_key_id = %s\n"
		 "secret_access_key = %s\n"
		 "region = %s\n"
		 "endpoint = %s://%s:%d\n"
		 "force_path_style = true\n",
		 e->access_key, e->secret_key, e->region, scheme, e->host, e->port);
	p = file_join(dir, "s3.env");
	if (file_write_atomic(p, env.data, env.len, 0600, err) < 0)
		rc = -1;
	free(p);
	p = file_join(dir, "s3cfg");
	if (rc == 0 && file_write_atomic(p, s3cfg.data, s3cfg.len, 0600, err) < 0)
		rc = -1;
	free(p);
	p = file_join(dir, "rclone.conf");
	if (rc == 0 && file_write_atomic(p, rclone.data, rclone.len, 0600, err) < 0)
		rc = -1;
	free(p);
	buf_release(&env);
	buf_release(&s3cfg);
	buf_release(&rclone);
	return rc;
}

/* ---- sample data ---- */

struct city {
	const char *name;
	int64_t population;
	double lat, lon;
};

static const struct city cities[] = {
	{ "Paris", 2102650, 48.8566, 2.3522 },
	{ "Marseille", 873076, 43.2965, 5.3698 },
	{ "Lyon", 522250, 45.7640, 4.8357 },
	{ "Toulouse", 504078, 43.6047, 1.4442 },
	{ "Nice", 348085, 43.7102, 7.2620 },
	{ "Nantes", 323204, 47.2184, -1.5536 },
	{ "Montpellier", 302454, 43.6108, 3.8767 },
	{ "Strasbourg", 291709, 48.5734, 7.7521 },
	{ "Bordeaux", 261804, 44.8378, -0.5792 },
	{ "Lille", 236710, 50.6292, 3.0573 },
	{ "Rennes", 225081, 48.1173, -1.6778 },
	{ "Saint-Étienne", 173089, 45.4397, 4.3872 },
};

void s3d_seed_csv(struct buf *out)
{
	buf_adds(out, "name,population,lat,lon\n");
	for (size_t i = 0; i < DL_ARRAY_LEN(cities); i++)
		buf_addf(out, "%s,%lld,%.4f,%.4f\n", cities[i].name, (long long)cities[i].population, cities[i].lat,
			 cities[i].lon);
}

static void measures_csv(struct buf *out)
{
	uint32_t x = 12345;

	buf_adds(out, "id,sensor,temperature,humidity\n");
	for (int i = 0; i < 1000; i++) {
		x = x * 1103515245u + 12345u;
		buf_addf(out, "%d,s%02u,%.2f,%.1f\n", i, (x >> 16) % 12, 12.0 + 10.0 * sin(i / 40.0) + (x % 100) / 100.0,
			 40.0 + (x >> 8) % 50);
	}
}

/* Thrift compact protocol, as much as a Parquet footer needs. */
struct tc {
	struct buf *b;
	int last[8];
	int depth;
};

static void tc_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_addc(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_addc(b, (char)v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

enum { TC_I32 = 5, TC_I64 = 6, TC_BINARY = 8, TC_LIST = 9, TC_STRUCT = 12 };

static void tc_field(struct tc *t, int id, int type)
{
	int delta = id - t->last[t->depth];

	if (delta > 0 && delta <= 15) {
		buf_addc(t->b, (char)((delta << 4) | type));
	} else {
		buf_addc(t->b, (char)type);
		tc_varint(t->b, zigzag(id));
	}
	t->last[t->depth] = id;
}

static void tc_i32(struct tc *t, int id, int32_t v)
{
	tc_field(t, id, TC_I32);
	tc_varint(t->b, zigzag(v));
}

static void tc_i64(struct tc *t, int id, int64_t v)
{
	tc_field(t, id, TC_I64);
	tc_varint(t->b, zigzag(v));
}

static void tc_str(struct tc *t, int id, const char *s)
{
	tc_field(t, id, TC_BINARY);
	tc_varint(t->b, strlen(s));
	buf_adds(t->b, s);
}

static void tc_list(struct tc *t, int id, int etype, size_t n)
{
	tc_field(t, id, TC_LIST);
	if (n < 15) {
		buf_addc(t->b, (char)((n << 4) | (size_t)etype));
	} else {
		buf_addc(t->b, (char)(0xF0 | etype));
		tc_varint(t->b, n);
	}
}

static void tc_begin(struct tc *t)	/* a struct: as a field or a list element */
{
	t->last[++t->depth] = 0;
}

static void tc_struct(struct tc *t, int id)
{
	tc_field(t, id, TC_STRUCT);
	tc_begin(t);
}

static void tc_end(struct tc *t)
{
	buf_addc(t->b, 0);
	t->depth--;
}

enum { PQ_INT64 = 2, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6 };

struct pq_col {
	const char *name;
	int type;
	struct buf data;
	int64_t page_offset, chunk_size;
};

static void le64(struct buf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		buf_addc(b, (char)(v >> (8 * i)));
}

static void le32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf_addc(b, (char)(v >> (8 * i)));
}

void s3d_seed_parquet(struct buf *out)
{
	struct pq_col col[4] = {
		{ "name", PQ_BYTE_ARRAY, BUF_INIT, 0, 0 },
		{ "population", PQ_INT64, BUF_INIT, 0, 0 },
		{ "lat", PQ_DOUBLE, BUF_INIT, 0, 0 },
		{ "lon", PQ_DOUBLE, BUF_INIT, 0, 0 },
	};
	size_t rows = DL_ARRAY_LEN(cities), footer_at;
	struct tc t = { 0 };
	int64_t total = 0;

	for (size_t i = 0; i < rows; i++) {
		uint64_t bits;

		le32(&col[0].data, (uint32_t)strlen(cities[i].name));
		buf_adds(&col[0].data, cities[i].name);
		le64(&col[1].data, (uint64_t)cities[i].population);
		memcpy(&bits, &cities[i].lat, 8);
		le64(&col[2].data, bits);
		memcpy(&bits, &cities[i].lon, 8);
		le64(&col[3].data, bits);
	}
	buf_adds(out, "PAR1");
	for (int c = 0; c < 4; c++) {
		struct buf hdr = BUF_INIT;
		struct tc h = { &hdr, { 0 }, 0 };

		tc_i32(&h, 1, 0);			/* DATA_PAGE */
		tc_i32(&h, 2, (int32_t)col[c].data.len);
		tc_i32(&h, 3, (int32_t)col[c].data.len);
		tc_struct(&h, 5);			/* DataPageHeader */
		tc_i32(&h, 1, (int32_t)rows);
		tc_i32(&h, 2, 0);			/* PLAIN */
		tc_i32(&h, 3, 3);			/* RLE */
		tc_i32(&h, 4, 3);
		tc_end(&h);
		buf_addc(&hdr, 0);			/* end of PageHeader */
		col[c].page_offset = (int64_t)out->len;
		col[c].chunk_size = (int64_t)(hdr.len + col[c].data.len);
		total += col[c].chunk_size;
		buf_add(out, hdr.data, hdr.len);
		buf_add(out, col[c].data.data, col[c].data.len);
		buf_release(&hdr);
	}
	footer_at = out->len;
	t.b = out;
	tc_i32(&t, 1, 1);				/* version */
	tc_list(&t, 2, TC_STRUCT, 5);			/* schema */
	tc_begin(&t);
	tc_str(&t, 4, "schema");
	tc_i32(&t, 5, 4);
	tc_end(&t);
	for (int c = 0; c < 4; c++) {
		tc_begin(&t);
		tc_i32(&t, 1, col[c].type);
		tc_i32(&t, 3, 0);			/* REQUIRED */
		tc_str(&t, 4, col[c].name);
		if (col[c].type == PQ_BYTE_ARRAY)
			tc_i32(&t, 6, 0);		/* UTF8 */
		tc_end(&t);
	}
	tc_i64(&t, 3, (int64_t)rows);
	tc_list(&t, 4, TC_STRUCT, 1);			/* row_groups */
	tc_begin(&t);
	tc_list(&t, 1, TC_STRUCT, 4);			/* columns */
	for (int c = 0; c < 4; c++) {
		tc_begin(&t);
		tc_i64(&t, 2, col[c].page_offset);	/* file_offset */
		tc_struct(&t, 3);			/* ColumnMetaData */
		tc_i32(&t, 1, col[c].type);
		tc_list(&t, 2, TC_I32, 1);
		tc_varint(out, zigzag(0));		/* PLAIN */
		tc_list(&t, 3, TC_BINARY, 1);
		tc_varint(out, strlen(col[c].name));
		buf_adds(out, col[c].name);
		tc_i32(&t, 4, 0);			/* UNCOMPRESSED */
		tc_i64(&t, 5, (int64_t)rows);
		tc_i64(&t, 6, col[c].chunk_size);
		tc_i64(&t, 7, col[c].chunk_size);
		tc_i64(&t, 9, col[c].page_offset);
		tc_end(&t);
		tc_end(&t);
	}
	tc_i64(&t, 2, total);
	tc_i64(&t, 3, (int64_t)rows);
	tc_end(&t);
	tc_str(&t, 6, "datalab-sandbox");
	buf_addc(out, 0);				/* end of FileMetaData */
	le32(out, (uint32_t)(out->len - footer_at));
	buf_adds(out, "PAR1");
	for (int c = 0; c < 4; c++)
		buf_release(&col[c].data);
}

static void be32(struct buf *b, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		buf_addc(b, (char)(v >> (8 * i)));
}

static void png_chunk(struct buf *out, const char *type, const struct buf *data)
{
	uint32_t crc = s3d_sum_crc32(0, type, 4);

	crc = s3d_sum_crc32(crc, data->data, data->len);
	be32(out, (uint32_t)data->len);
	buf_add(out, type, 4);
	buf_add(out, data->data, data->len);
	be32(out, crc);
}

void s3d_seed_png(struct buf *out, int width, int height, int style)
{
	struct buf raw = BUF_INIT, z = BUF_INIT, ihdr = BUF_INIT, none = BUF_INIT;
	uint32_t a = 1, b = 0;

	for (int y = 0; y < height; y++) {
		buf_addc(&raw, 0);			/* filter: none */
		for (int x = 0; x < width; x++) {
			unsigned char px[3];

			if (style == 0) {		/* a gradient */
				px[0] = (unsigned char)(255 * x / (width - 1));
				px[1] = (unsigned char)(255 * y / (height - 1));
				px[2] = 160;
			} else {			/* a checkerboard */
				bool on = ((x / 8) + (y / 8)) % 2;

				px[0] = on ? 230 : 40;
				px[1] = on ? 120 : 40;
				px[2] = on ? 30 : 60;
			}
			buf_add(&raw, px, 3);
		}
	}
	/* zlib with stored deflate blocks, then Adler-32 */
	buf_addc(&z, 0x78);
	buf_addc(&z, 0x01);
	for (size_t off = 0; off < raw.len || off == 0; off += 65535) {
		size_t n = DL_MIN(raw.len - off, 65535);
		bool last = off + n >= raw.len;

		buf_addc(&z, last ? 1 : 0);
		buf_addc(&z, (char)(n & 0xff));
		buf_addc(&z, (char)(n >> 8));
		buf_addc(&z, (char)(~n & 0xff));
		buf_addc(&z, (char)((~n >> 8) & 0xff));
		buf_add(&z, raw.data + off, n);
		if (last)
			break;
	}
	for (size_t i = 0; i < raw.len; i++) {
		a = (a + (unsigned char)raw.data[i]) % 65521;
		b = (b + a) % 65521;
	}
	be32(&z, (b << 16) | a);
	be32(&ihdr, (uint32_t)width);
	be32(&ihdr, (uint32_t)height);
	buf_addc(&ihdr, 8);				/* bit depth */
	buf_addc(&ihdr, 2);				/* RGB */
	buf_addc(&ihdr, 0);
	buf_addc(&ihdr, 0);
	buf_addc(&ihdr, 0);
	buf_add(out, "\x89PNG\r\n\x1a\n", 8);
	png_chunk(out, "IHDR", &ihdr);
	png_chunk(out, "IDAT", &z);
	png_chunk(out, "IEND", &none);
	buf_release(&raw);
	buf_release(&z);
	buf_release(&ihdr);
}

/* ---- buckets ---- */

static int put(const char *dir, const char *key, const char *type, const void *data, size_t n,
	       struct error *err)
{
	struct s3d_meta m = { 0 };
	struct s3d_sum md5;
	unsigned char md[32];
	int rc;

	s3d_sum_init(&md5, S3D_SUM_MD5);
	s3d_sum_update(&md5, data, n);
	s3d_sum_final(&md5, md);
	for (int i = 0; i < 16; i++)
		snprintf(m.etag + 2 * i, 3, "%02x", md[i]);
	m.size = n;
	m.mtime_ms = time_wall_ms();
	m.content_type = xstrdup(type);
	rc = s3d_store_put_into(dir, key, data, &m, err);
	s3d_meta_release(&m);
	return rc;
}

static int put_buf(const char *bucket, const char *key, const char *type, struct buf *b,
		   struct error *err)
{
	int rc = put(bucket, key, type, b->data, b->len, err);

	buf_reset(b);
	return rc;
}

/* seed_common: the cities as CSV and Parquet under prefix, a PNG at images. */
static int seed_common(const char *bucket, const char *prefix, const char *images, struct error *err)
{
	struct buf b = BUF_INIT;
	char *k;
	int rc = 0;

	s3d_seed_csv(&b);
	k = xasprintf("%scities.csv", prefix);
	rc |= put_buf(bucket, k, "text/csv", &b, err);
	free(k);
	s3d_seed_parquet(&b);
	k = xasprintf("%scities.parquet", prefix);
	rc |= put_buf(bucket, k, "application/vnd.apache.parquet", &b, err);
	free(k);
	s3d_seed_png(&b, 64, 64, 0);
	k = xasprintf("%s", images);
	rc |= put_buf(bucket, k, "image/png", &b, err);
	free(k);
	buf_release(&b);
	return rc;
}

static int seed_user(const char *bucket, const char *name, const char *user, struct error *err)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	buf_addf(&b, "# %s\n\nYour personal bucket in the datalab sandbox, %s.\n\n"
		     "- data/: sample data (CSV and Parquet)\n- images/: PNG pictures\n"
		     "- projects/: a nested tree of notes\n\n"
		     "The shared project bucket is projet-demo; its diffusion/ folder is public.\n", name, user);
	rc |= put_buf(bucket, "README.md", "text/markdown", &b, err);
	rc |= seed_common(bucket, "data/", "images/gradient.png", err);
	measures_csv(&b);
	rc |= put_buf(bucket, "data/measures.csv", "text/csv", &b, err);
	s3d_seed_png(&b, 48, 48, 1);
	rc |= put_buf(bucket, "images/checker.png", "image/png", &b, err);
	s3d_seed_png(&b, 128, 32, 0);
	rc |= put_buf(bucket, "images/banner.png", "image/png", &b, err);
	rc |= put(bucket, "projects/2024/q1/report.txt", "text/plain", "Q1: the pipeline runs nightly.\n", 31, err);
	rc |= put(bucket, "projects/2024/q2/report.txt", "text/plain", "Q2: moved storage to S3.\n", 25, err);
	rc |= put(bucket, "projects/2024/q2/notes/ideas.md", "text/markdown", "- try Parquet\n", 14, err);
	rc |= put(bucket, "projects/2025/plan.md", "text/markdown", "# 2025\n\n1. GPUs\n", 17, err);
	rc |= put(bucket, "projects/hello.py", "text/x-python", "print(\"hello, datalab\")\n", 24, err);
	buf_release(&b);
	return rc;
}

static const char *onyxia_policy =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Sid\":\"OnyxiaMakePrefixPublicGetObject\",\"Effect\":\"Allow\",\"Principal\":\"*\","
	"\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::projet-demo/diffusion/*\"]},"
	"{\"Sid\":\"OnyxiaMakePrefixPublicListBucket\",\"Effect\":\"Allow\",\"Principal\":\"*\","
	"\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::projet-demo\","
	"\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"diffusion/*\"]}}}]}\n";

static int seed_project(const char *bucket, struct error *err)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	buf_adds(&b, "# projet-demo\n\nA shared project bucket.  Anything under diffusion/ can be read by anyone\n"
		     "(a bucket policy, as Onyxia writes it); logs/events/ holds 2,000 small objects.\n");
	rc |= put_buf(bucket, "README.md", "text/markdown", &b, err);
	buf_adds(&b, "Public data of projet-demo: download it without credentials.\n");
	rc |= put_buf(bucket, "diffusion/README.txt", "text/plain", &b, err);
	rc |= seed_common(bucket, "diffusion/", "diffusion/images/gradient.png", err);
	rc |= put(bucket, "shared/team.txt", "text/plain", "alice, bob, carol\n", 18, err);
	for (int i = 0; i < S3D_SEED_EVENTS && rc == 0; i++) {
		char key[64];

		snprintf(key, sizeof(key), "logs/events/event-%05d.json", i);
		buf_addf(&b, "{\"id\":%d,\"level\":\"%s\",\"ms\":%d}\n", i, i % 10 ? "info" : "warn", (i * 37) % 1000);
		rc |= put_buf(bucket, key, "application/json", &b, err);
	}
	buf_release(&b);
	if (rc == 0) {
		char *p = xasprintf("%s/.s3d-policy.json", bucket);

		rc = file_write_atomic(p, onyxia_policy, strlen(onyxia_policy), 0644, err);
		free(p);
	}
	return rc;
}

/* seed_one: a bucket built aside, filled, then published whole. */
static int seed_one(struct s3d_store *st, const char *name, const char *user, struct error *err)
{
	char *dir;
	int rc;

	if (s3d_store_bucket_exists(st, name))
		return 0;
	if (s3d_store_bucket_build(st, &dir, err) < 0)
		return -1;
	rc = user ? seed_user(dir, name, user, err) : seed_project(dir, err);
	if (rc == 0)
		rc = s3d_store_bucket_publish(st, dir, name, err);
	else
		file_remove_tree(dir, NULL);
	free(dir);
	return rc;
}

int s3d_seed_buckets(struct s3d_store *st, const char *user, struct error *err)
{
	char *personal = xasprintf("user-%s", user);
	int rc = 0;

	if (!s3d_key_bucket_valid(personal))
		log_warn("S3: no personal bucket: '%s' is not a valid bucket name", personal);
	else
		rc = seed_one(st, personal, user, err);
	if (rc == 0)
		rc = seed_one(st, "projet-demo", NULL, err);
	free(personal);
	return rc;
}
