import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes connections whose client stalls, and refuses connections beyond a limit — so that slow or
/// silent clients (slow-loris) cannot hold the server's sockets and file handles for ever.
///
/// One per connection, after HTTP decoding. Timers:
/// - waiting for a request's head (a new connection, or between keep-alive requests): `headerTimeout`
///   in all — a client that sends nothing, or only part of its headers, is closed;
/// - receiving a body: `bodyIdleTimeout` between two pieces — a slow but steady upload goes on, a
///   stalled one is closed;
/// - while the server handles a request (restoring can take long) and writes the answer: none.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let headerTimeout: TimeAmount
    let bodyIdleTimeout: TimeAmount
    let connections: ConnectionCount
    private var timer: Scheduled<Void>?
    private var counted = false

    init(headerTimeout: TimeAmount, bodyIdleTimeout: TimeAmount, connections: ConnectionCount) {
        self.headerTimeout = headerTimeout
        self.bodyIdleTimeout = bodyIdleTimeout
        self.connections = connections
    }

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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head, .body: arm(context, bodyIdleTimeout)
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // The answer is complete: the connection now waits for its next request's head.
            arm(context, headerTimeout)
        }
        context.write(data, promise: promise)
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
