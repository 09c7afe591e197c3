public enum DeepI2IVersion { public static let string = "0.1.0" }
