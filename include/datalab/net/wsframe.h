/*
 * wsframe.h: the RFC 6455 frame codec, free of any transport.
 *
 * The encoder appends one frame to a struct buf.  The decoder is a state
 * machine (header, payload) fed bytes split anywhere; it reassembles
 * fragmented messages, lets control frames interleave with fragments,
 * unmasks, and enforces the RFC: a protocol violation stops it with the
 * close code to send (1002 protocol, 1007 bad UTF-8, 1009 too big).
 * The client (net/ws) and the sandbox's exec server both use it.
 */
#ifndef DATALAB_NET_WSFRAME_H
#define DATALAB_NET_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

enum wsframe_opcode {
	WSFRAME_CONT = 0x0,
	WSFRAME_TEXT = 0x1,
	WSFRAME_BINARY = 0x2,
	WSFRAME_CLOSE = 0x8,
	WSFRAME_PING = 0x9,
	WSFRAME_PONG = 0xa,
};

enum wsframe_close {
	WSFRAME_CLOSE_NORMAL = 1000,
	WSFRAME_CLOSE_GOING_AWAY = 1001,
	WSFRAME_CLOSE_PROTOCOL = 1002,
	WSFRAME_CLOSE_UNSUPPORTED = 1003,
	WSFRAME_CLOSE_NO_STATUS = 1005,		/* never sent: a close without a code */
	WSFRAME_CLOSE_ABNORMAL = 1006,		/* never sent: the connection dropped */
	WSFRAME_CLOSE_BAD_DATA = 1007,
	WSFRAME_CLOSE_POLICY = 1008,
	WSFRAME_CLOSE_TOO_BIG = 1009,
	WSFRAME_CLOSE_INTERNAL = 1011,
};

#define WSFRAME_MAX_MESSAGE (16u * 1024 * 1024)
#define WSFRAME_MAX_CONTROL 125
#define WSFRAME_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* wsframe_encode: appends a frame; mask NULL sends it unmasked (server),
 * else the 4 bytes mask it (clients use a fresh random key per frame).
 * Control frames over 125 bytes are refused (-1). */
int wsframe_encode(struct buf *out, unsigned opcode, bool fin, const void *p, size_t n,
		   const uint8_t *mask);
/* wsframe_encode_close: a close frame with code (0 = no code) and reason,
 * the reason cut to fit 125 bytes on a UTF-8 boundary. */
int wsframe_encode_close(struct buf *out, unsigned code, const char *reason, const uint8_t *mask);
/* wsframe_mask: XORs p[0..n) with key, starting at key offset off. */
void wsframe_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t off);
/* wsframe_accept: Sec-WebSocket-Accept for a Sec-WebSocket-Key
 * (base64 of SHA-1 of key + GUID) into out[29]. */
void wsframe_accept(const char *key, char out[29]);
/* wsframe_random_key: 16 random bytes, base64, into out[25]. */
int wsframe_random_key(char out[25]);
/* wsframe_random_mask: 4 random bytes for a client frame. */
void wsframe_random_mask(uint8_t mask[4]);

/* on_message: a whole text or binary message, or one control frame (close,
 * ping, pong).  data is borrowed until the callback returns.  For a close,
 * wsframe_close_parse reads the code and reason. */
typedef void wsframe_message_fn(unsigned opcode, const uint8_t *data, size_t n, void *arg);

enum wsframe_role {
	WSFRAME_ROLE_CLIENT,	/* decodes server frames: must be unmasked */
	WSFRAME_ROLE_SERVER,	/* decodes client frames: must be masked */
};

struct wsframe_decoder {
	enum wsframe_role role;
	size_t max_message;
	wsframe_message_fn *on_message;
	void *arg;

	int state;		/* private from here */
	uint8_t head[14];
	size_t head_len, head_need;
	unsigned opcode;
	bool fin, masked;
	uint8_t key[4];
	uint64_t remaining;	/* payload bytes left in this frame */
	size_t frame_off;	/* payload bytes seen in this frame (mask offset) */
	bool fragmented;	/* a message started with FIN=0 is open */
	unsigned msg_opcode;
	struct buf msg;
	uint8_t control[WSFRAME_MAX_CONTROL];
	size_t control_len;
	unsigned close_code;	/* after a failure: the code to send */
	bool failed;
};

/* wsframe_decoder_init: max_message 0 = WSFRAME_MAX_MESSAGE. */
void wsframe_decoder_init(struct wsframe_decoder *d, enum wsframe_role role, size_t max_message,
			  wsframe_message_fn *fn, void *arg);
void wsframe_decoder_release(struct wsframe_decoder *d);
/* wsframe_decoder_feed: consumes p[0..n), calling on_message per message.
 * On a violation returns -1 with err, and d->close_code says what to send;
 * the decoder then refuses further input. */
int wsframe_decoder_feed(struct wsframe_decoder *d, const void *p, size_t n, struct error *err);

/* wsframe_close_parse: code (1005 when absent) and reason of a close
 * payload; -1 when the payload is malformed (1 byte, bad code, bad UTF-8). */
int wsframe_close_parse(const uint8_t *p, size_t n, unsigned *code, const char **reason, size_t *reason_len);

#endif
