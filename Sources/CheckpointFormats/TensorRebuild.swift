import Foundation
import Pickle

/// A storage as named by a torch persistent id:
/// `('storage', torch.<Type>Storage, key, location, numel[, view_metadata])`.
struct StorageID {
    let key: String
    let dtype: StorageDType
    /// Element count the pickle declares for the whole storage.
    let numel: Int
    /// Legacy storage views: `(view_key, offset, size)` in elements of the root storage.
    let viewOffset: Int
    let viewSize: Int?

    init(_ pid: PickleValue, file: String) throws {
        func bad(_ why: String) -> CheckpointError { CheckpointError(file: file, reason: "bad storage persistent id \(pid): \(why)") }
        guard let parts = pid.sequenceItems, parts.count >= 5, parts[0].stringValue == "storage" else {
            throw bad("expected ('storage', type, key, location, numel)")
        }
        guard case .global(let module, let typeName) = parts[1] else { throw bad("storage type is not a class") }
        guard module.hasPrefix("torch"), let dtype = StorageDType(torchStorageName: typeName) else {
            throw CheckpointError(file: file, reason: "unknown storage type \(module).\(typeName)")
        }
        if let s = parts[2].stringValue { key = s } else if let i = parts[2].intValue { key = String(i) } else { throw bad("storage key is not a string") }
        guard let n = parts[4].intValue, n >= 0 else { throw bad("storage size is not a non-negative integer") }
        self.dtype = dtype
        self.numel = n
        if parts.count >= 6, let view = parts[5].sequenceItems {
            guard view.count == 3, let offset = view[1].intValue, let size = view[2].intValue, offset >= 0, size >= 0 else {
                throw bad("malformed view metadata")
            }
            viewOffset = offset
            viewSize = size
        } else {
            viewOffset = 0
            viewSize = nil
        }
    }
}

/// Caps how many values a walk over an unpickled object visits. The unpickler shares memo'd
/// subtrees, so a few hundred bytes can describe a tree with 2^64 leaves; real checkpoints have a few
/// thousand values, so walks that would visit more are refused instead of running forever.
struct NodeBudget {
    static let maxNodes = 1_000_000
    let file: String
    private(set) var visited = 0

    init(file: String) { self.file = file }

    mutating func visit() throws {
        visited += 1
        guard visited <= NodeBudget.maxNodes else {
            throw CheckpointError(file: file, reason: "the pickled object has more than \(NodeBudget.maxNodes) values "
                + "(counting shared references each time they are reached): not a checkpoint we can load")
        }
    }
}

/// Every storage id in a pickled object (file order; repeated keys kept once).
func storageIDs(in value: PickleValue, file: String) throws -> [StorageID] {
    var out: [StorageID] = []
    var seen = Set<String>()
    var budget = NodeBudget(file: file)
    func visit(_ v: PickleValue) throws {
        try budget.visit()
        switch v {
        case .persistent(let pid):
            let id = try StorageID(pid, file: file)
            if seen.insert(id.key).inserted { out.append(id) }
        case .tuple(let items), .list(let items): for item in items { try visit(item) }
        case .dict(let items): for item in items { try visit(item.key); try visit(item.value) }
        case .reduce(let c, let a): try visit(c); try visit(a)
        case .build(let o, let s): try visit(o); try visit(s)
        default: break
        }
    }
    try visit(value)
    return out
}

/// Finds the tensors in an unpickled torch object and materializes them as contiguous host tensors.
struct TensorCollector {
    let file: String
    /// Storages written big-endian (zip `byteorder` entry, or legacy sys_info) are swapped on read.
    let bigEndian: Bool
    /// Bytes of the whole storage `key` (already checked to hold `numel` elements).
    let loadStorage: (StorageID) throws -> [UInt8]

    private var cache: [String: [UInt8]] = [:]
    /// Rebuilt tensors by storage, dtype, offset, size and stride: a view reached again through a
    /// shared memo reference reuses the same bytes instead of copying them again.
    private var rebuilt: [String: HostTensor] = [:]
    private var budget: NodeBudget
    /// Bytes of storage loaded so far, and bytes copied out of them into tensors that do not share
    /// their storage's buffer; copies are capped relative to the storages (see `copyLimit`).
    private var storageBytes = 0
    private var copiedBytes = 0
    /// Copies may exceed the storages they come from by at most this much in total: only overlapping
    /// or stride-0 views (`expand()`) can, and torch saves those rarely and small.
    static let expansionAllowance = 256 << 20
    private(set) var tensors: [(name: String, tensor: HostTensor)] = []
    private(set) var skipped: [String] = []
    private(set) var scalars: [String: Double] = [:]

