import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Unit-layer checks of a validation: fields, codes, geometries, coverage (see `InputValidator`).
extension ValidationRun {
  // MARK: Units

  func loadUnits() {
    let input = config.units
    guard checkFile(input.path, what: "unit", key: "units.path", folderAllowed: true) else {
      return
    }
    let ds: VectorDataset
    do {
      ds = try VectorDataset(path: input.path)
    } catch {
      if (try? RasterDataset(path: input.path)) != nil {
        d.error(
          "file.not-vector",
          "the unit file is a raster, but a vector layer of polygons is expected",
          at: ProblemLocation(file: input.path, field: "units.path"))
      } else {
        d.error(
          "units.unreadable", "GDAL cannot read the unit file as a vector: \(error.message)",
          at: ProblemLocation(file: input.path, field: "units.path"))
      }
      return
    }
    if let l = input.layer, !ds.layerNames.contains(l) {
      d.error(
        "units.missing-layer",
        "the unit file has no layer \"\(l)\"; it has: \(ds.layerNames.joined(separator: ", "))",
        at: ProblemLocation(file: input.path, layer: l, field: "units.layer"))
      return
    }
    if ds.layerCount == 0 {
      d.error(
        "units.missing-layer", "the unit file has no layer",
        at: ProblemLocation(file: input.path, field: "units.path"))
      return
    }
    var g = grid
    if g == nil {
      // No grid (land use unreadable): check the units in their own CRS.
      guard
        let layer = try? (input.layer.map { try ds.layer(named: $0) } ?? ds.layer(0)),
        let crs = try? layer.spatialReference()
      else {
        var local = Diagnostics()
        _ = try? UnitSet.load(
          input,
          grid: Grid(
            crs: (try? SpatialReference(epsg: 4326))!,
            geoTransform: GeoTransform(
              originX: 0, pixelWidth: 1, originY: 0, pixelHeight: -1), width: 1, height: 1),
          diagnostics: &local)
        d.append(local)
        return
      }
      g = Grid(
        crs: crs,
        geoTransform: GeoTransform(originX: 0, pixelWidth: 1, originY: 0, pixelHeight: -1),
        width: 1, height: 1)
    }
    var local = Diagnostics()
    var loaded: UnitSet? = nil
    do {
      loaded = try UnitSet.load(input, grid: g!, diagnostics: &local)
    } catch is InputProblems {
      // The problems are in `local`.
    } catch let e as GDALError {
      local.gdal("units.unreadable", e, file: input.path)
    } catch {
      local.error(
        "units.unreadable", "cannot read the unit layer: \(error)",
        at: ProblemLocation(file: input.path))
    }
    d.append(local)
    // Village codes of the code12 hierarchy must not end in 000.
    if code12 && input.finestLevel == .village {
      let layerName = input.layer
      if let l = try? (input.layer.map { try ds.layer(named: $0) } ?? ds.layer(0)),
        let features = try? l.features()
      {
        for f in features {
          let code = f.attributes[input.codeField]?.description ?? ""
          if code.count == 12, code.allSatisfy({ $0.isASCII && $0.isNumber }),
            code.hasSuffix("000")
          {
            d.error(
              "units.bad-code12",
              "the village code \(code) ends in 000, which names a township (or county) in the "
                + "12-digit hierarchy, not a village",
              at: ProblemLocation(
                file: input.path, layer: layerName ?? l.name, row: Int(f.fid),
                field: input.codeField, value: code))
          }
        }
      }
    }
    guard let u = loaded else { return }
    units = u
    unitCodes = Set(u.all.map(\.code))
    for v in u.all { unitNames[v.code] = v.name }
    guard grid != nil else { return }
    checkOverlaps(u)
    // Units against the grid.
    if let gf = gridFootprint() {
      let nonEmpty = u.geometries.filter { !$0.isEmpty }
      if !nonEmpty.isEmpty && !nonEmpty.contains(where: { $0.intersects(gf) }) {
        let gb = grid!.bounds
        var e = nonEmpty[0].envelope
        for geom in nonEmpty {
          let x = geom.envelope
          e = (min(e.minX, x.minX), min(e.minY, x.minY), max(e.maxX, x.maxX), max(e.maxY, x.maxY))
        }
        d.error(
          "units.no-overlap",
          "no unit overlaps the land-use grid: the units span x \(formatNumber(e.minX))…"
            + "\(formatNumber(e.maxX)), y \(formatNumber(e.minY))…\(formatNumber(e.maxY)) in the "
            + "grid CRS; the grid x \(formatNumber(gb.minX))…\(formatNumber(gb.maxX)), y "
            + "\(formatNumber(gb.minY))…\(formatNumber(gb.maxY)) (wrong CRS?)",
          at: ProblemLocation(file: input.path, layer: input.layer))
      }
    }
  }

