/*
 * The two system calls the mmap storage backend needs, as a Node-API addon:
 * map a file read-only and shared (its bytes reach the file by pwrite, never
 * through the mapping), and msync a mapped range. samsa used mmap-io for this;
 * its 1.1.7 forces -std=c++11, which Node 20's headers do not compile under,
 * so a project depending on samsa could not install it without its own .npmrc.
 * A mapping is an external Buffer: the garbage collector unmaps it once no
 * slice of it is reachable, so readers may keep slices past a remap.
 */
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *call, int error) {
  char message[160];
  snprintf(message, sizeof message, "%s failed: %s", call, strerror(error));
  napi_value code, text, exception;
  const char *name = "EIO";
  switch (error) {
    case ENOMEM: name = "ENOMEM"; break;
    case EINVAL: name = "EINVAL"; break;
    case EBADF: name = "EBADF"; break;
    case EACCES: name = "EACCES"; break;
    case ENODEV: name = "ENODEV"; break;
    case EAGAIN: name = "EAGAIN"; break;
    case EBUSY: name = "EBUSY"; break;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &exception);
  napi_value errno_value, syscall;
  napi_create_int32(env, -error, &errno_value);
  napi_set_named_property(env, exception, "errno", errno_value);
  napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &syscall);
  napi_set_named_property(env, exception, "syscall", syscall);
  napi_throw(env, exception);
  return NULL;
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static void unmap(napi_env env, void *data, void *length) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)length);
}

/* mapReadShared(fd, length): the first `length` bytes of the file, mapped read-only and shared. */
static napi_value map_read_shared(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  double length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_double(env, argv[1], &length) != napi_ok)
    return throw_type_error(env, "mapReadShared: a file descriptor and a length expected");
  if (!(length > 0) || length > (double)SIZE_MAX) return throw_type_error(env, "mapReadShared: the length must be positive");
  size_t size = (size_t)length;
  void *data = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) return throw_errno(env, "mmap", errno);
  napi_value buffer;
  if (napi_create_external_buffer(env, size, data, unmap, (void *)(uintptr_t)size, &buffer) != napi_ok) {
    munmap(data, size);
    return throw_errno(env, "napi_create_external_buffer", ENOMEM);
  }
  return buffer;
}

/* syncRange(mapping, length): msync(MS_SYNC) of the mapping's first `length` bytes. */
static napi_value sync_range(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data;
  size_t size;
  double length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_buffer_info(env, argv[0], &data, &size) != napi_ok || napi_get_value_double(env, argv[1], &length) != napi_ok)
    return throw_type_error(env, "syncRange: a mapping and a length expected");
  if (!(length >= 0) || length > (double)size) return throw_type_error(env, "syncRange: the length must lie inside the mapping");
  if (length > 0 && msync(data, (size_t)length, MS_SYNC) != 0) return throw_errno(env, "msync", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, page_size;
  napi_create_function(env, "mapReadShared", NAPI_AUTO_LENGTH, map_read_shared, NULL, &fn);
  napi_set_named_property(env, exports, "mapReadShared", fn);
  napi_create_function(env, "syncRange", NAPI_AUTO_LENGTH, sync_range, NULL, &fn);
  napi_set_named_property(env, exports, "syncRange", fn);
  napi_create_int64(env, sysconf(_SC_PAGESIZE), &page_size);
  napi_set_named_property(env, exports, "pageSize", page_size);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
