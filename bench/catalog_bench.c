/*
 * catalog_bench.c: the catalog and launch-form figures of bench/b_catalog.sh.
 *
 * Built by the script against build/libdatalab.a.  Each figure is the
 * median of several runs, printed as "figure: value unit":
 *  - the real interactive-services index.yaml (2,567 versions) parsed;
 *  - a 500-chart index (generated here, 5 versions each) parsed, turned
 *    into catalog rows and drawn by the table widget on a headless screen;
 *  - launch forms built from the largest testdata schemas (with the
 *    chart's values.yaml) and their first page drawn by the form widget.
 * Usage: catalog_bench TESTDATA_DIR
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/form.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/yaml.h"
#include "datalab/helm/index.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"

#define RUNS 9

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct buf slurp(const char *path)
{
	struct buf b;
	struct error err;

	buf_init(&b, 0);
	if (file_read(path, &b, &err) < 0) {
		fprintf(stderr, "catalog_bench: %s\n", err.msg);
		exit(1);
	}
	return b;
}

static void synth_index(struct buf *out, int charts, int versions)
{
	buf_adds(out, "apiVersion: v1\nentries:\n");
	for (int c = 0; c < charts; c++) {
		buf_addf(out, "  chart-%03d:\n", c);
		for (int v = versions; v > 0; v--)
			buf_addf(out,
				 "  - apiVersion: v2\n    name: chart-%03d\n    version: 1.%d.0\n    appVersion: \"%d.0\"\n"
				 "    description: Synthetic chart number %d, a service for data scientists with a longer description.\n"
				 "    keywords: [data, science, k%d]\n    type: application\n"
				 "    digest: %064d\n    created: \"2025-01-01T00:00:00Z\"\n"
				 "    urls: [chart-%03d-1.%d.0.tgz]\n",
				 c, v, v, c, c % 17, c, c, v);
	}
	buf_adds(out, "generated: \"2025-01-01T00:00:00Z\"\n");
}

static double parse_ms(const struct buf *b, size_t *ncharts, size_t *nversions)
{
	double t[RUNS];

	for (int i = 0; i < RUNS; i++) {
		struct index idx;
		struct error err;
		double t0 = now_ms();

		if (index_parse(b->data, b->len, NULL, &idx, &err) < 0) {
			fprintf(stderr, "catalog_bench: %s\n", err.msg);
			exit(1);
		}
		t[i] = now_ms() - t0;
		*ncharts = idx.ncharts;
		*nversions = idx.nversions;
		index_release(&idx);
	}
	return median(t, RUNS);
}

/* Parse, rows as the catalog view makes them, one full table draw. */
static double catalog_ms(const struct buf *b, WINDOW *win)
{
	static const struct table_column cols[] = {
		{ " ", 1, 1, 0, WIDGET_ALIGN_LEFT, 0 },
		{ "NAME", 10, 32, 1, WIDGET_ALIGN_LEFT, 0 },
		{ "VERSION", 7, 16, 0, WIDGET_ALIGN_LEFT, 0 },
		{ "DESCRIPTION", 20, 0, 4, WIDGET_ALIGN_LEFT, 0 },
		{ "KEYWORDS", 10, 32, 1, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
	};
	double t[RUNS];

	for (int i = 0; i < RUNS; i++) {
		struct index idx;
		struct error err;
		struct table *tb = table_new(cols, 5);
		double t0 = now_ms();

		index_parse(b->data, b->len, NULL, &idx, &err);
		table_begin(tb);
		for (size_t c = 0; c < idx.ncharts; c++) {
			const struct index_version *v = index_latest(&idx.charts[c]);
			size_t r = table_add_row(tb, v->name);
			struct buf kw;

			buf_init(&kw, 0);
			for (size_t k = 0; k < v->nkeywords; k++)
				buf_addf(&kw, "%s%s", k ? ", " : "", v->keywords[k]);
			table_set_cell(tb, r, 0, "", -1);
			table_set_cell(tb, r, 1, v->name, -1);
			table_set_cell(tb, r, 2, v->version, -1);
			table_set_cell(tb, r, 3, v->description ? v->description : "", -1);
			table_set_cell(tb, r, 4, kw.data, -1);
			buf_release(&kw);
		}
		table_commit(tb);
		widget_place(table_widget(tb), 0, 0, getmaxy(win), getmaxx(win));
		widget_draw(table_widget(tb), win, true);
		t[i] = now_ms() - t0;
		table_free(tb);
		index_release(&idx);
	}
	return median(t, RUNS);
}

static cJSON *read_doc(const char *path, bool yaml)
{
	struct buf b = slurp(path);
	struct error err;
	cJSON *j = yaml ? yaml_parse(b.data, b.len, NULL, &err) : json_parse(b.data, b.len, &err);

	buf_release(&b);
	if (!j) {
		fprintf(stderr, "catalog_bench: %s: %s\n", path, err.msg);
		exit(1);
	}
	return j;
}

/* Form built from schema (+ values) and its first page drawn; *read_ms
 * is the median time to read and parse the schema and values files,
 * which a peer that starts from the files (helm) also spends. */
static double form_ms(const char *schema_path, const char *values_path, WINDOW *win, size_t *nfields,
		      double *read_ms)
{
	bool has_values = values_path && file_exists(values_path);
	cJSON *schema, *values;
	double t[RUNS];

	for (int i = 0; i < RUNS; i++) {
		double t0 = now_ms();

		schema = read_doc(schema_path, false);
		values = has_values ? read_doc(values_path, true) : NULL;
		t[i] = now_ms() - t0;
		cJSON_Delete(schema);
		cJSON_Delete(values);
	}
	*read_ms = median(t, RUNS);
	schema = read_doc(schema_path, false);
	values = has_values ? read_doc(values_path, true) : NULL;

	for (int i = 0; i < RUNS; i++) {
		struct error err;
		double t0 = now_ms();
		struct form *f = form_new(schema, values, NULL, NULL, &err);
		struct formview *fv;

		if (!f) {
			fprintf(stderr, "catalog_bench: %s: %s\n", schema_path, err.msg);
			exit(1);
		}
		fv = formview_new(f);
		widget_place(formview_widget(fv), 0, 0, getmaxy(win), getmaxx(win));
		widget_draw(formview_widget(fv), win, true);
		t[i] = now_ms() - t0;
		*nfields = form_field_count(f);
		formview_free(fv);
		form_free(f);
	}
	cJSON_Delete(schema);
	cJSON_Delete(values);
	return median(t, RUNS);
}

int main(int argc, char **argv)
{
	const char *td = argc > 1 ? argv[1] : "../shared/testdata";
	struct buf real, synth;
	size_t nc, nv, nf;
	double ms, rd;
	char *p, *v;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	WINDOW *win;

	setenv("TERM", "xterm-256color", 1);
	setlocale(LC_ALL, "C.UTF-8");
	scr = newterm("xterm-256color", out, in);
	if (!scr)
		return 1;
	set_term(scr);
	win = newwin(40, 160, 0, 0);

	p = xasprintf("%s/index/interactive-services-index.yaml", td);
	real = slurp(p);
	free(p);
	printf("index.yaml parsed, interactive-services (%.1f MB): %.1f ms\n", (double)real.len / 1e6,
	       parse_ms(&real, &nc, &nv));
	printf("  (%zu charts, %zu versions)\n", nc, nv);

	buf_init(&synth, 0);
	synth_index(&synth, 500, 5);
	printf("index.yaml parsed, 500 charts x 5 versions (%.1f MB): %.1f ms\n", (double)synth.len / 1e6,
	       parse_ms(&synth, &nc, &nv));
	printf("catalog of 500 charts parsed, listed and drawn: %.1f ms\n", catalog_ms(&synth, win));

	p = xasprintf("%s/charts/vscode-python/values.schema.json", td);
	v = xasprintf("%s/charts/vscode-python/values.yaml", td);
	ms = form_ms(p, v, win, &nf, &rd);
	printf("launch form built and drawn, vscode-python: %.1f ms\n", ms);
	printf("  (%zu fields; %.1f ms with its schema and values.yaml read and parsed)\n", nf, ms + rd);
	free(p);
	free(v);
	p = xasprintf("%s/schemas/jupyter-pyspark/values.schema.json", td);
	v = xasprintf("%s/schemas/jupyter-pyspark/values.yaml", td);
	ms = form_ms(p, v, win, &nf, &rd);
	printf("launch form built and drawn, jupyter-pyspark (largest chart schema): %.1f ms\n", ms);
	printf("  (%zu fields; %.1f ms with its schema and values.yaml read and parsed)\n", nf, ms + rd);
	free(p);
	free(v);
	p = xasprintf("%s/hostile/json/schema-10000-properties.json", td);
	printf("launch form built and drawn, 10,000 properties: %.1f ms\n", form_ms(p, NULL, win, &nf, &rd));
	free(p);

	buf_release(&real);
	buf_release(&synth);
	delwin(win);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	return 0;
}