  /// Pairs of overlapping unit polygons, with the overlap area (sweep over sorted envelopes).
  func checkOverlaps(_ u: UnitSet) {
    let geoms = u.geometries
    let env = geoms.map { $0.isEmpty ? nil : Optional($0.envelope) }
    let order = geoms.indices.filter { env[$0] != nil }.sorted { env[$0]!.minX < env[$1]!.minX }
    let metres = grid.map { $0.crs.isProjected } ?? false
    let factor = grid.map { $0.crs.metresPerUnit * $0.crs.metresPerUnit } ?? 1
    for (k, i) in order.enumerated() {
      let a = env[i]!
      for j in order[(k + 1)...] {
        let b = env[j]!
        if b.minX >= a.maxX { break }
        guard b.minY < a.maxY, b.maxY > a.minY else { continue }
        guard let inter = geoms[i].intersection(geoms[j])?.polygonalParts(), !inter.isEmpty
        else { continue }
        let area = inter.area
        let smaller = min(geoms[i].area, geoms[j].area)
        guard smaller > 0, area > smaller * 1e-9 else { continue }
        let (x, y) = u.villages[i].code < u.villages[j].code ? (i, j) : (j, i)
        let size =
          metres
          ? "\(formatNumber((area * factor * 100).rounded() / 100)) m²"
          : "\(formatNumber(area)) square degrees"
        d.warning(
          "units.overlap",
          "units \(u.villages[x].code) (\(u.villages[x].name)) and \(u.villages[y].code) "
            + "(\(u.villages[y].name)) overlap by \(size) ("
            + String(format: "%.2f", area / smaller * 100)
            + " % of the smaller): "
            + (config.units.coverage == .centre
              ? "the cells in the overlap are counted in "
                + "\(u.villages[y].code) (\(u.villages[y].name)) only, the later code; "
                + "\(u.villages[x].code) gets none of them"
              : "the overlap is counted in both units (exact coverage gives each unit its "
                + "whole share of every cell it covers)"),
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer, field: config.units.codeField,
            value: "\(u.villages[x].code), \(u.villages[y].code)"))
      }
    }
  }

  /// Per unit, the share covered by each raster's footprint.
  func checkUnitCoverage() {
    guard let u = units, grid != nil else { return }
    var all: [(String, Geometry)] = []
    if let f = landUse?.footprint { all.append(("land-use", f)) }
    for r in rasters { if let f = r.footprint { all.append((r.input.name, f)) } }
    for (name, fp) in all {
      let fe = fp.envelope
      // A footprint on the grid's CRS is its own envelope: a unit inside the envelope is then
      // covered without a GEOS test (one per unit and raster took seconds at 100 000 units).
      let envelopeArea = (fe.maxX - fe.minX) * (fe.maxY - fe.minY)
      let isRectangle = abs(fp.area - envelopeArea) <= 1e-9 * envelopeArea
      for (z, geom) in u.geometries.enumerated() where !geom.isEmpty {
        let e = geom.envelope
        let inside =
          e.minX >= fe.minX && e.maxX <= fe.maxX && e.minY >= fe.minY
          && e.maxY <= fe.maxY
        if inside && (isRectangle || fp.contains(geom)) { continue }
        let area = geom.area
        guard area > 0 else { continue }
        let covered = (geom.intersection(fp)?.polygonalParts().area ?? 0) / area
        guard covered < 0.999 else { continue }
        let v = u.villages[z]
        d.warning(
          "units.partial-coverage",
          "unit \(v.code) (\(v.name)) is covered " + String(format: "%.2f", covered * 100)
            + " % by the \(name) raster: the rest is reported as "
            + (name == "land-use" ? "outside the grid" : "masked area"),
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer,
            field: name == "land-use" ? "landuse" : "rasters.\(name)", value: v.code))
      }
    }
  }
}