    init(file: String, bigEndian: Bool, loadStorage: @escaping (StorageID) throws -> [UInt8]) {
        self.file = file
        self.bigEndian = bigEndian
        self.loadStorage = loadStorage
        self.budget = NodeBudget(file: file)
    }

    /// Walks dicts (keys joined with "."), lists and tuples (indices as keys) from `root`.
    mutating func collect(_ root: PickleValue) throws {
        try walk(root, name: "")
    }

    private static func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    private mutating func walk(_ value: PickleValue, name: String) throws {
        try budget.visit()
        if let tensor = try tensor(value, name: name) {
            tensors.append((name, tensor))
            return
        }
        switch value {
        case .build(let object, _):
            // e.g. a state dict's OrderedDict with its `_metadata` attribute.
            try walk(object, name: name)
        case .dict(let items):
            for item in items {
                let key: String
                switch item.key {
                case .string(let s): key = s
                case .int(let i): key = String(i)
                default:
                    skipped.append(TensorCollector.join(name, item.key.description))
                    continue
                }
                try walk(item.value, name: TensorCollector.join(name, key))
            }
        case .list(let items), .tuple(let items):
            for (i, item) in items.enumerated() { try walk(item, name: TensorCollector.join(name, String(i))) }
        default:
            if let number = value.doubleValue { scalars[name] = number }
            skipped.append(name)
        }
    }

