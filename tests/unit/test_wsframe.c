/*
 * test_wsframe.c: RFC 6455 framing: the RFC's own examples, every split of
 * a stream, fragments with control frames between them, and each violation
 * with the close code it must produce.
 */
#include <string.h>

#include "datalab/net/wsframe.h"
#include "testutil.h"

struct seen {
	int count;
	unsigned op[32];
	struct buf data[32];
};

static void on_msg(unsigned opcode, const uint8_t *data, size_t n, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->count, 32);
	s->op[s->count] = opcode;
	buf_init(&s->data[s->count], 0);
	buf_add(&s->data[s->count], data, n);
	s->count++;
}

static void seen_release(struct seen *s)
{
	for (int i = 0; i < s->count; i++)
		buf_release(&s->data[i]);
	s->count = 0;
}

/* feed: feeds p in pieces of step bytes; returns the feed result */
static int feed(enum wsframe_role role, const void *p, size_t n, size_t step, struct seen *s,
		unsigned *close_code)
{
	struct wsframe_decoder d;
	struct error err;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	wsframe_decoder_init(&d, role, 0, on_msg, s);
	for (size_t off = 0; off < n && rc == 0; off += step)
		rc = wsframe_decoder_feed(&d, (const uint8_t *)p + off, DL_MIN(step, n - off), &err);
	if (close_code)
		*close_code = rc ? d.close_code : 0;
	wsframe_decoder_release(&d);
	return rc;
}

START_TEST(test_accept_vector)
{
	char out[29];
	char key[25];

	wsframe_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_int_eq(wsframe_random_key(key), 0);
	ck_assert_int_eq(strlen(key), 24);
	ck_assert(key[22] == '=' && key[23] == '=');
}
END_TEST

