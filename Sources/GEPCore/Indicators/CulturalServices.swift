import Foundation

// 文化服务 (cultural services): recreation and tourism by the travel cost method (§6.1) and
// landscape value by hedonic pricing (§6.2). Source of truth: GEP-METHODS.md §6.

/// Direct expenses of one visit (直接旅行费用).
///
///     C_j = C_tc,j + C_lf,j + C_ef,j
///
/// - Parameters:
///   - transport: C_tc, transport cost per visitor, 元.
///   - foodAndLodging: C_lf, food and lodging per visitor, 元.
///   - entranceFees: C_ef, tickets / entrance fees per visitor, 元.
/// - Returns: 元 per visitor-trip.
/// - Note: GEP-METHODS §6.1 (recalled MEE/national form, UNCONFIRMED symbols).
@inlinable
public func directTravelCost(transport: Double, foodAndLodging: Double, entranceFees: Double)
  -> Double
{
  transport + foodAndLodging + entranceFees
}

/// Travel cost of one visit from origin zone j (旅行费用).
///
///     TC_j = T_j × W_j + C_j
///
/// - Parameters:
///   - timeSpent: T_j, average time spent on travel and visit, in the time unit of `wageRate`
///     (d or h).
///   - wageRate: W_j, value of time, 元 per that time unit (e.g. 30 % of the daily wage [S4]).
///   - directCost: C_j, direct expenses per visitor, 元.
/// - Returns: 元 per visitor-trip.
/// - Note: GEP-METHODS §6.1 (UNCONFIRMED symbols).
@inlinable
public func travelCostPerVisit(timeSpent: Double, wageRate: Double, directCost: Double) -> Double {
  timeSpent * wageRate + directCost
}

/// Value of time spent on a visit as a share of the wage (individual TCM).
///
///     time cost = days × daily wage × share
///
/// - Parameters:
///   - days: time spent on travel and visit, d.
///   - dailyWage: daily wage, 元/d.
///   - wageShare: share of the wage that values leisure time; default 0.3 (CONFIRMED [S4]).
/// - Returns: 元 per visitor-trip.
/// - Note: GEP-METHODS §6.1, §7.3 [S4].
@inlinable
public func travelTimeCost(days: Double, dailyWage: Double, wageShare: Double = 0.3) -> Double {
  days * dailyWage * wageShare
}

/// Value per visit by the individual travel cost method with consumer surplus (Baiyangdian form).
///
///     v = travel expenditure + time cost + consumer surplus
///
/// - Parameters:
///   - travelExpenditure: 元 per visitor-trip.
///   - timeCost: 元 per visitor-trip (`travelTimeCost(days:dailyWage:wageShare:)`).
///   - consumerSurplus: 元 per visitor-trip (e.g. from a zero-truncated Poisson count model).
/// - Returns: 元 per visitor-trip.
/// - Note: GEP-METHODS §6.1 [S4]: 52.47 + 343.33 + 578.03 = 973.83 元.
@inlinable
public func individualTravelCostPerVisit(
  travelExpenditure: Double, timeCost: Double, consumerSurplus: Double
) -> Double {
  travelExpenditure + timeCost + consumerSurplus
}

/// Value of recreation and tourism (休闲旅游价值) by the travel cost method.
///
///     V_r = N_j × TC_j
///
/// - Parameters:
///   - visits: N_j, visitor-trips (人次) from origin zone j (or all visitors), per year.
///   - valuePerVisit: TC_j, 元 per visitor-trip.
/// - Returns: 元/a. Sum over origin zones for V_r = Σ_j N_j × TC_j.
/// - Note: GEP-METHODS §6.1 [S1][S4]. Baiyangdian: 135 万 × 973.83 元 = 13.15 亿元 [S4].
@inlinable
public func recreationValue(visits: Double, valuePerVisit: Double) -> Double {
  visits * valuePerVisit
}

/// Landscape value (景观价值) by hedonic pricing, UNCONFIRMED.
///
///     V_l = A_k × P_k
///
/// - Parameters:
///   - benefitingArea: A_k, floor (or land) area of property k benefiting from the ecological
///     landscape, m².
///   - premiumPerArea: P_k, price premium attributable to the landscape, 元/m².
/// - Returns: 元 (sum over properties k). Whether the premium is an annual flow or a capital
///   value depends on how P_k was estimated — record it (UNCONFIRMED in the spec).
/// - Note: GEP-METHODS §6.2 (formula UNCONFIRMED).
@inlinable
public func landscapeValue(benefitingArea: Double, premiumPerArea: Double) -> Double {
  benefitingArea * premiumPerArea
}
