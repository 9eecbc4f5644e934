import Foundation

#if FUZZING
/// Called by libFuzzer before any input. With `REGVAULT_FUZZ_WRITE_SEEDS=DIRECTORY` it writes the
/// generated seeds to DIRECTORY/<target>/ and exits, so `tools/fuzz.sh` needs no second build.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["REGVAULT_FUZZ_WRITE_SEEDS"] {
        do {
            try FuzzSeeds.write(to: directory)
        } catch {
            FileHandle.standardError.write(Data("regvault-fuzz: cannot write seeds: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }
    _ = FuzzSelection.body
    return 0
}

/// libFuzzer's driver, which the fuzzer's `main` runs.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's `main`: SwiftPM links an executable target's `main` to `<module>_main`, so the
/// fuzzer provides that symbol and hands over to libFuzzer's driver (whose own `main` is not used).
@_cdecl("regvault_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzTestOneInput)
}

/// libFuzzer's entry point. The target is `REGVAULT_FUZZ_TARGET` (see `FuzzTargets.all`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    FuzzSelection.body(bytes)
    return 0
}

enum FuzzSelection {
    static let body: FuzzTargets.Body = {
        let name = ProcessInfo.processInfo.environment["REGVAULT_FUZZ_TARGET"] ?? ""
        guard let body = FuzzTargets.named(name) else {
            let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(Data("regvault-fuzz: set REGVAULT_FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(2)
        }
        return body
    }()
}
#else
/// Without libFuzzer: replays inputs through the same entries, so crash inputs can be run as
/// regression tests by a normal build.
///
///     regvault-fuzz list
///     regvault-fuzz TARGET FILE|DIRECTORY...
///     regvault-fuzz seeds DIRECTORY        # writes generated seeds to DIRECTORY/<target>/
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first else { usage() }
        switch command {
        case "list":
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        case "seeds":
            guard arguments.count == 2 else { usage() }
            do {
                try FuzzSeeds.write(to: arguments[1])
            } catch {
                fail("cannot write seeds: \(error)")
            }
        default:
            guard let body = FuzzTargets.named(command) else { fail("unknown target '\(command)'; see 'regvault-fuzz list'") }
            var count = 0
            for file in inputFiles(arguments.dropFirst()) {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                body(Array(data))
                count += 1
            }
            print("\(command): \(count) inputs replayed, none crashed")
        }
    }

    /// The files named, and the regular files directly inside the directories named, in order.
    static func inputFiles(_ paths: ArraySlice<String>) -> [String] {
        paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
            guard isDirectory.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
        }
    }

    static func usage() -> Never {
        fail("usage: regvault-fuzz list | regvault-fuzz TARGET FILE|DIRECTORY... | regvault-fuzz seeds DIRECTORY")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("regvault-fuzz: \(message)\n".utf8))
        exit(2)
    }
}
#endif
