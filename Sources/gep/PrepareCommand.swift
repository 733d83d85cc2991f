import ArgumentParser
import Foundation
import GEPCore
import GEPGeo
import GEPPipeline

/// `gep prepare`: derive factor rasters (slope, LS, R, K, C, precipitation, ET, interpolated
/// station values) from primary data, each written as a GeoTIFF. Source: GEP-METHODS §5.1,
/// §5.2, §11.4; FAO-56. Exit codes: 0 ok, 1 input problem, 64 usage.
struct PrepareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prepare",
    abstract:
      "Derive factor rasters (LS, slope, R, K, C, precipitation, ET, RWEQ WF) from primary data.",
    discussion: """
      Each subcommand writes one Float32 GeoTIFF (nodata -9999) and prints its range on stderr. \
      C/FVC from NDVI and K from a soil map stream strips of rows (any size); the other \
      rasters are held in memory: at most 50 million cells (a daily stack for R is streamed). \
      Exit codes: 0 success; 1 input \
      problem (file, row, column and value named); 64 usage error.
      """,
    subcommands: [
      PrepareSlope.self, PrepareLS.self, PrepareR.self, PrepareK.self, PrepareC.self,
      PrepareInterpolate.self, PreparePrecipitation.self, PrepareET.self,
      PrepareWeatherFactor.self,
    ]
  )

  /// Runs `body`, prints the summary and notes on stderr, maps input errors to exit code 1.
  /// Before anything is read, the outputs on the command line are checked
  /// (`checkPrepareOutputs`): an existing folder is never replaced, nor an input, and an
  /// existing file only with `--overwrite`.
  static func report(quiet: Bool, overwrite: Bool, _ body: () throws -> FactorSummary) throws {
    let (outputs, inputs) = outputsAndInputs(Array(CommandLine.arguments.dropFirst()))
    do {
      try checkPrepareOutputs(outputs, inputs: inputs, overwrite: overwrite)
      let summary = try body()
      if !quiet {
        for note in summary.notes { FileHandle.standardError.write(Data("gep: \(note)\n".utf8)) }
        FileHandle.standardError.write(Data("gep: \(summary.description)\n".utf8))
      }
    } catch let e as PrepareError {
      FileHandle.standardError.write(Data("gep: error: \(e.message)\n".utf8))
      throw ExitCode.failure
    } catch let e as GDALError {
      FileHandle.standardError.write(Data("gep: error \(e.description)\n".utf8))
      throw ExitCode.failure
    } catch let e as CoefficientError {
      FileHandle.standardError.write(Data("gep: error: \(e)\n".utf8))
      throw ExitCode.failure
    }
  }
}

/// The output paths (values of `--out` and `--…-out`) and the other option values that name
/// existing files (the inputs) of a `gep prepare` command line.
func outputsAndInputs(_ arguments: [String]) -> (outputs: [String], inputs: [String]) {
  var outputs: [String] = []
  var inputs: [String] = []
  var i = 0
  while i < arguments.count {
    let a = arguments[i]
    guard a.hasPrefix("--") else {
      i += 1
      continue
    }
    var name = String(a.dropFirst(2))
    var value: String? = nil
    if let eq = name.firstIndex(of: "=") {
      value = String(name[name.index(after: eq)...])
      name = String(name[..<eq])
    } else if i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") {
      value = arguments[i + 1]
      i += 1
    }
    i += 1
    guard let value else { continue }
    if name == "out" || name.hasSuffix("-out") {
      outputs.append(value)
    } else if FileManager.default.fileExists(atPath: value) {
      inputs.append(value)
    }
  }
  return (outputs, inputs)
}

/// Options shared by subcommands that turn stations into a raster.
struct StationOptions: ParsableArguments {
  @Option(help: "Station table: id, lon/lat (or x/y with --crs) and, for ET, elevation.")
  var stations: String?

  @Option(help: "Station id field (default StationID, station, id).")
  var idField: String?

  @Option(help: "Longitude field, WGS 84 degrees (default Lon).")
  var lon: String?

  @Option(help: "Latitude field, WGS 84 degrees (default Lat).")
  var lat: String?

  @Option(help: "x field in --crs (instead of --lon).")
  var x: String?

  @Option(help: "y field in --crs (instead of --lat).")
  var y: String?

  @Option(help: "CRS of the station x/y fields, e.g. EPSG:4528.")
  var crs: String?

