/*
 * test_form_view.c: the launch form widget on a headless screen: rows and
 * their values as drawn (switches, sliders, lists, masked passwords),
 * keys that move, toggle, step and edit, hidden fields appearing when the
 * switch they follow turns on, the schema's message for a bad value, and
 * hostile schemas drawn inert and fast.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/catalog/form.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/yaml.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/theme.h"

static WINDOW *win;

static void setup(void)
{
	ts_open();
	win = newwin(30, 100, 0, 0);
	ck_assert_ptr_nonnull(win);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static struct form *demo_form(const char *chart)
{
	char *sp = xasprintf("catalogs/charts/%s/values.schema.json", chart);
	char *vp = xasprintf("catalogs/charts/%s/values.yaml", chart);
	cJSON *s = testutil_doc(sp, false), *v = testutil_doc(vp, true);
	cJSON *ctx = cJSON_Parse("{\"service\":{\"oneTimePassword\":\"s3cretpass\"}}");
	struct error err;
	struct form *f = form_new(s, v, ctx, NULL, &err);

	ck_assert_msg(f != NULL, "%s", err.msg);
	cJSON_Delete(s);
	cJSON_Delete(v);
	cJSON_Delete(ctx);
	free(sp);
	free(vp);
	return f;
}

/* The first row of win holding needle, or -1. */
static int row_of(const char *needle)
{
	for (int y = 0; y < getmaxy(win); y++)
		if (strstr(ts_line(win, y), needle))
			return y;
	return -1;
}

static void draw(struct formview *fv)
{
	werase(win);
	widget_place(formview_widget(fv), 0, 0, 30, 100);
	widget_draw(formview_widget(fv), win, true);
}

static unsigned key(struct formview *fv, int k)
{
	return widget_key(formview_widget(fv), k);
}

static void type(struct formview *fv, const char *s)
{
	for (; *s; s++)
		key(fv, *s);
}

START_TEST(rows_and_values)
{
	struct form *f = demo_form("jupyter-demo");
	struct formview *fv = formview_new(f);
	int y;

	draw(fv);
	ck_assert_int_ge(row_of("Service"), 0);
	y = row_of("Keep my work folder on a volume");
	ck_assert_int_ge(y, 0);
	ck_assert_ptr_nonnull(strstr(ts_line(win, y), "[x]"));
	y = row_of("Pull policy");
	ck_assert_ptr_nonnull(strstr(ts_line(win, y), "IfNotPresent"));
	/* a slider: the bar and the value */
	y = row_of("10Gi");
	ck_assert_int_ge(y, 0);
	ck_assert_ptr_nonnull(strstr(ts_line(win, y), "\u25cf"));
	/* hidden fields (ingress, global) are not listed, nor their sections */
	ck_assert_int_eq(row_of("Ingress"), -1);
	ck_assert_int_eq(row_of("Suspended"), -1);
	/* the password is masked, shown on demand */
	formview_select(fv, form_find(f, "security/password"));
	draw(fv);
	y = row_of("Password");
	ck_assert_int_ge(y, 0);
	ck_assert_ptr_null(strstr(ts_line(win, y), "s3cretpass"));
	formview_set_reveal(fv, true);
	draw(fv);
	ck_assert_ptr_nonnull(strstr(ts_line(win, row_of("Password")), "s3cretpass"));
	ts_assert_inert(win);
	formview_free(fv);
	form_free(f);
}
END_TEST

