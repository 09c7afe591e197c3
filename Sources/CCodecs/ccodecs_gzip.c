// gzip/zlib inflation over zlib, with an output cap so a gzip bomb cannot exhaust memory.
#include "ccodecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

CCStatus cc_gunzip(const uint8_t *data, size_t length, size_t max_output,
                   uint8_t **out, size_t *out_length, char *err) {
    *out = NULL;
    *out_length = 0;
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    if (inflateInit2(&stream, 15 + 32) != Z_OK) { // +32: detect gzip or zlib header
        snprintf(err, CC_ERR_LEN, "inflateInit failed");
        return CC_NO_MEMORY;
    }
    size_t capacity = length * 4 + 1024;
    if (capacity > max_output && max_output > 0) capacity = max_output;
    uint8_t *buffer = malloc(capacity ? capacity : 1);
    size_t produced = 0;
    size_t consumed = 0;
    CCStatus status = CC_OK;
    if (!buffer) { inflateEnd(&stream); snprintf(err, CC_ERR_LEN, "out of memory"); return CC_NO_MEMORY; }
    for (;;) {
        if (produced == capacity) {
            if (capacity >= max_output) { status = CC_TOO_LARGE; snprintf(err, CC_ERR_LEN, "inflated size exceeds %zu bytes", max_output); break; }
            size_t grown = capacity * 2;
            if (grown > max_output) grown = max_output;
            uint8_t *bigger = realloc(buffer, grown);
            if (!bigger) { status = CC_NO_MEMORY; snprintf(err, CC_ERR_LEN, "out of memory"); break; }
            buffer = bigger;
            capacity = grown;
        }
        // zlib counts in uInt; feed at most 1 GiB at a time.
        size_t in_chunk = length - consumed > (1u << 30) ? (1u << 30) : length - consumed;
        size_t out_chunk = capacity - produced > (1u << 30) ? (1u << 30) : capacity - produced;
        stream.next_in = (Bytef *)data + consumed;
        stream.avail_in = (uInt)in_chunk;
        stream.next_out = buffer + produced;
        stream.avail_out = (uInt)out_chunk;
        int result = inflate(&stream, Z_NO_FLUSH);
        consumed += in_chunk - stream.avail_in;
        produced += out_chunk - stream.avail_out;
        if (result == Z_STREAM_END) {
            // Skip trailing NUL padding; continue with a following gzip member if there is one.
            while (consumed < length && data[consumed] == 0) consumed++;
            if (consumed >= length) break;
            if (inflateReset(&stream) != Z_OK) { status = CC_CORRUPT; snprintf(err, CC_ERR_LEN, "inflateReset failed"); break; }
            continue;
        }
        if (result == Z_BUF_ERROR && consumed >= length && stream.avail_out > 0) {
            status = CC_TRUNCATED; snprintf(err, CC_ERR_LEN, "unexpected end of compressed data"); break;
        }
        if (result != Z_OK && result != Z_BUF_ERROR) {
            status = CC_CORRUPT;
            snprintf(err, CC_ERR_LEN, "%s", stream.msg ? stream.msg : "corrupt compressed data");
            break;
        }
        if (result == Z_OK && consumed >= length && stream.avail_out > 0) {
            status = CC_TRUNCATED; snprintf(err, CC_ERR_LEN, "unexpected end of compressed data"); break;
        }
    }
    inflateEnd(&stream);
    if (status != CC_OK) { free(buffer); return status; }
    *out = buffer;
    *out_length = produced;
    return CC_OK;
}
