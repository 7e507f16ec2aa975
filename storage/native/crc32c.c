/*
 * CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches, as a small
 * Node-API addon. Computing it is the largest CPU cost of appending a batch,
 * so it uses the CPU's crc32 instruction where there is one, on three
 * independent streams at once: the instruction takes three cycles to give its
 * result but can start a new one every cycle, so a single stream leaves two
 * thirds of it idle. The three partial CRCs are then joined by "shifting" the
 * earlier ones over the bytes that followed them (a linear map, applied with
 * four 256-entry tables per block size). Other CPUs get slicing-by-8 tables.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#define POLY 0x82F63B78u /* CRC-32C, bit-reversed */

static uint32_t slice[8][256];

static void init_slices(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    slice[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++)
    for (int k = 1; k < 8; k++) slice[k][n] = (slice[k - 1][n] >> 8) ^ slice[0][slice[k - 1][n] & 0xff];
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/* The CRC register after `n` bytes, without the initial and final inversion. */
static uint32_t software_update(uint32_t crc, const uint8_t *p, size_t n) {
  while (n >= 8) {
    uint64_t w = load64(p) ^ crc; /* little-endian hosts only: the addon builds for those */
    crc = slice[7][w & 0xff] ^ slice[6][(w >> 8) & 0xff] ^ slice[5][(w >> 16) & 0xff] ^ slice[4][(w >> 24) & 0xff] ^
          slice[3][(w >> 32) & 0xff] ^ slice[2][(w >> 40) & 0xff] ^ slice[1][(w >> 48) & 0xff] ^ slice[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = slice[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

static uint32_t (*update)(uint32_t, const uint8_t *, size_t) = software_update;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

/* Block sizes of the three-stream rounds, largest first; each needs its own shift tables. */
#define LEVELS 3
static const size_t block_bytes[LEVELS] = {4096, 512, 64};
static uint32_t shift[LEVELS][4][256];

__attribute__((target("sse4.2"))) static uint32_t single_stream(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    n -= 8;
  }
  crc = (uint32_t)c;
  while (n--) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}

/* The register after `crc` is followed by block_bytes[level] zero bytes. */
static inline uint32_t shift_over(int level, uint32_t crc) {
  return shift[level][0][crc & 0xff] ^ shift[level][1][(crc >> 8) & 0xff] ^ shift[level][2][(crc >> 16) & 0xff] ^
         shift[level][3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t hardware_update(uint32_t crc, const uint8_t *p, size_t n) {
  for (int level = 0; level < LEVELS; level++) {
    const size_t len = block_bytes[level];
    while (n >= 3 * len) {
      uint64_t a = crc, b = 0, c = 0;
      for (size_t i = 0; i < len; i += 8) {
        a = _mm_crc32_u64(a, load64(p + i));
        b = _mm_crc32_u64(b, load64(p + len + i));
        c = _mm_crc32_u64(c, load64(p + 2 * len + i));
      }
      crc = shift_over(level, (uint32_t)a) ^ (uint32_t)b;
      crc = shift_over(level, crc) ^ (uint32_t)c;
      p += 3 * len;
      n -= 3 * len;
    }
  }
  return single_stream(crc, p, n);
}

static void init_hardware(void) {
  static const uint8_t zeros[4096];
  for (int level = 0; level < LEVELS; level++) {
    uint32_t basis[32]; /* where each single bit of the register ends up */
    for (int bit = 0; bit < 32; bit++) basis[bit] = single_stream(1u << bit, zeros, block_bytes[level]);
    for (int byte = 0; byte < 4; byte++)
      for (uint32_t v = 0; v < 256; v++) {
        uint32_t s = 0;
        for (int k = 0; k < 8; k++)
          if (v & (1u << k)) s ^= basis[8 * byte + k];
        shift[level][byte][v] = s;
      }
  }
  update = hardware_update;
}
#endif

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* An optional index argument: when absent or undefined, *value keeps its default. */
static bool optional_index(napi_env env, size_t argc, napi_value *argv, size_t at, uint32_t *value) {
  if (argc <= at) return true;
  if (napi_get_value_uint32(env, argv[at], value) == napi_ok) return true;
  napi_valuetype type;
  return napi_typeof(env, argv[at], &type) == napi_ok && type == napi_undefined;
}

/*
 * crc32c(bytes: Uint8Array, start?: number, end?: number): number — the
 * checksum of bytes.subarray(start, end). Called once per batch on append and
 * fetch paths, so it makes as few Node-API calls as it can.
 */
static napi_value crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_type_error(env, "crc32c: bytes expected");
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
    return throw_type_error(env, "crc32c: bytes must be a Uint8Array");
  uint32_t start = 0, end = (uint32_t)length;
  if (!optional_index(env, argc, argv, 1, &start)) return throw_type_error(env, "crc32c: start must be a number");
  if (!optional_index(env, argc, argv, 2, &end)) return throw_type_error(env, "crc32c: end must be a number");
  /* As Uint8Array.subarray does: the range is clamped to the bytes. */
  if (end > length) end = (uint32_t)length;
  if (start > end) start = end;
  uint32_t crc = ~update(~0u, (const uint8_t *)data + start, end - start);
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  init_slices();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) init_hardware();
#endif
  napi_value fn, hardware;
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, crc32c, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
  napi_get_boolean(env, update != software_update, &hardware);
  napi_set_named_property(env, exports, "hardware", hardware);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
