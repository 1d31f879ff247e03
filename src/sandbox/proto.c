/*
 * proto.c: Kubernetes protobuf bodies to JSON objects (proto.h).
 *
 * A body is "k8s\0" + runtime.Unknown{1 typeMeta{1 apiVersion, 2 kind},
 * 2 raw, 3 contentEncoding, 4 contentType}.  The kind picks a message in
 * the generated type table (schema.h); one walker then reads the wire
 * format (key varint = field << 3 | wire type; 0 varint, 1 fixed64,
 * 2 length-delimited, 5 fixed32; a map is repeated {1 key, 2 value}) and
 * builds cJSON the way Go's encoding/json would print the same Go struct:
 * a zero scalar is left out when the field is omitempty and not a
 * pointer (gogo-protobuf writes every non-pointer field, so the body is
 * full of "" and 0 that JSON never had), times become RFC 3339, bytes
 * base64, Quantity and IntOrString their JSON forms, FieldsV1 and
 * RawExtension the JSON they carry.  Unknown fields are skipped.
 * Hostile bodies: nesting is capped, every length is checked against what
 * is left, and the body size is capped before anything is allocated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/proto.h"
#include "datalab/sandbox/schema.h"

#define PROTO_MAX_BODY (16u << 20)
#define PROTO_MAX_DEPTH 48	/* Kubernetes types nest about 12 deep */

