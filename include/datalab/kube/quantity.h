/*
 * quantity.h: Kubernetes resource quantities ("100m", "1.5Gi", "2e3").
 *
 * The grammar of apimachinery's resource.Quantity: an optional sign, digits
 * with an optional fraction, then a binary suffix (Ki..Ei), a decimal one
 * (n u m "" k M G T P E) or an exponent (e3, E-2).  A quantity is held as an
 * int64 mantissa and a base-10 scale, never a float: value * 10^scale.
 * Precision is 1n: finer values are rounded up (away from zero); magnitudes
 * past 2^63-1 are capped there, as the API server does.
 */
#ifndef DATALAB_KUBE_QUANTITY_H
#define DATALAB_KUBE_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "datalab/core/error.h"

enum quantity_format {
	QUANTITY_DECIMAL_SI,	/* 1500m, 2k, 3 */
	QUANTITY_BINARY_SI,	/* 1536Mi */
	QUANTITY_DECIMAL_EXP,	/* 15e2 */
};

struct quantity {
	int64_t value;		/* trailing zeros moved into scale */
	int scale;		/* >= -9 */
	enum quantity_format format;
};

/* quantity_parse: parses p[0..n) whole.  On failure fills err with the
 * quoted input and returns -1; *q is then zero. */
int quantity_parse(const char *p, size_t n, struct quantity *q, struct error *err);
/* quantity_parse_str: the same for a C string (NULL fails). */
int quantity_parse_str(const char *s, struct quantity *q, struct error *err);

/* quantity_format: the canonical form the API server would print (the
 * input's family, no fraction, the largest exact suffix) into dst. */
void quantity_format(const struct quantity *q, char *dst, size_t size);

/* quantity_milli: the value in thousandths, rounded up (cpu in millicores).
 * Saturates at INT64_MAX/MIN. */
int64_t quantity_milli(const struct quantity *q);
/* quantity_value: the value rounded up to a whole unit (bytes, GPUs). */
int64_t quantity_value(const struct quantity *q);
/* quantity_nano: the value in billionths, saturating (nanocores). */
int64_t quantity_nano(const struct quantity *q);

/* quantity_cmp: <0, 0, >0 as a is less than, equal to, greater than b. */
int quantity_cmp(const struct quantity *a, const struct quantity *b);
/* quantity_add: *a += *b, keeping a's format; saturates at 2^63-1. */
void quantity_add(struct quantity *a, const struct quantity *b);
/* quantity_from_milli: a quantity of m thousandths (DecimalSI). */
void quantity_from_milli(struct quantity *q, int64_t m);

#endif
