/*
 * test_term.c: the terminal emulator drawn into a headless curses screen:
 * known sequences in, cells out; keys in, bytes out; damage tracking.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/term/term.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

static WINDOW *win;
static struct term *t;
static struct buf sent;
static int resized_rows, resized_cols, titles, bells, damages;

static void cb_output(const char *p, size_t n, void *arg)
{
	(void)arg;
	buf_add(&sent, p, n);
}

static void cb_resize(int rows, int cols, void *arg)
{
	(void)arg;
	resized_rows = rows;
	resized_cols = cols;
}

static void cb_event(enum term_event ev, void *arg)
{
	(void)arg;
	if (ev == TERM_EVENT_TITLE)
		titles++;
	else if (ev == TERM_EVENT_BELL)
		bells++;
	else
		damages++;
}

static const struct term_cbs cbs = { cb_output, cb_resize, cb_event };

static void setup(void)
{
	struct theme th;

	ts_open();
	start_color();
	use_default_colors();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(10, 40, 0, 0);
	ck_assert_ptr_nonnull(win);
	buf_init(&sent, 0);
	resized_rows = resized_cols = titles = bells = damages = 0;
	t = term_new(10, 40, &cbs, NULL);
}

static void teardown(void)
{
	term_free(t);
	buf_release(&sent);
	delwin(win);
	ts_close();
}

static void feed(const char *s)
{
	term_feed(t, s, strlen(s));
}

/* row y of the window, trailing blanks cut */
static const char *row(int y)
{
	static char out[4096];
	size_t n;

	snprintf(out, sizeof(out), "%s", ts_line(win, y));
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
	return out;
}

/* the cell's colour pair, extended pairs included, and its colours */
static void cell_colors(int y, int x, int *fg, int *bg, attr_t *attrs)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	short spair = 0;
	int pair = 0;

	mvwin_wch(win, y, x, &cc);
	getcchar(&cc, wc, attrs, &spair, &pair);
	extended_pair_content(pair, fg, bg);
}

static void sent_is(const char *expect)
{
	ck_assert_msg(sent.len == strlen(expect) && memcmp(sent.data, expect, sent.len) == 0,
		      "sent %zu bytes '%s', expected '%s'", sent.len, sent.data, expect);
	buf_reset(&sent);
}

START_TEST(text_and_cursor)
{
	int r, c;

	feed("hello\r\nworld");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "hello");
	ck_assert_str_eq(row(1), "world");
	ck_assert(term_cursor(t, &r, &c));
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(c, 5);
	feed("\x1b[5;10Hx\x1b[?25l");
	term_draw(t, win, false);
	ck_assert_str_eq(row(4), "         x");
	ck_assert(!term_cursor(t, &r, &c));
	ck_assert_int_eq(r, 4);
	ck_assert_int_eq(c, 10);
	ck_assert(damages > 0);
}
END_TEST

START_TEST(split_sequences_and_utf8)
{
	/* a CSI and a UTF-8 character cut in the middle */
	feed("\x1b[");
	feed("3;1Hé\xc3");
	feed("\xa9!");
	term_draw(t, win, false);
	ck_assert_str_eq(row(2), "éé!");
}
END_TEST

START_TEST(colours_map_to_the_palette)
{
	int fg, bg;
	attr_t a;

	feed("\x1b[31mR\x1b[38;5;200;48;5;17mX\x1b[38;2;255;0;0mT\x1b[0mD\x1b[1;4;7mB");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "RXTDB");
	cell_colors(0, 0, &fg, &bg, &a);
	ck_assert_int_eq(fg, 1);
	cell_colors(0, 1, &fg, &bg, &a);
	ck_assert_int_eq(fg, 200);
	ck_assert_int_eq(bg, 17);
	cell_colors(0, 2, &fg, &bg, &a);
	ck_assert_int_eq(fg, theme_color_nearest(255, 0, 0, 256));
	/* default colours are the theme's body colours */
	cell_colors(0, 3, &fg, &bg, &a);
	ck_assert_int_eq(fg, theme_color_degrade(theme_current()->roles[THEME_DEFAULT].fg, 256));
	ck_assert_int_eq(bg, theme_color_degrade(theme_current()->roles[THEME_DEFAULT].bg, 256));
	ck_assert(!(a & (A_BOLD | A_UNDERLINE | A_REVERSE)));
	cell_colors(0, 4, &fg, &bg, &a);
	ck_assert(a & A_BOLD);
	ck_assert(a & A_UNDERLINE);
	ck_assert(a & A_REVERSE);
}
END_TEST

