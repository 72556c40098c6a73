/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bounded JSON parsing on top of json-c, and the one typed layer through
 * which every untrusted JSON value is read: token headers and claims, key
 * sets, discovery documents, provider responses.
 *
 * Every accessor tolerates a NULL object, a missing member and a member
 * of the wrong type (JSON null included) and says which: callers turn
 * JWT_JSON_BAD into a verdict with a reason, never into a crash.  Outside
 * lib/json.c no code calls json_object_get_* on untrusted input.
 */
#ifndef PAM_JWT_JSON_H
#define PAM_JWT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Parse exactly len bytes as one strict JSON value nested at most
 * max_depth deep; trailing bytes, NUL bytes outside strings or
 * over-deep nesting give NULL. */
json_object *jwt_json_parse(const char *buf, size_t len, int max_depth);

enum jwt_json_got {
	JWT_JSON_BAD = -1,   /* present, but null, another type, NUL inside, too long */
	JWT_JSON_ABSENT = 0, /* no such member (or no object to look in) */
	JWT_JSON_OK = 1,
};

/* Is `key` a member of the object obj (of any type, null included)? */
int jwt_json_has(json_object *obj, const char *key);

/* The member `key` of the object obj, any type; NULL when absent or when
 * obj is not an object. */
json_object *jwt_json_member(json_object *obj, const char *key);

/* A string of at most max bytes without NUL bytes.  On OK, *s points into
 * the value (valid while it lives) and *len (if not NULL) is its length. */
enum jwt_json_got jwt_json_as_str(json_object *v, size_t max, const char **s, size_t *len);
enum jwt_json_got jwt_json_get_str(json_object *obj, const char *key, size_t max,
                                   const char **s, size_t *len);
/* The string member `key` (at most cap-1 bytes) copied into dst with a
 * NUL; dst is "" unless the answer is OK. */
enum jwt_json_got jwt_json_copy_str(json_object *obj, const char *key, char *dst, size_t cap);

/* An integer, or a finite number rounded down, within [min, max]. */
enum jwt_json_got jwt_json_as_int(json_object *v, int64_t min, int64_t max, int64_t *out);
enum jwt_json_got jwt_json_get_int(json_object *obj, const char *key, int64_t min, int64_t max,
                                   int64_t *out);

enum jwt_json_got jwt_json_get_bool(json_object *obj, const char *key, int *out);

/* An array (of at most max elements) or an object member. */
enum jwt_json_got jwt_json_get_array(json_object *obj, const char *key, size_t max,
                                     json_object **out);
enum jwt_json_got jwt_json_get_object(json_object *obj, const char *key, json_object **out);

/* Array length (0 for a non-array) and element i as a string. */
size_t jwt_json_array_len(json_object *arr);
enum jwt_json_got jwt_json_elem_str(json_object *arr, size_t i, size_t max, const char **s,
                                    size_t *len);
json_object *jwt_json_elem(json_object *arr, size_t i);

/* Type tests that tolerate NULL. */
int jwt_json_is_string(json_object *v);
int jwt_json_is_array(json_object *v);
int jwt_json_is_object(json_object *v);
int jwt_json_is_number(json_object *v);

/* Compact text of any value, for messages (callers sanitize it). */
const char *jwt_json_text(json_object *v);

/* The string member `key` of obj, refusing embedded NUL bytes.
 * NULL if absent or not a string; *present tells which. */
const char *jwt_json_str(json_object *obj, const char *key, int *present);

/* Follow a dotted claim path ("realm_access.roles"); NULL if absent. */
json_object *jwt_json_path(json_object *root, const char *path);

#endif
