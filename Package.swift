// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "RegVault",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "VaultFormat", targets: ["VaultFormat"]),
        .executable(name: "regvault", targets: ["regvault"]),
        .executable(name: "regvault-bench", targets: ["regvault-bench"]),
        .executable(name: "regvault-verify", targets: ["regvault-verify"]),
        .executable(name: "regvault-fuzz", targets: ["regvault-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The trusted core shared by the server and the offline verifier: swift-crypto only.
        .target(
            name: "VaultFormat",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VaultStore",
            dependencies: ["VaultFormat", "VaultJSON", "CZstd", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // libarchive, for export archives (pax tar, gzip, zstd). tools/setup.sh installs libarchive-dev.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // zstd, which compresses the records' stored columns (tools/setup.sh installs libzstd-dev).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "VaultArchive",
            dependencies: ["CArchive", "CZlib"],
            swiftSettings: strictSettings
        ),
        // Strict RFC 8259 parsing, RFC 8785 canonical form and RFC 6902 patches: the standard library only,
        // shared by the vault and the report templates.
        .target(name: "VaultJSON", swiftSettings: strictSettings),
        // Regulator report templates: records in, bytes out (no server, store or network code), so an
        // export's reports can be recomputed offline.
        // libharu, for the reports' PDF files (no pkg-config file in Debian's libhpdf-dev; the module map links it).
        .systemLibrary(name: "CHaru", providers: [.apt(["libhpdf-dev"])]),
        .target(
            name: "VaultReports",
            dependencies: ["VaultJSON", "VaultFormat", "CHaru", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VaultCore",
            dependencies: ["VaultJSON", "VaultReports", "VaultFormat", "VaultStore", "VaultArchive", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Deterministic synthetic operator data and the regulator sandbox's replaying log: the demo, the
        // benchmarks and the sandbox.
        .target(
            name: "VaultSandbox",
            dependencies: ["VaultCore", "VaultFormat", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The S3 protocol without the vault: AWS Signature Version 4, aws-chunked bodies and their checksums,
        // S3's XML documents and errors, bucket and key names (swift-crypto and zlib only).
        .target(
            name: "VaultS3",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The server's configuration file: its options, CIDR ranges and listen addresses (Foundation only,
        // so the fuzzer can take it without the HTTP stack).
        .target(name: "VaultConfiguration", swiftSettings: strictSettings),
        // glibc's count of heap bytes in use, for /metrics (a C function: Swift's Glibc module lacks malloc.h).
        .target(name: "CHeap"),
        // The HTTPS server: mutual TLS, identities and roles, the ingest and inspector routes, and the
        // inspector's console in the browser (server-rendered Mustache pages).
        .target(
            name: "VaultServer",
            dependencies: ["VaultConfiguration", "VaultSandbox", "VaultCore", "VaultS3", "VaultReports", "VaultFormat", "VaultStore", "CHeap",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "JWTKit", package: "jwt-kit"),
                           .product(name: "SwiftASN1", package: "swift-asn1"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Mustache", package: "swift-mustache"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "regvault",
            dependencies: ["VaultCore", "VaultReports", "VaultFormat", "VaultStore", "VaultSandbox", "VaultServer", "VaultConfiguration",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "regvault-bench",
            dependencies: ["VaultCore", "VaultFormat", "VaultStore", "VaultSandbox", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "VaultFormatTests", dependencies: ["VaultFormat", "VaultSandbox", .product(name: "Crypto", package: "swift-crypto")],
                    resources: [.copy("Vectors")], swiftSettings: strictSettings),
        // The offline verifier: VaultFormat, the archive reader and argument parsing only; no networking.
        .executableTarget(
            name: "regvault-verify",
            dependencies: ["VaultFormat", "VaultArchive", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        // libFuzzer entries for every parser that reads outside bytes; a replay driver without -DFUZZING
        // (tools/fuzz.sh builds the fuzzer).
        .executableTarget(
            name: "regvault-fuzz",
            dependencies: ["VaultCore", "VaultFormat", "VaultArchive", "VaultConfiguration"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "VaultJSONTests", dependencies: ["VaultJSON", "VaultSandbox"], swiftSettings: strictSettings),
        .testTarget(name: "VaultReportsTests", dependencies: ["VaultReports", "VaultJSON", "VaultFormat"], swiftSettings: strictSettings),
        .testTarget(name: "VaultSandboxTests", dependencies: ["VaultSandbox", "VaultCore", "VaultFormat"], swiftSettings: strictSettings),
        .testTarget(name: "VaultConfigurationTests", dependencies: ["VaultConfiguration"], swiftSettings: strictSettings),
        .testTarget(name: "VaultS3Tests", dependencies: ["VaultS3"], swiftSettings: strictSettings),
        .testTarget(name: "VaultArchiveTests", dependencies: ["VaultArchive"], swiftSettings: strictSettings),
        .testTarget(name: "VaultStoreTests", dependencies: ["VaultStore", "VaultFormat", .product(name: "GRDB", package: "GRDB.swift"),
                                                     .product(name: "Crypto", package: "swift-crypto")],
                    swiftSettings: strictSettings),
        .testTarget(name: "VaultCoreTests", dependencies: ["VaultCore", "VaultStore", "VaultFormat", "VaultSandbox",
                                                    .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strictSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["regvault", "regvault-verify", "VaultFormat", "VaultSandbox", "VaultCore",
                                                              "VaultServer", "VaultConfiguration", "VaultArchive",
                                                              .product(name: "GRDB", package: "GRDB.swift"),
                                                              .product(name: "Crypto", package: "swift-crypto"),
                                                              .product(name: "JWTKit", package: "jwt-kit")], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
