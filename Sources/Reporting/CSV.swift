/// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a newline, with
/// quotes doubled. The one CSV quoter of every report.
public func csvField(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// A CSV file: the header line, then one line per row, every field through `csvField`, each
/// line ending in a newline. Formatting numbers is the caller's job (the writer takes text).
public func csvDocument(header: [String], rows: [[String]]) -> String {
    ([header] + rows).map { $0.map(csvField).joined(separator: ",") + "\n" }.joined()
}
