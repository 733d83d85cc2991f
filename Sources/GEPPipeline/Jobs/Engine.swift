import GEPCore
import GEPGeo

/// Facts about the engine and the libraries it runs on, for `gep --version` and manifests.
public enum Engine {
  /// "gep 0.1.0 (GDAL 3.6.2)".
  public static var versionLine: String {
    "gep \(gepEngineVersion) (GDAL \(GDAL.version))"
  }
}