START_TEST(wide_characters)
{
	int r, c;

	feed("日本x");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "日本x");
	term_cursor(t, &r, &c);
	ck_assert_int_eq(c, 5);
	/* a wide character at the last column wraps, as xterm does */
	feed("\x1b[2;40H語");
	term_draw(t, win, false);
	ck_assert_str_eq(row(2), "語");
}
END_TEST

START_TEST(alternate_screen)
{
	feed("main text");
	ck_assert(!term_altscreen(t));
	feed("\x1b[?1049h\x1b[H\x1b[2Jfull screen");
	ck_assert(term_altscreen(t));
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "full screen");
	feed("\x1b[?1049l");
	ck_assert(!term_altscreen(t));
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "main text");
}
END_TEST

START_TEST(scroll_region)
{
	feed("top\x1b[2;4r\x1b[2;1Ha\r\nb\r\nc\r\nd\x1b[r\x1b[5;1Hbottom");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "top");
	ck_assert_str_eq(row(1), "b");
	ck_assert_str_eq(row(2), "c");
	ck_assert_str_eq(row(3), "d");
	ck_assert_str_eq(row(4), "bottom");
	/* lines scrolled inside a region are not scrollback */
	ck_assert_uint_eq(term_scrollback_lines(t), 0);
}
END_TEST

START_TEST(title_is_sanitized)
{
	/* C1 CSI, DEL, a bidi override and a newline inside an OSC 2 */
	feed("\x1b]2;ev\xc2\x9b" "31mil\x7f\xe2\x80\xaetitle\x07");
	ck_assert_int_eq(titles, 1);
	const char *s = term_title(t);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "control in title '%s'", s);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0), "C1 in title");
		ck_assert_msg(!(p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xae), "bidi override in title");
	}
	ck_assert_ptr_nonnull(strstr(s, "title"));
	/* a title cut by reads anywhere (libvterm 0.1.4 loses a string split
	 * across writes: term_input holds it back until its end) */
	feed("te\x1b]2;fir");
	feed("st pa");
	feed("rt\x1b");
	ck_assert_int_eq(titles, 1);
	feed("\\xt");
	ck_assert_int_eq(titles, 2);
	ck_assert_str_eq(term_title(t), "first part");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "text");
	feed("\x1b]0;");
	for (int i = 0; i < 2000; i++)
		feed("x");
	feed("\x1b\\");
	ck_assert_uint_le(strlen(term_title(t)), TERM_TITLE_MAX);
}
END_TEST

START_TEST(hostile_bytes_stay_inert)
{
	static const char *const bad[] = {
		"\xc2\x85\xc2\x9b\xc2\x9d", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbb\xbf",
		"\xe2\x80\xae", "\x1bP1$r\x1b\\", "\x1b_apc\x1b\\", "\x1b^pm\x1b\\", "\xcc\x81\xcc\x81",
		"\x9b" "2J", "\x07\x08\x0b\x0c\x0e\x0f",
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++)
		feed(bad[i]);
	for (int i = 0; i < 256; i++) {
		char c = (char)i;

		term_feed(t, &c, 1);
	}
	term_draw(t, win, true);
	ts_assert_inert(win);
}
END_TEST

