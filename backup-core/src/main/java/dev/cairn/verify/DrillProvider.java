package dev.cairn.verify;

import java.util.Map;

/**
 * Drills for a source kind ({@code fs}, {@code mysql}…), found through
 * {@link java.util.ServiceLoader}. {@code scratch} names the scratch target (a directory, a
 * server URI) or is null for the provider's default; secrets come from {@code env}.
 */
public interface DrillProvider {
    /** The snapshot source kind drilled ({@link dev.cairn.snapshot.Snapshot#sourceKind()}). */
    String sourceKind();

    Drill create(String scratch, Map<String, String> env);
}
