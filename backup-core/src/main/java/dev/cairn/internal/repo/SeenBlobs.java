package dev.cairn.internal.repo;

import dev.cairn.internal.util.Id;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * Blob ids met during a walk of snapshots (check, prune's mark): a bit per position in a
 * {@link BlobIndex} (a set of ids took ~100 bytes per blob of a repository of 500,000 files), and
 * a set for the few the index does not hold. Not thread-safe.
 */
public final class SeenBlobs {
    private final BlobIndex index;
    private final BitSet indexed;
    private final Set<Id> other = new HashSet<>();

    public SeenBlobs(BlobIndex index) {
        this.index = index;
        this.indexed = new BitSet(index.size());
    }

    /** Whether {@code id} was not seen before (and now is). */
    public boolean add(Id id) {
        int at = index.position(id);
        if (at < 0) {
            return other.add(id);
        }
        if (indexed.get(at)) {
            return false;
        }
        indexed.set(at);
        return true;
    }

    /** Whether the blob at {@code position} in the index was seen. */
    public boolean seenAt(int position) {
        return indexed.get(position);
    }

    public int size() {
        return indexed.cardinality() + other.size();
    }
}
