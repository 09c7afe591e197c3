import Foundation

/// multipart/form-data request bodies (RFC 7578), as `curl -F image=@cat.png` and HTML forms send
/// them: the API takes its image from such a body as well as from raw PNG/JPEG bytes.
enum MultipartForm {
    struct Part {
        var name: String?
        var filename: String?
        var body: ArraySlice<UInt8>
    }

    /// The boundary of a `multipart/form-data` content type, nil for any other type; throws
    /// `bad-multipart` for a form type without one.
    static func boundary(contentType: String?) throws -> String? {
        guard let contentType else { return nil }
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = fields.first, type.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if !value.isEmpty { return value }
        }
        throw malformed("the Content-Type has no boundary parameter")
    }

    /// The parts of a body with the given boundary; throws `bad-multipart` when it is malformed.
    static func parts(_ body: [UInt8], boundary: String) throws -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        guard var start = find(delimiter, in: body, from: 0) else { throw malformed("no '--\(boundary)' delimiter in the body") }
        var parts: [Part] = []
        let separator = Array("\r\n\r\n".utf8)
        let next = Array("\r\n--\(boundary)".utf8)
        while true {
            var i = start + delimiter.count
            if body[i..<min(i + 2, body.count)].elementsEqual("--".utf8) { return parts } // close delimiter
            // The rest of the delimiter line (transport padding), then the part's headers.
            guard let lineEnd = find(Array("\r\n".utf8), in: body, from: i) else { throw malformed("a part has no headers") }
            i = lineEnd + 2
            guard let headerEnd = find(separator, in: body, from: i - 2) else { throw malformed("a part's headers do not end") }
            let headers = String(decoding: body[i..<max(i, headerEnd)], as: UTF8.self)
            guard let end = find(next, in: body, from: headerEnd + 4) else { throw malformed("the body ends inside a part (no closing delimiter)") }
            var part = Part(name: nil, filename: nil, body: body[(headerEnd + 4)..<end])
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                part.name = parameter("name", in: String(line))
                part.filename = parameter("filename", in: String(line))
            }
            parts.append(part)
            start = end + 2
        }
    }

    /// The uploaded image of a form: the part named `image`, else the only file part, else the only part.
    static func image(_ body: [UInt8], boundary: String) throws -> ArraySlice<UInt8> {
        let parts = try parts(body, boundary: boundary)
        if let named = parts.first(where: { $0.name == "image" }) { return named.body }
        let files = parts.filter { $0.filename != nil }
        if files.count == 1 { return files[0].body }
        if parts.count == 1 { return parts[0].body }
        let names = parts.map { $0.name ?? "(unnamed)" }.joined(separator: ", ")
        throw APIError(.badRequest, "missing-parameter",
                       "the form has no 'image' field (fields: \(names.isEmpty ? "none" : names)); send it as -F image=@file.png")
    }

    private static func malformed(_ why: String) -> APIError {
        APIError(.badRequest, "bad-multipart", "the multipart/form-data body is malformed: \(why)")
    }

    /// `name="value"` (or unquoted) in a Content-Disposition line.
    private static func parameter(_ name: String, in line: String) -> String? {
        for field in line.split(separator: ";").dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            let value = pair[1]
            return value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") ? String(value.dropFirst().dropLast()) : value
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
