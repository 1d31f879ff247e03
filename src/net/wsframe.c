/*
 * wsframe.c: RFC 6455 framing (section 5) as a byte-fed state machine.
 *
 * The decoder has two states, as curl's lib/ws.c: HEAD collects the 2 to
 * 14 header bytes (they may arrive one at a time), PAYLOAD unmasks bytes
 * into the message buffer (data frames) or the control buffer (close, ping,
 * pong: at most 125 bytes, so they can interleave with a fragmented message
 * without disturbing it).  A message is handed out when its FIN frame ends.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "datalab/core/utf8.h"
#include "datalab/net/wsframe.h"

enum { DEC_HEAD, DEC_PAYLOAD };

void wsframe_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t off)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= key[(off + i) & 3];
}

int wsframe_encode(struct buf *out, unsigned opcode, bool fin, const void *p, size_t n,
		   const uint8_t *mask)
{
	uint8_t h[14];
	size_t hl = 2, start;

	if ((opcode & 0x8) && (n > WSFRAME_MAX_CONTROL || !fin))
		return -1;
	h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (n < 126) {
		h[1] = (uint8_t)n;
	} else if (n <= 0xffff) {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	if (mask) {
		h[1] |= 0x80;
		memcpy(h + hl, mask, 4);
		hl += 4;
	}
	if (buf_add(out, h, hl) != 0)
		return -1;
	start = out->len;
	if (n > 0 && buf_add(out, p, n) != 0)
		return -1;
	if (mask)
		wsframe_mask((uint8_t *)out->data + start, n, mask, 0);
	return 0;
}

int wsframe_encode_close(struct buf *out, unsigned code, const char *reason, const uint8_t *mask)
{
	uint8_t p[WSFRAME_MAX_CONTROL];
	size_t n = 0, rl;

	if (code == 0)
		return wsframe_encode(out, WSFRAME_CLOSE, true, NULL, 0, mask);
	p[n++] = (uint8_t)(code >> 8);
	p[n++] = (uint8_t)code;
	rl = reason ? strlen(reason) : 0;
	if (rl > sizeof(p) - 2) {
		rl = sizeof(p) - 2;
		/* back off continuation bytes so the cut stays valid UTF-8 */
		while (rl > 0 && ((uint8_t)reason[rl] & 0xc0) == 0x80)
			rl--;
	}
	memcpy(p + n, reason, rl);
	return wsframe_encode(out, WSFRAME_CLOSE, true, p, n + rl, mask);
}

void wsframe_accept(const char *key, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, key, strlen(key));
	EVP_DigestUpdate(ctx, WSFRAME_GUID, strlen(WSFRAME_GUID));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);	/* 20 bytes -> 28 chars + NUL */
}

int wsframe_random_key(char out[25])
{
	unsigned char raw[16];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	return 0;
}

void wsframe_random_mask(uint8_t mask[4])
{
	if (RAND_bytes(mask, 4) != 1) {
		/* the mask only defeats proxy cache poisoning: any bytes work */
		mask[0] = 0x5a;
		mask[1] = 0xc3;
		mask[2] = 0x17;
		mask[3] = 0x9e;
	}
}

void wsframe_decoder_init(struct wsframe_decoder *d, enum wsframe_role role, size_t max_message,
			  wsframe_message_fn *fn, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->role = role;
	d->max_message = max_message ? max_message : WSFRAME_MAX_MESSAGE;
	d->on_message = fn;
	d->arg = arg;
	d->state = DEC_HEAD;
	d->head_need = 2;
	buf_init(&d->msg, d->max_message + 1);
}

void wsframe_decoder_release(struct wsframe_decoder *d)
{
	buf_release(&d->msg);
}

static int fail(struct wsframe_decoder *d, unsigned code, struct error *err, const char *why)
{
	d->failed = true;
	d->close_code = code;
	return error_set(err, code == WSFRAME_CLOSE_TOO_BIG ? ERR_LIMIT : ERR_PARSE,
			 "websocket: %s", why);
}

static bool close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

int wsframe_close_parse(const uint8_t *p, size_t n, unsigned *code, const char **reason, size_t *reason_len)
{
	*code = WSFRAME_CLOSE_NO_STATUS;
	*reason = "";
	*reason_len = 0;
	if (n == 0)
		return 0;
	if (n == 1)
		return -1;
	*code = (unsigned)p[0] << 8 | p[1];
	if (!close_code_valid(*code) || !utf8_valid((const char *)p + 2, n - 2))
		return -1;
	*reason = (const char *)p + 2;
	*reason_len = n - 2;
	return 0;
}

