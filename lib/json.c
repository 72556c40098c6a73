#include "config.h"

#include <string.h>

#include "json.h"

json_object *jwt_json_parse(const char *buf, size_t len, int max_depth)
{
	json_tokener *tok;
	json_object *obj;

	if (len == 0 || len > (size_t)0x7fffffff || memchr(buf, '\0', len) != NULL)
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

const char *jwt_json_str(json_object *obj, const char *key, int *present)
{
	json_object *v;
	const char *s;

	if (present != NULL)
		*present = 0;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	if (present != NULL)
		*present = 1;
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}

json_object *jwt_json_path(json_object *root, const char *path)
{
	json_object *cur = root;
	const char *p = path;

	while (cur != NULL) {
		char seg[128];
		size_t n = strcspn(p, ".");

		if (n == 0 || n >= sizeof(seg) || !json_object_is_type(cur, json_type_object))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (!json_object_object_get_ex(cur, seg, &cur))
			return NULL;
		if (p[n] == '\0')
			return cur;
		p += n + 1;
	}
	return NULL;
}
