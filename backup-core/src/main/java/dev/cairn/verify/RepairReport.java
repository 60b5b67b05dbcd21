package dev.cairn.verify;

import java.util.List;

/**
 * The outcome of a repair. Immutable.
 *
 * @param changed one line per object written or removed ("snapshot 1a2b3c4d rewritten as 5e6f7a8b")
 * @param lost    one line per file or directory dropped because its data is gone
 */
public record RepairReport(List<String> changed, List<String> lost) {
    public RepairReport {
        changed = List.copyOf(changed);
        lost = List.copyOf(lost);
    }
}
