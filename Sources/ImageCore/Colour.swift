extension Image {
    /// ITU-R BT.601 luma weights, as MATLAB `rgb2gray` (0.298936, 0.587043, 0.114021 after
    /// its rounding; we keep the exact BT.601 coefficients 0.299, 0.587, 0.114).
    public static let bt601: (r: Float, g: Float, b: Float) = (0.299, 0.587, 0.114)

    /// Luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601). A one-channel image is returned as is.
    /// - Throws: `ImageCoreError.channelCount` for images that are neither gray nor RGB.
    public func luma() throws -> Image {
        if channels == 1 { return self }
        guard channels == 3 else { throw ImageCoreError.channelCount(expected: "1 or 3", actual: channels) }
        let n = planeSize
        var out = Image(channels: 1, height: height, width: width)
        let (wr, wg, wb) = Image.bt601
        for i in 0 ..< n {
            out.pixels[i] = wr * pixels[i] + wg * pixels[n + i] + wb * pixels[2 * n + i]
        }
        return out
    }

    /// A three-channel copy of a gray image (RGB images are returned as is).
    public func rgb() throws -> Image {
        if channels == 3 { return self }
        guard channels == 1 else { throw ImageCoreError.channelCount(expected: "1 or 3", actual: channels) }
        return Image(channels: 3, height: height, width: width, pixels: pixels + pixels + pixels)
    }
}
