import Foundation

/// One typed setting of a restoration method: its name (as in `deblur restore --param NAME=VALUE`
/// and the web form), a label and help line, its kind with the accepted range, and its default.
/// The command line, the web form and `GET /api/methods` all show these.
public struct MethodParameter: Sendable, Codable, Equatable {
    public enum Kind: Sendable, Codable, Equatable {
        /// A real number in `range` (inclusive bounds).
        case real(ClosedRange<Double>)
        /// A whole number in `range`.
        case integer(ClosedRange<Int>)
        /// One of the listed words.
        case choice([String])
        /// A file path (checkpoints).
        case file
    }

    public let name: String
    public let label: String
    public let help: String
    public let kind: Kind
    /// The value used when none is given; nil = computed from the image (said in `automatic`).
    public let defaultValue: ParameterValue?
    /// How the value is chosen when `defaultValue` is nil ("estimated from the image").
    public let automatic: String?

    public init(_ name: String, label: String, help: String, kind: Kind, default defaultValue: ParameterValue? = nil, automatic: String? = nil) {
        precondition(defaultValue != nil || automatic != nil, "parameter \(name) needs a default or a description of its automatic choice")
        self.name = name
        self.label = label
        self.help = help
        self.kind = kind
        self.defaultValue = defaultValue
        self.automatic = automatic
    }

    /// The default as a user reads it ("30", "reflect", "estimated from the image").
    public var defaultDescription: String { defaultValue?.description ?? automatic ?? "" }

    /// The accepted values as a user reads them ("1…10000", "reflect, taper, none, zero").
    public var rangeDescription: String {
        switch kind {
        case let .real(r): return "\(ParameterValue.real(r.lowerBound))…\(ParameterValue.real(r.upperBound))"
        case let .integer(r): return "\(r.lowerBound)…\(r.upperBound)"
        case let .choice(words): return words.joined(separator: ", ")
        case .file: return "a file"
        }
    }

    private enum CodingKeys: String, CodingKey { case name, label, help, kind, minimum, maximum, choices, defaultValue = "default", automatic }

    /// Flat JSON for `GET /api/methods`: `{"name": "iterations", "kind": "integer", "minimum": 1,
    /// "maximum": 10000, "default": "30", …}`; `default` is absent when the value is computed (`automatic` says how).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(label, forKey: .label)
        try c.encode(help, forKey: .help)
        switch kind {
        case let .real(r):
            try c.encode("real", forKey: .kind)
            try c.encode(r.lowerBound, forKey: .minimum)
            try c.encode(r.upperBound, forKey: .maximum)
        case let .integer(r):
            try c.encode("integer", forKey: .kind)
            try c.encode(r.lowerBound, forKey: .minimum)
            try c.encode(r.upperBound, forKey: .maximum)
        case let .choice(words):
            try c.encode("choice", forKey: .kind)
            try c.encode(words, forKey: .choices)
        case .file:
            try c.encode("file", forKey: .kind)
        }
        try c.encodeIfPresent(defaultValue?.description, forKey: .defaultValue)
        try c.encodeIfPresent(automatic, forKey: .automatic)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        label = try c.decode(String.self, forKey: .label)
        help = try c.decode(String.self, forKey: .help)
        automatic = try c.decodeIfPresent(String.self, forKey: .automatic)
        let text = try c.decodeIfPresent(String.self, forKey: .defaultValue)
        switch try c.decode(String.self, forKey: .kind) {
        case "real":
            kind = .real(try c.decode(Double.self, forKey: .minimum) ... c.decode(Double.self, forKey: .maximum))
            defaultValue = text.flatMap(Double.init).map(ParameterValue.real)
        case "integer":
            kind = .integer(try c.decode(Int.self, forKey: .minimum) ... c.decode(Int.self, forKey: .maximum))
            defaultValue = text.flatMap { Int($0) }.map(ParameterValue.integer)
        case "choice":
            kind = .choice(try c.decode([String].self, forKey: .choices))
            defaultValue = text.map(ParameterValue.choice)
        case "file":
            kind = .file
            defaultValue = text.map(ParameterValue.file)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown parameter kind '\(other)'")
        }
    }

    /// Parses and checks a value typed by a user.
    /// - Throws: `RestorationError.badParameter` naming the method, parameter, value and what is accepted.
    public func parse(_ text: String, method: String) throws -> ParameterValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        func bad(_ reason: String) -> RestorationError { .badParameter(method: method, name: name, value: text, reason: reason) }
        switch kind {
        case let .real(range):
            // Decimal notation only: no hexadecimal ("0x10"), no "nan"/"inf".
            guard t.allSatisfy({ "0123456789.eE+-".contains($0) }), let v = Double(t), v.isFinite else { throw bad("it is not a finite decimal number") }
            guard range.contains(v) else { throw bad("it must lie in \(rangeDescription)") }
            return .real(v)
        case let .integer(range):
            guard let v = Int(t) else { throw bad("it is not a whole number") }
            guard range.contains(v) else { throw bad("it must lie in \(rangeDescription)") }
            return .integer(v)
        case let .choice(words):
            guard words.contains(t) else { throw bad("choose one of \(rangeDescription)") }
            return .choice(t)
        case .file:
            guard !t.isEmpty else { throw bad("give a file path") }
            return .file(t)
        }
    }

    /// Checks a value of the right type against the range (for values set in code).
    public func check(_ value: ParameterValue, method: String) throws -> ParameterValue {
        try parse(value.description, method: method)
    }
}

/// A parameter's value.
public enum ParameterValue: Sendable, Codable, Equatable, CustomStringConvertible {
    case real(Double), integer(Int), choice(String), file(String)

    public var description: String {
        switch self {
        case let .real(v):
            // Shortest form that reads back exactly ("0.002", "1", "1e-06").
            if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
            return "\(v)"
        case let .integer(v): return String(v)
        case let .choice(s), let .file(s): return s
        }
    }
}

/// The values given for one method (only those a user set; the method applies its defaults).
public struct ParameterValues: Sendable, Equatable {
    public private(set) var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    public var isEmpty: Bool { values.isEmpty }

    public func real(_ name: String) -> Double? {
        switch values[name] {
        case let .real(v)?: return v
        case let .integer(v)?: return Double(v)
        default: return nil
        }
    }

    public func integer(_ name: String) -> Int? {
        if case let .integer(v)? = values[name] { return v }
        return nil
    }

    public func text(_ name: String) -> String? {
        switch values[name] {
        case let .choice(s)?, let .file(s)?: return s
        default: return nil
        }
    }

    /// `name=value` pairs in name order, for summaries ("iterations=50, nsr=0.01").
    public var summary: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ", ")
    }
}
