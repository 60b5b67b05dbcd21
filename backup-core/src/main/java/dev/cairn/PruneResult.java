package dev.cairn;

import java.util.List;

/**
 * The outcome of {@code prune}. Immutable.
 *
 * @param packsDeleted     packs removed (wholly unused, or emptied by repacking)
 * @param packsRepacked    partly used packs whose live blobs were copied into new packs
 * @param packsKept        packs left as they are
 * @param packsTooYoung    unused packs younger than the grace period, left for a later prune
 * @param bytesFreed       stored bytes removed
 * @param bytesRepacked    stored bytes of live blobs copied
 * @param blobsRemoved     blobs dropped from the index
 * @param dryRun           true when nothing was changed
 * @param messages         one line per notable action or finding
 */
public record PruneResult(int packsDeleted, int packsRepacked, int packsKept, int packsTooYoung, long bytesFreed,
                          long bytesRepacked, long blobsRemoved, boolean dryRun, List<String> messages) {
    public PruneResult {
        messages = List.copyOf(messages);
    }
}