START_TEST(test_rfc_examples)
{
	/* RFC 6455 section 5.7 */
	static const uint8_t unmasked[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t pong[] = { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	struct seen s;
	struct buf b = BUF_INIT;
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };

	for (size_t step = 1; step <= sizeof(frag); step++) {
		ck_assert_int_eq(feed(WSFRAME_ROLE_CLIENT, unmasked, sizeof(unmasked), step, &s, NULL), 0);
		ck_assert_int_eq(s.count, 1);
		ck_assert_int_eq(s.op[0], WSFRAME_TEXT);
		ck_assert_str_eq(s.data[0].data, "Hello");
		seen_release(&s);
		ck_assert_int_eq(feed(WSFRAME_ROLE_SERVER, masked, sizeof(masked), step, &s, NULL), 0);
		ck_assert_str_eq(s.data[0].data, "Hello");
		seen_release(&s);
		ck_assert_int_eq(feed(WSFRAME_ROLE_CLIENT, frag, sizeof(frag), step, &s, NULL), 0);
		ck_assert_int_eq(s.count, 1);
		ck_assert_str_eq(s.data[0].data, "Hello");
		seen_release(&s);
		ck_assert_int_eq(feed(WSFRAME_ROLE_CLIENT, ping, sizeof(ping), step, &s, NULL), 0);
		ck_assert_int_eq(s.op[0], WSFRAME_PING);
		seen_release(&s);
		ck_assert_int_eq(feed(WSFRAME_ROLE_SERVER, pong, sizeof(pong), step, &s, NULL), 0);
		ck_assert_int_eq(s.op[0], WSFRAME_PONG);
		ck_assert_str_eq(s.data[0].data, "Hello");
		seen_release(&s);
	}
	/* the encoder produces the same bytes */
	wsframe_encode(&b, WSFRAME_TEXT, true, "Hello", 5, NULL);
	ck_assert_mem_eq(b.data, unmasked, sizeof(unmasked));
	buf_reset(&b);
	wsframe_encode(&b, WSFRAME_TEXT, true, "Hello", 5, key);
	ck_assert_mem_eq(b.data, masked, sizeof(masked));
	buf_reset(&b);
	wsframe_encode(&b, WSFRAME_TEXT, false, "Hel", 3, NULL);
	wsframe_encode(&b, WSFRAME_CONT, true, "lo", 2, NULL);
	ck_assert_mem_eq(b.data, frag, sizeof(frag));
	buf_release(&b);
}
END_TEST

START_TEST(test_lengths_roundtrip)
{
	static const size_t lens[] = { 0, 1, 125, 126, 127, 65535, 65536, 70000 };
	struct buf b = BUF_INIT, payload = BUF_INIT;
	uint8_t mask[4];
	struct seen s;

	for (size_t i = 0; i < 70000; i++)
		buf_addc(&payload, (char)(i * 7));
	for (size_t i = 0; i < DL_ARRAY_LEN(lens); i++) {
		for (int m = 0; m < 2; m++) {
			buf_reset(&b);
			wsframe_random_mask(mask);
			ck_assert_int_eq(wsframe_encode(&b, WSFRAME_BINARY, true, payload.data, lens[i],
							m ? mask : NULL), 0);
			ck_assert_uint_eq(b.len, lens[i] + (lens[i] < 126 ? 2 : lens[i] <= 65535 ? 4 : 10) +
						  (m ? 4 : 0));
			ck_assert_int_eq(feed(m ? WSFRAME_ROLE_SERVER : WSFRAME_ROLE_CLIENT, b.data, b.len,
					      lens[i] > 1000 ? 4093 : 1, &s, NULL), 0);
			ck_assert_int_eq(s.count, 1);
			ck_assert_int_eq(s.op[0], WSFRAME_BINARY);
			ck_assert_uint_eq(s.data[0].len, lens[i]);
			ck_assert_mem_eq(s.data[0].data, payload.data, lens[i]);
			seen_release(&s);
		}
	}
	buf_release(&b);
	buf_release(&payload);
}
END_TEST

START_TEST(test_control_between_fragments)
{
	struct buf b = BUF_INIT;
	struct seen s;
	uint8_t mask[4] = { 1, 2, 3, 4 };

	wsframe_encode(&b, WSFRAME_BINARY, false, "ab", 2, mask);
	wsframe_encode(&b, WSFRAME_PING, true, "p1", 2, mask);
	wsframe_encode(&b, WSFRAME_CONT, false, "", 0, mask);
	wsframe_encode(&b, WSFRAME_PONG, true, NULL, 0, mask);
	wsframe_encode(&b, WSFRAME_CONT, false, "cd", 2, mask);
	wsframe_encode_close(&b, 1000, "bye", mask);
	wsframe_encode(&b, WSFRAME_CONT, true, "ef", 2, mask);
	wsframe_encode(&b, WSFRAME_TEXT, true, "next", 4, mask);
	for (size_t step = 1; step < b.len; step++) {
		ck_assert_int_eq(feed(WSFRAME_ROLE_SERVER, b.data, b.len, step, &s, NULL), 0);
		ck_assert_int_eq(s.count, 5);
		ck_assert_int_eq(s.op[0], WSFRAME_PING);
		ck_assert_str_eq(s.data[0].data, "p1");
		ck_assert_int_eq(s.op[1], WSFRAME_PONG);
		ck_assert_int_eq(s.op[2], WSFRAME_CLOSE);
		ck_assert_int_eq(s.op[3], WSFRAME_BINARY);
		ck_assert_str_eq(s.data[3].data, "abcdef");
		ck_assert_int_eq(s.op[4], WSFRAME_TEXT);
		ck_assert_str_eq(s.data[4].data, "next");
		seen_release(&s);
	}
	buf_release(&b);
}
END_TEST

static const struct {
	const char *name;
	enum wsframe_role role;
	const char *bytes;
	size_t n;
	unsigned code;
} violations[] = {
	{ "rsv1", WSFRAME_ROLE_CLIENT, "\xc1\x00", 2, 1002 },
	{ "opcode 3", WSFRAME_ROLE_CLIENT, "\x83\x00", 2, 1002 },
	{ "opcode 11", WSFRAME_ROLE_CLIENT, "\x8b\x00", 2, 1002 },
	{ "fragmented ping", WSFRAME_ROLE_CLIENT, "\x09\x00", 2, 1002 },
	{ "ping 126", WSFRAME_ROLE_CLIENT, "\x89\x7e\x00\x7e", 4, 1002 },
	{ "lone continuation", WSFRAME_ROLE_CLIENT, "\x80\x00", 2, 1002 },
	{ "text inside fragments", WSFRAME_ROLE_CLIENT, "\x01\x00\x81\x00", 4, 1002 },
	{ "masked from server", WSFRAME_ROLE_CLIENT, "\x81\x80\x01\x02\x03\x04", 6, 1002 },
	{ "unmasked from client", WSFRAME_ROLE_SERVER, "\x81\x00", 2, 1002 },
	{ "length top bit", WSFRAME_ROLE_CLIENT, "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10, 1002 },
	{ "too big", WSFRAME_ROLE_CLIENT, "\x82\x7f\x00\x00\x00\x00\x01\x00\x00\x01", 10, 1009 },
	{ "bad utf-8", WSFRAME_ROLE_CLIENT, "\x81\x02\xc3\x28", 4, 1007 },
	{ "overlong utf-8", WSFRAME_ROLE_CLIENT, "\x81\x02\xc0\xaf", 4, 1007 },
	{ "close 1 byte", WSFRAME_ROLE_CLIENT, "\x88\x01\x03", 3, 1002 },
	{ "close 1005", WSFRAME_ROLE_CLIENT, "\x88\x02\x03\xed", 4, 1002 },
	{ "close 999", WSFRAME_ROLE_CLIENT, "\x88\x02\x03\xe7", 4, 1002 },
	{ "close bad reason", WSFRAME_ROLE_CLIENT, "\x88\x03\x03\xe8\xff", 5, 1002 },
};

START_TEST(test_violations)
{
	struct seen s;
	unsigned code = 0;

	for (size_t step = 1; step <= violations[_i].n; step++) {
		ck_assert_msg(feed(violations[_i].role, violations[_i].bytes, violations[_i].n, step,
				   &s, &code) == -1, "%s accepted", violations[_i].name);
		ck_assert_msg(code == violations[_i].code, "%s: code %u", violations[_i].name, code);
		seen_release(&s);
	}
}
END_TEST

START_TEST(test_fragments_over_cap)
{
	/* each fragment fits, their sum does not */
	struct wsframe_decoder d;
	struct buf b = BUF_INIT;
	struct seen s = { 0 };
	struct error err;
	char chunk[600];

	memset(chunk, 'x', sizeof(chunk));
	wsframe_decoder_init(&d, WSFRAME_ROLE_CLIENT, 1000, on_msg, &s);
	wsframe_encode(&b, WSFRAME_BINARY, false, chunk, 600, NULL);
	wsframe_encode(&b, WSFRAME_CONT, true, chunk, 600, NULL);
	ck_assert_int_eq(wsframe_decoder_feed(&d, b.data, b.len, &err), -1);
	ck_assert_int_eq(d.close_code, 1009);
	ck_assert_int_eq(s.count, 0);
	/* a failed decoder refuses more input */
	ck_assert_int_eq(wsframe_decoder_feed(&d, "\x81\x00", 2, &err), -1);
	wsframe_decoder_release(&d);
	buf_release(&b);
}
END_TEST

START_TEST(test_close_codec)
{
	struct buf b = BUF_INIT;
	struct seen s;
	unsigned code;
	const char *r;
	size_t rl;
	char reason[200];

	wsframe_encode_close(&b, 1001, "going", NULL);
	ck_assert_int_eq(feed(WSFRAME_ROLE_CLIENT, b.data, b.len, 1, &s, NULL), 0);
	ck_assert_int_eq(wsframe_close_parse((const uint8_t *)s.data[0].data, s.data[0].len, &code, &r, &rl), 0);
	ck_assert_uint_eq(code, 1001);
	ck_assert_uint_eq(rl, 5);
	ck_assert_mem_eq(r, "going", 5);
	seen_release(&s);

	/* a long reason is cut on a UTF-8 boundary: 'é' is 2 bytes */
	buf_reset(&b);
	for (size_t i = 0; i + 2 < sizeof(reason); i += 2)
		memcpy(reason + i, "\xc3\xa9", 2);
	reason[198] = '\0';
	ck_assert_int_eq(wsframe_encode_close(&b, 1000, reason, NULL), 0);
	ck_assert_uint_le(b.len, 127);
	ck_assert_int_eq(feed(WSFRAME_ROLE_CLIENT, b.data, b.len, 3, &s, NULL), 0);
	ck_assert_int_eq(s.op[0], WSFRAME_CLOSE);
	seen_release(&s);

	ck_assert_int_eq(wsframe_close_parse(NULL, 0, &code, &r, &rl), 0);
	ck_assert_uint_eq(code, 1005);
	buf_reset(&b);
	ck_assert_int_eq(wsframe_encode(&b, WSFRAME_PING, true, reason, 126, NULL), -1);
	ck_assert_int_eq(wsframe_encode(&b, WSFRAME_PING, false, "x", 1, NULL), -1);
	buf_release(&b);
}
END_TEST

static Suite *wsframe_suite(void)
{
	Suite *s = suite_create("wsframe");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_accept_vector);
	tcase_add_test(tc, test_rfc_examples);
	tcase_add_test(tc, test_lengths_roundtrip);
	tcase_add_test(tc, test_control_between_fragments);
	tcase_add_loop_test(tc, test_violations, 0, DL_ARRAY_LEN(violations));
	tcase_add_test(tc, test_fragments_over_cap);
	tcase_add_test(tc, test_close_codec);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(wsframe_suite)
