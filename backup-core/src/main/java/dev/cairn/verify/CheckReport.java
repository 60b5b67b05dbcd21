package dev.cairn.verify;

import java.util.List;

/**
 * The outcome of {@code check}. Immutable.
 *
 * @param snapshots     snapshots checked
 * @param trees         distinct trees read
 * @param blobs         distinct blobs referenced by snapshots
 * @param packs         packs in the repository
 * @param packsRead     packs downloaded and verified blob by blob ({@code --read-data})
 * @param bytesRead     bytes downloaded for that
 * @param errors        damage: each line names the object and, where known, what depends on it
 * @param warnings      harmless findings (packs no index names: a running or interrupted backup's, or
 *                      set aside by prune until its grace period ends)
 * @param damagedPacks  packs that failed verification, with the snapshots and files they hold data of
 */
public record CheckReport(int snapshots, long trees, long blobs, int packs, int packsRead, long bytesRead,
                          List<String> errors, List<String> warnings, List<DamagedPack> damagedPacks) {
    public CheckReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        damagedPacks = List.copyOf(damagedPacks);
    }

    /** True when no damage was found. */
    public boolean ok() {
        return errors.isEmpty() && damagedPacks.isEmpty();
    }

    /**
     * A pack that failed verification.
     *
     * @param files "snapshot-short-id:path" of every file with data in this pack
     */
    public record DamagedPack(String pack, String problem, List<String> snapshots, List<String> files) {
        public DamagedPack {
            snapshots = List.copyOf(snapshots);
            files = List.copyOf(files);
        }
    }
}
