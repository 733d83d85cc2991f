/// The gep engine's version, written into `gep --version` and every `manifest.json`
/// (semantic versioning; 0.x while the output schemas may still change).
public let gepEngineVersion = "0.1.0"