START_TEST(rep_first_does_not_hang)
{
	/* libvterm 0.1.4 spun forever on a REP before any text (fuzz input
	 * tests/fuzz/corpus/term/rep_first) */
	struct term *t2 = term_new(5, 10, NULL, NULL);

	term_feed(t2, "\x1b[5b", 4);
	term_feed(t2, "x\x1b[3b", 5);
	term_draw(t2, win, true);
	ck_assert_str_eq(row(0), "     xxxx");	/* the first REP repeats a blank */
	term_free(t2);
}
END_TEST

START_TEST(draws_only_dirty_rows)
{
	term_draw(t, win, true);
	ck_assert(!term_dirty(t));
	ck_assert_int_eq(term_draw(t, win, false), 0);
	mvwaddstr(win, 0, 0, "scribble0");
	mvwaddstr(win, 9, 0, "scribble9");
	feed("\x1b[6;1Hchanged");
	ck_assert(term_dirty(t));
	ck_assert_int_eq(term_draw(t, win, false), 1);
	ck_assert_str_eq(row(5), "changed");
	ck_assert_str_eq(row(0), "scribble0");
	ck_assert_str_eq(row(9), "scribble9");
	/* forced: everything again */
	ck_assert_int_eq(term_draw(t, win, true), 10);
	ck_assert_str_eq(row(0), "");
}
END_TEST

START_TEST(scrollback)
{
	char line[32];

	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		feed(line);
	}
	/* 100 lines and the empty prompt line in 10 rows: 91 scrolled off */
	ck_assert_uint_eq(term_scrollback_lines(t), 91);
	ck_assert(term_key(t, KEY_SPREVIOUS));
	ck_assert_int_eq(term_scroll_offset(t), 9);
	ck_assert_uint_eq(sent.len, 0);
	term_draw(t, win, false);
	ck_assert_str_eq(row(8), "line 90");
	ck_assert_str_eq(row(9), "line 91");
	ck_assert_ptr_nonnull(strstr(row(0), "[9/91]"));
	/* new output does not move the view */
	feed("line 100\r\n");
	ck_assert_int_eq(term_scroll_offset(t), 10);
	term_draw(t, win, false);
	ck_assert_str_eq(row(8), "line 90");
	term_scroll(t, 1000);
	ck_assert_int_eq(term_scroll_offset(t), 92);
	term_draw(t, win, false);
	ck_assert_str_eq(row(1), "line 1");
	/* a key goes back to the live screen */
	term_key(t, 'a');
	ck_assert_int_eq(term_scroll_offset(t), 0);
	term_draw(t, win, false);
	sent_is("a");	/* sent, not echoed: the remote echoes */
	ck_assert_str_eq(row(8), "line 100");
	/* a smaller ring keeps the newest lines */
	term_set_scrollback(t, 5);
	ck_assert_uint_eq(term_scrollback_lines(t), 5);
	term_scroll(t, 5);
	term_draw(t, win, false);
	ck_assert(strncmp(row(0), "line 87 ", 8) == 0);
	ck_assert_ptr_nonnull(strstr(row(0), "[5/5]"));
}
END_TEST

START_TEST(resize_pops_scrollback)
{
	char line[32];

	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "l%d\r\n", i);
		feed(line);
	}
	ck_assert_uint_eq(term_scrollback_lines(t), 21);
	term_resize(t, 20, 30);
	ck_assert_int_eq(resized_rows, 20);
	ck_assert_int_eq(resized_cols, 30);
	/* growing pulls lines back from the scrollback, as xterm does */
	ck_assert_uint_eq(term_scrollback_lines(t), 11);
	wresize(win, 20, 30);
	term_draw(t, win, true);
	ck_assert_str_eq(row(0), "l11");
	ck_assert_str_eq(row(18), "l29");
	resized_rows = 0;
	term_resize(t, 20, 30);
	ck_assert_int_eq(resized_rows, 0);
	term_resize(t, 0, 100000);
	ck_assert_int_eq(resized_rows, 1);
	ck_assert_int_eq(resized_cols, TERM_MAX_COLS);
	/* libvterm 0.1.4 crashed on a wide character in one column (fuzz
	 * input tests/fuzz/corpus/term/wide_in_one_column) */
	term_resize(t, 1, 1);
	ck_assert_int_eq(resized_cols, TERM_MIN_COLS);
	feed("a\xe3\x82\xa2\xe3\x82\xa2");
}
END_TEST