  @Option(help: "Station interpolation: idw or nearest (Thiessen).")
  var interpolation: String = "idw"

  @Option(help: "IDW power.")
  var power: Double = 2

  @Option(help: "CRS to assume for the reference grid instead of its own.")
  var gridCRS: String?

  func gridOptions(method: String? = nil) throws -> StationGridOptions {
    let m: StationInterpolation
    let name = method ?? interpolation
    switch name {
    case "idw": m = .inverseDistance(power: power)
    case "nearest", "thiessen": m = .nearest
    default: throw ValidationError("interpolation must be idw or nearest, not '\(name)'")
    }
    return StationGridOptions(
      coordinates: StationCoordinateOptions(
        idField: idField, lonField: lon, latField: lat, xField: x, yField: y, crs: crs),
      method: m, gridCRS: gridCRS)
  }
}

struct PrepareSlope: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "slope", abstract: "Slope (degrees, Horn 3×3) of the pit-filled DEM.")

  @Option(help: "DEM raster (m).") var dem: String
  @Option(help: "Output GeoTIFF.") var out: String
  @Option(help: "CRS to assume for the DEM.") var crs: String?
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.slope(dem: dem, out: out, crs: crs)
    }
  }
}

struct PrepareLS: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ls",
    abstract: "RUSLE LS from a DEM: fill, Horn slope, D8/MFD routing, a named L method, S.",
    discussion: """
      The defaults are the national profile: --method cumulative (Hickey / Van Remortel \
      cumulative D8 slope length that stops at slope breaks and at channels, the method of \
      China's LS tools and soil-erosion survey), --s-factor liu (McCool below 10°, Liu et al. \
      1994 above), --m classes, --flow d8, --channel-threshold 1000 cells. Other methods: \
      desmet-govers (Desmet & Govers 1996 with the contributing area (FA-1)·cell area in m²; \
      gep's default before issue 21), desmet-govers-sqrt (the same with the square root of \
      that area, as SAGA's "catchment length" and InVEST SDR ≥ 3.14), slope-length \
      (L = (λ/22.13)^m with λ the specific catchment area, capped by --max-slope-length). \
      --s-factor mccool: 9 % break, as InVEST and SAGA. See docs/soil-conservation-ls.md.
      """)

  @Option(help: "DEM raster (m).") var dem: String
  @Option(help: "Output GeoTIFF (LS, dimensionless).") var out: String
  @Option(help: "L method: cumulative (default), desmet-govers, desmet-govers-sqrt, slope-length.")
  var method: String?
  @Option(help: "S form: liu (default; 5°/10°, steep-slope Liu 1994) or mccool (9 % break).")
  var sFactor: String?
  @Option(help: "Flow routing: d8 or mfd.") var flow: String?
  @Option(
    help: ArgumentHelp(
      "Cap on the slope length in metres (e.g. 122 or 333): the cap practitioners use.",
      valueName: "metres"))
  var maxSlopeLength: Double?
  @Option(
    help: ArgumentHelp(
      "Cap on the value of the L factor (dimensionless; InVEST's l_max), not a length.",
      valueName: "L"))
  var lFactorCap: Double?
  @Option(help: "Exponent m: classes (0.2/0.3/0.4/0.5 by slope %) or mccool.")
  var m: String?
  @Option(
    help: ArgumentHelp(
      "Channel cells: flow accumulation (cells, own included) from which a cell is a channel "
        + "(InVEST's threshold_flow_accumulation); default 1000.", valueName: "cells"))
  var channelThreshold: Double?
  @Option(help: "Also write the slope (degrees) here.") var slopeOut: String?
  @Option(help: "Also write the channel mask (1 channel, 0 hillslope) here.") var streamOut: String?
  @Option(help: "CRS to assume for the DEM.") var crs: String?
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  /// The value of a named choice, or a usage error listing the accepted names.
  static func choice<T: RawRepresentable & CaseIterable>(
    _ text: String?, _ option: String, default value: T
  ) throws -> T where T.RawValue == String {
    guard let text else { return value }
    guard let v = T(rawValue: text) else {
      throw ValidationError(
        "\(option) must be " + T.allCases.map(\.rawValue).joined(separator: ", ")
          + ", not '\(text)'")
    }
    return v
  }

  func run() throws {
    let base = LSFactorOptions.nationalProfile
    var factor = base
    factor.flow = try Self.choice(flow, "--flow", default: base.flow)
    factor.method = try Self.choice(method, "--method", default: base.method)
    factor.steepness = try Self.choice(sFactor, "--s-factor", default: base.steepness)
    factor.exponentRule = try Self.choice(m, "--m", default: base.exponentRule)
    if let lFactorCap, !(lFactorCap > 0) {
      throw ValidationError("--l-factor-cap must be positive")
    }
    if let maxSlopeLength, !(maxSlopeLength > 0) {
      throw ValidationError("--max-slope-length must be positive (metres)")
    }
    if let channelThreshold, !(channelThreshold > 0) {
      throw ValidationError("--channel-threshold must be positive (cells)")
    }
    factor.maximumL = lFactorCap ?? base.maximumL
    factor.maximumSlopeLength = maxSlopeLength ?? base.maximumSlopeLength
    factor.channelThreshold = channelThreshold ?? base.channelThreshold
    let options = LSPreparationOptions(
      factor: factor, crs: crs, slopeOut: slopeOut, streamOut: streamOut)
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.ls(dem: dem, out: out, options: options)
    }
  }
}