enum wire { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

struct reader {
	const uint8_t *p, *end;
};

static int read_varint(struct reader *r, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			return -1;
		b = *r->p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;		/* more than 10 bytes */
}

static int read_len(struct reader *r, struct reader *sub)
{
	uint64_t n;

	if (read_varint(r, &n) != 0 || n > (uint64_t)(r->end - r->p))
		return -1;
	sub->p = r->p;
	sub->end = r->p + n;
	r->p += n;
	return 0;
}

static int skip_field(struct reader *r, unsigned wire)
{
	uint64_t v;
	struct reader sub;

	switch (wire) {
	case WIRE_VARINT:
		return read_varint(r, &v);
	case WIRE_I64:
		if (r->end - r->p < 8)
			return -1;
		r->p += 8;
		return 0;
	case WIRE_LEN:
		return read_len(r, &sub);
	case WIRE_I32:
		if (r->end - r->p < 4)
			return -1;
		r->p += 4;
		return 0;
	}
	return -1;		/* groups (3, 4) and 6, 7 never appear in Kubernetes */
}

struct decoder {
	struct error *err;
	const char *what;	/* the field being read, for messages */
};

static int bad(struct decoder *d, const char *why)
{
	return error_set(d->err, ERR_PARSE, "malformed protobuf body: %s%s%s", why,
			 d->what ? " in field " : "", d->what ? d->what : "");
}

/* json_string: Go's json.Marshal of a string: invalid UTF-8 becomes U+FFFD */
static cJSON *json_string(const uint8_t *p, size_t n)
{
	struct buf b = BUF_INIT;
	cJSON *s;

	if (utf8_valid((const char *)p, n) && !memchr(p, 0, n)) {
		char *tmp = xmemdup(p, n);

		s = cJSON_CreateString(tmp);
		free(tmp);
		return s;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8_decode((const char *)p + i, n - i, &cp);

		if (len < 0 || cp == 0) {
			/* NUL cannot live in a C string: it reads as U+FFFD too */
			buf_adds(&b, "\xef\xbf\xbd");
			i += len < 0 ? 1 : (size_t)len;
			continue;
		}
		buf_add(&b, p + i, (size_t)len);
		i += (size_t)len;
	}
	s = cJSON_CreateString(b.data);
	buf_release(&b);
	return s;
}

static cJSON *json_base64(const uint8_t *p, size_t n)
{
	struct buf b = BUF_INIT;
	cJSON *s;

	str_base64_encode(&b, p, n);
	s = cJSON_CreateString(b.data);
	buf_release(&b);
	return s;
}

/* go_duration: Go's time.Duration.String() */
static void go_duration(char *dst, size_t size, int64_t d)
{
	char buf[40];
	size_t w = sizeof(buf);
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	int prec = 9;

#define PUT(c) (buf[--w] = (c))
	if (u == 0) {
		snprintf(dst, size, "0s");
		return;
	}
	PUT('s');
	if (u < 1000000000ull) {
		if (u < 1000) {
			prec = 0;
			PUT('n');
		} else if (u < 1000000) {
			prec = 3;
			PUT('\xb5');	/* "µ" is c2 b5 */
			PUT('\xc2');
		} else {
			prec = 6;
			PUT('m');
		}
	}
	{
		bool print = false;

		for (int i = 0; i < prec; i++) {
			unsigned digit = (unsigned)(u % 10);

			print = print || digit != 0;
			if (print)
				PUT((char)('0' + digit));
			u /= 10;
		}
		if (print)
			PUT('.');
	}
	if (prec == 9) {
		uint64_t s = u % 60;

		u /= 60;
		do {
			PUT((char)('0' + s % 10));
			s /= 10;
		} while (s);
		if (u > 0) {
			uint64_t m = u % 60;

			u /= 60;
			PUT('m');
			do {
				PUT((char)('0' + m % 10));
				m /= 10;
			} while (m);
			if (u > 0) {
				PUT('h');
				do {
					PUT((char)('0' + u % 10));
					u /= 10;
				} while (u);
			}
		}
	} else {
		do {
			PUT((char)('0' + u % 10));
			u /= 10;
		} while (u);
	}
	if (d < 0)
		PUT('-');
#undef PUT
	snprintf(dst, size, "%.*s", (int)(sizeof(buf) - w), buf + w);
}

/* a small message of scalars: Time, Duration, Quantity, IntOrString, raw */
struct small {
	int64_t i1, i2;		/* fields 1 and 2 as varints */
	const uint8_t *s1, *s3;	/* fields 1 and 3 as bytes */
	size_t n1, n3;
	bool has1, has2, has3;
};

static int read_small(struct decoder *d, struct reader *r, struct small *s)
{
	memset(s, 0, sizeof(*s));
	while (r->p < r->end) {
		uint64_t key, v;
		struct reader sub;
		unsigned num, wire;

		if (read_varint(r, &key) != 0)
			return bad(d, "truncated key");
		num = (unsigned)(key >> 3);
		wire = (unsigned)(key & 7);
		if ((num == 1 || num == 2) && wire == WIRE_VARINT) {
			if (read_varint(r, &v) != 0)
				return bad(d, "truncated varint");
			if (num == 1)
				s->i1 = (int64_t)v, s->has1 = true;
			else
				s->i2 = (int64_t)v, s->has2 = true;
		} else if ((num == 1 || num == 3) && wire == WIRE_LEN) {
			if (read_len(r, &sub) != 0)
				return bad(d, "length past the end");
			if (num == 1)
				s->s1 = sub.p, s->n1 = (size_t)(sub.end - sub.p), s->has1 = true;
			else
				s->s3 = sub.p, s->n3 = (size_t)(sub.end - sub.p), s->has3 = true;
		} else if (skip_field(r, wire) != 0) {
			return bad(d, "bad wire type");
		}
	}
	return 0;
}

static int decode_msg(struct decoder *d, struct reader *r, const struct schema_msg *m,
		      int depth, cJSON *out);
static int decode_fields(struct decoder *d, struct reader *r, const struct schema_msg *m,
			 int depth, cJSON *out);

/*
 * decode_value: one value of field f (a map's value too) into *out, NULL
 * when JSON would print nothing (a zero Time, an empty RawExtension).
 */
static int decode_value(struct decoder *d, struct reader *r, const struct schema_field *f,
			unsigned wire, int depth, cJSON **out)
{
	struct reader sub;
	struct small s;
	uint64_t v;
	char tmp[64];

	*out = NULL;
	switch (f->type) {
	case SCHEMA_INT32:
	case SCHEMA_INT64:
	case SCHEMA_BOOL:
		if (wire != WIRE_VARINT)
			return bad(d, "expected a varint");
		if (read_varint(r, &v) != 0)
			return bad(d, "truncated varint");
		if (f->type == SCHEMA_BOOL)
			*out = cJSON_CreateBool(v != 0);
		else if (f->type == SCHEMA_INT32)
			*out = cJSON_CreateNumber((double)(int32_t)(uint32_t)v);
		else
			*out = cJSON_CreateNumber((double)(int64_t)v);
		return 0;
	case SCHEMA_DOUBLE: {
		double x;
		uint64_t bits = 0;

		if (wire != WIRE_I64 || r->end - r->p < 8)
			return bad(d, "expected a double");
		for (int i = 7; i >= 0; i--)
			bits = bits << 8 | r->p[i];
		r->p += 8;
		memcpy(&x, &bits, sizeof(x));
		*out = cJSON_CreateNumber(x);
		return 0;
	}
	default:
		break;
	}
	if (wire != WIRE_LEN)
		return bad(d, "expected a length-delimited value");
	if (read_len(r, &sub) != 0)
		return bad(d, "length past the end");
	switch (f->type) {
	case SCHEMA_STRING:
		*out = json_string(sub.p, (size_t)(sub.end - sub.p));
		return 0;
	case SCHEMA_BYTES:
		*out = json_base64(sub.p, (size_t)(sub.end - sub.p));
		return 0;
	case SCHEMA_MESSAGE: {
		const struct schema_msg *m = schema_field_msg(f);
		cJSON *obj;

		if (!m)
			return bad(d, "no descriptor");
		if (depth >= PROTO_MAX_DEPTH)
			return error_set(d->err, ERR_LIMIT, "protobuf body nested too deep");
		obj = cJSON_CreateObject();
		if (decode_msg(d, &sub, m, depth + 1, obj) != 0) {
			cJSON_Delete(obj);
			return -1;
		}
		*out = obj;
		return 0;
	}
	case SCHEMA_TIME:
	case SCHEMA_MICROTIME: {
		time_t t;
		struct tm tm;

		if (read_small(d, &sub, &s) != 0)
			return -1;
		if (s.i1 == 0 && s.i2 == 0)
			return 0;	/* the zero Time prints as null: dropped */
		t = (time_t)s.i1;
		if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
			return bad(d, "time out of range");
		if (f->type == SCHEMA_TIME)
			strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		else {
			char day[32];

			strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(tmp, sizeof(tmp), "%s.%06dZ", day,
				 (int)((s.i2 < 0 ? 0 : s.i2 % 1000000000) / 1000));
		}
		*out = cJSON_CreateString(tmp);
		return 0;
	}
	case SCHEMA_DURATION:
		if (read_small(d, &sub, &s) != 0)
			return -1;
		go_duration(tmp, sizeof(tmp), s.i1);
		*out = cJSON_CreateString(tmp);
		return 0;
	case SCHEMA_QUANTITY:
		if (read_small(d, &sub, &s) != 0)
			return -1;
		*out = s.n1 ? json_string(s.s1, s.n1) : cJSON_CreateString("0");
		return 0;
	case SCHEMA_INTORSTR:
		if (read_small(d, &sub, &s) != 0)
			return -1;
		if (s.i1 == 1)
			*out = json_string(s.s3 ? s.s3 : (const uint8_t *)"", s.n3);
		else
			*out = cJSON_CreateNumber((double)(int32_t)s.i2);
		return 0;
	case SCHEMA_RAWJSON: {
		struct error jerr;

		if (read_small(d, &sub, &s) != 0)
			return -1;
		if (!s.n1)
			return 0;
		*out = json_parse((const char *)s.s1, s.n1, &jerr);
		if (!*out)
			return error_set(d->err, ERR_PARSE, "embedded JSON in field %s: %s",
					 f->name, jerr.msg);
		return 0;
	}
	case SCHEMA_SKIP:
		return 0;
	}
	return bad(d, "unknown field type");
}

/* is_zero: the values encoding/json's omitempty leaves out */
static bool is_zero(const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring[0] == '\0';
	if (cJSON_IsNumber(v))
		return v->valuedouble == 0;
	if (cJSON_IsFalse(v))
		return true;
	return false;
}

static int decode_map_entry(struct decoder *d, struct reader *r, const struct schema_field *f,
			    int depth, cJSON *map)
{
	const uint8_t *key = (const uint8_t *)"";
	size_t nkey = 0;
	cJSON *val = NULL, *k;
	char *ks;

	while (r->p < r->end) {
		uint64_t tag;
		unsigned num, wire;

		if (read_varint(r, &tag) != 0)
			goto truncated;
		num = (unsigned)(tag >> 3);
		wire = (unsigned)(tag & 7);
		if (num == 1 && wire == WIRE_LEN) {
			struct reader sub;

			if (read_len(r, &sub) != 0)
				goto truncated;
			key = sub.p;
			nkey = (size_t)(sub.end - sub.p);
		} else if (num == 2) {
			cJSON_Delete(val);
			if (decode_value(d, r, f, wire, depth, &val) != 0)
				return -1;
		} else if (skip_field(r, wire) != 0) {
			goto truncated;
		}
	}
	if (!val) {		/* an absent value is the type's zero */
		if (f->type == SCHEMA_QUANTITY)
			val = cJSON_CreateString("0");
		else if (f->type == SCHEMA_MESSAGE)
			val = cJSON_CreateObject();
		else if (f->type == SCHEMA_TIME || f->type == SCHEMA_MICROTIME)
			val = cJSON_CreateNull();
		else
			val = cJSON_CreateString("");
	}
	k = json_string(key, nkey);
	ks = k->valuestring;
	/* appended; map_dedupe drops earlier copies of a repeated key */
	cJSON_AddItemToObject(map, ks, val);
	cJSON_Delete(k);
	return 0;
truncated:
	cJSON_Delete(val);
	return bad(d, "truncated map entry");
}

static int decode_field(struct decoder *d, struct reader *r, const struct schema_field *f,
			unsigned wire, int depth, cJSON *out)
{
	cJSON *val, *slot = cJSON_GetObjectItemCaseSensitive(out, f->name);

	d->what = f->name;
	if ((f->flags & SCHEMA_INLINE) && f->type == SCHEMA_MESSAGE &&
	    !(f->flags & (SCHEMA_MAP | SCHEMA_REPEATED))) {
		struct reader sub;

		if (wire != WIRE_LEN || read_len(r, &sub) != 0)
			return bad(d, "bad inline member");
		if (depth >= PROTO_MAX_DEPTH)
			return error_set(d->err, ERR_LIMIT, "protobuf body nested too deep");
		return decode_msg(d, &sub, schema_field_msg(f), depth + 1, out);
	}
	if (f->flags & SCHEMA_MAP) {
		struct reader sub;

		if (wire != WIRE_LEN || read_len(r, &sub) != 0)
			return bad(d, "bad map entry");
		if (!slot)
			slot = cJSON_AddObjectToObject(out, f->name);
		return decode_map_entry(d, &sub, f, depth, slot);
	}
	if (f->flags & SCHEMA_REPEATED) {
		if (!slot)
			slot = cJSON_AddArrayToObject(out, f->name);
		/* packed varints, which gogo never writes but proto allows */
		if (wire == WIRE_LEN && (f->type == SCHEMA_INT32 || f->type == SCHEMA_INT64 ||
					 f->type == SCHEMA_BOOL)) {
			struct reader sub;

			if (read_len(r, &sub) != 0)
				return bad(d, "length past the end");
			while (sub.p < sub.end) {
				if (decode_value(d, &sub, f, WIRE_VARINT, depth, &val) != 0)
					return -1;
				cJSON_AddItemToArray(slot, val);
			}
			return 0;
		}
		if (decode_value(d, r, f, wire, depth, &val) != 0)
			return -1;
		cJSON_AddItemToArray(slot, val ? val : cJSON_CreateNull());
		return 0;
	}
	if (decode_value(d, r, f, wire, depth, &val) != 0)
		return -1;
	if (slot)		/* a repeated scalar: the last one wins */
		cJSON_DeleteItemFromObjectCaseSensitive(out, f->name);
	if (!val)
		return 0;
	if (is_zero(val) && (f->flags & SCHEMA_OMITEMPTY) && !(f->flags & SCHEMA_POINTER) &&
	    f->type != SCHEMA_INTORSTR && f->type != SCHEMA_QUANTITY) {
		cJSON_Delete(val);
		return 0;
	}
	cJSON_AddItemToObject(out, f->name, val);
	return 0;
}

static int cmp_key_then_pos(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int c = strcmp(x->string, y->string);

	if (c)
		return c;
	/* same key: the original order, kept in valueint below */
	return x->valueint < y->valueint ? -1 : x->valueint > y->valueint;
}

/* map_dedupe: a key sent twice keeps its last value, as a Go map does;
 * sorting keeps this O(n log n) for hostile bodies with many entries */
static void map_dedupe(cJSON *map)
{
	size_t n = 0, i = 0;
	cJSON **v, *c;

	for (c = map->child; c; c = c->next)
		n++;
	if (n < 2)
		return;
	v = xreallocarray(NULL, n, sizeof(*v));
	for (c = map->child; c; c = c->next, i++) {
		v[i] = c;
		if (!cJSON_IsNumber(c))		/* valueint is free for non-numbers */
			c->valueint = (int)i;
	}
	/* numbers need their valueint: only strings, objects and nulls are
	 * map values here, and a number map value is never produced */
	qsort(v, n, sizeof(*v), cmp_key_then_pos);
	for (i = 0; i + 1 < n; i++)
		if (strcmp(v[i]->string, v[i + 1]->string) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(map, v[i]));
	for (c = map->child; c; c = c->next)
		if (!cJSON_IsNumber(c))
			c->valueint = 0;
	free(v);
}

static int decode_msg(struct decoder *d, struct reader *r, const struct schema_msg *m,
		      int depth, cJSON *out)
{
	int rc = decode_fields(d, r, m, depth, out);

	for (const struct schema_field *f = m->fields; rc == 0 && f->name; f++) {
		cJSON *map;

		if ((f->flags & SCHEMA_MAP) && (map = cJSON_GetObjectItemCaseSensitive(out, f->name)))
			map_dedupe(map);
	}
	return rc;
}

static int decode_fields(struct decoder *d, struct reader *r, const struct schema_msg *m,
			 int depth, cJSON *out)
{
	while (r->p < r->end) {
		uint64_t key;
		unsigned num, wire;
		const struct schema_field *f;

		if (read_varint(r, &key) != 0)
			return bad(d, "truncated key");
		num = (unsigned)(key >> 3);
		wire = (unsigned)(key & 7);
		if (num == 0)
			return bad(d, "field number 0");
		f = schema_field_by_num(m, num);
		if (!f || f->type == SCHEMA_SKIP) {
			if (skip_field(r, wire) != 0)
				return bad(d, "bad wire type");
			continue;
		}
		if (decode_field(d, r, f, wire, depth, out) != 0)
			return -1;
	}
	return 0;
}

int proto_is_envelope(const void *p, size_t n)
{
	return n >= 4 && memcmp(p, "k8s\0", 4) == 0;
}

/* the envelope: runtime.Unknown */
struct unknown {
	struct reader type_meta, raw;
	const uint8_t *encoding;
	size_t nencoding;
};

static int read_unknown(struct decoder *d, struct reader *r, struct unknown *u)
{
	memset(u, 0, sizeof(*u));
	while (r->p < r->end) {
		uint64_t key;
		struct reader sub;
		unsigned num, wire;

		if (read_varint(r, &key) != 0)
			return bad(d, "truncated envelope");
		num = (unsigned)(key >> 3);
		wire = (unsigned)(key & 7);
		if (wire == WIRE_LEN && num >= 1 && num <= 4) {
			if (read_len(r, &sub) != 0)
				return bad(d, "truncated envelope");
			if (num == 1)
				u->type_meta = sub;
			else if (num == 2)
				u->raw = sub;
			else if (num == 3)
				u->encoding = sub.p, u->nencoding = (size_t)(sub.end - sub.p);
		} else if (skip_field(r, wire) != 0) {
			return bad(d, "bad wire type in envelope");
		}
	}
	return 0;
}

cJSON *proto_decode(const void *p, size_t n, struct error *err)
{
	struct decoder d = { err, NULL };
	struct reader r;
	struct unknown u;
	struct small tm;
	char *api_version = NULL, *kind = NULL;
	const struct schema_msg *m;
	cJSON *obj = NULL, *body;

	if (n > PROTO_MAX_BODY) {
		error_set(err, ERR_LIMIT, "protobuf body of %zu bytes is over the %u byte limit",
			  n, PROTO_MAX_BODY);
		return NULL;
	}
	if (!proto_is_envelope(p, n)) {
		error_set(err, ERR_PARSE, "protobuf body without the k8s envelope");
		return NULL;
	}
	r.p = (const uint8_t *)p + 4;
	r.end = (const uint8_t *)p + n;
	if (read_unknown(&d, &r, &u) != 0)
		return NULL;
	if (u.nencoding) {
		error_set(err, ERR_UNSUPPORTED, "protobuf content encoding '%.*s' is not supported",
			  (int)DL_MIN(u.nencoding, 64), (const char *)u.encoding);
		return NULL;
	}
	/* TypeMeta{1 apiVersion, 2 kind}: read_small takes 1 and 3, so read by hand */
	r = u.type_meta;
	memset(&tm, 0, sizeof(tm));
	while (r.p && r.p < r.end) {
		uint64_t key;
		struct reader sub;

		if (read_varint(&r, &key) != 0 || (key & 7) != WIRE_LEN || read_len(&r, &sub) != 0) {
			bad(&d, "bad typeMeta");
			goto out;
		}
		if ((key >> 3) == 1) {
			free(api_version);
			api_version = xmemdup(sub.p, (size_t)(sub.end - sub.p));
		} else if ((key >> 3) == 2) {
			free(kind);
			kind = xmemdup(sub.p, (size_t)(sub.end - sub.p));
		}
	}
	if (!kind || !*kind) {
		error_set(err, ERR_PARSE, "protobuf body without a kind");
		goto out;
	}
	m = schema_kind_msg(api_version, kind);
	if (!m) {
		struct buf q = BUF_INIT;

		utf8_sanitize(&q, kind, strlen(kind), 0);
		error_set(err, ERR_UNSUPPORTED, "no protobuf descriptor for kind '%s' in '%s'",
			  q.data, api_version ? api_version : "");
		buf_release(&q);
		goto out;
	}
	obj = cJSON_CreateObject();
	cJSON_AddItemToObject(obj, "kind", json_string((const uint8_t *)kind, strlen(kind)));
	if (api_version && *api_version)
		cJSON_AddItemToObject(obj, "apiVersion", json_string((const uint8_t *)api_version,
								      strlen(api_version)));
	body = cJSON_CreateObject();
	r = u.raw;
	if (r.p && decode_msg(&d, &r, m, 0, body) != 0) {
		cJSON_Delete(body);
		cJSON_Delete(obj);
		obj = NULL;
		goto out;
	}
	/* the object's own fields after kind and apiVersion, as kubectl prints them */
	while (body->child) {
		cJSON *c = cJSON_DetachItemViaPointer(body, body->child);

		if (strcmp(c->string, "kind") == 0 || strcmp(c->string, "apiVersion") == 0)
			cJSON_Delete(c);
		else
			cJSON_AddItemToObject(obj, c->string, c);
	}
	cJSON_Delete(body);
out:
	free(api_version);
	free(kind);
	return obj;
}
