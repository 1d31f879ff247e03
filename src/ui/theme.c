/*
 * theme.c: colour roles, built-in and YAML themes, and their curses pairs.
 *
 * A theme is data (struct theme): per role a foreground, a background and
 * attribute flags, colours kept as written (index or RGB).  theme_apply
 * turns it into curses attributes once: each colour is degraded to what
 * the terminal has, each distinct (fg, bg) gets one colour pair, and the
 * result lands in the role table theme_attr reads on every draw.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/build.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/xdg.h"
#include "datalab/core/yaml.h"
#include "datalab/ui/theme.h"


#define D THEME_COLOR_DEFAULT
#define B THEME_BOLD
#define R THEME_REVERSE
#define U THEME_UNDERLINE
#define M THEME_DIMMED

static const char *const role_names[THEME_COUNT] = {
	[THEME_DEFAULT] = "default",
	[THEME_DIM] = "dim",
	[THEME_TITLE] = "title",
	[THEME_TITLE_ACCENT] = "title-accent",
	[THEME_HINT] = "hint",
	[THEME_HINT_KEY] = "hint-key",
	[THEME_TABLE_HEADER] = "table-header",
	[THEME_ROW_SELECTED] = "row-selected",
	[THEME_ROW_SELECTED_UNFOCUSED] = "row-selected-unfocused",
	[THEME_MATCH] = "match",
	[THEME_OK] = "ok",
	[THEME_PENDING] = "pending",
	[THEME_FAILED] = "failed",
	[THEME_PAUSED] = "paused",
	[THEME_BORDER] = "border",
	[THEME_DIALOG] = "dialog",
	[THEME_DIALOG_TITLE] = "dialog-title",
	[THEME_BUTTON] = "button",
	[THEME_BUTTON_FOCUSED] = "button-focused",
	[THEME_INPUT] = "input",
	[THEME_PROGRESS_FILL] = "progress-fill",
	[THEME_PROGRESS_EMPTY] = "progress-empty",
	[THEME_SPARKLINE] = "sparkline",
	[THEME_TOAST_INFO] = "toast-info",
	[THEME_TOAST_WARN] = "toast-warn",
	[THEME_TOAST_ERROR] = "toast-error",
	[THEME_TAB_ACTIVE] = "tab-active",
	[THEME_TAB_INACTIVE] = "tab-inactive",
	[THEME_TERMINAL_FRAME] = "terminal-frame",
	[THEME_SECRET] = "secret",
};

/* Attributes only: what every role looks like without colour. */
static const struct theme theme_mono = {
	"monochrome", {
		[THEME_DEFAULT] = { D, D, 0 },
		[THEME_DIM] = { D, D, M },
		[THEME_TITLE] = { D, D, R | B },
		[THEME_TITLE_ACCENT] = { D, D, R | B | U },
		[THEME_HINT] = { D, D, R },
		[THEME_HINT_KEY] = { D, D, B },
		[THEME_TABLE_HEADER] = { D, D, B | U },
		[THEME_ROW_SELECTED] = { D, D, R },
		[THEME_ROW_SELECTED_UNFOCUSED] = { D, D, U },
		[THEME_MATCH] = { D, D, B | U },
		[THEME_OK] = { D, D, 0 },
		[THEME_PENDING] = { D, D, B },
		[THEME_FAILED] = { D, D, B | U },
		[THEME_PAUSED] = { D, D, M },
		[THEME_BORDER] = { D, D, 0 },
		[THEME_DIALOG] = { D, D, 0 },
		[THEME_DIALOG_TITLE] = { D, D, B },
		[THEME_BUTTON] = { D, D, 0 },
		[THEME_BUTTON_FOCUSED] = { D, D, R | B },
		[THEME_INPUT] = { D, D, U },
		[THEME_PROGRESS_FILL] = { D, D, R },
		[THEME_PROGRESS_EMPTY] = { D, D, 0 },
		[THEME_SPARKLINE] = { D, D, 0 },
		[THEME_TOAST_INFO] = { D, D, 0 },
		[THEME_TOAST_WARN] = { D, D, B },
		[THEME_TOAST_ERROR] = { D, D, R | B },
		[THEME_TAB_ACTIVE] = { D, D, R | B },
		[THEME_TAB_INACTIVE] = { D, D, 0 },
		[THEME_TERMINAL_FRAME] = { D, D, 0 },
		[THEME_SECRET] = { D, D, M },
	}
};

