import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes connections whose client stalls, and refuses connections beyond a limit — so that slow or
/// silent clients (slow-loris) cannot hold the server's sockets and file handles for ever.
///
/// One per connection, after HTTP decoding. A clock runs **only while the server is waiting for the
/// client**: from the moment the server asks for more bytes (an outbound `read`) until the client's next
/// request part arrives. When the server is not asking — it is restoring, writing its answer, or its
/// handler has not yet taken the body pieces already received (backpressure: the socket is then not
/// read at all) — nothing is timed, so a busy server never cuts a client for its own slowness.
/// - waiting for a request's head (a new connection, or between keep-alive requests): `headerTimeout`
///   in all — a client that sends nothing, or only part of its headers, is closed;
/// - receiving a body: `bodyIdleTimeout` for each piece the server asks for — a slow but steady upload
///   goes on, a stalled one is closed;
/// - while the server handles a request and writes the answer: none.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Where the connection is in its request–answer cycle.
    enum Phase { case awaitingHead, receivingBody, handling }

    let headerTimeout: TimeAmount
    let bodyIdleTimeout: TimeAmount
    let connections: ConnectionCount
    private(set) var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?
    /// The server has asked for bytes (`read`) and none have arrived since (`channelReadComplete`).
    private var readPending = false
    private var counted = false

    init(headerTimeout: TimeAmount, bodyIdleTimeout: TimeAmount, connections: ConnectionCount) {
        self.headerTimeout = headerTimeout
        self.bodyIdleTimeout = bodyIdleTimeout
        self.connections = connections
    }

    /// True while a clock runs (for the tests).
    var isTiming: Bool { timer != nil }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard !counted, context.channel.isActive else { return }
        counted = connections.open()
        guard counted else {
            // Over the limit: refuse at once rather than let the newest connection starve the others.
            context.close(promise: nil)
            return
        }
        // A new connection owes its head from now on, whether or not a read has been issued yet.
        arm(context, headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        if counted { connections.close(); counted = false }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        if counted { connections.close(); counted = false }
    }

    // Outbound: the server asks for more bytes.
    func read(context: ChannelHandlerContext) {
        readPending = true
        armForPendingRead(context)
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            disarm()
            phase = .receivingBody
        case .body:
            disarm()   // the next read the server issues starts the next piece's clock
        case .end:
            disarm()
            phase = .handling
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Bytes arrived for the read. While a head is awaited the clock is total, so it keeps running
        // (a client dribbling its headers is still closed); a body piece stopped it in channelRead.
        readPending = false
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // The answer is complete: the connection now waits for its next request's head. A read the
            // server issued while handling is still pending, so the clock starts now.
            phase = .awaitingHead
            if readPending { arm(context, headerTimeout) }
        }
        context.write(data, promise: promise)
    }

    private func armForPendingRead(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }   // a clock already runs (the head's total one, or this piece's)
        switch phase {
        case .awaitingHead: arm(context, headerTimeout)
        case .receivingBody: arm(context, bodyIdleTimeout)
        case .handling: break   // a pipelined next request: not the client's turn yet
        }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        disarm()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Open connections, shared by every connection's `SlowClientGuard`.
final class ConnectionCount: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection; false (and not counted) when the limit is reached.
    func open() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < limit else { return false }
        count += 1
        return true
    }

    func close() {
        lock.lock()
        count -= 1
        lock.unlock()
    }

    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// Raises this process's soft limit of open files to its hard limit (often 1024 → 524288), so that
/// `maxConnections`, not the handle limit, decides how many clients the server holds.
public func raiseOpenFileLimit() {
    var limit = rlimit()
    if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
