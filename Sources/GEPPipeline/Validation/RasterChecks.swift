import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Raster checks of a validation: land use, every raster input, precipitation against ET (see `InputValidator`).
extension ValidationRun {
  // MARK: Rasters

  /// Opens a raster input, reporting a missing file, a vector file, a corrupt file or a
  /// missing band.
  func open(_ r: RasterInput, what: String, key: String) -> (RasterDataset, RasterBand)? {
    guard checkFile(r.path, what: what, key: key) else { return nil }
    let ds: RasterDataset
    do {
      ds = try RasterDataset(path: r.path)
    } catch {
      if let v = try? VectorDataset(path: r.path), v.layerCount > 0 {
        d.error(
          "file.not-raster",
          "the \(what) file is a vector file (layers: \(v.layerNames.joined(separator: ", "))), "
            + "but a raster is expected",
          at: ProblemLocation(file: r.path, field: key))
      } else {
        d.error(
          "raster.unreadable",
          "GDAL cannot read the \(what) file as a raster (corrupt or not a raster format): "
            + error.message,
          at: ProblemLocation(file: r.path, field: key))
      }
      return nil
    }
    do {
      return (ds, try ds.band(r.band))
    } catch {
      d.error(
        "raster.no-band",
        "the \(what) raster has no band \(r.band); it has \(ds.bandCount)",
        at: ProblemLocation(
          file: r.path, band: r.band,
          field: key.replacingOccurrences(
            of: ".path", with: ".band")))
      return nil
    }
  }

  /// The raster's CRS (the run file's override, else the file's), reporting its absence.
  func crs(of r: RasterInput, _ ds: RasterDataset, what: String, prefix: String)
    -> SpatialReference?
  {
    if let c = r.crs {
      d.warning(
        "raster.crs-assigned",
        "the \(what) CRS is taken from the run file (\(c)), not from the file",
        at: ProblemLocation(file: r.path, field: prefix + "crs", value: c))
      return try? SpatialReference(definition: c)
    }
    do {
      if let s = try ds.spatialReference() { return s }
    } catch {
      d.gdal("raster.unreadable", error, file: r.path)
      return nil
    }
    d.error(
      "raster.no-crs",
      "the \(what) raster declares no coordinate reference system; give it one "
        + "(gdal_edit.py -a_srs) or set `crs` under [\(prefix.dropLast())] in the run file",
      at: ProblemLocation(file: r.path, band: r.band))
    return nil
  }

  /// A projected CRS with coordinates that look like longitude/latitude degrees.
  func checkDegrees(_ r: RasterInput, crs: SpatialReference, gt: GeoTransform, what: String) {
    guard crs.isProjected else { return }
    let cell = abs(gt.pixelWidth) * crs.metresPerUnit
    if abs(gt.originX) <= 360, abs(gt.originY) <= 90, cell < 0.1 {
      d.error(
        "raster.degrees-as-metres",
        "the \(what) raster's coordinates look like degrees (origin \(formatNumber(gt.originX)), "
          + "\(formatNumber(gt.originY)); cell \(formatNumber(abs(gt.pixelWidth)))) but its CRS "
          + "\(crs.epsg.map { "EPSG:\($0)" } ?? crs.name) is projected in metres: the file "
          + "declares the wrong CRS (give the geographic one, e.g. EPSG:4490)",
        at: ProblemLocation(file: r.path, band: r.band, value: crs.epsg.map { "EPSG:\($0)" }))
    }
  }

