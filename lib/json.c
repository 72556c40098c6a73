/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "json.h"

json_object *jwt_json_parse(const char *buf, size_t len, int max_depth)
{
	json_tokener *tok;
	json_object *obj;

	if (buf == NULL || len == 0 || len > (size_t)0x7fffffff || memchr(buf, '\0', len) != NULL)
		return NULL;
	tok = json_tokener_new_ex(max_depth);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	                    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

int jwt_json_is_string(json_object *v)
{
	return v != NULL && json_object_is_type(v, json_type_string);
}

int jwt_json_is_array(json_object *v)
{
	return v != NULL && json_object_is_type(v, json_type_array);
}

int jwt_json_is_object(json_object *v)
{
	return v != NULL && json_object_is_type(v, json_type_object);
}

int jwt_json_is_number(json_object *v)
{
	return v != NULL && (json_object_is_type(v, json_type_int) ||
	                     json_object_is_type(v, json_type_double));
}

json_object *jwt_json_member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!jwt_json_is_object(obj) || key == NULL || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

int jwt_json_has(json_object *obj, const char *key)
{
	return jwt_json_is_object(obj) && key != NULL && json_object_object_get_ex(obj, key, NULL);
}

enum jwt_json_got jwt_json_as_str(json_object *v, size_t max, const char **s, size_t *len)
{
	const char *p;
	size_t n;

	if (!jwt_json_is_string(v))
		return JWT_JSON_BAD;
	p = json_object_get_string(v);
	if (p == NULL || json_object_get_string_len(v) < 0)
		return JWT_JSON_BAD;
	n = (size_t)json_object_get_string_len(v);
	if (n > max || strlen(p) != n)
		return JWT_JSON_BAD;
	*s = p;
	if (len != NULL)
		*len = n;
	return JWT_JSON_OK;
}

enum jwt_json_got jwt_json_get_str(json_object *obj, const char *key, size_t max,
                                   const char **s, size_t *len)
{
	if (!jwt_json_has(obj, key))
		return JWT_JSON_ABSENT;
	return jwt_json_as_str(jwt_json_member(obj, key), max, s, len);
}

enum jwt_json_got jwt_json_as_int(json_object *v, int64_t min, int64_t max, int64_t *out)
{
	if (v != NULL && json_object_is_type(v, json_type_int)) {
		/* json-c clamps what does not fit to INT64_MIN/MAX: callers keep
		 * min and max strictly inside, so a clamped value is refused. */
		int64_t x = json_object_get_int64(v);

		if (x < min || x > max)
			return JWT_JSON_BAD;
		*out = x;
		return JWT_JSON_OK;
	}
	if (v != NULL && json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		int64_t x;

		/* Only a double inside [-2^63, 2^63) converts to int64_t; the
		 * bounds are exact powers of two, unlike (double)INT64_MAX,
		 * which rounds up to 2^63 and would let 2^63 through. */
		if (!isfinite(d) || d < -0x1p63 || d >= 0x1p63)
			return JWT_JSON_BAD;
		/* floor(d) without libm: the cast truncates toward zero */
		x = (int64_t)d;
		if ((double)x > d)
			x--;
		if (x < min || x > max)
			return JWT_JSON_BAD;
		*out = x;
		return JWT_JSON_OK;
	}
	return JWT_JSON_BAD;
}

enum jwt_json_got jwt_json_get_int(json_object *obj, const char *key, int64_t min, int64_t max,
                                   int64_t *out)
{
	if (!jwt_json_has(obj, key))
		return JWT_JSON_ABSENT;
	return jwt_json_as_int(jwt_json_member(obj, key), min, max, out);
}

enum jwt_json_got jwt_json_get_bool(json_object *obj, const char *key, int *out)
{
	json_object *v;

	if (!jwt_json_has(obj, key))
		return JWT_JSON_ABSENT;
	v = jwt_json_member(obj, key);
	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return JWT_JSON_BAD;
	*out = json_object_get_boolean(v) ? 1 : 0;
	return JWT_JSON_OK;
}

enum jwt_json_got jwt_json_get_array(json_object *obj, const char *key, size_t max,
                                     json_object **out)
{
	json_object *v;

	*out = NULL;
	if (!jwt_json_has(obj, key))
		return JWT_JSON_ABSENT;
	v = jwt_json_member(obj, key);
	if (!jwt_json_is_array(v) || json_object_array_length(v) > max)
		return JWT_JSON_BAD;
	*out = v;
	return JWT_JSON_OK;
}

enum jwt_json_got jwt_json_get_object(json_object *obj, const char *key, json_object **out)
{
	json_object *v;

	*out = NULL;
	if (!jwt_json_has(obj, key))
		return JWT_JSON_ABSENT;
	v = jwt_json_member(obj, key);
	if (!jwt_json_is_object(v))
		return JWT_JSON_BAD;
	*out = v;
	return JWT_JSON_OK;
}

size_t jwt_json_array_len(json_object *arr)
{
	return jwt_json_is_array(arr) ? json_object_array_length(arr) : 0;
}

json_object *jwt_json_elem(json_object *arr, size_t i)
{
	return i < jwt_json_array_len(arr) ? json_object_array_get_idx(arr, i) : NULL;
}

enum jwt_json_got jwt_json_elem_str(json_object *arr, size_t i, size_t max, const char **s,
                                    size_t *len)
{
	if (i >= jwt_json_array_len(arr))
		return JWT_JSON_ABSENT;
	return jwt_json_as_str(jwt_json_elem(arr, i), max, s, len);
}

const char *jwt_json_text(json_object *v)
{
	const char *s;

	if (v == NULL)
		return "null";
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE);
	return s != NULL ? s : "?";
}

const char *jwt_json_str(json_object *obj, const char *key, int *present)
{
	const char *s = NULL;
	enum jwt_json_got g = jwt_json_get_str(obj, key, (size_t)0x7fffffff, &s, NULL);

	if (present != NULL)
		*present = g != JWT_JSON_ABSENT;
	return g == JWT_JSON_OK ? s : NULL;
}

json_object *jwt_json_path(json_object *root, const char *path)
{
	json_object *cur = root;
	const char *p = path;

	while (cur != NULL && p != NULL) {
		char seg[128];
		size_t n = strcspn(p, ".");

		if (n == 0 || n >= sizeof(seg) || !jwt_json_is_object(cur))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if ((cur = jwt_json_member(cur, seg)) == NULL)
			return NULL;
		if (p[n] == '\0')
			return cur;
		p += n + 1;
	}
	return NULL;
}
