import Foundation
import Testing
@testable import Datasets
import Blur
import ImageCore
import ImageIO

@Suite("The built-in split (scikit-image + wallpaper photographs)")
struct BuiltinSplitTests {
    @Test("seed 0: 8 test scenes including astronaut and hubble_deep_field, the old training scenes on the training side, 2 validation scenes that are neither texture nor defocus; disjoint, deterministic")
    func builtinSplit() throws {
        let tags = try CommittedLists.builtinTags()
        #expect(tags.count == 42)
        let scenes = Array(tags.keys)
        let split = try SceneSplit(scenes: scenes, tags: tags, seed: 0)
        #expect(split.testScenes.count >= 8)
        #expect(split.testScenes.isSuperset(of: ["astronaut", "hubble_deep_field"]))
        #expect(split.trainScenes.isSuperset(of: ["brick", "camera", "chelsea", "coffee", "coins", "grass", "gravel", "rocket"]))
        #expect(split.trainScenes.isDisjoint(with: split.testScenes))
        #expect(split.trainScenes.union(split.testScenes) == Set(scenes))
        #expect((1 ... 2).contains(split.validationScenes.count))
        #expect(split.validationScenes.isSubset(of: split.trainScenes))
        for v in split.validationScenes {
            #expect(!(tags[v] ?? []).contains("texture") && !(tags[v] ?? []).contains("defocus"), "\(v)")
        }
        #expect(try SceneSplit(scenes: scenes.reversed(), tags: tags, seed: 0) == split)
        // Recorded so a change of list or rule shows up here first (the baselines depend on it).
        #expect(split.testScenes == Self.seed0Test, "test scenes are now \(split.testScenes.sorted())")
        #expect(split.validationScenes == Self.seed0Validation, "validation scenes are now \(split.validationScenes.sorted())")
        // Which test scenes have large defocused regions (reported in README "Data").
        let defocused = split.testScenes.filter { tags[$0]?.contains("defocus") == true }
        #expect(defocused == Self.seed0DefocusedTest, "defocused test scenes are now \(defocused.sorted())")
    }

    static let seed0Test: Set<String> = ["astronaut", "facade", "hubble_deep_field", "meadow", "nuthatch", "stream", "water_drop", "wine"]
    static let seed0Validation: Set<String> = ["lake_dawn", "pier"]
    static let seed0DefocusedTest: Set<String> = ["nuthatch", "water_drop"]

    @Test("other seeds keep the pinned scenes on their sides and move the rest")
    func seeds() throws {
        let tags = try CommittedLists.builtinTags()
        var tests: Set<Set<String>> = []
        for seed: UInt64 in 1 ... 5 {
            let s = try SceneSplit(scenes: Array(tags.keys), tags: tags, seed: seed)
            #expect(s.testScenes.isSuperset(of: ["astronaut", "hubble_deep_field"]) && s.testScenes.count == 8)
            #expect(s.trainScenes.isSuperset(of: ["camera", "chelsea", "grass"]))
            tests.insert(s.testScenes)
        }
        #expect(tests.count == 5)
    }

    @Test("without tags the split is the untagged one, with no validation scenes")
    func untagged() throws {
        let scenes = (0 ..< 20).map { "s\($0)" }
        let a = try SceneSplit(scenes: scenes, seed: 4), b = try SceneSplit(scenes: scenes, tags: [:], seed: 4)
        #expect(a == b && a.validationScenes.isEmpty && a.testScenes.count == 4)
    }

    @Test("pinned scenes stay on their side even when they outnumber the fraction")
    func manyPinned() throws {
        let both: [String: Set<String>] = ["a": ["test"], "b": ["train"], "c": ["train"], "d": [], "e": [], "f": []]
        let p = try SceneSplit(scenes: ["a", "b", "c", "d", "e", "f"], tags: both, seed: 3, trainFraction: 0.5)
        #expect(p.testScenes.contains("a") && p.trainScenes.isSuperset(of: ["b", "c"]) && p.trainScenes.count == 3)
        #expect(p.validationScenes.count == 1 && p.validationScenes.isDisjoint(with: ["b", "c"]))
        let tags: [String: Set<String>] = ["a": ["test"], "b": ["test"], "c": ["test"], "d": [], "e": ["texture"]]
        let s = try SceneSplit(scenes: ["a", "b", "c", "d", "e"], tags: tags, seed: 0, trainFraction: 0.8)
        #expect(s.testScenes.isSuperset(of: ["a", "b", "c"]))
        #expect(s.trainScenes == ["d", "e"])
        #expect(s.validationScenes == ["d"])   // e is a texture; at least one scene keeps training
    }

    @Test("a folder's scenes.tsv reaches the dataset, the tagged split and the degradation manifest")
    func tagsReachTheManifest() throws {
        let root = try makeTree([])
        for name in ["a", "b", "c", "d", "e"] {
            try writeImage(Image(channels: 1, height: 12, width: 12, value: 0.5), to: root.appendingPathComponent("\(name).png").path)
        }
        try "# scene\ttags\na\ttest,defocus\nb\ttrain\nc\t-\n".write(to: root.appendingPathComponent("scenes.tsv"), atomically: true, encoding: .utf8)
        let ds = try loadDataset(at: root.path)
        #expect(ds.sceneTags["a"] == ["test", "defocus"] && ds.sceneTags["c"] == [])
        let split = try SceneSplit(dataset: ds, seed: 0)
        #expect(split.testScenes.contains("a") && split.trainScenes.contains("b"))
        let manifest = try writeSyntheticSet(from: ds, psf: "motion:3,0", options: DegradationOptions(), seed: 0, split: split,
                                             side: nil, to: try makeTree([]), tool: "test").manifest
        #expect(manifest.items.first { $0.scene == "a" }?.sceneTags == ["defocus", "test"])
        #expect(manifest.items.first { $0.scene == "d" }?.sceneTags == nil)
    }
}
