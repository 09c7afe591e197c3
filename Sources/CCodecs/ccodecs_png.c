// PNG decode/encode over libpng. All longjmp error paths are contained in this file.
#include "ccodecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t length;
    size_t offset;
    int truncated;      // set when libpng asked for bytes past the end
    char message[CC_ERR_LEN];
} ReadState;

static void png_error_fn(png_structp png, png_const_charp msg) {
    ReadState *state = (ReadState *)png_get_error_ptr(png);
    if (state) snprintf(state->message, CC_ERR_LEN, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_read_fn(png_structp png, png_bytep out, png_size_t count) {
    ReadState *state = (ReadState *)png_get_io_ptr(png);
    if (count > state->length - state->offset) {
        state->truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, state->data + state->offset, count);
    state->offset += count;
}

CCStatus cc_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels, CCImage *out, char *err) {
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    if (!data || length < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(err, CC_ERR_LEN, "missing PNG signature");
        return length < 8 ? CC_TRUNCATED : CC_CORRUPT;
    }
    ReadState state = {data, length, 0, 0, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, png_error_fn, png_warning_fn);
    if (!png) { snprintf(err, CC_ERR_LEN, "out of memory"); return CC_NO_MEMORY; }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(err, CC_ERR_LEN, "out of memory");
        return CC_NO_MEMORY;
    }
    // Volatile: modified between setjmp and a possible longjmp.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile CCStatus status = CC_OK;

    if (setjmp(png_jmpbuf(png))) {
        if (status == CC_OK) status = state.truncated ? CC_TRUNCATED : CC_CORRUPT;
        snprintf(err, CC_ERR_LEN, "%s", state.message[0] ? state.message : "invalid PNG");
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        memset(out, 0, sizeof(*out));
        return status;
    }
    png_set_read_fn(png, &state, png_read_fn);
    // Our own pixel cap replaces libpng's default 1M x 1M user limit.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    out->width = width;
    out->height = height;
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(err, CC_ERR_LEN, "%ux%u exceeds the pixel limit", (unsigned)width, (unsigned)height);
        png_destroy_read_struct(&png, &info, NULL);
        return CC_TOO_LARGE;
    }
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png); // keep the high byte, as PIL does for RGB;16B
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || rowbytes != (size_t)width * channels) {
        status = CC_UNSUPPORTED;
        png_error(png, "unsupported PNG pixel layout");
    }
    pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        status = CC_NO_MEMORY;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->channels = channels;
    out->pixels = pixels;
    return CC_OK;
}

typedef struct {
    uint8_t *data;
    size_t length;
    size_t capacity;
    int failed;
    char message[CC_ERR_LEN];
} WriteState;

static void png_write_fn(png_structp png, png_bytep bytes, png_size_t count) {
    WriteState *state = (WriteState *)png_get_io_ptr(png);
    if (state->length + count > state->capacity) {
        size_t capacity = state->capacity ? state->capacity : 4096;
        while (capacity < state->length + count) capacity *= 2;
        uint8_t *grown = realloc(state->data, capacity);
        if (!grown) { state->failed = 1; png_error(png, "out of memory"); }
        state->data = grown;
        state->capacity = capacity;
    }
    memcpy(state->data + state->length, bytes, count);
    state->length += count;
}

static void png_flush_fn(png_structp png) { (void)png; }

static void png_write_error_fn(png_structp png, png_const_charp msg) {
    WriteState *state = (WriteState *)png_get_error_ptr(png);
    if (state) snprintf(state->message, CC_ERR_LEN, "%s", msg);
    png_longjmp(png, 1);
}

CCStatus cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                       uint8_t **out, size_t *out_length, char *err) {
    *out = NULL;
    *out_length = 0;
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (!pixels || width == 0 || height == 0 || channels < 1 || channels > 4) {
        snprintf(err, CC_ERR_LEN, "invalid image for PNG encoding");
        return CC_INVALID_ARGUMENT;
    }
    WriteState state = {NULL, 0, 0, 0, {0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, png_write_error_fn, png_warning_fn);
    if (!png) { snprintf(err, CC_ERR_LEN, "out of memory"); return CC_NO_MEMORY; }
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        snprintf(err, CC_ERR_LEN, "%s", state.message[0] ? state.message : "PNG encoding failed");
        free(rows);
        free(state.data);
        png_destroy_write_struct(&png, &info);
        return state.failed ? CC_NO_MEMORY : CC_INVALID_ARGUMENT;
    }
    png_set_write_fn(png, &state, png_write_fn, png_flush_fn);
    png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = malloc(sizeof(png_bytep) * height);
    if (!rows) { state.failed = 1; png_error(png, "out of memory"); }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * width * channels;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = state.data;
    *out_length = state.length;
    return CC_OK;
}
