// JPEG decode/encode over libjpeg-turbo. All longjmp error paths are contained in this file.
#include "ccodecs.h"
#include <jerror.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int max_scans;      // 0: unlimited
    int premature_end;  // libjpeg only warns on truncation and pads with grey; we reject instead
    char message[CC_ERR_LEN];
} ErrorManager;

static void jpeg_error_exit_fn(j_common_ptr cinfo) {
    ErrorManager *manager = (ErrorManager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, manager->message);
    longjmp(manager->jump, 1);
}

static void jpeg_emit_message_fn(j_common_ptr cinfo, int level) {
    ErrorManager *manager = (ErrorManager *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) manager->premature_end = 1;
}

// Called by libjpeg during decoding; stops progressive files with too many scans.
static void jpeg_progress_fn(j_common_ptr cinfo) {
    ErrorManager *manager = (ErrorManager *)cinfo->err;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (manager->max_scans > 0 && d->input_scan_number > manager->max_scans) {
        snprintf(manager->message, CC_ERR_LEN, "progressive JPEG with more than %d scans", manager->max_scans);
        longjmp(manager->jump, 1);
    }
}

static uint16_t read16(const uint8_t *p, int little) {
    return little ? (uint16_t)(p[0] | (p[1] << 8)) : (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t read32(const uint8_t *p, int little) {
    return little ? ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24))
                  : (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

/// Orientation tag (0x0112) from IFD0 of an APP1 "Exif\0\0" payload; 1 when absent or malformed.
static int exif_orientation(const uint8_t *data, size_t length) {
    if (length < 14 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *tiff = data + 6;
    size_t size = length - 6;
    int little;
    if (tiff[0] == 'I' && tiff[1] == 'I') little = 1;
    else if (tiff[0] == 'M' && tiff[1] == 'M') little = 0;
    else return 1;
    uint32_t ifd = read32(tiff + 4, little);
    if (ifd > size || size - ifd < 2) return 1;
    uint16_t count = read16(tiff + ifd, little);
    for (uint32_t i = 0; i < count; i++) {
        size_t entry = (size_t)ifd + 2 + (size_t)i * 12;
        if (entry + 12 > size) return 1;
        if (read16(tiff + entry, little) == 0x0112) {
            uint16_t value = read16(tiff + entry + 8, little);
            return (value >= 1 && value <= 8) ? value : 1;
        }
    }
    return 1;
}

CCStatus cc_jpeg_decode(const uint8_t *data, size_t length, uint64_t max_pixels, CCImage *out, char *err) {
    return cc_jpeg_decode_limited(data, length, max_pixels, 0, out, err);
}

CCStatus cc_jpeg_decode_limited(const uint8_t *data, size_t length, uint64_t max_pixels, int max_scans,
                                CCImage *out, char *err) {
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    if (!data || length < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(err, CC_ERR_LEN, "missing JPEG SOI marker");
        return length < 3 ? CC_TRUNCATED : CC_CORRUPT;
    }
    struct jpeg_decompress_struct cinfo;
    ErrorManager manager;
    memset(&manager, 0, sizeof(manager));
    cinfo.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = jpeg_error_exit_fn;
    manager.base.emit_message = jpeg_emit_message_fn;
    manager.max_scans = max_scans;
    struct jpeg_progress_mgr progress = {.progress_monitor = jpeg_progress_fn};
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile cmyk_row = NULL;
    volatile CCStatus status = CC_OK;

    if (setjmp(manager.jump)) {
        if (status == CC_OK) status = manager.premature_end ? CC_TRUNCATED : CC_CORRUPT;
        snprintf(err, CC_ERR_LEN, "%s", manager.message[0] ? manager.message : "invalid JPEG");
        free(pixels);
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        memset(out, 0, sizeof(*out));
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    cinfo.progress = &progress;
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    if (manager.premature_end) {
        status = CC_TRUNCATED;
        ERREXIT(&cinfo, JERR_INPUT_EOF);
    }
    out->width = cinfo.image_width;
    out->height = cinfo.image_height;
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(err, CC_ERR_LEN, "%ux%u exceeds the pixel limit", cinfo.image_width, cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        return CC_TOO_LARGE;
    }
    for (jpeg_saved_marker_ptr marker = cinfo.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1) {
            out->orientation = exif_orientation(marker->data, marker->data_length);
            break;
        }
    }
    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; cmyk = 1; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    int channels = cmyk ? 3 : cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * channels;
    pixels = malloc(stride * cinfo.output_height);
    if (cmyk) cmyk_row = malloc((size_t)cinfo.output_width * 4);
    if (!pixels || (cmyk && !cmyk_row)) {
        status = CC_NO_MEMORY;
        ERREXIT(&cinfo, JERR_OUT_OF_MEMORY);
    }
    // Photoshop writes Adobe-marked CMYK inverted (0 = full ink); YCCK is always Adobe.
    int inverted = cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * stride;
        JSAMPROW target = cmyk ? cmyk_row : row;
        jpeg_read_scanlines(&cinfo, &target, 1);
        if (manager.premature_end) {
            status = CC_TRUNCATED;
            ERREXIT(&cinfo, JERR_INPUT_EOF);
        }
        if (cmyk) {
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                const uint8_t *p = cmyk_row + x * 4;
                unsigned c = inverted ? p[0] : 255 - p[0], m = inverted ? p[1] : 255 - p[1];
                unsigned y = inverted ? p[2] : 255 - p[2], k = inverted ? p[3] : 255 - p[3];
                // (255 - C)(255 - K) / 255, rounded, with c/m/y/k already "255 - ink".
                row[x * 3 + 0] = (uint8_t)((c * k + 127) / 255);
                row[x * 3 + 1] = (uint8_t)((m * k + 127) / 255);
                row[x * 3 + 2] = (uint8_t)((y * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    if (manager.premature_end) {
        status = CC_TRUNCATED;
        ERREXIT(&cinfo, JERR_INPUT_EOF);
    }
    out->width = cinfo.output_width;
    out->height = cinfo.output_height;
    out->channels = channels;
    out->pixels = pixels;
    free(cmyk_row);
    jpeg_destroy_decompress(&cinfo);
    return CC_OK;
}

CCStatus cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                        int32_t quality, uint8_t **out, size_t *out_length, char *err) {
    *out = NULL;
    *out_length = 0;
    if (!pixels || width == 0 || height == 0 || (channels != 1 && channels != 3)) {
        snprintf(err, CC_ERR_LEN, "invalid image for JPEG encoding");
        return CC_INVALID_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    ErrorManager manager;
    memset(&manager, 0, sizeof(manager));
    cinfo.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = jpeg_error_exit_fn;
    manager.base.emit_message = jpeg_emit_message_fn;
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    if (setjmp(manager.jump)) {
        snprintf(err, CC_ERR_LEN, "%s", manager.message);
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return CC_INVALID_ARGUMENT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)pixels + (size_t)cinfo.next_scanline * width * channels;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_length = size;
    return CC_OK;
}