/// Daily rainfall input options (R and precipitation).
struct DailyRainArguments: ParsableArguments {
  @Option(help: "Daily rainfall table (mm): wide (Y M D + one column per station) or long.")
  var dailyRain: String

  @Option(help: "Station field of a long-layout table.") var stationField: String?
  @Option(help: "Value field of a long-layout table.") var valueField: String?
  @Option(help: "Reference raster: the output grid.") var grid: String
  @Option(help: "Output GeoTIFF.") var out: String
}

struct PrepareR: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "r",
    abstract: "Rainfall erosivity R from daily rainfall (station table or raster stack).",
    discussion: """
      From a station table (--daily-rain with --grid): R per station, interpolated onto --grid. \
      From a daily raster stack (--daily-stack, one band per day in mm): R per cell on the \
      stack's grid, band i being day i counted from --start-date (or the date in each band's \
      description). Missing days count as dry; a cell without any value is nodata.
      """)

  @Option(help: "Daily rainfall table (mm): wide (Y M D + one column per station) or long.")
  var dailyRain: String?
  @Option(help: "Daily rainfall raster stack (mm), one band per day (instead of --daily-rain).")
  var dailyStack: String?
  @Option(help: "Date of the stack's first band, YYYY-MM-DD (default: band descriptions).")
  var startDate: String?
  @Option(help: "Station field of a long-layout table.") var stationField: String?
  @Option(help: "Value field of a long-layout table.") var valueField: String?
  @Option(help: "Reference raster: the output grid (with --daily-rain).") var grid: String?
  @Option(help: "Output GeoTIFF.") var out: String
  @OptionGroup var station: StationOptions
  @Option(help: "Model: half-month (章文波) or monthly (regression).")
  var method: String = "half-month"
  @Option(help: "Year of R (default: mean annual R of the record).") var year: Int?
  @Option(help: "CRS to assume for the daily stack.") var stackCRS: String?
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func validate() throws {
    guard ErosivityMethod(rawValue: method) != nil else {
      throw ValidationError("--method must be half-month or monthly, not '\(method)'")
    }
    switch (dailyRain, dailyStack) {
    case (nil, nil): throw ValidationError("give --daily-rain with --grid, or --daily-stack")
    case (.some, .some): throw ValidationError("--daily-rain and --daily-stack exclude each other")
    case (.some, nil):
      if grid == nil { throw ValidationError("--daily-rain needs --grid (the output grid)") }
      if startDate != nil || stackCRS != nil {
        throw ValidationError("--start-date and --stack-crs go with --daily-stack")
      }
    case (nil, .some):
      if grid != nil {
        throw ValidationError("--daily-stack writes on the stack's grid: no --grid")
      }
      if stationField != nil || valueField != nil || station.stations != nil {
        throw ValidationError("station options go with --daily-rain, not --daily-stack")
      }
      if let startDate, CalendarDay(parsing: startDate) == nil {
        throw ValidationError("--start-date must be a date YYYY-MM-DD, not '\(startDate)'")
      }
    }
  }

  func run() throws {
    let m = ErosivityMethod(rawValue: method)!
    if let dailyStack {
      let dates: DailyStackDates =
        startDate.flatMap { CalendarDay(parsing: $0) }.map { .consecutive(from: $0) }
        ?? .bandDescriptions
      try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
        try FactorPreparation.r(
          dailyStack: dailyStack, out: out, year: year, method: m, dates: dates, crs: stackCRS)
      }
      return
    }
    let options = DailyRainOptions(
      year: year, stationField: stationField, valueField: valueField,
      grid: try station.gridOptions())
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.r(
        dailyRain: dailyRain!, stations: station.stations, grid: grid!, out: out, method: m,
        options: options)
    }
  }
}

