import Foundation

/// One line of a carbon footprint (碳足迹): an activity amount times its emission factor.
///
/// Source: IPCC 2006 Guidelines Vol. 2 ch. 1 eq. 1.1 (emissions = activity × emission factor);
/// factors from `coefficients/calculators/emission_factors.csv`, cited row by row.
public struct FootprintLine: Sendable, Hashable {
  /// Activity id (a row of `emission_factors.csv`).
  public var activity: String
  /// Amount in the factor's activity unit (kWh, t, m³, passenger-km …).
  public var amount: Double
  /// Emission factor, kg CO₂ per activity unit.
  public var factor: Double
  /// Emissions, kg CO₂ (= amount × factor).
  public var emissions: Double { amount * factor }

  /// Creates a line.
  public init(activity: String, amount: Double, factor: Double) {
    self.activity = activity
    self.amount = amount
    self.factor = factor
  }
}

/// Carbon footprint and its equivalent offset (碳足迹与碳中和当量).
///
/// Source: issue "calculators"; the offset by forest uses the carbon-sequestration rate of
/// GEP-METHODS §5.8 (a) (t C·hm⁻²·a⁻¹, × 44/12 for CO₂); the offset cost uses the carbon price of
/// §5.8 (per t CO₂).
public enum CarbonFootprint {
  /// Total emissions, t CO₂: Σ amount × factor / 1000 (factors in kg CO₂ per unit).
  ///
  /// - Parameter lines: the activity lines.
  /// - Returns: t CO₂ (exact sum of the lines, so 0 only when every line is 0).
  public static func totalTonnes(_ lines: [FootprintLine]) -> Double {
    var s = ExactSum()
    for l in lines { s.add(l.emissions / 1000) }
    return s.value
  }

  /// Forest area whose yearly sequestration offsets `tonnesCO2`, hm²:
  /// A = E / (rate × 44/12 × years).
  ///
  /// - Parameters:
  ///   - tonnesCO2: emissions to offset, t CO₂.
  ///   - rateCarbon: forest sequestration rate, t C·hm⁻²·a⁻¹ (> 0).
  ///   - years: over how many years the forest absorbs them (≥ 1).
  /// - Returns: hm², or nil when the rate is not positive.
  public static func offsetForestArea(tonnesCO2: Double, rateCarbon: Double, years: Double = 1)
    -> Double?
  {
    guard rateCarbon > 0, years > 0 else { return nil }
    return tonnesCO2 / (rateCarbon * UnitConversion.carbonDioxidePerCarbon * years)
  }

  /// Cost of buying the offset at the carbon price, yuan: E × price (price per t CO₂).
  public static func offsetCost(tonnesCO2: Double, pricePerTonneCO2: Double) -> Double {
    tonnesCO2 * pricePerTonneCO2
  }
}

/// Eco-premium pricing (生态溢价): a ticket or room-night price split into a base price and an
/// ecological premium (基础价 + 生态价).
///
/// premium = (cultural × s_c + regulating × s_r + material × s_m) / visits, where the values are
/// the site's yearly VEP by category (yuan/a), the shares come from a rule of
/// `eco_premium_rules.csv`, and visits are the site's yearly visits or room nights.
/// Source: GEP-METHODS §10 (VEP of a site), §6.1 (the cultural value is what visitors pay for).
public enum EcoPremium {
  /// The premium per visit, yuan.
  ///
  /// - Parameters:
  ///   - cultural: the site's cultural VEP, yuan/a.
  ///   - regulating: the site's regulating VEP, yuan/a.
  ///   - material: the site's material VEP, yuan/a.
  ///   - shares: (cultural, regulating, material) shares in [0, 1].
  ///   - visits: yearly visits or room nights (> 0).
  /// - Returns: yuan per visit, or nil when visits ≤ 0.
  public static func premiumPerVisit(
    cultural: Double, regulating: Double, material: Double,
    shares: (cultural: Double, regulating: Double, material: Double), visits: Double
  ) -> Double? {
    guard visits > 0 else { return nil }
    let pooled =
      cultural * shares.cultural + regulating * shares.regulating + material * shares.material
    return pooled / visits
  }
}

/// One contribution of a household or enterprise, scored by a credit rule.
///
/// Source: issue "calculators" (eco-credit points, 生态积分: points per unit of a verified
/// contribution, caps, negative-list deductions).
public struct CreditLine: Sendable, Hashable {
  /// Contribution id (a row of `credit_rules.csv`).
  public var contribution: String
  /// Amount in the rule's unit.
  public var amount: Double
  /// Points per unit (≥ 0).
  public var pointsPerUnit: Double
  /// Cap on this contribution's points per holder (nil: no cap).
  public var cap: Double?
  /// Whether the rule subtracts (negative list, 负面清单).
  public var deduction: Bool

  /// Creates a line.
  public init(
    contribution: String, amount: Double, pointsPerUnit: Double, cap: Double?, deduction: Bool
  ) {
    self.contribution = contribution
    self.amount = amount
    self.pointsPerUnit = pointsPerUnit
    self.cap = cap
    self.deduction = deduction
  }
}

/// Eco-credit points (生态积分).
public enum EcoCredit {
  /// The points of one holder's lines of the same contribution: min(cap, Σ amount × rate),
  /// negated for a deduction. Lines of one contribution share its cap.
  ///
  /// - Parameter lines: the holder's lines of one contribution (same rule).
  /// - Returns: signed points.
  public static func points(_ lines: [CreditLine]) -> Double {
    guard let first = lines.first else { return 0 }
    var raw = ExactSum()
    for l in lines { raw.add(l.amount * l.pointsPerUnit) }
    var p = raw.value
    if let cap = first.cap { p = min(p, cap) }
    return first.deduction ? -p : p
  }
}