  /// Nodata declaration checks; `prefix` is "landuse" or "raster".
  func checkNoData(_ r: RasterInput, band: RasterBand, what: String, prefix: String) {
    let loc = ProblemLocation(file: r.path, band: r.band)
    if band.noDataValue == nil {
      d.warning(
        "\(prefix).no-nodata",
        "the \(what) raster declares no nodata value: every cell is taken as data, 0 "
          + "included (set one with gdal_edit.py -a_nodata if some cells are not data)",
        at: loc)
    } else if band.noDataOutOfRange, let nd = band.noDataValue {
      let range = band.dataType.integerRange.map {
        " (\(formatNumber($0.lowerBound))–\(formatNumber($0.upperBound)))"
      }
      d.warning(
        "\(prefix).nodata-out-of-range",
        "the declared nodata value \(formatNumber(nd)) cannot occur in a "
          + "\(band.dataType.rawValue) band\(range ?? ""), so it masks nothing: every cell is "
          + "taken as data",
        at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(nd)))
    }
  }

  /// The footprint of a raster (its bounds, densified) in the grid CRS.
  func footprint(crs: SpatialReference, gt: GeoTransform, width: Int, height: Int) -> Geometry? {
    guard let g = grid else { return nil }
    var pts: [(Double, Double)] = []
    let n = 16
    func at(_ c: Double, _ r: Double) { pts.append(gt.apply(col: c, row: r)) }
    let w = Double(width)
    let h = Double(height)
    for i in 0..<n { at(w * Double(i) / Double(n), 0) }
    for i in 0..<n { at(w, h * Double(i) / Double(n)) }
    for i in 0..<n { at(w - w * Double(i) / Double(n), h) }
    for i in 0..<n { at(0, h - h * Double(i) / Double(n)) }
    var xs = pts.map(\.0)
    var ys = pts.map(\.1)
    if !((try? crs.isSame(as: g.crs)) ?? false) {
      guard let t = try? CoordinateTransformation(from: crs, to: g.crs),
        (try? t.transform(x: &xs, y: &ys)) != nil
      else { return nil }
    }
    xs.append(xs[0])
    ys.append(ys[0])
    let ring = zip(xs, ys).map { "\($0) \($1)" }.joined(separator: ", ")
    return try? Geometry(wkt: "POLYGON ((\(ring)))").madeValid()
  }

  func gridFootprint() -> Geometry? {
    guard let g = grid else { return nil }
    let b = g.bounds
    return try? Geometry(
      wkt: "POLYGON ((\(b.minX) \(b.minY), \(b.maxX) \(b.minY), \(b.maxX) \(b.maxY), "
        + "\(b.minX) \(b.maxY), \(b.minX) \(b.minY)))")
  }

  func openLandUse() {
    let r = config.landUse
    guard let (ds, band) = open(r, what: "land-use", key: "landuse.path") else { return }
    let crs = self.crs(of: r, ds, what: "land-use", prefix: "landuse.")
    checkNoData(r, band: band, what: "land-use", prefix: "landuse")
    guard let crs, let gt = try? ds.geoTransform() else { return }
    checkDegrees(r, crs: crs, gt: gt, what: "land-use")
    let g = Grid(crs: crs, geoTransform: gt, width: ds.width, height: ds.height)
    grid = g
    do {
      cellAreas = try cellAreasPerRow(g)
    } catch {
      d.gdal("raster.unreadable", error, file: r.path)
      cellAreas = [Double](repeating: 1, count: g.height)
    }
    landUse = OpenedRaster(
      input: r, band: band, crs: crs, geoTransform: gt, width: ds.width, height: ds.height,
      footprint: gridFootprint())
  }

  /// Windows covering a `width × height` raster in row-major order.
  func windows(width: Int, height: Int) -> [RasterWindow] {
    let s = options.windowSize
    var out: [RasterWindow] = []
    var r = 0
    while r < height {
      var c = 0
      let h = min(s, height - r)
      while c < width {
        let w = min(s, width - c)
        out.append(RasterWindow(colOffset: c, rowOffset: r, width: w, height: h))
        c += w
      }
      r += h
    }
    return out
  }

  func scanLandUse() {
    guard let lu = landUse, let g = grid else { return }
    let r = lu.input
    var counts: [Int: (cells: Int, area: Double)] = [:]
    var denseCells = [Int](repeating: 0, count: 65536)
    var denseArea = [Double](repeating: 0, count: 65536)
    var nonInteger = (cells: 0, area: 0.0)
    var firstNonInteger: (row: Int, col: Int, value: Double)? = nil
    var scan = RasterScan()
    var zoneCells = [Int](repeating: 0, count: units?.villages.count ?? 0)
    let rasterizer = units.flatMap { u in
      config.units.coverage == .centre ? u : nil
    }.map {
      ZoneRasterizer(
        grid: g, geometries: $0.geometries, zones: (0..<$0.villages.count).map(Int32.init))
    }
    var values: [Double] = []
    var valid: [Bool] = []
    for w in windows(width: g.width, height: g.height) {
      if values.count < w.count {
        values = [Double](repeating: 0, count: w.count)
        valid = [Bool](repeating: false, count: w.count)
      }
      do {
        try lu.band.readMasked(w, values: &values, valid: &valid)
      } catch {
        d.error(
          "raster.read-failed",
          "GDAL cannot read rows \(w.rowOffset)–\(w.rowOffset + w.height - 1) (0-based) of the "
            + "land-use raster (corrupt file?): \(error.message)",
          at: ProblemLocation(file: r.path, band: r.band, row: w.rowOffset))
        return
      }
      if let rasterizer, let zones = try? rasterizer.rasterize(w) {
        for z in zones where z >= 0 { zoneCells[Int(z)] += 1 }
      }
      for i in 0..<w.count {
        let v = values[i]
        let row = w.rowOffset + i / w.width
        if !valid[i] {
          if v.isNaN {
            scan.nan += 1
            if scan.firstNaN == nil { scan.firstNaN = (row, w.colOffset + i % w.width) }
          }
          scan.nodata += 1
          continue
        }
        scan.valid += 1
        let a = cellAreas.indices.contains(row) ? cellAreas[row] : 0
        if v >= 0, v < 65536, v == v.rounded() {
          // Dense counts for the usual code range; the dictionary only for the rest.
          let k = Int(v)
          denseCells[k] += 1
          denseArea[k] += a
        } else if v.isFinite, v == v.rounded(), abs(v) < 1e15 {
          let k = Int(v)
          let c = counts[k] ?? (0, 0)
          counts[k] = (c.cells + 1, c.area + a)
        } else {
          nonInteger.cells += 1
          nonInteger.area += a
          if firstNonInteger == nil { firstNonInteger = (row, w.colOffset + i % w.width, v) }
        }
      }
    }
    for k in 0..<65536 where denseCells[k] > 0 { counts[k] = (denseCells[k], denseArea[k]) }
    let loc = ProblemLocation(file: r.path, band: r.band)
    if scan.nan > 0, !(lu.band.noDataValue?.isNaN ?? false) {
      d.warning(
        "raster.nan",
        "\(scan.nan) cells of the land-use raster are NaN (first at row \(scan.firstNaN!.row), "
          + "column \(scan.firstNaN!.col), 0-based): they are treated as nodata",
        at: ProblemLocation(
          file: r.path, band: r.band, row: scan.firstNaN!.row,
          column: String(scan.firstNaN!.col)))
    }
    if scan.valid == 0 {
      d.error(
        "raster.all-nodata",
        "every cell of the land-use raster is nodata (nodata value "
          + "\(lu.band.noDataValue.map(formatNumber) ?? "none")): there is nothing to account",
        at: loc)
    }
    // Units without a cell centre (under the cell-centre rule only: exact coverage gives a
    // unit smaller than a cell its fraction of that cell).
    if let u = units, config.units.coverage == .centre {
      for (z, v) in u.villages.enumerated() where zoneCells[z] == 0 && !u.geometries[z].isEmpty {
        d.warning(
          "units.no-cell",
          "unit \(v.code) (\(v.name)) contains no cell centre of the land-use grid: it still "
            + "gets a row, with zero area and value",
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer, field: config.units.codeField,
            value: v.code))
      }
    }
    // Unknown codes.
    guard let coefficients, let crosswalk = coefficients.crosswalks[config.landUseScheme] else {
      return
    }
    let known = Set(crosswalk.entries.map(\.lulcCode))
    let total = counts.values.reduce(0.0) { $0 + $1.area } + nonInteger.area
    func share(_ a: Double) -> Double { total > 0 ? a / total * 100 : 0 }
    var unknownArea = nonInteger.area
    var unknownCodes = 0
    let file = "crosswalk_\(config.landUseScheme).csv"
    for (code, c) in counts.sorted(by: { $0.key < $1.key }) where !known.contains(code) {
      unknownArea += c.area
      unknownCodes += 1
      d.error(
        "landuse.unknown-code",
        "land-use code \(code) is not in \(file): \(c.cells) cells, "
          + String(format: "%.4f", share(c.area)) + " % of the area"
          + (lu.band.noDataValue == nil && (code == 0 || code == 255 || code == -9999)
            ? " (the raster declares no nodata value: is \(code) the nodata fill?)" : ""),
        at: ProblemLocation(file: r.path, band: r.band, value: String(code)))
    }
    if nonInteger.cells > 0, let f = firstNonInteger {
      d.error(
        "landuse.unknown-code",
        "\(nonInteger.cells) cells of the land-use raster are not integer codes, "
          + String(format: "%.4f", share(nonInteger.area)) + " % of the area (first at row "
          + "\(f.row), column \(f.col), 0-based: \(formatNumber(f.value))); land-use codes are "
          + "integers: was the raster resampled bilinearly? Use nearest-neighbour or mode",
        at: ProblemLocation(
          file: r.path, band: r.band, row: f.row, column: String(f.col),
          value: formatNumber(f.value)))
    }
    let distinct = counts.count + (nonInteger.cells > 0 ? 1 : 0)
    let unknownDistinct = unknownCodes + (nonInteger.cells > 0 ? 1 : 0)
    if total > 0, share(unknownArea) > 50 {
      var best: (scheme: String, share: Double)? = nil
      for (scheme, cw) in coefficients.crosswalks where scheme != config.landUseScheme {
        let k = Set(cw.entries.map(\.lulcCode))
        let a = counts.filter { k.contains($0.key) }.reduce(0.0) { $0 + $1.value.area }
        if a > 0,
          best == nil || share(a) > best!.share
            || (share(a) == best!.share && scheme < best!.scheme)
        {
          best = (scheme, share(a))
        }
      }
      let hint =
        best.map {
          "; crosswalk_\($0.scheme).csv maps " + String(format: "%.1f", $0.share)
            + " % of it (scheme = \"\($0.scheme)\"?)"
        } ?? ""
      d.error(
        "landuse.wrong-scheme",
        "most of the land-use raster is not in \(file) ("
          + String(format: "%.1f", share(unknownArea))
          + " % of the area, \(unknownDistinct) of \(distinct) codes): it seems to use another "
          + "classification than scheme \"\(config.landUseScheme)\"" + hint,
        at: ProblemLocation(
          file: config.runFile, field: "landuse.scheme", value: config.landUseScheme))
    }
  }

  /// Checks a biophysical raster: file, CRS, overlap, nodata, values.
  func checkRaster(_ r: RasterInput) {
    let prefix = "rasters.\(r.name)."
    let what = r.name
    guard let (ds, band) = open(r, what: what, key: prefix + "path") else { return }
    let crs = self.crs(of: r, ds, what: what, prefix: prefix)
    checkNoData(r, band: band, what: what, prefix: "raster")
    guard let crs, let gt = try? ds.geoTransform() else { return }
    checkDegrees(r, crs: crs, gt: gt, what: what)
    var fp: Geometry? = nil
    if let g = grid {
      if !((try? crs.isSame(as: g.crs)) ?? false) {
        d.warning(
          "raster.reprojected",
          "the \(what) raster is in \(describe(crs)), not in the land-use grid's "
            + "\(describe(g.crs)): it is reprojected onto the grid (\(r.resampling.rawValue))",
          at: ProblemLocation(file: r.path, band: r.band, value: describe(crs)))
      }
      fp = footprint(crs: crs, gt: gt, width: ds.width, height: ds.height)
      if fp == nil {
        // The corners cannot be transformed into the grid CRS: with a wrong CRS label (e.g.
        // EPSG:4326 on metre coordinates) every cell would be nodata after warping.
        d.error(
          "raster.crs-transform",
          "the \(what) raster's extent cannot be transformed from \(describe(crs)) into the "
            + "grid's \(describe(g.crs)): its coordinates do not fit its declared CRS (wrong CRS "
            + "label? set crs = \"EPSG:…\" in the run file)",
          at: ProblemLocation(file: r.path, band: r.band, value: describe(crs)))
      }
      if let fp, let gf = gridFootprint(), gf.area > 0 {
        let covered = (gf.intersection(fp)?.polygonalParts().area ?? 0) / gf.area
        if covered <= 0 {
          let b = fp.envelope
          let gb = g.bounds
          d.error(
            "raster.no-overlap",
            "the \(what) raster does not overlap the land-use grid: its bounds in the grid CRS "
              + "are x \(formatNumber(b.minX))…\(formatNumber(b.maxX)), y "
              + "\(formatNumber(b.minY))…\(formatNumber(b.maxY)); the grid's are x "
              + "\(formatNumber(gb.minX))…\(formatNumber(gb.maxX)), y "
              + "\(formatNumber(gb.minY))…\(formatNumber(gb.maxY)) (wrong CRS?)",
            at: ProblemLocation(file: r.path, band: r.band))
        } else if covered < 0.999 {
          d.warning(
            "raster.partial-overlap",
            "the \(what) raster covers " + String(format: "%.2f", covered * 100)
              + " % of the land-use grid: outside it, the indicators that read \(what) are "
              + "not computed (reported as masked area per unit)",
            at: ProblemLocation(file: r.path, band: r.band))
        }
      }
    }
    rasters.append(
      OpenedRaster(
        input: r, band: band, crs: crs, geoTransform: gt, width: ds.width, height: ds.height,
        footprint: fp))
    scanValues(r, band: band, width: ds.width, height: ds.height)
  }

  func describe(_ crs: SpatialReference) -> String {
    crs.epsg.map { "EPSG:\($0) (\(crs.name))" } ?? crs.name
  }

  /// True for the roles that cannot be negative (precipitation, ET, R, K, LS, FVC, slope).
  static func isNonNegative(_ r: RasterInput) -> Bool {
    switch RasterRole(rawValue: r.name) {
    case .precipitation, .evapotranspiration, .erosivity, .erodibility, .ls, .fvc, .slope,
      .weatherFactor, .soilSand, .soilSilt, .soilClay, .soilOrganicMatter, .soilCaCO3:
      return true
    default: return false
    }
  }

  /// How far `value` lies from the nodata value when it is within 4 units in the last place of
  /// a Float32 (or of a Double) but not equal: "1 ulp away"; nil otherwise.
  func nextToNoData(_ value: Double, _ noData: Double) -> String? {
    guard value != noData, value.isFinite, noData.isFinite else { return nil }
    let f = Float(value)
    let g = Float(noData)
    if f.isFinite && g.isFinite && f.sign == g.sign {
      let d = abs(Int64(f.bitPattern) - Int64(g.bitPattern))
      if d > 0 && d <= 4 { return "\(d) Float32 ulp away" }
    }
    if value.sign == noData.sign {
      let d =
        value.bitPattern > noData.bitPattern
        ? value.bitPattern - noData.bitPattern : noData.bitPattern - value.bitPattern
      if d > 0 && d <= 4 { return "\(d) ulp away" }
    }
    return nil
  }

  /// The result of scanning one raster: its statistics, or the window that failed to read.
  struct ScanResult: @unchecked Sendable {
    var scan = RasterScan()
    var failure: (RasterWindow, GDALError)? = nil
  }

  /// Streams a raster window by window and gathers its statistics (NaN, infinite, negative and
  /// out-of-range cells with the first of each, min, max, mean). Pure apart from the reads, so
  /// the rasters of a run are scanned in parallel, one dataset per thread.
  static func scanRaster(
    _ r: RasterInput, band: RasterBand, windows: [RasterWindow], nonNegative: Bool,
    range: ClosedRange<Double>?
  ) -> ScanResult {
    var result = ScanResult()
    var s = RasterScan()
    var firstNegativeValue: Double? = nil
    var values: [Double] = []
    var valid: [Bool] = []
    for w in windows {
      if values.count < w.count {
        values = [Double](repeating: 0, count: w.count)
        valid = [Bool](repeating: false, count: w.count)
      }
      do {
        try band.readMasked(w, values: &values, valid: &valid)
      } catch {
        result.failure = (w, error)
        return result
      }
      for i in 0..<w.count {
        let v = values[i]
        let row = w.rowOffset + i / w.width
        let col = w.colOffset + i % w.width
        if !valid[i] {
          if v.isNaN {
            s.nan += 1
            if s.firstNaN == nil { s.firstNaN = (row, col) }
          }
          s.nodata += 1
          continue
        }
        if v.isInfinite {
          s.infinite += 1
          if s.firstInfinite == nil { s.firstInfinite = (row, col) }
          continue
        }
        s.valid += 1
        s.sum += v
        if v < s.min { s.min = v }
        if v > s.max { s.max = v }
        if nonNegative && v < 0 {
          s.negative += 1
          if let f = firstNegativeValue {
            if f != v { s.negativesAllEqual = false }
          } else {
            firstNegativeValue = v
            s.firstNegative = (row, col, v)
          }
        }
        if let rg = range, !rg.contains(v), !(nonNegative && v < 0) {
          s.outOfRange += 1
          if s.firstOutOfRange == nil { s.firstOutOfRange = (row, col, v) }
        }
      }
    }
    result.scan = s
    return result
  }

  /// Scans every raster of the run in parallel (one dataset per worker), for `scanValues`.
  func prescanRasters() {
    let inputs = config.rasters.values.sorted { $0.name < $1.name }
    let results = Mutex([ScanResult?](repeating: nil, count: inputs.count))
    let windowSize = options.windowSize
    @Sendable func scanOne(_ i: Int) {
      let r = inputs[i]
      guard let ds = try? RasterDataset(path: r.path), let band = try? ds.band(r.band) else {
        return
      }
      let nonNegative = ValidationRun.isNonNegative(r)
      let plan = blockPlan(
        width: ds.width, height: ds.height, tileWidth: windowSize, tileHeight: windowSize)
      let scanned = Self.scanRaster(
        r, band: band, windows: plan, nonNegative: nonNegative,
        range: r.validRange?.range)
      results.withLock { $0[i] = scanned }
    }
    // At most `options.threads` rasters at once (one dataset per worker).
    let workers = min(options.threads, inputs.count)
    let next = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let i = next.withLock { n -> Int in
          defer { n += 1 }
          return n
        }
        guard i < inputs.count else { return }
        scanOne(i)
      }
    }
    for (i, r) in inputs.enumerated() {
      if let s = results.withLock({ $0[i] }) { prescanned[r.name] = s }
    }
  }

  func scanValues(_ r: RasterInput, band: RasterBand, width: Int, height: Int) {
    let role = RasterRole(rawValue: r.name)
    let nonNegative = ValidationRun.isNonNegative(r)
    let range = r.validRange
    let scanned =
      prescanned[r.name]
      ?? Self.scanRaster(
        r, band: band, windows: windows(width: width, height: height),
        nonNegative: nonNegative, range: range?.0)
    if let (w, error) = scanned.failure {
      d.error(
        "raster.read-failed",
        "GDAL cannot read rows \(w.rowOffset)–\(w.rowOffset + w.height - 1) (0-based) of the "
          + "\(r.name) raster (corrupt file?): \(error.message)",
        at: ProblemLocation(file: r.path, band: r.band, row: w.rowOffset))
      return
    }
    let s = scanned.scan
    let loc = ProblemLocation(file: r.path, band: r.band)
    func at(_ p: (row: Int, col: Int), value: Double? = nil) -> ProblemLocation {
      ProblemLocation(
        file: r.path, band: r.band, row: p.row, column: String(p.col),
        value: value.map(formatNumber))
    }
    if s.nan > 0, !(band.noDataValue?.isNaN ?? false), let f = s.firstNaN {
      d.warning(
        "raster.nan",
        "\(s.nan) cells of the \(r.name) raster are NaN (first at row \(f.row), column "
          + "\(f.col), 0-based): they are treated as nodata",
        at: at(f))
    }
    if s.infinite > 0, let f = s.firstInfinite {
      d.error(
        "raster.infinite",
        "\(s.infinite) cells of the \(r.name) raster are infinite (first at row \(f.row), "
          + "column \(f.col), 0-based): declare them nodata or fix the file",
        at: at(f, value: .infinity))
    }
    if s.valid == 0 {
      d.error(
        "raster.all-nodata",
        "every cell of the \(r.name) raster is nodata (nodata value "
          + "\(band.noDataValue.map(formatNumber) ?? "none"))",
        at: loc)
      return
    }
    if s.negative > 0, let f = s.firstNegative {
      var hint =
        s.negativesAllEqual
        ? "; all are \(formatNumber(f.value)): is that the nodata value? Declare it with "
          + "gdal_edit.py -a_nodata" : ""
      if let nd = band.noDataValue, let next = nextToNoData(f.value, nd) {
        hint +=
          "; the value sits next to the nodata value \(formatNumber(nd)) (\(next)): was "
          + "the nodata value rounded when the file was written? Declare the exact value"
      }
      d.error(
        "raster.negative",
        "\(s.negative) cells of the \(r.name) raster are negative (minimum "
          + "\(formatNumber(s.min)), first at row \(f.row), column \(f.col), 0-based); "
          + "\(r.name) cannot be negative\(hint)",
        at: at((f.row, f.col), value: f.value))
    }
    means[r.name] = s.mean
    let mean = s.mean
    switch role {
    case .precipitation, .evapotranspiration:
      if mean < 10 && s.max < 20 {
        d.error(
          "raster.implausible-unit",
          "the \(r.name) raster averages \(formatNumber(mean)) (range "
            + "\(formatNumber(s.min))–\(formatNumber(s.max))): as mm per year that is "
            + "implausible; the values look like metres (multiply by 1000), the declared unit "
            + "is mm",
          at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(mean)))
      }
    default: break
    }
    if s.outOfRange > 0, let (_, why) = range, let f = s.firstOutOfRange {
      var hint = ""
      if role == .ndvi && s.max > 1 && s.max <= 10000 {
        hint = "; the values look scaled by 10000 (MODIS): divide by 10000"
      } else if role == .fvc && r.unit != "percent" && s.max <= 100 && s.min >= 0 {
        hint = "; the values look like percent: declare unit = \"percent\""
      } else if role == .slope && s.max > 90 {
        hint = "; the values are not degrees (percent rise?)"
      } else if role == .dem && s.max > 9000 {
        hint = "; feet or decimetres instead of metres?"
      } else if role == .erodibility && mean > 100 {
        hint = "; the values look like precipitation or erosivity, not K"
      }
      if let nd = band.noDataValue, let next = nextToNoData(f.value, nd) {
        hint +=
          "; the value sits next to the nodata value \(formatNumber(nd)) (\(next)): was "
          + "the nodata value rounded when the file was written? Declare the exact value"
      }
      if r.acceptedRange == nil {
        hint +=
          "; if the values are right, widen the range in the run file "
          + "([rasters.\(r.name)] range = [low, high])"
      }
      d.error(
        role == .dem ? "raster.implausible-unit" : "raster.out-of-range",
        "\(s.outOfRange) cells of the \(r.name) raster lie outside the accepted range (range "
          + "found \(formatNumber(s.min))–\(formatNumber(s.max)), first at row \(f.row), "
          + "column \(f.col), 0-based): \(why)\(hint)",
        at: at((f.row, f.col), value: f.value))
    }
    if role == .fvc && r.unit == "percent" && s.max <= 1 {
      d.warning(
        "raster.implausible-unit",
        "the fvc raster is declared in percent but its values lie in "
          + "\(formatNumber(s.min))–\(formatNumber(s.max)): a fraction? (unit = \"fraction\")",
        at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(s.max)))
    }
  }

  func checkPrecipitationAndET() {
    // One file and band given for two roles (precipitation as ET, the DEM as P …): the ranges
    // of such roles overlap, so only this check catches the swap.
    var roleOf: [String: String] = [:]
    for (role, r) in config.rasters.sorted(by: { $0.key < $1.key }) {
      let key = "\(canonicalPath(r.path))#\(r.band)"
      if let other = roleOf[key] {
        d.error(
          "raster.same-file",
          "the \(role) raster is the same file and band as the \(other) raster: one file given "
            + "for two roles",
          at: ProblemLocation(file: r.path, band: r.band, field: "rasters.\(role).path"))
      } else {
        roleOf[key] = role
      }
    }
    guard let p = means["precipitation"], let et = means["evapotranspiration"], p > 0,
      let etInput = config.rasters["evapotranspiration"]
    else { return }
    if et <= 2 * p && et >= 0.9 * p {
      d.warning(
        "raster.et-near-precipitation",
        "mean evapotranspiration (\(formatNumber(et)) mm) is "
          + String(format: "%.0f", et / p * 100)
          + " % of mean precipitation (\(formatNumber(p)) mm): water conservation (P − R − ET) "
          + "will be near 0 on most cells; check that the ET raster is actual ET of the same year",
        at: ProblemLocation(file: etInput.path, band: etInput.band, value: formatNumber(et)))
    }
    guard et > 2 * p else { return }
    d.warning(
      "raster.et-exceeds-precipitation",
      "mean evapotranspiration (\(formatNumber(et)) mm) is more than twice mean precipitation "
        + "(\(formatNumber(p)) mm): water conservation will be 0 almost everywhere; check the "
        + "units and periods of both rasters (annual totals in mm?)",
      at: ProblemLocation(file: etInput.path, band: etInput.band, value: formatNumber(et)))
  }
}
