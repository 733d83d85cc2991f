/// Exact, residual-free decomposition of the change of a value between two years (变化归因
/// 分解) into a price effect (价格效应), an extent effect (面积效应: land-use change) and a
/// condition effect (质量效应: physical quantity per unit area of each ecosystem class).
///
/// The value of one indicator in one unit is
///
///     V = Σ_c A_c · q_c · p
///
/// with A_c the area of ecosystem class c in the unit (m²), q_c the physical quantity per unit
/// area of the class (e.g. m³·m⁻²·a⁻¹), p the unit price (yuan per physical unit; at constant
/// prices the price of the base year). GEP-METHODS §3.1 (indicator = quantity × price, summed
/// over ecosystem types), §9.1 (the service × ecosystem-class matrix), §7.1 (price indices).
///
/// Method: the Shapley value of the factors, i.e. the "perfect decomposition" of Sun (1998,
/// Energy Economics 20, 85–100) in the form of Ang, Liu & Chew (2003, "Perfect decomposition
/// techniques in energy and environmental analysis", Energy Policy 31, 1561–1566): each
/// factor's effect is its change weighted by the average of the other factors over every order
/// in which the factors can change. For three factors x, y, z and V = x·y·z:
///
///     E_x = Δx · [ (y⁰z⁰ + y¹z¹)/3 + (y⁰z¹ + y¹z⁰)/6 ]      (likewise E_y, E_z)
///
/// and E_x + E_y + E_z = x¹y¹z¹ − x⁰y⁰z⁰ identically (no residual). Unlike LMDI-I, whose
/// logarithmic mean L(a, b) = (a − b)/ln(a/b) is undefined at 0 and for values of opposite
/// sign, the Shapley form is exact with zeros and negative values (a class that appears or
/// disappears; carbon sources with negative NEP).
///
/// Zeros: the quantity per area of a class absent in one year (A_c = 0) is undefined there;
/// it is taken as the class's value in the other year, so a class that appears or disappears
/// contributes extent effect only (its whole value is land-use change). Likewise a price that
/// is undefined in one year (no quantity) is taken as the other year's price, so that year's
/// change is quantity, not price.
public enum ChangeDecomposition {
  /// The effects of one decomposition (yuan, or whatever unit V has). Their sum equals the
  /// total change to rounding (≈ 1e-15 relative).
  public struct Effects: Sendable, Hashable {
    /// Change due to the unit price p (at constant prices: relative price change only).
    public var price: Double
    /// Change due to the areas A_c of the ecosystem classes (land-use change); 0 for
    /// indicators without a class split.
    public var extent: Double
    /// Change due to the quantity per area q_c of each class (rainfall, vegetation cover …);
    /// 0 for indicators without a class split.
    public var condition: Double
    /// Change of the physical quantity of an indicator that has no class split (table-based
    /// indicators: material products, recreation), decomposed as V = p · Q; 0 for class-split
    /// indicators.
    public var quantity: Double

    /// Creates effects.
    public init(price: Double = 0, extent: Double = 0, condition: Double = 0, quantity: Double = 0)
    {
      self.price = price
      self.extent = extent
      self.condition = condition
      self.quantity = quantity
    }

    /// price + extent + condition + quantity.
    public var total: Double { price + extent + condition + quantity }

    /// Component-wise sum.
    public static func + (a: Effects, b: Effects) -> Effects {
      Effects(
        price: a.price + b.price, extent: a.extent + b.extent,
        condition: a.condition + b.condition, quantity: a.quantity + b.quantity)
    }
  }

  /// The Shapley effects of a product of three factors, from (x⁰, y⁰, z⁰) to (x¹, y¹, z¹).
  ///
  /// - Returns: (E_x, E_y, E_z); E_x + E_y + E_z = x¹y¹z¹ − x⁰y⁰z⁰.
  @inlinable
  public static func shapley3(
    x0: Double, x1: Double, y0: Double, y1: Double, z0: Double, z1: Double
  ) -> (Double, Double, Double) {
    let ex = (x1 - x0) * ((y0 * z0 + y1 * z1) / 3 + (y0 * z1 + y1 * z0) / 6)
    let ey = (y1 - y0) * ((x0 * z0 + x1 * z1) / 3 + (x0 * z1 + x1 * z0) / 6)
    let ez = (z1 - z0) * ((x0 * y0 + x1 * y1) / 3 + (x0 * y1 + x1 * y0) / 6)
    return (ex, ey, ez)
  }