static const struct theme theme_dark = {
	"dark", {
		[THEME_DEFAULT] = { D, D, 0 },
		[THEME_DIM] = { 245, D, 0 },
		[THEME_TITLE] = { 15, 24, B },
		[THEME_TITLE_ACCENT] = { 229, 24, B },
		[THEME_HINT] = { 250, 236, 0 },
		[THEME_HINT_KEY] = { 81, 236, B },
		[THEME_TABLE_HEADER] = { 15, 238, B },
		[THEME_ROW_SELECTED] = { 15, 31, B },
		[THEME_ROW_SELECTED_UNFOCUSED] = { 15, 240, 0 },
		[THEME_MATCH] = { 0, 220, 0 },
		[THEME_OK] = { 78, D, 0 },
		[THEME_PENDING] = { 214, D, 0 },
		[THEME_FAILED] = { 203, D, B },
		[THEME_PAUSED] = { 110, D, 0 },
		[THEME_BORDER] = { 240, D, 0 },
		[THEME_DIALOG] = { 252, 236, 0 },
		[THEME_DIALOG_TITLE] = { 81, 236, B },
		[THEME_BUTTON] = { 252, 238, 0 },
		[THEME_BUTTON_FOCUSED] = { 0, 81, B },
		[THEME_INPUT] = { 15, 237, 0 },
		[THEME_PROGRESS_FILL] = { 78, D, 0 },
		[THEME_PROGRESS_EMPTY] = { 238, D, 0 },
		[THEME_SPARKLINE] = { 81, D, 0 },
		[THEME_TOAST_INFO] = { 81, D, 0 },
		[THEME_TOAST_WARN] = { 214, D, B },
		[THEME_TOAST_ERROR] = { 15, 160, B },
		[THEME_TAB_ACTIVE] = { 0, 81, B },
		[THEME_TAB_INACTIVE] = { 250, 237, 0 },
		[THEME_TERMINAL_FRAME] = { 81, D, 0 },
		[THEME_SECRET] = { 245, D, 0 },
	}
};

static const struct theme theme_light = {
	"light", {
		[THEME_DEFAULT] = { D, D, 0 },
		[THEME_DIM] = { 243, D, 0 },
		[THEME_TITLE] = { 15, 25, B },
		[THEME_TITLE_ACCENT] = { 228, 25, B },
		[THEME_HINT] = { 236, 252, 0 },
		[THEME_HINT_KEY] = { 25, 252, B },
		[THEME_TABLE_HEADER] = { 0, 251, B },
		[THEME_ROW_SELECTED] = { 15, 31, B },
		[THEME_ROW_SELECTED_UNFOCUSED] = { 0, 250, 0 },
		[THEME_MATCH] = { 0, 222, 0 },
		[THEME_OK] = { 28, D, 0 },
		[THEME_PENDING] = { 130, D, 0 },
		[THEME_FAILED] = { 160, D, B },
		[THEME_PAUSED] = { 61, D, 0 },
		[THEME_BORDER] = { 246, D, 0 },
		[THEME_DIALOG] = { 235, 254, 0 },
		[THEME_DIALOG_TITLE] = { 25, 254, B },
		[THEME_BUTTON] = { 235, 250, 0 },
		[THEME_BUTTON_FOCUSED] = { 15, 25, B },
		[THEME_INPUT] = { 0, 253, 0 },
		[THEME_PROGRESS_FILL] = { 28, D, 0 },
		[THEME_PROGRESS_EMPTY] = { 250, D, 0 },
		[THEME_SPARKLINE] = { 25, D, 0 },
		[THEME_TOAST_INFO] = { 25, D, 0 },
		[THEME_TOAST_WARN] = { 130, D, B },
		[THEME_TOAST_ERROR] = { 15, 160, B },
		[THEME_TAB_ACTIVE] = { 15, 25, B },
		[THEME_TAB_INACTIVE] = { 236, 252, 0 },
		[THEME_TERMINAL_FRAME] = { 25, D, 0 },
		[THEME_SECRET] = { 246, D, 0 },
	}
};

