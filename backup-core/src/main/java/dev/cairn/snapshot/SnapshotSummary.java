package dev.cairn.snapshot;

import java.util.List;

/**
 * Figures of one backup run. Immutable.
 *
 * @param files          regular files and streams in the snapshot
 * @param dirs           directories in the snapshot
 * @param bytesTotal     size of all file contents in the snapshot
 * @param bytesRead      bytes actually read from the source (unchanged files are not read)
 * @param dataBlobsAdded new data blobs stored
 * @param treeBlobsAdded new tree blobs stored
 * @param bytesAdded     plaintext bytes of the new blobs
 * @param bytesStored    bytes the new blobs take in the repository (compressed and encrypted)
 * @param partial        true when some entries could not be read or changed while read
 * @param errors         one line per entry that could not be backed up faithfully
 */
public record SnapshotSummary(long files, long dirs, long bytesTotal, long bytesRead, long dataBlobsAdded,
                              long treeBlobsAdded, long bytesAdded, long bytesStored, long durationMillis,
                              boolean partial, List<String> errors) {
    public SnapshotSummary {
        errors = List.copyOf(errors);
    }
}