/* head_done: the header is complete; validate it and enter PAYLOAD. */
static int head_done(struct wsframe_decoder *d, struct error *err)
{
	const uint8_t *h = d->head;
	unsigned len7 = h[1] & 0x7f;
	size_t i = 2;
	uint64_t len = len7;
	bool control;

	d->fin = h[0] & 0x80;
	d->opcode = h[0] & 0x0f;
	d->masked = h[1] & 0x80;
	control = d->opcode & 0x8;
	if (len7 == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		i = 4;
	} else if (len7 == 127) {
		len = 0;
		for (int k = 0; k < 8; k++)
			len = len << 8 | h[2 + k];
		i = 10;
		if (len >> 63)
			return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "frame length has its top bit set");
	}
	if (d->masked)
		memcpy(d->key, h + i, 4);
	if (h[0] & 0x70)
		return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "reserved bits set without an extension");
	if (d->opcode > WSFRAME_BINARY && d->opcode < WSFRAME_CLOSE)
		return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "unknown data opcode");
	if (d->opcode > WSFRAME_PONG)
		return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "unknown control opcode");
	if (d->masked != (d->role == WSFRAME_ROLE_SERVER))
		return fail(d, WSFRAME_CLOSE_PROTOCOL, err,
			    d->masked ? "masked frame from the server" : "unmasked frame from a client");
	if (control) {
		if (!d->fin)
			return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "fragmented control frame");
		if (len > WSFRAME_MAX_CONTROL)
			return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "control frame over 125 bytes");
		d->control_len = 0;
	} else if (d->opcode == WSFRAME_CONT) {
		if (!d->fragmented)
			return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "continuation without a message");
	} else {
		if (d->fragmented)
			return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "new message inside a fragmented one");
		d->msg_opcode = d->opcode;
		d->fragmented = true;
		buf_reset(&d->msg);
	}
	if (!control && len > d->max_message - DL_MIN(d->msg.len, d->max_message))
		return fail(d, WSFRAME_CLOSE_TOO_BIG, err, "message over the size limit");
	d->remaining = len;
	d->frame_off = 0;
	d->state = DEC_PAYLOAD;
	return 0;
}

/* frame_done: the payload is complete; deliver a control frame or a
 * finished message. */
static int frame_done(struct wsframe_decoder *d, struct error *err)
{
	d->state = DEC_HEAD;
	d->head_len = 0;
	d->head_need = 2;
	if (d->opcode & 0x8) {
		if (d->opcode == WSFRAME_CLOSE) {
			unsigned code;
			const char *r;
			size_t rl;

			if (wsframe_close_parse(d->control, d->control_len, &code, &r, &rl) != 0)
				return fail(d, WSFRAME_CLOSE_PROTOCOL, err, "malformed close frame");
		}
		if (d->on_message)
			d->on_message(d->opcode, d->control, d->control_len, d->arg);
		return 0;
	}
	if (!d->fin)
		return 0;
	d->fragmented = false;
	if (d->msg_opcode == WSFRAME_TEXT && !utf8_valid(d->msg.data, d->msg.len))
		return fail(d, WSFRAME_CLOSE_BAD_DATA, err, "text message is not UTF-8");
	if (d->on_message)
		d->on_message(d->msg_opcode, (const uint8_t *)d->msg.data, d->msg.len, d->arg);
	buf_reset(&d->msg);
	return 0;
}

int wsframe_decoder_feed(struct wsframe_decoder *d, const void *data, size_t n, struct error *err)
{
	const uint8_t *p = data;

	if (d->failed)
		return error_set(err, ERR_PARSE, "websocket: input after a protocol error");
	while (n > 0 || (d->state == DEC_PAYLOAD && d->remaining == 0)) {
		if (d->state == DEC_HEAD) {
			size_t take = DL_MIN(n, d->head_need - d->head_len);

			memcpy(d->head + d->head_len, p, take);
			d->head_len += take;
			p += take;
			n -= take;
			if (d->head_len < d->head_need)
				break;
			if (d->head_need == 2) {
				unsigned len7 = d->head[1] & 0x7f;

				d->head_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
					       ((d->head[1] & 0x80) ? 4 : 0);
				if (d->head_len < d->head_need)
					continue;
			}
			if (head_done(d, err) != 0)
				return -1;
			continue;
		}
		/* DEC_PAYLOAD */
		if (d->remaining > 0) {
			size_t take = (size_t)DL_MIN((uint64_t)n, d->remaining);
			uint8_t *dst;

			if (d->opcode & 0x8) {
				dst = d->control + d->control_len;
				d->control_len += take;
			} else {
				if (buf_grow(&d->msg, take) != 0)
					return fail(d, WSFRAME_CLOSE_TOO_BIG, err, "message over the size limit");
				dst = (uint8_t *)d->msg.data + d->msg.len;
				d->msg.len += take;
				d->msg.data[d->msg.len] = '\0';
			}
			memcpy(dst, p, take);
			if (d->masked)
				wsframe_mask(dst, take, d->key, d->frame_off);
			d->frame_off += take;
			d->remaining -= take;
			p += take;
			n -= take;
		}
		if (d->remaining == 0 && frame_done(d, err) != 0)
			return -1;
	}
	return 0;
}
