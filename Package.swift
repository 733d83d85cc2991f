// swift-tools-version: 6.1
// gep: Gross Ecosystem Product (GEP, 生态产品总值) accounting on GDAL and PROJ.
//
// Dependencies point one way:
//   GEPCore (pure formulas, coefficient tables and the one CSV/number/encoding reader;
//            imports no GDAL)
//   CGDAL / CPROJ (C shims) + GEPCore's text readers → GEPGeo (GDAL/PROJ wrapper, no GEP
//            accounting knowledge)
//   GEPPipeline (accounting pipeline: GEPGeo + GEPCore) → gep (thin CLI)
import PackageDescription

let package = Package(
  name: "gep",
  products: [
    .executable(name: "gep", targets: ["gep"]),
    .library(name: "GEPCore", targets: ["GEPCore"]),
    .library(name: "GEPGeo", targets: ["GEPGeo"]),
    .library(name: "GEPPipeline", targets: ["GEPPipeline"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
  ],
  targets: [
    .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
    .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
    .target(name: "GEPGeo", dependencies: ["CGDAL", "CPROJ", "GEPCore"]),
    .target(name: "GEPCore"),
    .target(
      name: "GEPPipeline",
      dependencies: [
        "GEPCore", "GEPGeo", .product(name: "TOMLKit", package: "TOMLKit"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .executableTarget(
      name: "gep",
      dependencies: [
        "GEPPipeline", "GEPCore", "GEPGeo",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "gep-sample-data", dependencies: ["GEPCore", "GEPGeo"]),
    .executableTarget(name: "gep-bench", dependencies: ["GEPGeo", "GEPPipeline", "GEPCore"]),
    .testTarget(
      name: "GEPCoreTests",
      dependencies: ["GEPCore", .product(name: "PropertyBased", package: "swift-property-based")]),
    .testTarget(name: "GEPGeoTests", dependencies: ["GEPGeo"]),
    .testTarget(
      name: "GEPPipelineTests", dependencies: ["GEPPipeline", "GEPCore", "GEPGeo"],
      exclude: ["Golden"]),
    .testTarget(name: "gepCLITests", dependencies: ["gep"]),
  ]
)
