import Blur
import Foundation
import ImageCore

/// The blurred input (the score to beat), a classical deconvolution, or a learned network.
public enum MethodFamily: String, Codable, Sendable { case input, classical, learned }

/// One configured way of restoring an image (a method's defaults with the values a user gave).
/// Classical methods need a PSF (the true one, or an estimated one); learned ones do not.
/// Instances are called from several threads at once and must be thread-safe.
public protocol RestorationMethod: Sendable {
    var name: String { get }
    var family: MethodFamily { get }
    var needsPSF: Bool { get }
    /// One line describing the method and its settings, for reports.
    var summary: String { get }
    /// What decides this method's output besides its input: a comparison re-runs a method's rows when
    /// it changed (a retrained checkpoint under the same file name, say). Default: the summary.
    var fingerprint: String { get }
    /// Restores `blurred` (model y = h ∗ x + n). The result may leave [0, 1]; `clipForScoring` counts that.
    func restore(_ blurred: Image, psf: PSF?) throws -> Image
}

extension RestorationMethod {
    public var fingerprint: String { summary }
}

/// A method as the registry lists it, before it is configured: what every surface shows (the
/// command line's `--help`, `GET /api/methods`, the web form) and how to build it from values.
public struct MethodEntry: Sendable {
    /// Identifier: lower-case letters, digits and `-` (it becomes part of file names and URLs).
    public let name: String
    /// Short label for pages and tables ("Richardson–Lucy").
    public let label: String
    public let family: MethodFamily
    public let needsPSF: Bool
    /// One line for `--help`: the model and what the defaults are.
    public let help: String
    public let parameters: [MethodParameter]
    /// Builds the method; `values` are already checked against `parameters`.
    let build: @Sendable (ParameterValues) throws -> any RestorationMethod

    public init(name: String, label: String, family: MethodFamily, needsPSF: Bool, help: String,
                parameters: [MethodParameter] = [], build: @escaping @Sendable (ParameterValues) throws -> any RestorationMethod) {
        precondition(!name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" },
                     "method names are lower-case letters, digits and '-' (got '\(name)')")
        self.name = name
        self.label = label
        self.family = family
        self.needsPSF = needsPSF
        self.help = help
        self.parameters = parameters
        self.build = build
    }

    public func parameter(_ name: String) -> MethodParameter? { parameters.first { $0.name == name } }

    /// Builds the method with typed values (each checked against its parameter's range).
    /// - Throws: `RestorationError.unknownParameter` / `.badParameter`, or the method's own errors
    ///   (a learned method's missing checkpoint).
    public func make(_ values: ParameterValues = ParameterValues()) throws -> any RestorationMethod {
        for (key, value) in values.values {
            guard let p = parameter(key) else {
                throw RestorationError.unknownParameter(method: name, name: key, known: parameters.map(\.name))
            }
            _ = try p.check(value, method: name)
        }
        return try build(values)
    }

    /// Builds the method from `NAME=VALUE` texts as typed by a user.
    public func make(settings: [String: String]) throws -> any RestorationMethod {
        try make(parse(settings))
    }

    /// Parses `NAME=VALUE` texts into typed values.
    public func parse(_ settings: [String: String]) throws -> ParameterValues {
        var values: [String: ParameterValue] = [:]
        for (key, text) in settings {
            guard let p = parameter(key) else {
                throw RestorationError.unknownParameter(method: name, name: key, known: parameters.map(\.name))
            }
            values[key] = try p.parse(text, method: name)
        }
        return ParameterValues(values)
    }

    /// Help text for a terminal: one line, then a line per parameter with range and default.
    public var helpText: String {
        var lines = ["\(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(help)"]
        for p in parameters {
            lines.append("    \(p.name)=\(p.rangeDescription)  \(p.help) (default: \(p.defaultDescription))")
        }
        return lines.joined(separator: "\n")
    }
}

/// The summary of a method configured with `values`: its default summary, plus the values a user set.
public func summary(_ base: String, _ values: ParameterValues) -> String {
    values.isEmpty ? base : "\(base); settings: \(values.summary)"
}