START_TEST(scrollback_wide_at_the_new_edge)
{
	/* lines ending in a wide character come back from the scrollback
	 * into a narrower screen: its half at the edge becomes a blank
	 * (libvterm 0.1.4 crashed on it; fuzz input popline_wide_edge) */
	struct term *t2 = term_new(3, 10, NULL, NULL);

	for (int i = 0; i < 8; i++)
		term_feed(t2, "abcdefgh\xe6\x97\xa5\r\n", 13);
	term_resize(t2, 3, 9);
	term_resize(t2, 8, 9);
	term_draw(t2, win, true);
	ck_assert_str_eq(row(0), "abcdefgh");
	term_resize(t2, 8, 10);
	term_free(t2);
}
END_TEST

START_TEST(scroll_region_past_a_shrunk_screen)
{
	/* libvterm 0.1.4 memmoved a negative size when a scroll region was
	 * left below the bottom of a shrunk screen (fuzz input
	 * region_shrink) */
	int r, c;

	feed("\x1b[5;10r\x1b[7;3H");
	term_resize(t, 3, 40);
	term_cursor(t, &r, &c);
	ck_assert_int_eq(r, 2);
	ck_assert_int_eq(c, 2);
	feed("\n\n\n\n\x1b[M\x1b[Lend");
	term_draw(t, win, true);
	ck_assert_str_eq(row(2), "  end");
}
END_TEST

START_TEST(wide_combining_marks_are_dropped)
{
	/* libvterm 0.1.4 gave U+302A..302F and U+3099..309A a width while
	 * combining them: "x" and 40 of them overflowed the row (fuzz input
	 * wide_marks); split across feeds too */
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "x");
	for (int i = 0; i < 45; i++)
		buf_adds(&b, i % 2 ? "\xe3\x80\xae" : "\xe3\x82\x99");
	buf_adds(&b, "y\xe3\x81\x8b\xcc\x81z");
	term_feed(t, b.data, 5);
	term_feed(t, b.data + 5, b.len - 5);
	term_draw(t, win, true);
	ck_assert_str_eq(row(0), "xyか\xcc\x81z");
	/* after an APC introducer: libvterm 0.1.4 has no APC strings, so the
	 * marks that follow are text to it (fuzz input apc_text) */
	buf_reset(&b);
	buf_adds(&b, "\r\n\x1b_x");
	for (int i = 0; i < 45; i++)
		buf_adds(&b, "\xe3\x80\xae");
	term_feed(t, b.data, b.len);
	term_draw(t, win, true);
	ck_assert_str_eq(row(1), "x");
	buf_release(&b);
}
END_TEST

START_TEST(c1_in_utf8_is_dropped)
{
	/* libvterm 0.1.4 printed U+009B as a glyph of width -1: after a full
	 * line in insert mode it memmoved a negative size (fuzz input
	 * c1_in_utf8) */
	char line[64];
	int r, c;

	memset(line, 'x', 40);
	memcpy(line + 40, "\xc2\x9by", 3);
	feed("\x1b[4h");
	term_feed(t, line, 43);
	feed("\r\nab\xc2\x85\xc2\x9f" "c");
	term_cursor(t, &r, &c);
	ck_assert_int_eq(c, 3);
	term_draw(t, win, true);
	ck_assert_str_eq(row(1), "y");
	ck_assert_str_eq(row(2), "abc");
	/* libvterm's decoder finishes a character across controls and
	 * escape sequences: C2, ^\\ or SGR, 9B was U+009B too (fuzz input
	 * c1_split); such an interrupted start is dropped */
	feed("\r\n");
	term_feed(t, line, 40);
	feed("\xc2\x1c\x9b" "\xc2\x1b[m\x9b" "\xe3\x1c\x80\xae");
	feed("\r\nd\xc3\xa9" "f\xe2\x80\xa6");
	term_cursor(t, &r, &c);
	ck_assert_int_eq(c, 4);
	term_draw(t, win, true);
	ck_assert_str_eq(row(5), "déf…");
}
END_TEST