struct PreparePrecipitation: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "precipitation",
    abstract: "Annual precipitation (mm) from daily station rainfall, interpolated.",
    discussion: """
      A station missing more than --max-missing-days days of the year is dropped (named on \
      stderr); within the allowance each missing day takes the mean of the station's present \
      days of that month.
      """)

  @OptionGroup var rain: DailyRainArguments
  @OptionGroup var station: StationOptions
  @Option(help: "The year.") var year: Int
  @Option(help: "Missing days tolerated per station.") var maxMissingDays: Int = 0
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    let options = DailyRainOptions(
      year: year, stationField: rain.stationField, valueField: rain.valueField,
      maximumMissingDays: maxMissingDays, grid: try station.gridOptions())
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.precipitation(
        dailyRain: rain.dailyRain, stations: station.stations, grid: rain.grid, out: rain.out,
        options: options)
    }
  }
}

struct PrepareK: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "k",
    abstract: "Soil erodibility K (EPIC × 0.1317) from texture rasters or a soil map + table.")

  @Option(help: "Sand raster (%).") var sand: String?
  @Option(help: "Silt raster (%).") var silt: String?
  @Option(help: "Clay raster (%).") var clay: String?
  @Option(help: "Organic carbon raster (%).") var oc: String?
  @Option(help: "Soil map (integer soil ids).") var soilMap: String?
  @Option(help: "Soil property table (one row per soil id).") var properties: String?
  @Option(help: "Soil id field of the table (default SEQN, id).") var idField: String?
  @Option(help: "Sand field (default SOL_SAND, sand).") var sandField: String?
  @Option(help: "Silt field (default SOL_SILT, silt).") var siltField: String?
  @Option(help: "Clay field (default SOL_CLAY, clay).") var clayField: String?
  @Option(help: "Organic carbon field, % (default SOL_CBN, oc).") var ocField: String?
  @Option(help: "Organic matter field, % (OC = OM/1.724; default SOL_OM, om).")
  var omField: String?
  @Option(help: "Layer of 'a-b' multi-layer cells, 1 = top.") var layer: Int = 1
  @Option(help: "Output GeoTIFF.") var out: String
  @Option(help: "CRS to assume for the input rasters.") var crs: String?
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    if let soilMap, let properties {
      let options = SoilPropertyOptions(
        idField: idField, sandField: sandField, siltField: siltField, clayField: clayField,
        organicCarbonField: ocField, organicMatterField: omField, layer: layer, crs: crs)
      try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
        try FactorPreparation.k(
          soilMap: soilMap, properties: properties, out: out, options: options)
      }
    } else if let sand, let silt, let clay, let oc {
      try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
        try FactorPreparation.k(
          sand: sand, silt: silt, clay: clay, organicCarbon: oc, out: out, crs: crs)
      }
    } else {
      throw ValidationError("give --sand --silt --clay --oc, or --soil-map with --properties")
    }
  }
}