START_TEST(keys_toggle_step_edit)
{
	struct form *f = demo_form("jupyter-demo");
	struct formview *fv = formview_new(f);
	struct form_field *en = form_find(f, "persistence/enabled"), *size = form_find(f, "persistence/size");
	struct form_field *cpu = form_find(f, "resources/limits/cpu"), *pw = form_find(f, "security/password");
	unsigned r;

	draw(fv);
	/* Tab goes to editable fields only */
	ck_assert(formview_selected(fv)->type == FORM_OBJECT);
	key(fv, '\t');
	ck_assert_str_eq(formview_selected(fv)->path, "service/image/version");

	/* a switch turned off hides what follows it */
	formview_select(fv, en);
	r = key(fv, ' ');
	ck_assert(r & WIDGET_CHANGED);
	ck_assert(cJSON_IsFalse(en->value));
	draw(fv);
	ck_assert_int_eq(row_of("Volume size"), -1);
	key(fv, KEY_RIGHT);
	ck_assert(cJSON_IsTrue(en->value));
	draw(fv);
	ck_assert_int_ge(row_of("Volume size"), 0);

	/* sliders step by their step, within their range */
	formview_select(fv, size);
	key(fv, KEY_RIGHT);
	ck_assert_str_eq(size->value->valuestring, "11Gi");
	formview_select(fv, cpu);
	key(fv, KEY_LEFT);
	ck_assert_str_eq(cpu->value->valuestring, "1950m");

	/* editing: a bad value is stored and shown with the schema's rule */
	formview_select(fv, pw);
	key(fv, '\n');
	ck_assert(formview_editing(fv));
	key(fv, 21);	/* ^U */
	type(fv, "short");
	r = key(fv, '\n');
	ck_assert(r & WIDGET_CHANGED);
	ck_assert(!formview_editing(fv));
	ck_assert_str_eq(pw->value->valuestring, "short");
	ck_assert_uint_eq(formview_invalid_count(fv), 1);
	draw(fv);
	ck_assert_msg(row_of("does not match the pattern") >= 0, "no pattern message");

	/* Esc drops an edit */
	key(fv, '\n');
	type(fv, "XYZ");
	key(fv, 27);
	ck_assert(!formview_editing(fv));
	ck_assert_str_eq(pw->value->valuestring, "short");

	/* a number that does not parse stays in the editor with the reason */
	formview_free(fv);
	form_free(f);
	f = demo_form("job-demo");
	fv = formview_new(f);
	draw(fv);
	formview_select(fv, form_find(f, "job/parallelism"));
	key(fv, '\n');
	key(fv, 21);
	type(fv, "lots");
	r = key(fv, '\n');
	ck_assert(!(r & WIDGET_CHANGED));
	ck_assert(formview_editing(fv));
	draw(fv);
	ck_assert_int_ge(row_of("expects an integer"), 0);
	key(fv, 21);
	type(fv, "12");
	ck_assert(key(fv, '\n') & WIDGET_CHANGED);
	draw(fv);
	ck_assert_int_ge(row_of("must be at most 8"), 0);
	/* a read-only field refuses */
	formview_select(fv, form_find(f, "resources/limits/memory"));
	key(fv, '\n');
	ck_assert(!formview_editing(fv));
	/* folding a section */
	formview_select(fv, form_find(f, "job"));
	key(fv, ' ');
	draw(fv);
	ck_assert_int_eq(row_of("Pods at once"), -1);
	formview_free(fv);
	form_free(f);
}
END_TEST

START_TEST(hostile_schemas_inert_and_fast)
{
	static const char *const files[] = {
		TESTDATA "/hostile/json/schema-hostile-x-onyxia.json",
		TESTDATA "/hostile/json/schema-10000-properties.json",
		TESTDATA "/hostile/json/schema-cyclic-ref.json",
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(files); i++) {
		cJSON *s = testutil_doc(files[i], false);
		struct error err;
		struct form *f = form_new(s, NULL, NULL, NULL, &err);
		struct formview *fv;
		clock_t t0 = clock();

		ck_assert_msg(f != NULL, "%s", err.msg);
		fv = formview_new(f);
		for (int k = 0; k < 200; k++) {
			key(fv, KEY_NPAGE);
			draw(fv);
			ts_assert_inert(win);
		}
		key(fv, KEY_END);
		draw(fv);
		ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "%s: 200 pages too slow", files[i]);
		formview_free(fv);
		form_free(f);
		cJSON_Delete(s);
	}
}
END_TEST

static Suite *form_view_suite(void)
{
	Suite *s = suite_create("form_view");
	TCase *tc = tcase_create("widget");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rows_and_values);
	tcase_add_test(tc, keys_toggle_step_edit);
	tcase_add_test(tc, hostile_schemas_inert_and_fast);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(form_view_suite)