START_TEST(megabytes_in_one_feed)
{
	/* libvterm 0.1.4 keeps a text run's code points on the stack: 2.5 MB
	 * in one write overflowed it (an exec burst caught up at once) */
	size_t n = 5u << 19;	/* 2.5 MB: 10 MB of code points */
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	memcpy(big + n - 4, "\x1b]2;", 4);
	term_feed(t, big, n);
	feed("end\x07");
	ck_assert_str_eq(term_title(t), "end");
	ck_assert_uint_eq(term_stats(t)->fed, n + 4);
	free(big);
}
END_TEST

START_TEST(csi_with_many_colons)
{
	/* libvterm 0.1.4 wrote past its CSI argument array after 16 ':'
	 * (fuzz input csi_colons); colour sub-parameters still work */
	int fg, bg;
	attr_t a;

	feed("\x1b[");
	feed("::::::::::::::::::::::::::;;r\x1b[38:5:200mX\x1b[0m");
	feed("\x1b[1;1H");
	term_draw(t, win, true);
	cell_colors(0, 0, &fg, &bg, &a);
	ck_assert_str_eq(row(0), "X");
	ck_assert_int_eq(fg, 200);
}
END_TEST

START_TEST(keys_encode_as_xterm)
{
	static const struct {
		int key;
		const char *bytes;
	} rows[] = {
		{ 'a', "a" }, { '\r', "\r" }, { 3, "\x03" }, { 27, "\x1b" }, { '\t', "\t" },
		{ 127, "\x7f" }, { KEY_BACKSPACE, "\x7f" }, { WIDGET_KEY_CHAR(0xe9), "\xc3\xa9" },
		{ WIDGET_KEY_CHAR(0x65e5), "\xe6\x97\xa5" },
		{ KEY_UP, "\x1b[A" }, { KEY_DOWN, "\x1b[B" }, { KEY_RIGHT, "\x1b[C" }, { KEY_LEFT, "\x1b[D" },
		{ KEY_HOME, "\x1b[H" }, { KEY_END, "\x1b[F" }, { KEY_PPAGE, "\x1b[5~" }, { KEY_NPAGE, "\x1b[6~" },
		{ KEY_IC, "\x1b[2~" }, { KEY_DC, "\x1b[3~" }, { KEY_BTAB, "\x1b[Z" },
		{ KEY_SR, "\x1b[1;2A" }, { KEY_SLEFT, "\x1b[1;2D" },
		{ KEY_F(1), "\x1bOP" }, { KEY_F(4), "\x1bOS" }, { KEY_F(5), "\x1b[15~" }, { KEY_F(12), "\x1b[24~" },
		{ KEY_F(13), "\x1b[1;2P" }, { KEY_F(29), "\x1b[15;5~" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		ck_assert_msg(term_key(t, rows[i].key), "key %d not sent", rows[i].key);
		sent_is(rows[i].bytes);
	}
	/* application cursor keys (DECCKM), as vi and less set them */
	feed("\x1b[?1h");
	term_key(t, KEY_UP);
	sent_is("\x1bOA");
	feed("\x1b[?1l");
	/* curses' extended names: Ctrl-Up, Alt-Right, Ctrl-Delete */
	keypad(stdscr, TRUE);
	term_key(t, key_defined("\x1b[1;5A"));
	sent_is("\x1b[1;5A");
	term_key(t, key_defined("\x1b[1;3C"));
	sent_is("\x1b[1;3C");
	term_key(t, key_defined("\x1b[3;5~"));
	sent_is("\x1b[3;5~");
	ck_assert(!term_key(t, KEY_MOUSE));
	ck_assert_uint_eq(sent.len, 0);
}
END_TEST

START_TEST(answers_queries)
{
	feed("\x1b[3;7H\x1b[6n");
	sent_is("\x1b[3;7R");
	feed("\x1b[c");
	ck_assert(sent.len > 3 && memcmp(sent.data, "\x1b[?", 3) == 0 && sent.data[sent.len - 1] == 'c');
	ck_assert_uint_eq(term_stats(t)->sent, 6 + sent.len);
}
END_TEST

START_TEST(paste_is_bracketed_when_asked)
{
	term_paste(t, "ls\n\x1b[201~x\r\n", 13);
	sent_is("ls\r[201~x\r");
	feed("\x1b[?2004h");
	term_paste(t, "a\tb", 3);
	sent_is("\x1b[200~a\tb\x1b[201~");
}
END_TEST

START_TEST(mouse_passes_through_when_asked)
{
	char line[16];

	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "%d\r\n", i);
		feed(line);
	}
	/* not asked: the wheel scrolls back, clicks are not used */
	ck_assert(term_mouse(t, 2, 3, 4, true, 0));
	ck_assert_int_eq(term_scroll_offset(t), 3);
	ck_assert(!term_mouse(t, 2, 3, 1, true, 0));
	ck_assert_uint_eq(sent.len, 0);
	term_scroll(t, -100);
	/* SGR mouse reporting: 1-based column and row */
	feed("\x1b[?1000h\x1b[?1006h");
	ck_assert_int_eq(term_mouse_mode(t), TERM_MOUSE_CLICK);
	ck_assert(term_mouse(t, 2, 3, 1, true, 0));
	sent_is("\x1b[<0;4;3M");
	ck_assert(term_mouse(t, 2, 3, 1, false, 0));
	sent_is("\x1b[<0;4;3m");
}
END_TEST

