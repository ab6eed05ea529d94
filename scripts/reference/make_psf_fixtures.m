% Reference PSF weights for Tests/BlurTests from an independent implementation:
% GNU Octave's image package, fspecial("disk", r) (exact pixel coverage of the disk, normalised).
% Run from the repository root:
%   octave --no-gui -q scripts/reference/make_psf_fixtures.m
% (Debian: apt-get install octave octave-image). Writes Tests/BlurTests/Fixtures/disk_reference.json.
pkg load image
radii = [5, 1, 2, 3, 8];  % this Octave image package accepts integer radii only
fid = fopen("Tests/BlurTests/Fixtures/disk_reference.json", "w");
fprintf(fid, "{\n \"tool\": \"GNU Octave %s, image package %s, fspecial('disk', r)\",\n", version(), pkg("describe", "image"){1}.version);
fprintf(fid, " \"command\": \"octave --no-gui -q scripts/reference/make_psf_fixtures.m\",\n \"kernels\": [\n");
for k = 1:numel(radii)
  h = fspecial("disk", radii(k));
  fprintf(fid, "  {\"radius\": %.17g, \"size\": %d, \"weights\": [", radii(k), rows(h));
  v = h';  % row-major
  fprintf(fid, "%.17g,", v(1:end-1));
  fprintf(fid, "%.17g]}", v(end));
  if k < numel(radii) fprintf(fid, ",\n"); else fprintf(fid, "\n"); end
end
fprintf(fid, " ]\n}\n");
fclose(fid);
