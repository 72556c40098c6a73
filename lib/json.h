/* Bounded JSON parsing on top of json-c. */
#ifndef PAM_JWT_JSON_H
#define PAM_JWT_JSON_H

#include <stddef.h>
#include <json-c/json.h>

/* Parse exactly len bytes as one strict JSON value nested at most
 * max_depth deep; trailing bytes, NUL bytes outside strings or
 * over-deep nesting give NULL. */
json_object *jwt_json_parse(const char *buf, size_t len, int max_depth);

/* The string member `key` of obj, refusing embedded NUL bytes.
 * NULL if absent or not a string; *present tells which. */
const char *jwt_json_str(json_object *obj, const char *key, int *present);

/* Follow a dotted claim path ("realm_access.roles"); NULL if absent. */
json_object *jwt_json_path(json_object *root, const char *path);

#endif