START_TEST(bell_and_reverse_screen)
{
	attr_t a;
	int fg, bg;

	feed("x\x07");
	ck_assert_int_eq(bells, 1);
	feed("\x1b[?5h");
	term_draw(t, win, false);
	cell_colors(0, 0, &fg, &bg, &a);
	ck_assert(a & A_REVERSE);
}
END_TEST

START_TEST(monochrome_keeps_attributes)
{
	struct theme th;
	int fg, bg;
	attr_t a;

	theme_builtin("monochrome", &th);
	setenv("NO_COLOR", "1", 1);
	theme_apply(&th);
	feed("\x1b[1;31mX");
	term_draw(t, win, false);
	cell_colors(0, 0, &fg, &bg, &a);
	ck_assert(a & A_BOLD);
	ck_assert_int_eq(PAIR_NUMBER(ts_cell_attr(win, 0, 0)), 0);
	unsetenv("NO_COLOR");
}
END_TEST

/* --- the cells under libvterm's state layer (term_screen.c) --- */

START_TEST(insert_and_delete_characters)
{
	feed("abcdef\r\x1b[2C\x1b[2@XY");	/* ICH 2 at column 2 */
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "abXYcdef");
	feed("\r\x1b[P");			/* DCH 1 at column 0 */
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "bXYcdef");
	/* far more than the row holds: the rest of it is erased */
	feed("\r\x1b[3C\x1b[500P");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "bXY");
}
END_TEST

START_TEST(left_right_margins)
{
	/* DECLRMM, margins at columns 5-10, a scroll up: only those move */
	feed("aaaaaaaaaaaaaaaa\r\nbbbbbbbbbbbbbbbb\r\ncccccccccccccccc");
	feed("\x1b[?69h\x1b[5;10s\x1b[S\x1b[?69l");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "aaaabbbbbbaaaaaa");
	ck_assert_str_eq(row(1), "bbbbccccccbbbbbb");
	ck_assert_str_eq(row(2), "cccc      cccccc");
	ck_assert_uint_eq(term_scrollback_lines(t), 0);	/* not full width */
}
END_TEST

