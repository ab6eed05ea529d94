import Foundation

/// Lowers the learning rate when a monitored metric stops improving, with Keras's semantics
/// (`keras.callbacks.ReduceLROnPlateau`): after each epoch,
///
///     if cooling down: cooldownCounter −= 1, wait = 0
///     if improved (min: metric < best − minDelta; max: metric > best + minDelta): best = metric, wait = 0
///     else if not cooling down: wait += 1; if wait ≥ patience and lr > minLearningRate:
///         lr = max(lr·factor, minLearningRate); cooldownCounter = cooldown; wait = 0
///
/// `Codable` so a checkpoint can carry its state and `--resume` continues exactly.
public struct ReduceLROnPlateau: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable { case min, max }

    public var factor: Double
    public var patience: Int
    public var minLearningRate: Double
    public var cooldown: Int
    public var minDelta: Double
    public var mode: Mode
    /// Best metric so far (nil before the first epoch).
    public private(set) var best: Double?
    /// Epochs without improvement.
    public private(set) var wait = 0
    /// Epochs of cooldown left.
    public private(set) var cooldownCounter = 0

    /// Keras defaults: factor 0.1, patience 10, min_lr 0, cooldown 0, min_delta 1e-4, mode min.
    public init(factor: Double = 0.1, patience: Int = 10, minLearningRate: Double = 0, cooldown: Int = 0,
                minDelta: Double = 1e-4, mode: Mode = .min) {
        precondition(factor < 1 && factor > 0, "ReduceLROnPlateau factor must be in (0, 1), got \(factor)")
        self.factor = factor
        self.patience = patience
        self.minLearningRate = minLearningRate
        self.cooldown = cooldown
        self.minDelta = minDelta
        self.mode = mode
    }

    /// Counts epochs without improvement afresh, keeping the best metric: a run continued with a new
    /// learning rate gets `patience` epochs at that rate before the first cut.
    public mutating func restartWaiting() {
        wait = 0
        cooldownCounter = 0
    }

    /// Records one epoch's `metric` and returns the learning rate to use next.
    public mutating func update(metric: Double, learningRate: Float) -> Float {
        var lr = learningRate
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        let improved: Bool
        if let best {
            improved = mode == .min ? metric < best - minDelta : metric > best + minDelta
        } else {
            improved = true
        }
        if improved {
            best = metric
            wait = 0
        } else if cooldownCounter == 0 {
            wait += 1
            if wait >= patience {
                if Double(lr) > minLearningRate {
                    lr = Float(max(Double(lr) * factor, minLearningRate))
                    cooldownCounter = cooldown
                    wait = 0
                }
            }
        }
        return lr
    }
}

/// Cosine annealing (Loshchilov & Hutter 2017, SGDR without restarts) with optional linear warm-up:
///
///     lr(t) = base·(t + 1)/warmup                                       for t < warmup
///     lr(t) = min + ½(base − min)(1 + cos(π·(t − warmup)/(total − warmup)))   after, clamped at t = total
public struct CosineSchedule: Codable, Equatable, Sendable {
    public var baseLearningRate: Float
    public var minLearningRate: Float
    public var totalSteps: Int
    public var warmupSteps: Int

    public init(baseLearningRate: Float, minLearningRate: Float = 0, totalSteps: Int, warmupSteps: Int = 0) {
        precondition(totalSteps > warmupSteps && warmupSteps >= 0,
                     "CosineSchedule needs totalSteps > warmupSteps ≥ 0, got \(totalSteps), \(warmupSteps)")
        self.baseLearningRate = baseLearningRate
        self.minLearningRate = minLearningRate
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
    }

    /// The learning rate for step `t` (0-based).
    public func learningRate(at t: Int) -> Float {
        if t < warmupSteps { return baseLearningRate * Float(t + 1) / Float(warmupSteps) }
        let progress = min(1, Double(t - warmupSteps) / Double(totalSteps - warmupSteps))
        return minLearningRate + Float(0.5 * (1 + cos(Double.pi * progress))) * (baseLearningRate - minLearningRate)
    }
}
