import Foundation

// Daily station series → annual quantities: annual precipitation with a stated rule for
// missing days, and rainfall erosivity R by the 章文波 half-month model or the monthly
// regression (GEP-METHODS §5.1, §5.2). Pure; the series comes from a station table or from
// one cell of a daily raster stack.

/// A calendar day (proleptic Gregorian).
public struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Year, e.g. 2014.
  public var year: Int
  /// Month 1–12.
  public var month: Int
  /// Day of month 1–31.
  public var day: Int

  /// Creates a day, or nil when it does not exist (e.g. 2014-02-29, month 13).
  public init?(year: Int, month: Int, day: Int) {
    guard (1...12).contains(month), day >= 1,
      day <= CalendarDay.daysInMonth(year: year, month: month)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// True for Gregorian leap years.
  public static func isLeap(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
  }

  /// Days in a month (28–31).
  public static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days in a year (365 or 366).
  public static func daysInYear(_ year: Int) -> Int { isLeap(year) ? 366 : 365 }

  /// Every day of a year, in order.
  public static func allDays(of year: Int) -> [CalendarDay] {
    var days: [CalendarDay] = []
    for m in 1...12 {
      for d in 1...daysInMonth(year: year, month: m) {
        days.append(CalendarDay(year: year, month: m, day: d)!)
      }
    }
    return days
  }

  /// Day of the year J, 1 … 366 (FAO-56's J).
  public var dayOfYear: Int {
    var j = day
    for m in 1..<month { j += CalendarDay.daysInMonth(year: year, month: m) }
    return j
  }

  /// Half-month index 0…23: days 1–15 of a month are its first half, 16–end its second
  /// (the 24 half-months of the 章文波 model).
  public var halfMonth: Int { (month - 1) * 2 + (day <= 15 ? 0 : 1) }

  /// Orders by date.
  public static func < (a: CalendarDay, b: CalendarDay) -> Bool {
    (a.year, a.month, a.day) < (b.year, b.month, b.day)
  }

  /// ISO 8601 date, e.g. 2014-07-06.
  public var description: String {
    String(format: "%04d-%02d-%02d", year, month, day)
  }
}