START_TEST(wide_halves_overwritten)
{
	/* a character on either half of a wide one blanks its other half */
	feed("日本\rx");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "x 本");
	feed("\x1b[1;4Hy");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "x  y");
	/* moved by a deleted character: half of 語 at column 0 is blank */
	feed("\r\n語z\r\x1b[P");
	term_draw(t, win, false);
	ck_assert_str_eq(row(1), " z");
}
END_TEST

START_TEST(selective_erase_keeps_protected)
{
	feed("ab\x1b[1\"qCD\x1b[0\"qef\x1b[?2K");	/* DECSCA, then DECSEL */
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "  CD");
	feed("\x1b[2K");	/* EL erases everything */
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "");
}
END_TEST

START_TEST(scrolling_and_the_scrollback)
{
	feed("one\r\ntwo\r\nthree\x1b[2S");	/* SU 2: two lines go back */
	ck_assert_uint_eq(term_scrollback_lines(t), 2);
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "three");
	/* a region not at the top keeps what it scrolls out */
	feed("\x1b[3;6r\x1b[6;1H\n\n\n\x1b[r");
	ck_assert_uint_eq(term_scrollback_lines(t), 2);
	/* SD brings blank lines in at the top */
	feed("\x1b[H\x1b[T");
	term_draw(t, win, false);
	ck_assert_str_eq(row(0), "");
	ck_assert_str_eq(row(1), "three");
	/* the alternate screen has no scrollback */
	feed("\x1b[?1049h\x1b[20S\x1b[?1049l");
	ck_assert_uint_eq(term_scrollback_lines(t), 2);
}
END_TEST

START_TEST(erase_takes_colours_not_attributes)
{
	int fg, bg;
	attr_t a;

	feed("\x1b[41;7;4m\x1b[2K\x1b[0m");
	term_draw(t, win, true);
	cell_colors(0, 5, &fg, &bg, &a);
	ck_assert_int_eq(bg, 1);	/* background colour erase, as xterm */
	ck_assert(!(a & (A_REVERSE | A_UNDERLINE)));
}
END_TEST

static Suite *term_suite(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);	/* megabytes under the sanitizers */
	tcase_add_test(tc, text_and_cursor);
	tcase_add_test(tc, split_sequences_and_utf8);
	tcase_add_test(tc, colours_map_to_the_palette);
	tcase_add_test(tc, wide_characters);
	tcase_add_test(tc, alternate_screen);
	tcase_add_test(tc, scroll_region);
	tcase_add_test(tc, title_is_sanitized);
	tcase_add_test(tc, hostile_bytes_stay_inert);
	tcase_add_test(tc, rep_first_does_not_hang);
	tcase_add_test(tc, draws_only_dirty_rows);
	tcase_add_test(tc, scrollback);
	tcase_add_test(tc, resize_pops_scrollback);
	tcase_add_test(tc, scrollback_wide_at_the_new_edge);
	tcase_add_test(tc, scroll_region_past_a_shrunk_screen);
	tcase_add_test(tc, wide_combining_marks_are_dropped);
	tcase_add_test(tc, c1_in_utf8_is_dropped);
	tcase_add_test(tc, megabytes_in_one_feed);
	tcase_add_test(tc, csi_with_many_colons);
	tcase_add_test(tc, keys_encode_as_xterm);
	tcase_add_test(tc, answers_queries);
	tcase_add_test(tc, paste_is_bracketed_when_asked);
	tcase_add_test(tc, mouse_passes_through_when_asked);
	tcase_add_test(tc, bell_and_reverse_screen);
	tcase_add_test(tc, monochrome_keeps_attributes);
	tcase_add_test(tc, insert_and_delete_characters);
	tcase_add_test(tc, left_right_margins);
	tcase_add_test(tc, wide_halves_overwritten);
	tcase_add_test(tc, selective_erase_keeps_protected);
	tcase_add_test(tc, scrolling_and_the_scrollback);
	tcase_add_test(tc, erase_takes_colours_not_attributes);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(term_suite)