/* The 16 ANSI colours only, and bold: readable on a projector. */
static const struct theme theme_high_contrast = {
	"high-contrast", {
		[THEME_DEFAULT] = { D, D, 0 },
		[THEME_DIM] = { 7, D, 0 },
		[THEME_TITLE] = { 0, 15, B },
		[THEME_TITLE_ACCENT] = { 0, 11, B },
		[THEME_HINT] = { 0, 7, 0 },
		[THEME_HINT_KEY] = { 0, 11, B },
		[THEME_TABLE_HEADER] = { 15, D, B | U },
		[THEME_ROW_SELECTED] = { 0, 11, B },
		[THEME_ROW_SELECTED_UNFOCUSED] = { 0, 7, 0 },
		[THEME_MATCH] = { 0, 14, B | U },
		[THEME_OK] = { 10, D, B },
		[THEME_PENDING] = { 11, D, B },
		[THEME_FAILED] = { 9, D, B },
		[THEME_PAUSED] = { 14, D, 0 },
		[THEME_BORDER] = { 15, D, 0 },
		[THEME_DIALOG] = { 15, 0, 0 },
		[THEME_DIALOG_TITLE] = { 11, 0, B },
		[THEME_BUTTON] = { 15, 0, B },
		[THEME_BUTTON_FOCUSED] = { 0, 11, B },
		[THEME_INPUT] = { 15, 0, U },
		[THEME_PROGRESS_FILL] = { 10, D, 0 },
		[THEME_PROGRESS_EMPTY] = { 7, D, 0 },
		[THEME_SPARKLINE] = { 14, D, 0 },
		[THEME_TOAST_INFO] = { 15, D, B },
		[THEME_TOAST_WARN] = { 11, D, B },
		[THEME_TOAST_ERROR] = { 15, 1, B },
		[THEME_TAB_ACTIVE] = { 0, 11, B },
		[THEME_TAB_INACTIVE] = { 15, 0, 0 },
		[THEME_TERMINAL_FRAME] = { 11, D, 0 },
		[THEME_SECRET] = { 7, D, 0 },
	}
};

#undef D
#undef B
#undef R
#undef U
#undef M

static const struct theme *const builtins[] = {
	&theme_dark, &theme_light, &theme_high_contrast, &theme_mono,
};

/* The applied theme: see the header for why this is file-level state. */
static struct theme current_theme;
static attr_t current_attrs[THEME_COUNT];
static bool current_mono = true;
static bool current_set;

const char *theme_role_name(enum theme_role role)
{
	if ((int)role < 0 || role >= THEME_COUNT)
		return "?";
	return role_names[role];
}

int theme_role_from_name(const char *name)
{
	for (int i = 0; i < THEME_COUNT; i++) {
		const char *a = role_names[i], *b = name;

		while (*a != '\0' && (*a == *b || (*a == '-' && *b == '_'))) {
			a++;
			b++;
		}
		if (*a == '\0' && *b == '\0')
			return i;
	}
	return -1;
}

int theme_builtin(const char *name, struct theme *out)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(builtins); i++) {
		if (name != NULL && strcmp(name, builtins[i]->name) == 0) {
			*out = *builtins[i];
			return 0;
		}
	}
	*out = theme_dark;
	return -1;
}

/* The xterm palette, as xterm's defaults set it. */
static const unsigned char ansi_rgb[16][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
};

