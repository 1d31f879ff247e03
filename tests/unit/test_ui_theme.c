/*
 * test_ui_theme.c: colour roles, parsing, degrading colours, applying.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/ui/theme.h"

static const char *const shipped[] = { "dark", "light", "high-contrast", "monochrome" };

START_TEST(role_names_round_trip)
{
	for (int i = 0; i < THEME_COUNT; i++) {
		const char *n = theme_role_name((enum theme_role)i);

		ck_assert_str_ne(n, "?");
		ck_assert_int_eq(theme_role_from_name(n), i);
	}
	ck_assert_int_eq(theme_role_from_name("row_selected"), THEME_ROW_SELECTED);
	ck_assert_int_eq(theme_role_from_name("row-selecte"), -1);
	ck_assert_int_eq(theme_role_from_name("row-selectedx"), -1);
}
END_TEST

START_TEST(nearest_colors)
{
	ck_assert_int_eq(theme_color_nearest(255, 0, 0, 256), 9);
	ck_assert_int_eq(theme_color_nearest(255, 0, 0, 8), 1);
	ck_assert_int_eq(theme_color_nearest(0, 95, 135, 256), 24);
	ck_assert_int_eq(theme_color_nearest(128, 128, 128, 256), 244);
	ck_assert_int_eq(theme_color_nearest(0, 95, 135, 8), 4);
	ck_assert_int_eq(theme_color_nearest(250, 250, 250, 16), 15);
	/* 88 colours: (139, 0, 0) is on xterm's 4x4x4 cube at 16 + 16. */
	ck_assert_int_eq(theme_color_nearest(139, 0, 0, 88), 32);
}
END_TEST

START_TEST(degrade_colors)
{
	ck_assert_int_eq(theme_color_degrade(THEME_COLOR_DEFAULT, 8), THEME_COLOR_DEFAULT);
	ck_assert_int_eq(theme_color_degrade(196, 256), 196);
	ck_assert_int_eq(theme_color_degrade(196, 16), 9);
	ck_assert_int_eq(theme_color_degrade(196, 8), 1);
	ck_assert_int_eq(theme_color_degrade(12, 8), 4);
	ck_assert_int_eq(theme_color_degrade(THEME_COLOR_RGB(0xff, 0xff, 0xff), 256), 15);
	ck_assert_int_eq(theme_color_degrade(THEME_COLOR_RGB(0, 0xaf, 0), 8), 2);
	/* 256-palette index 21 (0,0,255) on an 88-colour terminal. */
	ck_assert_int_eq(theme_color_degrade(21, 88), 19);
	for (int c = 0; c < 256; c++) {
		ck_assert_int_lt(theme_color_degrade(c, 8), 8);
		ck_assert_int_lt(theme_color_degrade(c, 16), 16);
		ck_assert_int_lt(theme_color_degrade(c, 88), 88);
	}
}
END_TEST

START_TEST(parse_custom_theme)
{
	const char *y = "name: mine\n"
			"roles:\n"
			"  title: { fg: \"#005f87\", bg: bright-white, attrs: [bold, underline] }\n"
			"  row_selected: { fg: 0, bg: brightred, attrs: reverse }\n";
	struct theme t, dark;
	struct error err;

	ck_assert_int_eq(theme_parse(&t, y, strlen(y), &err), 0);
	ck_assert_str_eq(t.name, "mine");
	ck_assert_int_eq(t.roles[THEME_TITLE].fg, THEME_COLOR_RGB(0, 0x5f, 0x87));
	ck_assert_int_eq(t.roles[THEME_TITLE].bg, 15);
	ck_assert_uint_eq(t.roles[THEME_TITLE].attrs, THEME_BOLD | THEME_UNDERLINE);
	ck_assert_int_eq(t.roles[THEME_ROW_SELECTED].fg, 0);
	ck_assert_int_eq(t.roles[THEME_ROW_SELECTED].bg, 9);
	ck_assert_uint_eq(t.roles[THEME_ROW_SELECTED].attrs, THEME_REVERSE);
	/* Roles left out keep the built-in dark values. */
	theme_builtin("dark", &dark);
	ck_assert_mem_eq(&t.roles[THEME_FAILED], &dark.roles[THEME_FAILED], sizeof(struct theme_style));
}
END_TEST

