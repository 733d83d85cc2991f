import Foundation

// 病虫害控制 (pest control): optional regulating item outside the national list.
// Source of truth: GEP-METHODS.md §5.10 [S1].

/// Value of pest control (病虫害控制价值) by the prevention-cost method.
///
///     V = A × c
///
/// - Parameters:
///   - selfHealingAreaHectares: A, area of natural forest or grassland that recovers from pests
///     without intervention, hm².
///   - controlCost: c, cost of manual pest control, 元/hm² (forest 375, grassland 112.5 [S1]).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.10 [S1]. Ganzi: 158 万 hm² × 375 = 5.93 亿元 (forest) [S1].
@inlinable
public func pestControlValue(selfHealingAreaHectares: Double, controlCost: Double) -> Double {
  selfHealingAreaHectares * controlCost
}