static void palette_rgb(int idx, int ncolors, int rgb[3])
{
	static const int cube256[6] = { 0, 95, 135, 175, 215, 255 };
	static const int cube88[4] = { 0, 139, 205, 255 };
	static const int gray88[8] = { 46, 92, 115, 139, 162, 185, 208, 231 };

	if (idx < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = ansi_rgb[idx][i];
	} else if (ncolors == 88) {
		if (idx < 80) {
			idx -= 16;
			rgb[0] = cube88[idx / 16];
			rgb[1] = cube88[(idx / 4) % 4];
			rgb[2] = cube88[idx % 4];
		} else {
			rgb[0] = rgb[1] = rgb[2] = gray88[idx - 80];
		}
	} else if (idx < 232) {
		idx -= 16;
		rgb[0] = cube256[idx / 36];
		rgb[1] = cube256[(idx / 6) % 6];
		rgb[2] = cube256[idx % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (idx - 232);
	}
}

int theme_color_nearest(int r, int g, int b, int ncolors)
{
	int best = 0;
	long best_d = -1;

	if (ncolors != 8 && ncolors != 16 && ncolors != 88)
		ncolors = 256;
	for (int i = 0; i < ncolors; i++) {
		int c[3];
		long dr, dg, db, d;

		palette_rgb(i, ncolors, c);
		dr = r - c[0];
		dg = g - c[1];
		db = b - c[2];
		/* Green weighs most to the eye; a cheap stand-in for a
		 * perceptual distance that is good enough for 16 colours. */
		d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

static int palette_class(int ncolors)
{
	if (ncolors >= 256)
		return 256;
	if (ncolors >= 88)
		return 88;
	if (ncolors >= 16)
		return 16;
	return 8;
}

int theme_color_degrade(int color, int ncolors)
{
	int cls = palette_class(ncolors), rgb[3];

	if (color < 0)
		return THEME_COLOR_DEFAULT;
	if (THEME_COLOR_IS_RGB(color))
		return theme_color_nearest((color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff, cls);
	if (color < cls && !(cls == 88 && color >= 16))
		return color;
	/* Theme indexes are xterm-256 ones: an 88-colour terminal numbers
	 * its cube differently, so go through RGB there too. */
	palette_rgb(color, 256, rgb);
	return theme_color_nearest(rgb[0], rgb[1], rgb[2], cls);
}

static const struct {
	const char *name;
	int color;
} color_names[] = {
	{ "default", THEME_COLOR_DEFAULT },
	{ "black", 0 }, { "red", 1 }, { "green", 2 }, { "yellow", 3 },
	{ "blue", 4 }, { "magenta", 5 }, { "cyan", 6 }, { "white", 7 },
	{ "bright-black", 8 }, { "gray", 8 }, { "grey", 8 },
	{ "bright-red", 9 }, { "bright-green", 10 }, { "bright-yellow", 11 },
	{ "bright-blue", 12 }, { "bright-magenta", 13 }, { "bright-cyan", 14 },
	{ "bright-white", 15 },
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* parse_color: a name, "#rrggbb" or an index string; -2 if none. */
static int parse_color_str(const char *s)
{
	char norm[32];
	size_t i, j;

	if (s[0] == '#') {
		int v = 0;

		if (strlen(s) != 7)
			return -2;
		for (i = 1; i < 7; i++) {
			int h = hexval((unsigned char)s[i]);

			if (h < 0)
				return -2;
			v = v * 16 + h;
		}
		return 0x1000000 | v;
	}
	/* "brightred", "bright_red" and "Bright-Red" all name colour 9. */
	for (i = j = 0; s[i] != '\0' && j + 2 < sizeof(norm); i++) {
		int c = tolower((unsigned char)s[i]);

		if (c == '_' || c == ' ')
			c = '-';
		norm[j++] = (char)c;
		if (j == 6 && strncmp(norm, "bright", 6) == 0 && s[i + 1] != '\0' &&
		    s[i + 1] != '-' && s[i + 1] != '_')
			norm[j++] = '-';
	}
	if (s[i] != '\0')
		return -2;
	norm[j] = '\0';
	for (i = 0; i < DL_ARRAY_LEN(color_names); i++) {
		if (strcmp(norm, color_names[i].name) == 0)
			return color_names[i].color;
	}
	{
		int64_t v;

		if (str_parse_i64(s, &v) == 0 && v >= 0 && v <= 255)
			return (int)v;
	}
	return -2;
}

static int parse_color(const cJSON *item, int *out, const char *tname, const char *role,
		       const char *which, struct error *err)
{
	if (cJSON_IsNumber(item)) {
		double v = item->valuedouble;

		if (v >= 0 && v <= 255 && v == (int)v) {
			*out = (int)v;
			return 0;
		}
		return error_set(err, ERR_INVALID, "theme '%s': colour index %g for '%s' %s is not in 0..255",
				 tname, v, role, which);
	}
	if (cJSON_IsString(item)) {
		int c = parse_color_str(item->valuestring);

		if (c == -2)
			return error_set(err, ERR_INVALID, "theme '%s': unknown colour '%.40s' for '%s' %s",
					 tname, item->valuestring, role, which);
		*out = c;
		return 0;
	}
	if (cJSON_IsNull(item))
		return error_set(err, ERR_INVALID,
				 "theme '%s': empty colour for '%s' %s (quote \"#rrggbb\": '#' starts a YAML comment)",
				 tname, role, which);
	return error_set(err, ERR_INVALID, "theme '%s': colour for '%s' %s must be a name, an index or \"#rrggbb\"",
			 tname, role, which);
}

static int parse_attr_word(const char *w, size_t n, unsigned *attrs)
{
	static const struct {
		const char *name;
		unsigned flag;
	} words[] = {
		{ "bold", THEME_BOLD }, { "dim", THEME_DIMMED }, { "reverse", THEME_REVERSE },
		{ "underline", THEME_UNDERLINE }, { "italic", THEME_ITALIC }, { "none", 0 },
		{ "normal", 0 },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(words); i++) {
		if (strlen(words[i].name) == n && strncmp(words[i].name, w, n) == 0) {
			*attrs |= words[i].flag;
			return 0;
		}
	}
	return -1;
}

static int parse_attr_string(const char *s, unsigned *attrs, const char *tname, const char *role,
			     struct error *err)
{
	while (*s != '\0') {
		size_t n;

		while (*s == ' ' || *s == ',' || *s == '|' || *s == '+')
			s++;
		n = strcspn(s, " ,|+");
		if (n > 0 && parse_attr_word(s, n, attrs) < 0)
			return error_set(err, ERR_INVALID, "theme '%s': unknown attribute '%.*s' for '%s'",
					 tname, (int)DL_MIN(n, 40), s, role);
		s += n;
	}
	return 0;
}

static int parse_role(struct theme *t, int role, const cJSON *v, struct error *err)
{
	const char *rname = role_names[role];
	struct theme_style st = { THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0 };
	const cJSON *it;

	if (!cJSON_IsObject(v))
		return error_set(err, ERR_INVALID, "theme '%s': role '%s' must be a mapping of fg, bg and attrs",
				 t->name, rname);
	cJSON_ArrayForEach(it, v) {
		if (strcmp(it->string, "fg") == 0) {
			if (parse_color(it, &st.fg, t->name, rname, "fg", err) < 0)
				return -1;
		} else if (strcmp(it->string, "bg") == 0) {
			if (parse_color(it, &st.bg, t->name, rname, "bg", err) < 0)
				return -1;
		} else if (strcmp(it->string, "attrs") == 0) {
			if (cJSON_IsString(it)) {
				if (parse_attr_string(it->valuestring, &st.attrs, t->name, rname, err) < 0)
					return -1;
			} else if (cJSON_IsArray(it)) {
				const cJSON *a;

				cJSON_ArrayForEach(a, it) {
					if (!cJSON_IsString(a) ||
					    parse_attr_string(a->valuestring, &st.attrs, t->name, rname, err) < 0)
						return error_set(err, ERR_INVALID,
								 "theme '%s': bad attribute in '%s'", t->name, rname);
				}
			} else if (!cJSON_IsNull(it)) {
				return error_set(err, ERR_INVALID, "theme '%s': attrs of '%s' must be a list",
						 t->name, rname);
			}
		} else {
			return error_set(err, ERR_INVALID, "theme '%s': unknown key '%.40s' in '%s'",
					 t->name, it->string, rname);
		}
	}
	t->roles[role] = st;
	return 0;
}

int theme_parse(struct theme *out, const char *text, size_t n, struct error *err)
{
	struct yaml_limits lim = { 1 << 20, 16, 10000 };
	cJSON *root, *roles, *it;
	const char *name;
	int rc = 0;

	*out = theme_dark;
	root = yaml_parse(text, n, &lim, err);
	if (root == NULL)
		return -1;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "a theme must be a mapping with 'name' and 'roles'");
	}
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "name"));
	if (name != NULL)
		str_copy(out->name, name, sizeof(out->name));
	roles = cJSON_GetObjectItemCaseSensitive(root, "roles");
	if (roles != NULL && !cJSON_IsObject(roles)) {
		rc = error_set(err, ERR_INVALID, "theme '%s': 'roles' must be a mapping", out->name);
		goto done;
	}
	cJSON_ArrayForEach(it, roles) {
		int role = theme_role_from_name(it->string);

		if (role < 0) {
			rc = error_set(err, ERR_INVALID, "theme '%s': unknown role '%.40s'", out->name, it->string);
			goto done;
		}
		if (parse_role(out, role, it, err) < 0) {
			rc = -1;
			goto done;
		}
	}
done:
	cJSON_Delete(root);
	if (rc < 0) {
		*out = theme_dark;
		return -1;
	}
	return 0;
}

static int load_file(const char *path, struct theme *out, struct error *err)
{
	struct buf b;
	int rc;

	buf_init(&b, 1 << 20);
	if (file_read(path, &b, err) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = theme_parse(out, b.data, b.len, err);
	buf_release(&b);
	return rc;
}

static bool valid_name(const char *name)
{
	if (name[0] == '\0' || name[0] == '.')
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	}
	return true;
}

int theme_load(const char *name, struct theme *out, struct error *err)
{
	char *dirs[4] = { NULL, NULL, NULL, NULL };
	const char *env;
	int rc = -1, found = 0;

	if (name == NULL)
		name = "dark";
	if (strchr(name, '/') != NULL)
		return load_file(name, out, err);
	if (!valid_name(name)) {
		*out = theme_dark;
		return error_set(err, ERR_INVALID, "bad theme name '%.40s'", name);
	}
	env = getenv("DATALAB_THEME_DIR");
	if (env != NULL && env[0] != '\0')
		dirs[0] = xstrdup(env);
	dirs[1] = xdg_path(XDG_CONFIG, "themes", NULL);
	dirs[2] = build_shipped("themes");
	dirs[3] = xstrdup("themes");
	for (size_t i = 0; i < DL_ARRAY_LEN(dirs) && !found; i++) {
		char *file, *path;

		if (dirs[i] == NULL)
			continue;
		file = xasprintf("%s.yaml", name);
		path = file_join(dirs[i], file);
		free(file);
		if (file_exists(path)) {
			found = 1;
			rc = load_file(path, out, err);
		}
		free(path);
	}
	for (size_t i = 0; i < DL_ARRAY_LEN(dirs); i++)
		free(dirs[i]);
	if (found)
		return rc;
	if (theme_builtin(name, out) == 0)
		return 0;
	return error_set(err, ERR_NOT_FOUND, "no theme '%s' (using the built-in dark theme)", name);
}

static attr_t curses_attrs(unsigned a)
{
	attr_t r = 0;

	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIMMED)
		r |= A_DIM;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
#ifdef A_ITALIC
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

static bool no_color_env(void)
{
	const char *nc = getenv("NO_COLOR");

	return nc != NULL && nc[0] != '\0';
}

void theme_apply(const struct theme *t)
{
	short pair_fg[256], pair_bg[256];
	int npairs = 0, ncolors, maxpairs;
	bool defaults;

	current_theme = *t;
	current_set = true;
	current_mono = no_color_env() || stdscr == NULL || !has_colors();
	if (!current_mono && start_color() == ERR)
		current_mono = true;
	if (current_mono) {
		for (int i = 0; i < THEME_COUNT; i++)
			current_attrs[i] = curses_attrs(t->roles[i].attrs | theme_mono.roles[i].attrs);
		return;
	}
	ncolors = COLORS;
	maxpairs = DL_MIN(COLOR_PAIRS, (int)DL_ARRAY_LEN(pair_fg));
	defaults = use_default_colors() == OK;
	for (int i = 0; i < THEME_COUNT; i++) {
		const struct theme_style *st = &t->roles[i];
		int fg = theme_color_degrade(st->fg, ncolors);
		int bg = theme_color_degrade(st->bg, ncolors);
		int pair = -1;

		if (!defaults) {
			if (fg < 0)
				fg = 7;
			if (bg < 0)
				bg = 0;
		}
		if (fg < 0 && bg < 0) {
			pair = 0;
		} else {
			for (int p = 1; p <= npairs; p++) {
				if (pair_fg[p - 1] == fg && pair_bg[p - 1] == bg)
					pair = p;
			}
			if (pair < 0 && npairs + 1 < maxpairs) {
				pair_fg[npairs] = (short)fg;
				pair_bg[npairs] = (short)bg;
				npairs++;
				init_pair((short)npairs, (short)fg, (short)bg);
				pair = npairs;
			}
		}
		/* Out of pairs: the role keeps its attributes, as on a mono
		 * terminal, rather than borrowing another role's colours. */
		if (pair < 0)
			current_attrs[i] = curses_attrs(st->attrs | theme_mono.roles[i].attrs);
		else
			current_attrs[i] = curses_attrs(st->attrs) | COLOR_PAIR(pair);
	}
}

attr_t theme_attr(enum theme_role role)
{
	if ((int)role < 0 || role >= THEME_COUNT)
		role = THEME_DEFAULT;
	if (!current_set)
		return curses_attrs(theme_mono.roles[role].attrs);
	return current_attrs[role];
}

bool theme_is_mono(void)
{
	return current_mono;
}

const struct theme *theme_current(void)
{
	return current_set ? &current_theme : &theme_mono;
}