extension CalendarDay {
  /// Days from 1970-01-01 to this day (negative before it), proleptic Gregorian
  /// (H. Hinnant's `days_from_civil`).
  public var daysSince1970: Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The day `daysSince1970` days after 1970-01-01 (before it when negative), proleptic
  /// Gregorian (H. Hinnant's `civil_from_days`); the inverse of `daysSince1970`.
  public init(daysSince1970: Int) {
    let z = daysSince1970 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra =
      (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let m = mp < 10 ? mp + 3 : mp - 9
    self.year = yearOfEra + era * 400 + (m <= 2 ? 1 : 0)
    self.month = m
    self.day = dayOfYear - (153 * mp + 2) / 5 + 1
  }

  /// The day `days` later (earlier when negative).
  public func adding(days: Int) -> CalendarDay {
    CalendarDay(daysSince1970: daysSince1970 + days)
  }

  /// Parses a whole text "YYYY-MM-DD", "YYYY/MM/DD" (month and day may have one digit) or
  /// "YYYYMMDD", surrounding spaces ignored; nil for other texts and days that do not exist.
  public init?(parsing text: String) {
    let t = text.trimmingCharacters(in: .whitespaces)
    let parts: [Int]
    if t.count == 8, t.allSatisfy({ $0.isASCII && $0.isNumber }) {
      let digits = Array(t)
      parts = [String(digits[0..<4]), String(digits[4..<6]), String(digits[6..<8])].compactMap {
        Int($0)
      }
    } else {
      let fields = t.split(separator: t.contains("/") ? "/" : "-", omittingEmptySubsequences: false)
      guard fields.count == 3, fields[0].count == 4, (1...2).contains(fields[1].count),
        (1...2).contains(fields[2].count),
        fields.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
      else { return nil }
      parts = fields.compactMap { Int($0) }
    }
    guard parts.count == 3 else { return nil }
    self.init(year: parts[0], month: parts[1], day: parts[2])
  }
}

/// An annual sum of a daily series and how missing days were treated.
public struct AnnualSum: Sendable, Hashable {
  /// The annual sum with missing days filled, in the series' unit (mm for precipitation).
  public var total: Double
  /// Days of the year with an observation.
  public var presentDays: Int
  /// Days of the year without one (absent or empty), filled as described in
  /// `annualSumOfDailyValues(_:year:maximumMissingDays:)`.
  public var missingDays: [CalendarDay]
  /// The amount added by filling, same unit as `total`.
  public var filledAmount: Double
}

/// The annual sum of a daily series (e.g. precipitation, mm) with a stated rule for missing
/// days.
///
/// Rule: a day of `year` is missing when the series has no value for it. If more than
/// `maximumMissingDays` are missing, the year is insufficient and nil is returned (the caller
/// drops the station and says so). Otherwise each missing day is filled with the mean of the
/// present days of the same month (or of the year when its whole month is missing), so that
/// the total stays an estimate of a full year:
///
///     total = Σ_present v_d + Σ_missing mean(v of the same month)
///
/// - Parameters:
///   - series: daily values by day; days of other years are ignored.
///   - year: the year to sum.
///   - maximumMissingDays: tolerated missing days (0 = every day required).
/// - Returns: the sum and the missing days, or nil when too many are missing or none is present.
public func annualSumOfDailyValues(
  _ series: [CalendarDay: Double], year: Int, maximumMissingDays: Int
) -> AnnualSum? {
  let days = CalendarDay.allDays(of: year)
  var missing: [CalendarDay] = []
  var monthSum = [Double](repeating: 0, count: 13)
  var monthCount = [Int](repeating: 0, count: 13)
  for d in days {
    if let v = series[d] {
      monthSum[d.month] += v
      monthCount[d.month] += 1
    } else {
      missing.append(d)
    }
  }
  let present = days.count - missing.count
  guard missing.count <= maximumMissingDays, present > 0 else { return nil }
  let presentTotal = monthSum.reduce(0, +)
  let yearMean = presentTotal / Double(present)
  var filled = 0.0
  for d in missing {
    filled += monthCount[d.month] > 0 ? monthSum[d.month] / Double(monthCount[d.month]) : yearMean
  }
  return AnnualSum(
    total: presentTotal + filled, presentDays: present, missingDays: missing,
    filledAmount: filled)
}

/// The result of the 章文波 half-month erosivity model for one station.
public struct HalfMonthErosivity: Sendable, Hashable {
  /// P_d12: mean rainfall of erosive days over the record, mm.
  public var meanDailyErosiveRainfall: Double
  /// P_y12: mean annual erosive rainfall over the record (total ÷ years), mm.
  public var meanAnnualErosiveRainfall: Double
  /// β and α of the model.
  public var beta: Double, alpha: Double
  /// R of each half-month of the year (or of the mean year), MJ·mm·hm⁻²·h⁻¹; length 24.
  public var halfMonths: [Double]
  /// Annual R = Σ half-months, MJ·mm·hm⁻²·h⁻¹·a⁻¹.
  public var annual: Double
  /// Erosive days used for P_d12 (whole record).
  public var erosiveDays: Int
  /// Years in the record (distinct years with at least one value).
  public var years: Int
}

/// Annual rainfall erosivity by the 章文波 half-month model (章文波, 谢云, 刘宝元 2002;
/// GEP-METHODS §5.2 [S5]):
///
///     β = 0.8363 + 18.144/P_d12 + 24.455/P_y12,   α = 21.586 β^−7.1891
///     R_hm = α Σ_{j ∈ half-month, D_j ≥ 12 mm} D_j^β,   R = Σ_{24 half-months} R_hm
///
/// P_d12 and P_y12 are taken over the whole record given (all years), as the model prescribes
/// long-term means; R is that of `year`, or, with `year` nil, the mean annual R over the
/// record's years. Missing days are treated as having no erosive rain (they can only lower R;
/// the caller reports their count).
///
/// - Parameters:
///   - series: daily rainfall, mm, by day (multi-year preferred).
///   - year: the year whose R is wanted, or nil for the mean over all years.
///   - erosiveThreshold: erosive daily rainfall, mm; default 12.
/// - Returns: the model terms and R, or nil when the record has no erosive day (R = 0 then
///   has no defined β; callers write 0 with a warning).
public func zhangWenboErosivity(
  _ series: [CalendarDay: Double], year: Int?, erosiveThreshold: Double = 12
) -> HalfMonthErosivity? {
  zhangWenboErosivity(
    observations: series.sorted { $0.key < $1.key }.map { (day: $0.key, rain: $0.value) },
    year: year, erosiveThreshold: erosiveThreshold)
}

/// The 章文波 half-month model on a list of daily observations (the form used per cell of a
/// daily raster stack); same model, terms and result as the dictionary form
/// `zhangWenboErosivity(_:year:erosiveThreshold:)`, which calls this one.
///
/// - Parameters:
///   - observations: (day, rainfall in mm) pairs, each day at most once, in any order (sums
///     run in the given order; pass days in date order for reproducible last bits). Days
///     without an observation are simply absent (they count as no erosive rain).
///   - year: the year whose R is wanted, or nil for the mean over the record's years.
///   - erosiveThreshold: erosive daily rainfall, mm; default 12.
/// - Returns: the model terms and R (MJ·mm·hm⁻²·h⁻¹·a⁻¹), or nil when no day is erosive.
public func zhangWenboErosivity(
  observations: [(day: CalendarDay, rain: Double)], year: Int?, erosiveThreshold: Double = 12
) -> HalfMonthErosivity? {
  var years = Set<Int>()
  var total = 0.0
  var erosiveCount = 0
  for o in observations {
    years.insert(o.day.year)
    if o.rain >= erosiveThreshold {
      total += o.rain
      erosiveCount += 1
    }
  }
  guard erosiveCount > 0, !years.isEmpty else { return nil }
  let pd12 = total / Double(erosiveCount)
  let py12 = total / Double(years.count)
  let beta = zhangWenboBeta(meanDailyErosiveRainfall: pd12, meanAnnualErosiveRainfall: py12)
  let alpha = zhangWenboAlpha(beta: beta)
  var sums = [Double](repeating: 0, count: 24)
  for o in observations where o.rain >= erosiveThreshold && (year == nil || o.day.year == year) {
    sums[o.day.halfMonth] += erosiveRainfallTerm(
      dailyRainfall: o.rain, beta: beta, erosiveThreshold: erosiveThreshold)
  }
  let divisor = year == nil ? Double(years.count) : 1
  let halfMonths = sums.map {
    halfMonthRainfallErosivity(sumOfErosiveRainfallTerms: $0, alpha: alpha) / divisor
  }
  return HalfMonthErosivity(
    meanDailyErosiveRainfall: pd12, meanAnnualErosiveRainfall: py12, beta: beta, alpha: alpha,
    halfMonths: halfMonths, annual: halfMonths.reduce(0, +), erosiveDays: erosiveCount,
    years: years.count)
}

/// Annual rainfall erosivity by the monthly-precipitation regression (GEP-METHODS §5.2 [S7]):
///
///     R = Σ_{m=1..12} max(−1.15527 + 1.792 P_m, 0),   P_m = Σ daily rainfall of month m
///
/// - Parameters:
///   - series: daily rainfall, mm, by day.
///   - year: the year, or nil for the mean over the record's years.
/// - Returns: R, MJ·mm·hm⁻²·h⁻¹·a⁻¹ (0 for an empty series). Missing days count as no rain.
public func monthlyRegressionErosivity(_ series: [CalendarDay: Double], year: Int?) -> Double {
  monthlyRegressionErosivity(
    observations: series.sorted { $0.key < $1.key }.map { (day: $0.key, rain: $0.value) },
    year: year)
}

/// The monthly-precipitation regression on a list of daily observations (the form used per
/// cell of a daily raster stack); same formula and result as
/// `monthlyRegressionErosivity(_:year:)`, which calls this one.
///
/// - Parameters:
///   - observations: (day, rainfall in mm) pairs, each day at most once; absent days count as
///     no rain.
///   - year: the year, or nil for the mean over the record's years.
/// - Returns: R, MJ·mm·hm⁻²·h⁻¹·a⁻¹ (0 when no observation falls in `year`).
public func monthlyRegressionErosivity(
  observations: [(day: CalendarDay, rain: Double)], year: Int?
) -> Double {
  var monthly: [Int: [Double]] = [:]
  for o in observations where year == nil || o.day.year == year {
    monthly[o.day.year, default: [Double](repeating: 0, count: 12)][o.day.month - 1] += o.rain
  }
  guard !monthly.isEmpty else { return 0 }
  var total = 0.0
  for y in monthly.keys.sorted() {
    for p in monthly[y]! { total += monthlyRainfallErosivityRegression(monthlyPrecipitation: p) }
  }
  return total / Double(monthly.count)
}