static void expect_error(const char *yaml, const char *needle)
{
	struct theme t;
	struct error err;

	error_clear(&err);
	ck_assert_int_eq(theme_parse(&t, yaml, strlen(yaml), &err), -1);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
	ck_assert_str_eq(t.name, "dark");
}

START_TEST(parse_errors_say_what)
{
	expect_error("name: x\nroles:\n  titel: { fg: red }\n", "unknown role 'titel'");
	expect_error("name: x\nroles:\n  title: { fg: purpel }\n", "unknown colour 'purpel'");
	expect_error("name: x\nroles:\n  title:\n    fg: #ff0000\n", "quote");
	expect_error("name: x\nroles:\n  title: { fg: 300 }\n", "not in 0..255");
	expect_error("name: x\nroles:\n  title: { fg: red, attrs: [blink] }\n", "bad attribute");
	expect_error("name: x\nroles:\n  title: { fg: red, attrs: sparkly }\n", "unknown attribute 'sparkly'");
	expect_error("name: x\nroles:\n  title: { colour: red }\n", "unknown key 'colour'");
	expect_error("- a\n- b\n", "mapping");
	expect_error("name: [\n", "line");
}
END_TEST

START_TEST(shipped_themes_match_builtins)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(shipped); i++) {
		char *path = xasprintf("themes/%s.yaml", shipped[i]);
		struct buf b;
		struct theme file, built;
		struct error err;

		buf_init(&b, 0);
		ck_assert_int_eq(file_read(path, &b, &err), 0);
		ck_assert_msg(theme_parse(&file, b.data, b.len, &err) == 0, "%s: %s", path, err.msg);
		ck_assert_int_eq(theme_builtin(shipped[i], &built), 0);
		ck_assert_str_eq(file.name, shipped[i]);
		for (int r = 0; r < THEME_COUNT; r++)
			ck_assert_msg(memcmp(&file.roles[r], &built.roles[r], sizeof(file.roles[r])) == 0,
				      "%s: role %s differs from the built-in", path, theme_role_name(r));
		buf_release(&b);
		free(path);
	}
}
END_TEST