struct PrepareC: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "c",
    abstract: "RUSLE C from NDVI (FVC, 蔡崇法) or by land-use class from a coefficient folder.")

  @Option(help: "NDVI raster (-1…1).") var ndvi: String?
  @Option(help: "NDVI of bare soil (fixed endpoint).") var ndviSoil: Double?
  @Option(help: "NDVI of full cover (fixed endpoint).") var ndviVeg: Double?
  @Option(help: "Percentile endpoints, e.g. 5,95 (default when no fixed endpoints).")
  var percentiles: String = "5,95"
  @Option(help: "Also write FVC (fraction) here.") var fvcOut: String?
  @Option(help: "Land-use raster (C by class instead of NDVI).") var landuse: String?
  @Option(help: "Coefficient folder with rusle.csv (usle_c).") var coefficients: String?
  @Option(help: "Land-use scheme (crosswalk), e.g. swat, clcd.") var scheme: String?
  @Option(help: "Output GeoTIFF.") var out: String
  @Option(help: "CRS to assume for the input raster.") var crs: String?
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    if let landuse {
      guard let coefficients, let scheme else {
        throw ValidationError("C by class needs --coefficients and --scheme")
      }
      try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
        try FactorPreparation.cByClass(
          landuse: landuse, coefficients: coefficients, scheme: scheme, out: out, crs: crs)
      }
      return
    }
    guard let ndvi else { throw ValidationError("give --ndvi, or --landuse") }
    let endpoints: NDVIEndpoints
    if let ndviSoil, let ndviVeg {
      endpoints = .fixed(soil: ndviSoil, vegetation: ndviVeg)
    } else if ndviSoil != nil || ndviVeg != nil {
      throw ValidationError("--ndvi-soil and --ndvi-veg go together")
    } else {
      let parts = percentiles.split(separator: ",").compactMap { Double($0) }
      guard parts.count == 2, parts[0] >= 0, parts[1] <= 100, parts[0] < parts[1] else {
        throw ValidationError("--percentiles must be LOW,HIGH within 0…100, e.g. 5,95")
      }
      endpoints = .percentiles(low: parts[0], high: parts[1])
    }
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.c(
        ndvi: ndvi, out: out, endpoints: endpoints, fvcOut: fvcOut, crs: crs,
        progress: { if !quiet { FileHandle.standardError.write(Data("gep: \($0)\n".utf8)) } })
    }
  }
}

struct PrepareInterpolate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "interpolate",
    abstract: "Interpolate a station table's value field onto a reference grid (IDW, nearest).")

  @OptionGroup var station: StationOptions
  @Option(help: "idw or nearest (same as --interpolation).") var method: String?
  @Option(help: "Field to interpolate.") var valueField: String
  @Option(help: "Reference raster: the output grid.") var grid: String
  @Option(help: "Unit recorded in the output.") var unit: String = ""
  @Option(help: "Output GeoTIFF.") var out: String
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    guard let stations = station.stations else { throw ValidationError("--stations is required") }
    let options = try station.gridOptions(method: method)
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.interpolate(
        stations: stations, valueField: valueField, grid: grid, out: out, unit: unit,
        options: options)
    }
  }
}

struct PrepareET: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "et",
    abstract: "Annual actual ET: FAO-56 Penman–Monteith ET0 at stations, then Budyko–Fu.",
    discussion: """
      An approximation where no ET raster (MOD16) exists: station ET0 is summed over the year, \
      interpolated onto the precipitation grid, and ET = P[1 + φ − (1 + φ^ω)^(1/ω)], φ = ET0/P, \
      with one --omega or ω per land-use code (--landuse with --omega-table code,omega).
      """)

  @Option(help: "Daily meteorological table (station, date, TMAX, TMIN, RM, WS, SSD).")
  var meteo: String
  @OptionGroup var station: StationOptions
  @Option(help: "Annual precipitation raster (mm): the output grid.") var precipitation: String
  @Option(help: "The year.") var year: Int
  @Option(help: "Fu's ω for every cell (default for codes missing from --omega-table).")
  var omega: Double?
  @Option(help: "Land-use raster on the precipitation grid.") var landuse: String?
  @Option(help: "Table of ω per land-use code (fields code, omega).") var omegaTable: String?
  @Option(help: "Wind measurement height, m.") var windHeight: Double = 10
  @Option(help: "T_max field.") var tmaxField = "TMAX"
  @Option(help: "T_min field.") var tminField = "TMIN"
  @Option(help: "Mean relative humidity field, %.") var rhField = "RM"
  @Option(help: "Wind speed field, m/s.") var windField = "WS"
  @Option(help: "Sunshine hours field.") var sunshineField = "SSD"
  @Option(help: "Station field of the meteorological table.") var stationField: String?
  @Option(help: "Missing days tolerated per station.") var maxMissingDays: Int = 0
  @Option(help: "Also write the interpolated annual ET0 (mm) here.") var et0Out: String?
  @Option(help: "Output GeoTIFF (actual ET, mm).") var out: String
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    guard let stations = station.stations else { throw ValidationError("--stations is required") }
    if (landuse == nil) != (omegaTable == nil) {
      throw ValidationError("--landuse and --omega-table go together")
    }
    if omega == nil && omegaTable == nil {
      throw ValidationError("give --omega, or --landuse with --omega-table")
    }
    let options = ETPreparationOptions(
      year: year, tmaxField: tmaxField, tminField: tminField, rhMeanField: rhField,
      windField: windField, sunshineField: sunshineField, stationField: stationField,
      windHeight: windHeight, maximumMissingDays: maxMissingDays, omega: omega,
      landuse: landuse, omegaTable: omegaTable, et0Out: et0Out, grid: try station.gridOptions())
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.et(
        meteo: meteo, stations: stations, precipitation: precipitation, out: out,
        options: options)
    }
  }
}

