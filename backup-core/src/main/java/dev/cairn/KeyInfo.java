package dev.cairn;

import java.time.Instant;

/**
 * One key of a repository (a way in: a password). Immutable.
 *
 * @param current true for the key this {@link Repository} was opened with
 */
public record KeyInfo(String id, Instant created, String host, String username, boolean current) {
    public String shortId() {
        return id.substring(0, 8);
    }
}