    /// A HostTensor when `value` rebuilds a dense tensor (or a Parameter wrapping one), nil otherwise.
    private mutating func tensor(_ value: PickleValue, name: String) throws -> HostTensor? {
        try budget.visit()
        switch value {
        case .build(let object, _):
            return try tensor(object, name: name)
        case .reduce(.global("torch._utils", let function), let args):
            let items = args.sequenceItems ?? []
            switch function {
            // _rebuild_tensor_v3 (untyped storage plus a dtype torch has no typed storage for) is left to the skip list.
            case "_rebuild_tensor_v2", "_rebuild_tensor":
                return try rebuild(items, name: name, function: function)
            case "_rebuild_parameter", "_rebuild_parameter_with_state":
                // A Parameter around a non-dense tensor is skipped like the tensor itself would be.
                guard let data = items.first else { throw CheckpointError(file: file, reason: "tensor '\(name)': \(function) without data") }
                return try tensor(data, name: name)
            default:
                return nil // quantized, sparse, meta...: reported as skipped by the caller
            }
        default:
            return nil
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private mutating func rebuild(_ args: [PickleValue], name: String, function: String) throws -> HostTensor {
        func bad(_ why: String) -> CheckpointError { CheckpointError(file: file, reason: "tensor '\(name)': \(why)") }
        guard args.count >= 4, case .persistent(let pid) = args[0] else { throw bad("malformed \(function) arguments") }
        let id = try StorageID(pid, file: file)
        guard let offset = args[1].intValue,
              let size = args[2].sequenceItems?.compactMap(\.intValue), size.count == args[2].sequenceItems?.count,
              let stride = args[3].sequenceItems?.compactMap(\.intValue), stride.count == args[3].sequenceItems?.count else {
            throw bad("storage offset, size or stride is not integers")
        }
        let storage: [UInt8]
        if let cached = cache[id.key] {
            storage = cached
        } else {
            storage = try loadStorage(id)
            cache[id.key] = storage
            storageBytes = storageBytes.addingReportingOverflow(storage.count).partialValue
        }
        // Legacy storage views address a window of the root storage.
        var available = min(id.numel, storage.count / id.dtype.byteSize)
        var base = offset
        if let viewSize = id.viewSize {
            guard id.viewOffset <= available, viewSize <= available - id.viewOffset else {
                throw bad("storage view [\(id.viewOffset), +\(viewSize)) exceeds its storage of \(available) elements")
            }
            let (sum, overflow) = id.viewOffset.addingReportingOverflow(offset)
            guard !overflow else { throw bad("storage offset \(offset) overflows") }
            base = sum
            available = id.viewOffset + viewSize
        }
        let viewKey = "\(id.key)|\(id.dtype)|\(base)|\(available)|\(size)|\(stride)"
        if let done = rebuilt[viewKey] { return done }
        let (allowed, _) = (2 * storageBytes).addingReportingOverflow(TensorCollector.expansionAllowance)
        let limit = max(0, allowed - copiedBytes)
        var bytes = try TensorCollector.gather(storage: storage, elements: available, dtype: id.dtype,
                                               offset: base, size: size, stride: stride, copyLimit: limit, describe: bad)
        if bigEndian { TensorCollector.swapBytes(&bytes, elementSize: id.dtype.byteSize) }
        if !(bytes.count == storage.count && bytes.withUnsafeBytes({ b in storage.withUnsafeBytes { $0.baseAddress == b.baseAddress } })) {
            copiedBytes += bytes.count
        }
        let tensor = HostTensor(dtype: id.dtype, shape: size, bytes: bytes)
        rebuilt[viewKey] = tensor
        return tensor
    }

    /// Copies a strided view into contiguous row-major bytes, after checking it stays inside the storage.
    /// `copyLimit` caps the bytes a copy may allocate: a 1-element storage viewed with size [2^40] and
    /// stride [0] (what `torch.save(torch.zeros(1).expand(2**40))` writes) is refused, not allocated.
    static func gather(storage: [UInt8], elements: Int, dtype: StorageDType, offset: Int, size: [Int], stride: [Int],
                       copyLimit: Int = .max, describe bad: (String) -> CheckpointError) throws -> [UInt8] {
        guard size.count == stride.count else { throw bad("size \(size) and stride \(stride) differ in rank") }
        guard size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), offset >= 0 else {
            throw bad("negative size, stride or offset (size \(size), stride \(stride), offset \(offset))")
        }
        guard let count = checkedElementCount(size), let totalBytes = checkedByteCount(count, dtype) else {
            throw bad("size \(size) overflows: its element count does not fit 64 bits")
        }
        let es = dtype.byteSize
        if count == 0 { return [] }
        // Highest element index the view touches.
        var last = offset
        for (n, s) in zip(size, stride) {
            let (span, o1) = (n - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(span)
            guard !o1, !o2 else { throw bad("size \(size) with stride \(stride) overflows") }
            last = sum
        }
        guard last < elements, elements <= storage.count / es else {
            throw bad("view (offset \(offset), size \(size), stride \(stride)) reads element \(last) of a storage with \(elements)")
        }

        // Trailing dimensions that are laid out contiguously collapse into one memcpy run.
        var runDims = size.count
        var run = 1
        while runDims > 0, size[runDims - 1] == 1 || stride[runDims - 1] == run {
            run *= size[runDims - 1]
            runDims -= 1
        }
        // Fully contiguous: share the storage array outright when the view is all of it.
        if runDims == 0, offset == 0, totalBytes == storage.count { return storage }
        guard totalBytes <= copyLimit else {
            throw bad("view (size \(size), stride \(stride)) would copy \(totalBytes) bytes out of a storage of \(elements) "
                + "elements, over the \(copyLimit)-byte limit: stride-0 or overlapping views (expand()) this large are "
                + "refused; save the tensor with .contiguous() or .clone()")
        }
        if runDims == 0 {
            return Array(storage[(offset * es) ..< ((offset + count) * es)])
        }
        let runBytes = run * es
        return [UInt8](unsafeUninitializedCapacity: totalBytes) { out, initialized in
            storage.withUnsafeBytes { src in
                guard let srcBase = src.baseAddress, let dstBase = out.baseAddress else { return }
                var index = [Int](repeating: 0, count: runDims)
                var position = offset
                var written = 0
                outer: while true {
                    memcpy(dstBase + written, srcBase + position * es, runBytes)
                    written += runBytes
                    // Odometer over the outer (non-collapsed) dimensions.
                    var d = runDims - 1
                    while true {
                        index[d] += 1
                        position += stride[d]
                        if index[d] < size[d] { break }
                        position -= size[d] * stride[d]
                        index[d] = 0
                        if d == 0 { break outer }
                        d -= 1
                    }
                }
            }
            initialized = totalBytes
        }
    }

    static func swapBytes(_ bytes: inout [UInt8], elementSize: Int) {
        guard elementSize > 1 else { return }
        bytes.withUnsafeMutableBytes { raw in
            var i = 0
            while i + elementSize <= raw.count {
                var a = i, b = i + elementSize - 1
                while a < b { raw.swapAt(a, b); a += 1; b -= 1 }
                i += elementSize
            }
        }
    }
}
