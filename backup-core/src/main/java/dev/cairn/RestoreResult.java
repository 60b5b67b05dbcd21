package dev.cairn;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of a restore. Immutable.
 *
 * @param warnings entries restored imperfectly or skipped (metadata that could not be set,
 *                 device files)
 */
public record RestoreResult(long files, long dirs, long bytes, Duration duration, List<String> warnings) {
    public RestoreResult {
        warnings = List.copyOf(warnings);
    }
}