struct PrepareWeatherFactor: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "weather-factor",
    abstract: "RWEQ weather factor WF (kg/m) of a year from daily station data (sand fixation).",
    discussion: """
      Per station and half-month (or month): WF = Σ U2(U2 − Ut)² × Nd/N × ρ/g × SW × SD \
      (GEP-METHODS §5.3; RWEQ, Fryrear et al. 1998), U2 from the wind at --wind-height by the \
      1/7 power law, ρ from the station elevation and T = (Tmax + Tmin)/2, SW from rainfall \
      and ET_p = FAO-56 ET0 of the same table, SD from the snow depth (mm; none: SD = 1); the \
      periods are summed to the year and interpolated onto the grid of --grid. WF = 0 where \
      no wind exceeds Ut: gep compute then reports sand fixation not applicable.
      """)

  @Option(help: "Daily meteorological table (station, date, TMAX, TMIN, RM, WS, SSD).")
  var meteo: String
  @Option(help: "Daily rainfall table (wide: one column per station; or long with --rain-field).")
  var rain: String
  @Option(help: "Value field of a long-layout rainfall table.") var rainField: String?
  @OptionGroup var station: StationOptions
  @Option(help: "Raster whose grid the output takes (e.g. the land use).") var grid: String
  @Option(help: "The year.") var year: Int
  @Option(help: "RWEQ periods: half_month or month.") var period = "half_month"
  @Option(help: "Snow depth field (mm) of the meteorological table.") var snowField: String?
  @Option(help: "Threshold wind speed U_t at 2 m, m/s.") var thresholdWindSpeed: Double = 5
  @Option(help: "Snow depth above which the soil is covered, mm.")
  var snowDepthThreshold: Double = 25.4
  @Option(help: "Wind measurement height, m.") var windHeight: Double = 10
  @Option(help: "T_max field.") var tmaxField = "TMAX"
  @Option(help: "T_min field.") var tminField = "TMIN"
  @Option(help: "Mean relative humidity field, %.") var rhField = "RM"
  @Option(help: "Wind speed field, m/s.") var windField = "WS"
  @Option(help: "Sunshine hours field.") var sunshineField = "SSD"
  @Option(help: "Station field of the meteorological table.") var stationField: String?
  @Option(help: "Days per station that may lack a variable.") var maxMissingDays: Int = 0
  @Option(help: "Output GeoTIFF (WF, kg/m).") var out: String
  @Flag(help: "Print only errors.") var quiet = false
  @Flag(help: "Replace an existing output file (never a folder or an input).")
  var overwrite = false

  func run() throws {
    guard let stations = station.stations else { throw ValidationError("--stations is required") }
    guard let periods = RWEQPeriod(rawValue: period) else {
      throw ValidationError("--period must be half_month or month, not '\(period)'")
    }
    let fields = ETPreparationOptions(
      year: year, tmaxField: tmaxField, tminField: tminField, rhMeanField: rhField,
      windField: windField, sunshineField: sunshineField, stationField: stationField,
      windHeight: windHeight, grid: try station.gridOptions())
    let options = WeatherFactorOptions(
      year: year, period: periods, fields: fields, snowField: snowField,
      rain: DailyRainOptions(year: year, valueField: rainField),
      thresholdWindSpeed: thresholdWindSpeed, snowDepthThreshold: snowDepthThreshold,
      maximumMissingDays: maxMissingDays)
    try PrepareCommand.report(quiet: quiet, overwrite: overwrite) {
      try FactorPreparation.weatherFactor(
        meteo: meteo, rain: rain, stations: stations, grid: grid, out: out, options: options)
    }
  }
}
