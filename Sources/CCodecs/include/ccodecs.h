// Plain C entry points over libpng, libjpeg-turbo and zlib.
// libpng/libjpeg report errors with longjmp; every setjmp lives in this target so that no
// non-local jump ever crosses a Swift frame. Each call returns a CCStatus and, on failure,
// writes a NUL-terminated message into `err` (CC_ERR_LEN bytes).
#ifndef CCODECS_H
#define CCODECS_H

#include <stddef.h>
#include <stdint.h>

#define CC_ERR_LEN 256

typedef enum {
    CC_OK = 0,
    CC_TRUNCATED = 1,
    CC_CORRUPT = 2,
    CC_UNSUPPORTED = 3,
    CC_TOO_LARGE = 4,
    CC_NO_MEMORY = 5,
    CC_INVALID_ARGUMENT = 6
} CCStatus;

/// A decoded 8-bit image; `pixels` is malloc'd (free with cc_free), rows packed, channels interleaved.
typedef struct {
    uint32_t width;
    uint32_t height;
    int32_t channels;    // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    int32_t orientation; // EXIF orientation 1...8 (1 when absent); JPEG only
    uint8_t *pixels;
} CCImage;

void cc_free(void *pointer);

/// Decodes a PNG to 8 bits per channel (16-bit keeps the high byte, palettes/low bit depths expand,
/// tRNS becomes alpha). Fails with CC_TOO_LARGE (and fills width/height) before allocating pixels
/// when width*height > max_pixels.
CCStatus cc_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels, CCImage *out, char *err);

/// Decodes a JPEG to grey (1) or RGB (3); CMYK/YCCK are converted to RGB here (Adobe-inverted
/// CMYK handled). The EXIF orientation is reported, not applied.
CCStatus cc_jpeg_decode(const uint8_t *data, size_t length, uint64_t max_pixels, CCImage *out, char *err);
/// As cc_jpeg_decode, refusing progressive JPEGs with more than `max_scans` scans (0: no limit): each
/// scan re-reads the whole coefficient buffer, so thousands of tiny scans make a decoding-time bomb.
CCStatus cc_jpeg_decode_limited(const uint8_t *data, size_t length, uint64_t max_pixels, int max_scans,
                                CCImage *out, char *err);

/// Encodes 8-bit grey (1), grey+alpha (2), RGB (3) or RGBA (4) pixels as PNG. `*out` is malloc'd.
CCStatus cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       uint8_t **out, size_t *out_length, char *err);

/// Encodes 8-bit grey (1) or RGB (3) pixels as baseline JPEG with the given quality (1...100).
CCStatus cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                        int32_t quality, uint8_t **out, size_t *out_length, char *err);

/// Inflates gzip (or zlib) data, including concatenated gzip members. Fails with CC_TOO_LARGE when
/// the output would exceed max_output bytes.
CCStatus cc_gunzip(const uint8_t *data, size_t length, size_t max_output,
                   uint8_t **out, size_t *out_length, char *err);

#endif
