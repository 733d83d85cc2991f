import Foundation

// Published ranges for the RUSLE LS factor and for soil conservation (土壤保持) density, as
// documented constants for a plausibility warning of `gep compute` (GEP-METHODS §5.2;
// docs/soil-conservation-ls.md). They are anchors from cited studies, not limits: a cell
// outside them is worth a look, not an error.

/// Published LS statistics and the national-profile settings of the LS derivation.
public enum LSPlausibility {
  /// Highest national mean LS of the EU-wide 25 m LS map (Austria 5.20, standard deviation
  /// 5.91; Panagos, Borrelli & Meusburger 2015, Geosciences 5(2): 117–126, Table 1; Desmet–
  /// Govers in SAGA, MFD). The mountainous countries lie at 3.6–5.2 (IT 3.63, GR 3.79,
  /// SI 3.87, AT 5.20); the flat ones below 1 (NL 0.19, DK 0.32). A watershed-mean LS at
  /// 25–30 m far above 5.2 (e.g. gep's MFD Desmet–Govers 16.2 on Zhongtianshe) means the
  /// slope length runs on along channels.
  public static let mountainousMeanLS25m = 5.20

  /// Lowest national mean LS of the same map (Netherlands 0.19; Panagos et al. 2015, Table 1).
  public static let flatMeanLS25m = 0.19

  /// Channel threshold of the national profile, cells of flow accumulation (own cell
  /// included): InVEST's `threshold_flow_accumulation` of its SDR sample run
  /// (`sample_datastacks/sdr_gura.invs.json` in natcap/invest, 1000). No value prescribed by
  /// the national guides was found (searched: 全国水利普查 水土保持 LS 沟道 阈值, LS_TOOL 沟道截断,
  /// CSLE 坡长 截断); the user should set the threshold of the local channel network.
  public static let nationalChannelThreshold = 1000.0

  /// The two values quoted with InVEST's `l_max` (122 in its SDR sample run,
  /// `sdr_gura.invs.json`; 122 and 333 in the literature it follows), which are slope lengths
  /// in metres there although InVEST applies them to L: gep offers them as
  /// `LSFactorOptions.maximumSlopeLength`. Informative only: the national profile stops at
  /// slope breaks and channels instead of capping.
  public static let quotedSlopeLengthCaps: [Double] = [122, 333]
}

/// Published soil conservation densities (土壤保持量 per area, t·hm⁻²·a⁻¹) per ecosystem class.
public enum SoilConservationPlausibility {
  /// One published density with its provenance.
  public struct Anchor: Sendable, Hashable {
    /// Ecosystem class (level-1 class of GEP-METHODS §3.2: forest, shrub, grassland, …).
    public let ecosystemClass: String
    /// Soil conservation density, t·hm⁻²·a⁻¹.
    public let density: Double
    /// Study, table and how the value was obtained.
    public let source: String
  }

  /// Garzê (甘孜州, Sichuan; 90 m DEM; USLE; 2010) by ecosystem class, from 白玛卓嘎, 肖燚,
  /// 欧阳志云, 王莉雁 (2017) 生态学报 37(19): 6302–6312 [S1]: Table 4 gives each class's soil
  /// conservation value; the value per tonne is uniform (399.60 亿元 / 38.86 亿 t = 10.283 元/t,
  /// Table 3, as N and P contents and prices are single values), so value ÷ 10.283 ÷ the class
  /// area of Table 1 is the class's density. Whole prefecture: 38.86 亿 t / 149 687.7 km² =
  /// 259.6 t·hm⁻²·a⁻¹. A high-relief plateau-edge region: an upper anchor for hilly counties.
  public static let garze: [Anchor] = [
    Anchor(
      ecosystemClass: "forest", density: 442.4, source: "[S1] T3, T4: 145.21 亿元, 31 920.60 km²"),
    Anchor(ecosystemClass: "shrub", density: 294.4, source: "[S1] T3, T4: 97.74 亿元, 32 283.46 km²"),
    Anchor(
      ecosystemClass: "grassland", density: 196.5, source: "[S1] T3, T4: 143.71 亿元, 71 113.87 km²"),
    Anchor(
      ecosystemClass: "farmland", density: 189.0, source: "[S1] T3, T4: 3.32 亿元, 1 707.87 km²"),
    Anchor(ecosystemClass: "wetland", density: 44.1, source: "[S1] T3, T4: 1.30 亿元, 2 864.27 km²"),
    Anchor(ecosystemClass: "bare", density: 44.9, source: "[S1] T3, T4: 3.91 亿元, 8 463.19 km²"),
    Anchor(ecosystemClass: "all", density: 259.6, source: "[S1] §3.2.2: 38.86 亿 t, 149 687.7 km²"),
  ]
}