START_TEST(load_searches_and_falls_back)
{
	char dir[] = "/tmp/dl-theme-XXXXXX";
	char *path;
	const char *y = "name: classroom\nroles:\n  title: { fg: red, bg: black }\n";
	struct theme t;
	struct error err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/classroom.yaml", dir);
	ck_assert_int_eq(file_write_atomic(path, y, strlen(y), 0644, &err), 0);
	setenv("DATALAB_THEME_DIR", dir, 1);
	setenv("DATALAB_HOME", dir, 1);
	ck_assert_int_eq(theme_load("classroom", &t, &err), 0);
	ck_assert_str_eq(t.name, "classroom");
	ck_assert_int_eq(t.roles[THEME_TITLE].fg, 1);
	/* A built-in name with no file anywhere in the path. */
	ck_assert_int_eq(theme_load("high-contrast", &t, &err), 0);
	ck_assert_str_eq(t.name, "high-contrast");
	/* Unknown: an error, and the dark theme to go on with. */
	ck_assert_int_eq(theme_load("nope", &t, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	ck_assert_str_eq(t.name, "dark");
	ck_assert_int_eq(theme_load("../etc/passwd", &t, &err), -1);
	ck_assert_int_eq(theme_load(path, &t, &err), 0);
	ck_assert_str_eq(t.name, "classroom");
	unlink(path);
	free(path);
	{
		char *tdir = xasprintf("%s/config/themes", dir);
		char *cfg = xasprintf("%s/config", dir);

		rmdir(tdir);
		rmdir(cfg);
		free(tdir);
		free(cfg);
	}
	rmdir(dir);
}
END_TEST

START_TEST(attrs_before_apply_are_mono)
{
	ck_assert(theme_attr(THEME_ROW_SELECTED) & A_REVERSE);
	ck_assert(theme_attr(THEME_TABLE_HEADER) & A_BOLD);
	ck_assert_uint_eq(theme_attr(THEME_ROW_SELECTED) & A_COLOR, 0);
	ck_assert(theme_is_mono());
}
END_TEST

START_TEST(apply_256_colors)
{
	struct theme t;
	short fg, bg;
	attr_t sel, title;

	unsetenv("NO_COLOR");
	ts_open();
	ck_assert(has_colors());
	theme_builtin("dark", &t);
	theme_apply(&t);
	ck_assert(!theme_is_mono());
	ck_assert_int_ge(COLORS, 256);
	sel = theme_attr(THEME_ROW_SELECTED);
	ck_assert_int_ne(PAIR_NUMBER(sel), 0);
	ck_assert(sel & A_BOLD);
	pair_content((short)PAIR_NUMBER(sel), &fg, &bg);
	ck_assert_int_eq(fg, 15);
	ck_assert_int_eq(bg, 31);
	/* Same (fg, bg) shares a pair; default/default is pair 0. */
	ck_assert_int_eq(PAIR_NUMBER(theme_attr(THEME_DEFAULT)), 0);
	title = theme_attr(THEME_TITLE);
	ck_assert_int_ne(PAIR_NUMBER(title), PAIR_NUMBER(sel));
	ck_assert_str_eq(theme_current()->name, "dark");
	ts_close();
}
END_TEST

START_TEST(apply_no_color_is_mono)
{
	struct theme t;

	setenv("NO_COLOR", "1", 1);
	ts_open();
	theme_builtin("dark", &t);
	theme_apply(&t);
	ck_assert(theme_is_mono());
	ck_assert_uint_eq(theme_attr(THEME_ROW_SELECTED) & A_COLOR, 0);
	ck_assert(theme_attr(THEME_ROW_SELECTED) & A_REVERSE);
	ck_assert(theme_attr(THEME_TABLE_HEADER) & A_BOLD);
	ts_close();
	unsetenv("NO_COLOR");
}
END_TEST

START_TEST(apply_8_colors_degrades)
{
	struct theme t;
	short fg, bg;
	attr_t sel;

	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	setlocale(LC_ALL, "C.UTF-8");
	ts_out = fopen("/dev/null", "w");
	ts_in = fopen("/dev/null", "r");
	ts_scr = newterm("xterm", ts_out, ts_in);
	ck_assert_ptr_nonnull(ts_scr);
	theme_builtin("dark", &t);
	theme_apply(&t);
	ck_assert_int_eq(COLORS, 8);
	sel = theme_attr(THEME_ROW_SELECTED);
	pair_content((short)PAIR_NUMBER(sel), &fg, &bg);
	ck_assert_int_lt(fg, 8);
	ck_assert_int_lt(bg, 8);
	ck_assert_int_eq(bg, 6);	/* 31 = #0087af: nearest of 8 is cyan */
	ts_close();
}
END_TEST

static Suite *theme_suite(void)
{
	Suite *s = suite_create("ui_theme");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, role_names_round_trip);
	tcase_add_test(tc, nearest_colors);
	tcase_add_test(tc, degrade_colors);
	tcase_add_test(tc, parse_custom_theme);
	tcase_add_test(tc, parse_errors_say_what);
	tcase_add_test(tc, shipped_themes_match_builtins);
	tcase_add_test(tc, load_searches_and_falls_back);
	tcase_add_test(tc, attrs_before_apply_are_mono);
	tcase_add_test(tc, apply_256_colors);
	tcase_add_test(tc, apply_no_color_is_mono);
	tcase_add_test(tc, apply_8_colors_degrades);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(theme_suite)