  /// The Shapley effects of a product of two factors: E_x = Δx·(y⁰ + y¹)/2, E_y = Δy·(x⁰ +
  /// x¹)/2, E_x + E_y = x¹y¹ − x⁰y⁰.
  @inlinable
  public static func shapley2(x0: Double, x1: Double, y0: Double, y1: Double) -> (Double, Double) {
    ((x1 - x0) * (y0 + y1) / 2, (y1 - y0) * (x0 + x1) / 2)
  }

  /// One ecosystem class of a unit in one year: its area and the value it produces.
  public struct ClassYear: Sendable, Hashable {
    /// Area A_c, m² (≥ 0).
    public var area: Double
    /// Value v_c = A_c · q_c · p (yuan).
    public var value: Double

    /// Creates a class-year.
    public init(area: Double, value: Double) {
      self.area = area
      self.value = value
    }
  }

  /// Decomposes the change of a class-split value V = Σ_c A_c q_c p.
  ///
  /// The physical quantity per area of class c is q_c = v_c / (A_c · p): with the class values
  /// v_c and one unit price p per year (the line's value over its physical quantity, every
  /// per-cell method of this version: value = quantity × price constants), q_c is exactly the
  /// class's physical quantity per area.
  ///
  /// - Parameters:
  ///   - classes: per class key, the class in year 0 and in year 1 (nil: absent, area 0).
  ///   - price0, price1: the unit price p of each year (yuan per physical unit; nil:
  ///     undefined, e.g. no quantity — the other year's is used). Both nil: 1 (the values are
  ///     then decomposed into extent and condition only).
  /// - Returns: price, extent and condition effects summing to Σ v¹ − Σ v⁰.
  public static func classSplit(
    classes: [(ClassYear?, ClassYear?)], price0: Double?, price1: Double?
  ) -> Effects {
    let p0 = price0 ?? price1 ?? 1
    let p1 = price1 ?? price0 ?? 1
    var e = Effects()
    for (c0, c1) in classes {
      let a0 = c0?.area ?? 0
      let a1 = c1?.area ?? 0
      let v0 = c0?.value ?? 0
      let v1 = c1?.value ?? 0
      // Quantity per area; undefined where the class has no area: the other year's.
      let q0raw: Double? = a0 > 0 && p0 != 0 ? v0 / (a0 * p0) : nil
      let q1raw: Double? = a1 > 0 && p1 != 0 ? v1 / (a1 * p1) : nil
      guard q0raw != nil || q1raw != nil else { continue }
      let q0 = q0raw ?? q1raw!
      let q1 = q1raw ?? q0raw!
      let (ep, ea, eq) = shapley3(x0: p0, x1: p1, y0: a0, y1: a1, z0: q0, z1: q1)
      e.price += ep
      e.extent += ea
      e.condition += eq
    }
    return e
  }

  /// Decomposes the change of a value without a class split, V = p · Q, into a price effect
  /// and a quantity effect (Shapley two-factor form; e.g. material products, recreation).
  ///
  /// - Parameters:
  ///   - value0, value1: V in each year.
  ///   - price0, price1: p in each year (nil: undefined; the other year's is used; both nil:
  ///     the whole change is quantity).
  /// - Returns: price and quantity effects summing to value1 − value0.
  public static func unitLevel(value0: Double, value1: Double, price0: Double?, price1: Double?)
    -> Effects
  {
    guard let p0 = price0 ?? price1, let p1 = price1 ?? price0, p0 != 0, p1 != 0 else {
      return Effects(quantity: value1 - value0)
    }
    let (ep, eq) = shapley2(x0: p0, x1: p1, y0: value0 / p0, y1: value1 / p1)
    return Effects(price: ep, quantity: eq)
  }
}
